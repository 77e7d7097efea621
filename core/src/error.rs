//! The error catalog: one typed outcome for every way a verification can fail.
//!
//! Each variant maps to a stable code, an HTTP status and a retry hint, so adapters answer
//! every failure the same way and operators can look the code up in `docs/errors/<CODE>.md`.

use core::fmt;

/// Why a token was not accepted.
///
/// Variants carry no detail on purpose: a signature failure is just "invalid", so the error
/// cannot become a side channel, and every variant is `Copy` and fits in a byte.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Error {
    /// No bearer token was presented (raised by adapters).
    TokenMissing,
    /// Wrong number of segments, bad base64url, bad JSON, or a size/depth limit exceeded.
    TokenMalformed,
    /// The header's `alg` is not enabled, or the header uses `crit` or `b64: false`.
    AlgNotAllowed,
    /// No usable key matches the token's `kid`/`alg`, or the match is ambiguous.
    KeyNotFound,
    /// The signature does not verify.
    SignatureInvalid,
    /// `exp` has passed (allowing for leeway).
    TokenExpired,
    /// `nbf` is in the future (allowing for leeway).
    TokenNotYetValid,
    /// `iss`/`aud` mismatch, `exp` missing, or a registered claim of the wrong JSON type.
    ClaimInvalid,
    /// A key set was needed and could not be fetched (or fetching is cooling down).
    JwksFetchFailed,
    /// A key set was fetched but is unparsable, too large, or has no usable key.
    JwksInvalid,
}

impl Error {
    /// Every variant, in catalog order. Used to keep documentation and metrics in step.
    pub const ALL: [Error; 10] = [
        Error::TokenMissing,
        Error::TokenMalformed,
        Error::AlgNotAllowed,
        Error::KeyNotFound,
        Error::SignatureInvalid,
        Error::TokenExpired,
        Error::TokenNotYetValid,
        Error::ClaimInvalid,
        Error::JwksFetchFailed,
        Error::JwksInvalid,
    ];

    /// The stable machine-readable code, e.g. `ERR_AUTH_JWKS_FETCH_FAILED`.
    pub const fn code(self) -> &'static str {
        match self {
            Error::TokenMissing => "ERR_AUTH_TOKEN_MISSING",
            Error::TokenMalformed => "ERR_AUTH_TOKEN_MALFORMED",
            Error::AlgNotAllowed => "ERR_AUTH_ALG_NOT_ALLOWED",
            Error::KeyNotFound => "ERR_AUTH_KEY_NOT_FOUND",
            Error::SignatureInvalid => "ERR_AUTH_SIGNATURE_INVALID",
            Error::TokenExpired => "ERR_AUTH_TOKEN_EXPIRED",
            Error::TokenNotYetValid => "ERR_AUTH_TOKEN_NOT_YET_VALID",
            Error::ClaimInvalid => "ERR_AUTH_CLAIM_INVALID",
            Error::JwksFetchFailed => "ERR_AUTH_JWKS_FETCH_FAILED",
            Error::JwksInvalid => "ERR_AUTH_JWKS_INVALID",
        }
    }

    /// The HTTP status an adapter answers with: 401 for the token's fault, 503 for ours.
    pub const fn http_status(self) -> u16 {
        match self {
            Error::JwksFetchFailed | Error::JwksInvalid => 503,
            _ => 401,
        }
    }

    /// Whether the same request may succeed later without the client changing anything.
    pub const fn retryable(self) -> bool {
        matches!(self, Error::JwksFetchFailed | Error::JwksInvalid)
    }

    /// A one-line message that is safe to show to the end user.
    pub const fn message(self) -> &'static str {
        match self {
            Error::TokenMissing => "Authentication is required.",
            Error::TokenMalformed => "The authentication token is malformed.",
            Error::AlgNotAllowed => {
                "The authentication token uses an algorithm that is not allowed."
            }
            Error::KeyNotFound => "The authentication token was signed with an unknown key.",
            Error::SignatureInvalid => "The authentication token's signature is invalid.",
            Error::TokenExpired => "The authentication token has expired.",
            Error::TokenNotYetValid => "The authentication token is not valid yet.",
            Error::ClaimInvalid => "The authentication token's claims are not accepted.",
            Error::JwksFetchFailed => "Authentication service is temporarily unavailable.",
            Error::JwksInvalid => {
                "Authentication service is misconfigured or temporarily unavailable."
            }
        }
    }

    /// Looks a variant up by its code (the inverse of [`Error::code`]).
    pub fn from_code(code: &str) -> Option<Error> {
        Error::ALL.into_iter().find(|e| e.code() == code)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message(), self.code())
    }
}

impl core::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_round_trip() {
        for (i, a) in Error::ALL.iter().enumerate() {
            assert_eq!(Error::from_code(a.code()), Some(*a));
            for b in &Error::ALL[i + 1..] {
                assert_ne!(a.code(), b.code());
            }
        }
    }

    #[test]
    fn only_key_set_failures_are_retryable_503s() {
        for e in Error::ALL {
            let ours = matches!(e, Error::JwksFetchFailed | Error::JwksInvalid);
            assert_eq!(e.retryable(), ours);
            assert_eq!(e.http_status(), if ours { 503 } else { 401 });
        }
    }
}

/// Why a JWK in a set was skipped. Skipping one key never spoils the rest of the set.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Unusable {
    /// Not a JSON object, or a member of the wrong JSON type.
    Malformed,
    /// A key type or curve jwtgate does not verify with (`oct` always; `RSA` and `OKP`
    /// without the `rs256` and `eddsa` features).
    UnsupportedType,
    /// `alg` names an algorithm other than the one this key type verifies.
    AlgMismatch,
    /// `use` is present and is not `"sig"`.
    NotForSignatures,
    /// `key_ops` is present and lacks `"verify"`.
    NoVerifyOp,
    /// `x`/`y` are not exactly 32 bytes of strict base64url.
    BadCoordinates,
    /// The point is not on the curve.
    NotOnCurve,
    /// The `kid` is longer than [`MAX_KID_LEN`](crate::MAX_KID_LEN).
    KidTooLong,
    /// An Ed25519 key of small order (it would verify forgeries).
    WeakKey,
    /// `n` is not strict base64url of an odd 2048- to 4096-bit modulus without leading zeros.
    BadRsaModulus,
    /// `e` is not 65537 (`AQAB`).
    BadRsaExponent,
}

impl Unusable {
    /// A short explanation, for `jwtgate jwks` and logs.
    pub const fn reason(self) -> &'static str {
        match self {
            Unusable::Malformed => "malformed JWK member",
            Unusable::UnsupportedType => "unsupported key type or curve",
            Unusable::AlgMismatch => "alg does not fit the key type",
            Unusable::NotForSignatures => "use is not \"sig\"",
            Unusable::NoVerifyOp => "key_ops lacks \"verify\"",
            Unusable::BadCoordinates => "coordinates are not 32 bytes of strict base64url",
            Unusable::NotOnCurve => "point is not on the curve",
            Unusable::KidTooLong => "kid is too long",
            Unusable::WeakKey => "Ed25519 key of small order",
            Unusable::BadRsaModulus => "n is not an odd 2048-4096-bit modulus in minimal form",
            Unusable::BadRsaExponent => "e is not 65537",
        }
    }
}
