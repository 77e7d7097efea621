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
    /// Ed25519 (RFC 8037), with the `eddsa` feature.
    EdDsa,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3), 2048-4096-bit keys, with the `rs256`
    /// feature.
    Rs256,
}

impl Algorithm {
    /// The `alg` header value, e.g. `"ES256"`.
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::Es256 => "ES256",
            Algorithm::Hs256 => "HS256",
            Algorithm::EdDsa => "EdDSA",
            Algorithm::Rs256 => "RS256",
        }
    }

    /// Whether verifying needs a key from the JWK Set (HS256 uses the configured secret).
    pub const fn needs_key_set(self) -> bool {
        !matches!(self, Algorithm::Hs256)
    }

    /// Whether this build can verify it (EdDSA and RS256 are features).
    pub const fn is_built_in(self) -> bool {
        match self {
            Algorithm::Es256 | Algorithm::Hs256 => true,
            Algorithm::EdDsa => cfg!(feature = "eddsa"),
            Algorithm::Rs256 => cfg!(feature = "rs256"),
        }
    }

    /// Every algorithm jwtgate knows, built in or not.
    pub const ALL: [Algorithm; 4] = [
        Algorithm::Es256,
        Algorithm::Hs256,
        Algorithm::EdDsa,
        Algorithm::Rs256,
    ];

    /// Looks up an `alg` value. Exact and case-sensitive: `"es256"` and `"none"` are `None`.
    pub fn from_name(name: JsonStr<'_>) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| name.eq_str(a.name()))
    }
}

/// A name that is no [`Algorithm`] (see [`Algorithm::from_str`](core::str::FromStr)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownAlgorithm;

impl core::fmt::Display for UnknownAlgorithm {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("not one of ES256, HS256, EdDSA, RS256 (case-sensitive)")
    }
}

impl core::error::Error for UnknownAlgorithm {}

/// The `alg` name, exactly (for configuration: flags and environment variables).
impl core::str::FromStr for Algorithm {
    type Err = UnknownAlgorithm;
    fn from_str(name: &str) -> Result<Algorithm, UnknownAlgorithm> {
        Algorithm::ALL
            .into_iter()
            .find(|a| a.name() == name)
            .ok_or(UnknownAlgorithm)
    }
}
