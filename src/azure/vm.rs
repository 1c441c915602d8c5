//! Virtual machine facts: the admin user names Azure refuses, and the Entra ID sign-in extensions.

/// Source: Microsoft Learn, "Azure VM FAQ" (usernames that Azure refuses for VMs).
pub const RESERVED_USERNAMES: &[&str] = &[
    "administrator",
    "admin",
    "user",
    "user1",
    "test",
    "user2",
    "test1",
    "user3",
    "admin1",
    "1",
    "123",
    "a",
    "actuser",
    "adm",
    "admin2",
    "aspnet",
    "backup",
    "console",
    "david",
    "guest",
    "john",
    "owner",
    "root",
    "server",
    "sql",
    "support",
    "support_388945a0",
    "sys",
    "test2",
    "test3",
    "user4",
    "user5",
];

/// A VM extension: its publisher, type and handler version (major.minor; Azure installs the newest
/// build of it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extension {
    pub publisher: &'static str,
    pub kind: &'static str,
    pub version: &'static str,
}

/// Entra ID sign-in over SSH for Linux VMs. Source: Microsoft Learn, "Sign in to a Linux virtual
/// machine in Azure by using Microsoft Entra ID and OpenSSH" (`az vm extension set --publisher
/// Microsoft.Azure.ActiveDirectory --name AADSSHLoginForLinux`, installed as typeHandlerVersion
/// 1.0; it needs a system-assigned managed identity and outbound HTTPS to packages.microsoft.com,
/// login.microsoftonline.com and pas.windows.net, so it cannot install without outbound Internet).
pub const ENTRA_LOGIN_LINUX: Extension = Extension {
    publisher: "Microsoft.Azure.ActiveDirectory",
    kind: "AADSSHLoginForLinux",
    version: "1.0",
};

/// Entra ID sign-in over RDP for Windows VMs. Source: Microsoft Learn, "Sign in to a Windows
/// virtual machine in Azure by using Microsoft Entra ID" (template sample: publisher
/// Microsoft.Azure.ActiveDirectory, type AADLoginForWindows, typeHandlerVersion 1.0,
/// autoUpgradeMinorVersion; a system-assigned managed identity first; outbound HTTPS to
/// enterpriseregistration.windows.net, login.microsoftonline.com and pas.windows.net).
pub const ENTRA_LOGIN_WINDOWS: Extension = Extension {
    publisher: "Microsoft.Azure.ActiveDirectory",
    kind: "AADLoginForWindows",
    version: "1.0",
};
