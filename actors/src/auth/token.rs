//! JWTs (HS256) with Paca's claims. Access tokens authenticate requests; refresh tokens, one per
//! rotation, carry the session family they belong to.

use crate::error::{Error, Result, codes};
use crate::ids::{SessionFamilyId, TokenId, UserId};
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    Access,
    Refresh,
}

/// Paca's claim set.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: UserId,
    pub jti: TokenId,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub username: String,
    /// The global role's name when the token was issued (informational; permissions are
    /// always read from the store).
    pub role: String,
    pub kind: TokenKind,
    pub fid: SessionFamilyId,
    /// Remember me: refresh tokens live for the long TTL.
    pub rme: bool,
    /// Must change password (access tokens only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mcp: bool,
}

/// Token lifetimes.
#[derive(Clone, Copy, Debug)]
pub struct TokenTtls {
    pub access: Duration,
    /// Refresh TTL with remember-me.
    pub refresh: Duration,
    /// Refresh TTL without remember-me.
    pub refresh_session: Duration,
}

impl TokenTtls {
    pub fn refresh_for(&self, remember_me: bool) -> Duration {
        if remember_me {
            self.refresh
        } else {
            self.refresh_session
        }
    }
}

/// Signs and verifies tokens with one secret.
#[derive(Clone)]
pub struct TokenSigner {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub ttls: TokenTtls,
    /// Tokens whose signature was checked, with their claims, until they expire: a client
    /// presents the same access token on every request, and checking it (base64, HMAC, JSON)
    /// was a noticeable part of a write's cost. Keyed by the whole token, signature included,
    /// so only a token identical to a verified one is found here. Revocation is not the
    /// signature's business: sessions are checked on every request all the same.
    verified: Arc<Mutex<HashMap<Box<str>, Claims>>>,
}

/// Verified tokens remembered at most; past it the expired go, then all.
const VERIFIED_MAX: usize = 4096;

/// What a session token is about, before it is signed.
pub struct TokenSubject<'a> {
    pub user: UserId,
    pub username: &'a str,
    pub role: &'a str,
    pub family: SessionFamilyId,
    pub remember_me: bool,
    pub must_change_password: bool,
}

/// A signed token and when it expires.
pub struct SignedToken {
    pub token: String,
    pub ttl: Duration,
}

impl TokenSigner {
    pub fn new(secret: &[u8], ttls: TokenTtls) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "nbf", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttls,
            verified: Arc::default(),
        }
    }

    pub fn sign(
        &self,
        subject: &TokenSubject<'_>,
        kind: TokenKind,
        now: DateTime<Utc>,
    ) -> Result<SignedToken> {
        let ttl = match kind {
            TokenKind::Access => self.ttls.access,
            TokenKind::Refresh => self.ttls.refresh_for(subject.remember_me),
        };
        let iat = now.timestamp();
        let claims = Claims {
            sub: subject.user,
            jti: TokenId::new(),
            iat,
            nbf: iat,
            exp: iat + i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2),
            username: subject.username.to_owned(),
            role: subject.role.to_owned(),
            kind,
            fid: subject.family,
            rme: subject.remember_me,
            mcp: kind == TokenKind::Access && subject.must_change_password,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| Error::Internal(format!("signing token: {e}")))?;
        Ok(SignedToken { token, ttl })
    }

    /// The claims of a well-signed, unexpired token of the expected kind.
    pub fn verify(&self, token: &str, kind: TokenKind) -> Result<Claims> {
        let now = unix_now();
        let known = self
            .remembered()
            .get(token)
            .filter(|c| c.exp > now && c.nbf <= now)
            .cloned();
        let claims = match known {
            Some(claims) => claims,
            None => {
                let claims =
                    jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
                        .map_err(|_| invalid_token())?
                        .claims;
                let mut verified = self.remembered();
                if verified.len() >= VERIFIED_MAX {
                    verified.retain(|_, c| c.exp > now);
                    if verified.len() >= VERIFIED_MAX {
                        verified.clear();
                    }
                }
                verified.insert(token.into(), claims.clone());
                claims
            }
        };
        self.check_kind(claims, kind)
    }

    fn remembered(&self) -> std::sync::MutexGuard<'_, HashMap<Box<str>, Claims>> {
        self.verified
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn check_kind(&self, claims: Claims, kind: TokenKind) -> Result<Claims> {
        if claims.kind != kind {
            return Err(Error::unauthorized(
                codes::AUTH_TOKEN_INVALID,
                match kind {
                    TokenKind::Access => "expected access token",
                    TokenKind::Refresh => "expected refresh token",
                },
            ));
        }
        Ok(claims)
    }
}

