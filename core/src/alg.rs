//! The signature algorithms jwtgate implements.

use crate::json::JsonStr;

/// A JWS algorithm jwtgate can verify. The verifier's [`Policy`](crate::Policy) decides which
/// are enabled; the token's header only names one.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Algorithm {
    /// ECDSA over P-256 with SHA-256, raw `r || s` signatures (RFC 7518 §3.4).
    Es256,
    /// HMAC-SHA-256 with an explicitly configured secret (RFC 7518 §3.2).
    Hs256,
}

impl Algorithm {
    /// The `alg` header value, e.g. `"ES256"`.
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::Es256 => "ES256",
            Algorithm::Hs256 => "HS256",
        }
    }

    /// Whether verifying needs a key from the JWK Set (HS256 uses the configured secret).
    pub const fn needs_key_set(self) -> bool {
        !matches!(self, Algorithm::Hs256)
    }

    /// Looks up an `alg` value. Exact and case-sensitive: `"es256"` and `"none"` are `None`.
    pub fn from_name(name: JsonStr<'_>) -> Option<Algorithm> {
        [Algorithm::Es256, Algorithm::Hs256]
            .into_iter()
            .find(|a| name.eq_str(a.name()))
    }
}
