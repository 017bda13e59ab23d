//! Tri-state fields for partial updates: absent (leave as is), `null` (clear) or a value (set).
//! Deserializes from JSON when the field carries `#[serde(default)]`.

use serde::{Deserialize, Deserializer};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Patch<T> {
    #[default]
    Absent,
    Null,
    Value(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(deserializer)? {
            None => Self::Null,
            Some(value) => Self::Value(value),
        })
    }
}

impl<T> Patch<T> {
    /// For fields that cannot be cleared: absent is `None`, a value is `Some`, and `null` is
    /// an error naming the field.
    pub fn required(self, field: &str) -> Result<Option<T>, String> {
        match self {
            Self::Absent => Ok(None),
            Self::Null => Err(format!("{field} cannot be null")),
            Self::Value(v) => Ok(Some(v)),
        }
    }

    /// Absent and `null` both leave the field as it is (Paca's `*T` fields).
    pub fn value(self) -> Option<T> {
        match self {
            Self::Value(v) => Some(v),
            _ => None,
        }
    }

    /// The new value of an optional field, given its current value.
    pub fn apply_to(self, current: Option<T>) -> Option<T> {
        match self {
            Self::Absent => current,
            Self::Null => None,
            Self::Value(v) => Some(v),
        }
    }

    pub fn is_absent(&self) -> bool {
        matches!(self, Self::Absent)
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Patch<U> {
        match self {
            Self::Absent => Patch::Absent,
            Self::Null => Patch::Null,
            Self::Value(v) => Patch::Value(f(v)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Body {
        #[serde(default)]
        name: Patch<String>,
    }

    fn parse(json: &str) -> Patch<String> {
        serde_json::from_str::<Body>(json)
            .map(|b| b.name)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn three_states() {
        assert_eq!(parse("{}"), Patch::Absent);
        assert_eq!(parse(r#"{"name":null}"#), Patch::Null);
        assert_eq!(parse(r#"{"name":"x"}"#), Patch::Value("x".into()));
    }

    #[test]
    fn helpers() {
        assert_eq!(Patch::<u8>::Absent.required("f"), Ok(None));
        assert_eq!(Patch::Value(1).required("f"), Ok(Some(1)));
        assert!(Patch::<u8>::Null.required("f").is_err());
        assert_eq!(Patch::<u8>::Absent.apply_to(Some(3)), Some(3));
        assert_eq!(Patch::<u8>::Null.apply_to(Some(3)), None);
        assert_eq!(Patch::Value(4).apply_to(Some(3)), Some(4));
    }
}
