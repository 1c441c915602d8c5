//! Azure RBAC facts: the built-in roles the topology can name, the principal types a role
//! assignment takes, and the role assignment's own resource type.
//!
//! Role definition IDs are the same in every subscription and cloud. Source: Microsoft Learn,
//! "Azure built-in roles" (learn.microsoft.com/azure/role-based-access-control/built-in-roles),
//! sections "AI + machine learning" (Cognitive Services OpenAI User, Cognitive Services OpenAI
//! Contributor, Cognitive Services User, Azure AI User) and "Compute" (Virtual Machine User
//! Login, Virtual Machine Administrator Login); which of them may call the inference API:
//! "Role-based access control for Azure OpenAI" (the Cognitive Services Contributor role cannot,
//! so it is not offered here).

/// A built-in role: the topology's name for it, Azure's name, and its role definition ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Role {
    pub key: &'static str,
    pub name: &'static str,
    pub id: &'static str,
}

/// Calls the inference API (chat, completions, embeddings, images) and reads deployments; no
/// keys, no management. The default for the jump box and for `role_assignments`.
pub const OPENAI_USER: Role = Role {
    key: "openai-user",
    name: "Cognitive Services OpenAI User",
    id: "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
};

/// The roles a topology may grant on the account, by the names TOPOLOGY.md gives them.
pub const ACCOUNT_ROLES: &[Role] = &[
    OPENAI_USER,
    Role {
        key: "openai-contributor",
        name: "Cognitive Services OpenAI Contributor",
        id: "a001fd3d-188f-4b5d-821b-7da978bf7442",
    },
    Role {
        key: "cognitive-services-user",
        name: "Cognitive Services User",
        id: "a97b65f3-24c7-4388-baec-2e87135dc908",
    },
    Role {
        key: "ai-user",
        name: "Azure AI User",
        id: "53ca6127-db72-4b80-b1b0-d745d6d5456d",
    },
];

/// Sign in to a VM with Entra ID as a regular user (`jumpbox.login`).
pub const VM_USER_LOGIN: Role = Role {
    key: "vm-user-login",
    name: "Virtual Machine User Login",
    id: "fb879df8-f326-4884-b1cf-06f3ad86be52",
};

/// Sign in to a VM with Entra ID as an administrator (`jumpbox.login` with `admin: true`).
pub const VM_ADMIN_LOGIN: Role = Role {
    key: "vm-admin-login",
    name: "Virtual Machine Administrator Login",
    id: "1c0163c0-47e6-4577-8991-ea5c82e286e4",
};

/// The principal types a role assignment states, so that Azure does not look the principal up in
/// a directory replica that may not have it yet (a new managed identity fails with
/// PrincipalNotFound otherwise). Source: Microsoft Learn, "Assign Azure roles using Azure Resource
/// Manager templates" (principalType) and the 2022-04-01 schema of
/// Microsoft.Authorization/roleAssignments (`principalType`; ForeignGroup and Device are left out:
/// they are not what a topology grants).
pub const PRINCIPAL_TYPES: &[&str] = &["User", "Group", "ServicePrincipal"];

/// A managed identity is a service principal.
pub const MANAGED_IDENTITY_PRINCIPAL_TYPE: &str = "ServicePrincipal";

/// The resource type of role definitions, whose IDs role assignments name
/// (`subscriptionResourceId('Microsoft.Authorization/roleDefinitions', id)`).
pub const ROLE_DEFINITIONS: &str = "Microsoft.Authorization/roleDefinitions";

/// A built-in role of `ACCOUNT_ROLES` by its topology name.
pub fn account_role(key: &str) -> Option<&'static Role> {
    ACCOUNT_ROLES.iter().find(|r| r.key.eq_ignore_ascii_case(key))
}

/// A built-in role known here by its role definition ID (any case).
pub fn by_id(id: &str) -> Option<&'static Role> {
    ACCOUNT_ROLES
        .iter()
        .chain([&VM_USER_LOGIN, &VM_ADMIN_LOGIN])
        .find(|r| r.id.eq_ignore_ascii_case(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_ids_are_lowercase_guids_and_distinct() {
        let all: Vec<&Role> = ACCOUNT_ROLES.iter().chain([&VM_USER_LOGIN, &VM_ADMIN_LOGIN]).collect();
        for r in &all {
            assert!(crate::check::is_guid(r.id), "{}", r.id);
            assert_eq!(r.id, r.id.to_ascii_lowercase());
            assert_eq!(by_id(&r.id.to_ascii_uppercase()), Some(*r));
        }
        let mut ids: Vec<&str> = all.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all.len());
        assert_eq!(account_role("OpenAI-User"), Some(&OPENAI_USER));
    }
}
