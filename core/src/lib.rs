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
mod error;
mod es256;
pub mod json;
mod jwk;
mod jwks;
mod policy;
#[cfg(feature = "critical-section")]
mod sync;
mod token;
mod token_cache;

pub use alg::Algorithm;
pub use cache::{
    CacheCounters, CachePolicy, FetchOutcome, FetchTicket, Freshness, JwksCache, Remembered, Step,
};
pub use claims::{Audience, Claims, SupabaseClaims};
pub use error::Error;
#[cfg(feature = "_test-hooks")]
#[doc(hidden)]
pub use es256::testing as __es256_testing;
pub use es256::{KeyTable, LargeTable, NoTable, SmallTable};
pub use jwk::{Es256Key, Key, MAX_KID_LEN, Unusable, parse_jwk};
pub use jwks::{KeyRef, KeySet, LoadReport, inspect};
pub use policy::{HS256_MIN_SECRET_LEN, Hs256Secret, Policy, SecretTooShort};
#[cfg(feature = "critical-section")]
pub use sync::SharedCache;
pub use token::{UntrustedToken, Verified, verify};
pub use token_cache::{CacheEpoch, TokenCache, TokenDigest};
