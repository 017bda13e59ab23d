//! Paca's three pagination styles, parsed leniently as Paca does (a value out of range falls
//! back to the default rather than failing the request).
//!
//! - page/page_size (`GET /admin/users`, `GET /projects`): default 20, max 100;
//!   response `{items, total, page, page_size}`.
//! - offset/limit (conversations, events): default 50, max 200.
//! - keyset cursor (task lists): `page_size` default 20, max 200, an opaque base64 JSON cursor.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

fn parse_u64(raw: Option<&str>) -> Option<u64> {
    raw.and_then(|s| s.trim().parse().ok())
}

/// `?page=&page_size=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageParams {
    pub page: u64,
    pub page_size: u64,
}

impl PageParams {
    pub const DEFAULT_SIZE: u64 = 20;
    pub const MAX_SIZE: u64 = 100;

    pub fn parse(page: Option<&str>, page_size: Option<&str>) -> Self {
        let page = parse_u64(page).filter(|p| *p >= 1).unwrap_or(1);
        let page_size = parse_u64(page_size)
            .filter(|s| (1..=Self::MAX_SIZE).contains(s))
            .unwrap_or(Self::DEFAULT_SIZE);
        Self { page, page_size }
    }
}

/// The raw query of a page-style list.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    pub page: Option<String>,
    pub page_size: Option<String>,
}

impl PageQuery {
    pub fn params(&self) -> PageParams {
        PageParams::parse(self.page.as_deref(), self.page_size.as_deref())
    }
}

/// `{items, total, page, page_size}`.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

/// `?offset=&limit=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OffsetParams {
    pub offset: u64,
    pub limit: u64,
}

impl OffsetParams {
    pub const DEFAULT_LIMIT: u64 = 50;
    pub const MAX_LIMIT: u64 = 200;

    pub fn parse(offset: Option<&str>, limit: Option<&str>) -> Self {
        Self {
            offset: parse_u64(offset).unwrap_or(0),
            limit: parse_u64(limit)
                .filter(|l| (1..=Self::MAX_LIMIT).contains(l))
                .unwrap_or(Self::DEFAULT_LIMIT),
        }
    }
}

/// Keyset paging: the page size and the position after which the page starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CursorParams<C> {
    pub page_size: u64,
    pub after: Option<C>,
}

impl<C: Serialize + DeserializeOwned> CursorParams<C> {
    pub const DEFAULT_SIZE: u64 = 20;
    pub const MAX_SIZE: u64 = 200;

    /// A cursor that does not decode is an error: silently restarting would repeat rows.
    pub fn parse(page_size: Option<&str>, cursor: Option<&str>) -> Result<Self, String> {
        let page_size = parse_u64(page_size)
            .filter(|s| (1..=Self::MAX_SIZE).contains(s))
            .unwrap_or(Self::DEFAULT_SIZE);
        let after = match cursor.filter(|c| !c.is_empty()) {
            None => None,
            Some(raw) => Some(decode_cursor(raw).ok_or_else(|| "invalid cursor".to_owned())?),
        };
        Ok(Self { page_size, after })
    }
}

/// base64url(JSON) of a cursor position.
pub fn encode_cursor<C: Serialize>(position: &C) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(position).unwrap_or_default())
}

pub fn decode_cursor<C: DeserializeOwned>(raw: &str) -> Option<C> {
    let bytes = URL_SAFE_NO_PAD.decode(raw.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_params_fall_back_like_paca() {
        assert_eq!(
            PageParams::parse(None, None),
            PageParams {
                page: 1,
                page_size: 20
            }
        );
        assert_eq!(
            PageParams::parse(Some("3"), Some("100")),
            PageParams {
                page: 3,
                page_size: 100
            }
        );
        assert_eq!(
            PageParams::parse(Some("0"), Some("101")),
            PageParams {
                page: 1,
                page_size: 20
            }
        );
        assert_eq!(
            PageParams::parse(Some("x"), Some("-1")),
            PageParams {
                page: 1,
                page_size: 20
            }
        );
    }

    #[test]
    fn offset_params() {
        assert_eq!(
            OffsetParams::parse(None, None),
            OffsetParams {
                offset: 0,
                limit: 50
            }
        );
        assert_eq!(
            OffsetParams::parse(Some("10"), Some("200")),
            OffsetParams {
                offset: 10,
                limit: 200
            }
        );
        assert_eq!(
            OffsetParams::parse(Some("a"), Some("201")),
            OffsetParams {
                offset: 0,
                limit: 50
            }
        );
    }

    #[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
    struct Pos {
        ca: String,
        id: String,
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let pos = Pos {
            ca: "2026-01-01T00:00:00Z".into(),
            id: "abc".into(),
        };
        let raw = encode_cursor(&pos);
        let parsed = CursorParams::<Pos>::parse(Some("500"), Some(&raw)).expect("parse");
        assert_eq!(
            parsed,
            CursorParams {
                page_size: 20,
                after: Some(pos)
            }
        );
        assert!(CursorParams::<Pos>::parse(None, Some("!!not-base64")).is_err());
        assert_eq!(
            CursorParams::<Pos>::parse(Some("200"), None)
                .expect("parse")
                .page_size,
            200
        );
    }
}
