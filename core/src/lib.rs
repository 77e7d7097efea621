#![no_std]
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::panic,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::std_instead_of_core,
        clippy::alloc_instead_of_core
    )
)]

mod alg;
mod b64;
mod cache;
mod claims;
#[cfg(feature = "eddsa")]
mod eddsa;
mod error;
mod es256;
mod json;
mod jwk;
mod jwks;
mod policy;
#[cfg(feature = "rs256")]
mod rsa;
mod token;
mod token_cache;

pub use alg::{Algorithm, UnknownAlgorithm};
#[cfg(feature = "critical-section")]
pub use cache::SharedCache;
pub use cache::driver;
pub use cache::{
    CacheCounters, CachePolicy, FetchOutcome, FetchTicket, Freshness, JwksCache, Remembered,
    cache_control_max_age,
};
pub use claims::{Audience, Claims, SupabaseClaims};
#[cfg(feature = "eddsa")]
pub use eddsa::Ed25519Key;
pub use error::{Error, Unusable};
pub use es256::{Boxed, Es256Key, KeyTable, LargeTable, NoTable, SmallTable, TablePtr};
pub use json::{Array, JsonStr, Number, Object, Value};
pub use jwk::{Key, MAX_KID_LEN, Material};
pub use jwks::{KeyRef, KeyReport, KeySet, LoadReport, Verdict, inspect};
pub use policy::{HS256_MIN_SECRET_LEN, Hs256Secret, Policy, SecretTooShort};
#[cfg(feature = "rs256")]
pub use rsa::{RSA_MAX_BITS, RSA_MIN_BITS, RsaKey};
pub use token::{UntrustedToken, Verified, verify};
pub use token_cache::{CacheEpoch, TokenCache, TokenDigest};

/// Hooks into jwtgate's internals for its own tests and fuzz targets (private feature
/// `_test-hooks`): not part of the API, and may change in any release.
#[cfg(feature = "_test-hooks")]
#[doc(hidden)]
pub mod __testing {
    pub use crate::cache::{Lookup, Step};
    pub use crate::es256::sealed::Table;
    pub use crate::es256::testing::*;
    pub use crate::json::{JsonError, MAX_DEPTH_LIMIT, parse, parse_bounded};
    pub use crate::jwk::parse_jwk;
}