/// Seconds since the epoch, as the token library reads the clock.
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

pub fn invalid_token() -> Error {
    Error::unauthorized(codes::AUTH_TOKEN_INVALID, "invalid or expired token")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> TokenSigner {
        TokenSigner::new(
            b"0123456789abcdef0123456789abcdef",
            TokenTtls {
                access: Duration::from_secs(60),
                refresh: Duration::from_secs(600),
                refresh_session: Duration::from_secs(300),
            },
        )
    }

    fn subject(family: SessionFamilyId) -> TokenSubject<'static> {
        TokenSubject {
            user: UserId::new(),
            username: "alice",
            role: "USER",
            family,
            remember_me: false,
            must_change_password: true,
        }
    }

    #[test]
    fn round_trip_and_kind_check() {
        let s = signer();
        let fid = SessionFamilyId::new();
        let access = s
            .sign(&subject(fid), TokenKind::Access, Utc::now())
            .expect("sign");
        let claims = s.verify(&access.token, TokenKind::Access).expect("verify");
        assert_eq!(claims.fid, fid);
        assert!(claims.mcp);
        assert!(s.verify(&access.token, TokenKind::Refresh).is_err());
        let refresh = s
            .sign(&subject(fid), TokenKind::Refresh, Utc::now())
            .expect("sign");
        assert_eq!(refresh.ttl, Duration::from_secs(300));
        assert!(
            !s.verify(&refresh.token, TokenKind::Refresh)
                .expect("verify")
                .mcp
        );
    }

    #[test]
    fn expired_and_foreign_tokens_fail() {
        let s = signer();
        let old = Utc::now() - chrono::Duration::seconds(120);
        let expired = s
            .sign(&subject(SessionFamilyId::new()), TokenKind::Access, old)
            .expect("sign");
        assert!(s.verify(&expired.token, TokenKind::Access).is_err());
        let other = TokenSigner::new(b"another secret, 32 bytes long...", s.ttls);
        let foreign = other
            .sign(
                &subject(SessionFamilyId::new()),
                TokenKind::Access,
                Utc::now(),
            )
            .expect("sign");
        assert!(s.verify(&foreign.token, TokenKind::Access).is_err());
        assert!(s.verify("not.a.jwt", TokenKind::Access).is_err());
    }

    /// A remembered token is still refused once it expires, and remembering one token never
    /// lets a token that differs from it through.
    #[test]
    fn remembered_tokens_expire_and_only_match_themselves() {
        let s = TokenSigner::new(
            b"0123456789abcdef0123456789abcdef",
            TokenTtls {
                access: Duration::from_secs(1),
                ..signer().ttls
            },
        );
        let token = s
            .sign(
                &subject(SessionFamilyId::new()),
                TokenKind::Access,
                Utc::now(),
            )
            .expect("sign")
            .token;
        assert!(s.verify(&token, TokenKind::Access).is_ok());
        assert!(s.verify(&token, TokenKind::Access).is_ok(), "remembered");
        assert!(
            s.verify(&token, TokenKind::Refresh).is_err(),
            "the kind is checked on a remembered token too"
        );
        // One character of the claims changed: the signature no longer matches.
        let middle = token.find('.').expect("a JWT") + 5;
        let flipped = if token.as_bytes()[middle] == b'A' {
            "B"
        } else {
            "A"
        };
        let mut tampered = token.clone();
        tampered.replace_range(middle..=middle, flipped);
        assert!(s.verify(&tampered, TokenKind::Access).is_err());
        std::thread::sleep(Duration::from_millis(2100));
        assert!(
            s.verify(&token, TokenKind::Access).is_err(),
            "expired while remembered"
        );
    }
}
