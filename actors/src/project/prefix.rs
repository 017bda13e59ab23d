//! Task id prefixes: `^[A-Z0-9]{1,10}$`, suggested from the project name when not given
//! (Paca's rule: the first four letters of a one-word name, else the initials of up to four
//! words, else `PROJ`).

use crate::error::{Error, Result, codes};

pub fn suggest(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .collect();
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    let prefix: String = match words.as_slice() {
        [] => return "PROJ".into(),
        [word] => word
            .chars()
            .filter(|c| c.is_alphanumeric())
            .take(4)
            .collect(),
        words => words
            .iter()
            .take(4)
            .filter_map(|w| w.chars().find(|c| c.is_alphanumeric()))
            .collect(),
    };
    prefix.to_uppercase()
}

/// The prefix to use: the given one (trimmed, uppercased) or a suggestion from the name.
pub fn resolve(given: Option<&str>, name: &str) -> Result<String> {
    let prefix = match given.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => p.to_uppercase(),
        None => suggest(name),
    };
    validate(&prefix)?;
    Ok(prefix)
}

pub fn validate(prefix: &str) -> Result<()> {
    let ok = (1..=10).contains(&prefix.len())
        && prefix
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            codes::PROJECT_PREFIX_INVALID,
            "project: task ID prefix must be 1–10 uppercase letters/digits",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_follow_paca() {
        assert_eq!(suggest("Paca Core API"), "PCA");
        assert_eq!(suggest("paca"), "PACA");
        assert_eq!(suggest("!!!"), "PROJ");
        assert_eq!(suggest("my-app"), "MYAP");
        assert_eq!(suggest("a b c d e"), "ABCD");
        assert_eq!(suggest("x1"), "X1");
    }

    #[test]
    fn resolve_and_validate() {
        assert_eq!(resolve(Some(" web "), "x").ok(), Some("WEB".into()));
        assert_eq!(resolve(None, "Corral Board").ok(), Some("CB".into()));
        assert!(resolve(Some("TOO-LONG-PREFIX"), "x").is_err());
        assert!(
            resolve(None, "Été").is_err(),
            "non-ASCII suggestion fails like Paca"
        );
    }
}
