//! Management locks (`Microsoft.Authorization/locks`).
//!
//! Sources: Microsoft Learn, "Lock your resources to protect your infrastructure" (a
//! CanNotDelete lock lets authorized users read and modify a resource but not delete it; a lock
//! applies to the resource and everything below it; deleting the lock needs
//! `Microsoft.Authorization/locks/delete`, which Owner and User Access Administrator have), the
//! official schema `Microsoft.Authorization` 2020-05-01 (`level`: NotSpecified, CanNotDelete,
//! ReadOnly; `notes`: at most 512 characters), and the template reference of
//! Microsoft.Authorization/locks (name: 1 to 90 letters, digits, periods, underscores, hyphens and
//! parentheses, not ending with a period).

/// The level of the locks the compiler writes: nobody deletes, everyone authorized may still
/// change (a ReadOnly lock would also stop the next deployment).
pub const LEVEL: &str = "CanNotDelete";
/// The longest `notes` Azure stores.
pub const NOTES_MAX: usize = 512;
/// The longest lock name.
pub const NAME_MAX: usize = 90;

/// Whether `name` is a lock name Azure accepts.
pub fn is_valid_name(name: &str) -> bool {
    let len = name.chars().count();
    (1..=NAME_MAX).contains(&len)
        && !name.ends_with('.')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '(' | ')'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_names() {
        assert!(is_valid_name("do-not-delete"));
        assert!(!is_valid_name(""));
        assert!(!is_valid_name("a/b"));
        assert!(!is_valid_name("end."));
        assert!(!is_valid_name(&"x".repeat(91)));
    }
}
