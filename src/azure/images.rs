//! Jump-box images: Azure Marketplace image references of Generation 2 images (required by
//! Trusted Launch). Source: Microsoft Learn, "Find Azure Marketplace image information using the
//! Azure CLI" (`az vm image list --publisher Canonical --offer ubuntu-24_04-lts`, and
//! `--publisher MicrosoftWindowsServer --offer WindowsServer`), and "Trusted launch for Azure
//! virtual machines" (Gen2 images only).

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Os {
    Linux,
    Windows,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Image {
    /// The topology's name for it.
    pub key: &'static str,
    pub os: Os,
    pub publisher: &'static str,
    pub offer: &'static str,
    pub sku: &'static str,
}

pub const IMAGES: &[Image] = &[
    Image {
        key: "ubuntu-24.04",
        os: Os::Linux,
        publisher: "Canonical",
        offer: "ubuntu-24_04-lts",
        sku: "server",
    },
    Image {
        key: "ubuntu-22.04",
        os: Os::Linux,
        publisher: "Canonical",
        offer: "0001-com-ubuntu-server-jammy",
        sku: "22_04-lts-gen2",
    },
    Image {
        key: "windows-2022",
        os: Os::Windows,
        publisher: "MicrosoftWindowsServer",
        offer: "WindowsServer",
        sku: "2022-datacenter-azure-edition",
    },
];

pub const DEFAULT: &str = "ubuntu-24.04";

pub fn find(key: &str) -> Option<&'static Image> {
    IMAGES.iter().find(|i| i.key == key)
}
