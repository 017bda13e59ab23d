//! Permission keys and how a granted set answers "may I do X?".
//!
//! A grant is either `*` (everything), an exact key (`users.read`) or a domain wildcard
//! (`users.*`, which covers every key that starts with `users.`). Several required keys in one
//! check are AND-ed.

use std::collections::BTreeMap;
use std::collections::BTreeSet;

pub const ALL: &str = "*";
pub const USERS_READ: &str = "users.read";
pub const USERS_WRITE: &str = "users.write";
pub const USERS_DELETE: &str = "users.delete";
pub const GLOBAL_ROLES_READ: &str = "global_roles.read";
pub const GLOBAL_ROLES_WRITE: &str = "global_roles.write";
pub const GLOBAL_ROLES_ASSIGN: &str = "global_roles.assign";
/// Operating the installation: durable consumers, their lag and dead letters.
pub const SYSTEM_READ: &str = "system.read";
pub const SYSTEM_WRITE: &str = "system.write";

/// Longest permission key a role may hold.
pub const MAX_KEY_LEN: usize = 128;

/// A role's permissions as stored: `{"key": true}`. Keys mapped to `false` are kept (the role
/// editor shows them) but grant nothing.
pub type PermissionMap = BTreeMap<String, bool>;

/// The keys a principal holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PermissionSet(BTreeSet<String>);

impl PermissionSet {
    /// The keys whose value is `true`.
    pub fn from_map(map: &PermissionMap) -> Self {
        Self(
            map.iter()
                .filter(|(_, granted)| **granted)
                .map(|(key, _)| key.clone())
                .collect(),
        )
    }

    /// Whether `required` is granted, directly or by a wildcard.
    pub fn grants(&self, required: &str) -> bool {
        if self.0.contains(ALL) || self.0.contains(required) {
            return true;
        }
        self.0.iter().any(|granted| key_grants(granted, required))
    }

    /// Whether every key in `required` is granted.
    pub fn grants_all(&self, required: &[&str]) -> bool {
        required.iter().all(|key| self.grants(key))
    }

    /// The granted keys, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

/// Whether a stored map grants `required` (its `true` keys, as [`PermissionSet::grants`]),
/// without building the set.
pub fn map_grants(map: &PermissionMap, required: &str) -> bool {
    map.iter()
        .any(|(key, granted)| *granted && key_grants(key, required))
}

/// Whether one granted key covers `required`: `*`, the key itself, or its domain wildcard.
fn key_grants(granted: &str, required: &str) -> bool {
    granted == ALL
        || granted == required
        || granted
            .strip_suffix('*')
            .is_some_and(|prefix| prefix.ends_with('.') && required.starts_with(prefix))
}

/// Checks a permission key's shape: lowercase segments of `[a-z0-9_]` separated by dots, the
/// last of which may be `*`; or `*` alone.
pub fn validate_key(key: &str) -> Result<(), String> {
    if key == ALL {
        return Ok(());
    }
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(format!(
            "permission key must be 1 to {MAX_KEY_LEN} characters"
        ));
    }
    let segments: Vec<&str> = key.split('.').collect();
    for (i, segment) in segments.iter().enumerate() {
        let is_last = i + 1 == segments.len();
        let ok = if *segment == "*" {
            is_last && i > 0
        } else {
            !segment.is_empty()
                && segment
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        };
        if !ok {
            return Err(format!("invalid permission key {key:?}"));
        }
    }
    Ok(())
}

/// The global roles every installation has. They cannot be renamed or deleted, and
/// `SUPER_ADMIN` always holds `*`.
pub mod defaults {
    pub const SUPER_ADMIN: &str = "SUPER_ADMIN";
    pub const ADMIN: &str = "ADMIN";
    pub const USER: &str = "USER";

    /// `(name, granted keys)` of the system roles, as Paca seeds them.
    pub const GLOBAL_ROLES: [(&str, &[&str]); 3] = [
        (SUPER_ADMIN, &["*"]),
        (ADMIN, &["users.*", "global_roles.*", "projects.*"]),
        (USER, &["users.read"]),
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(keys: &[&str]) -> PermissionSet {
        PermissionSet::from_map(&keys.iter().map(|k| (k.to_string(), true)).collect())
    }

    #[test]
    fn star_grants_everything() {
        assert!(set(&["*"]).grants("users.read"));
        assert!(set(&["*"]).grants("project.members.write"));
    }

    #[test]
    fn exact_and_domain_wildcards() {
        let s = set(&["users.*", "tasks.read"]);
        assert!(s.grants("users.read"));
        assert!(s.grants("users.delete"));
        assert!(s.grants("tasks.read"));
        assert!(!s.grants("tasks.write"));
        assert!(!s.grants("usersx.read"));
        assert!(set(&["project.*"]).grants("project.members.read"));
    }

    #[test]
    fn false_values_grant_nothing() {
        let mut map = PermissionMap::new();
        map.insert("users.read".into(), false);
        assert!(!PermissionSet::from_map(&map).grants("users.read"));
    }

    #[test]
    fn grants_all_is_and() {
        let s = set(&["users.read"]);
        assert!(s.grants_all(&["users.read"]));
        assert!(!s.grants_all(&["users.read", "users.write"]));
    }

    #[test]
    fn key_shapes() {
        for ok in [
            "*",
            "users.read",
            "users.*",
            "project.members.read",
            "checklist.items-edit",
        ] {
            assert!(validate_key(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "Users.read",
            "users.",
            ".read",
            "*.read",
            "users read",
            "a.*.b",
        ] {
            assert!(validate_key(bad).is_err(), "{bad}");
        }
    }
}
