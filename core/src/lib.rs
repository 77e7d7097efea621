#![no_std]
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::panic,
        clippy::unwrap_used,
        clippy::expect_used
    )
)]

mod alg;
mod b64;
mod claims;
mod error;
pub mod json;
mod jwk;
mod jwks;
mod policy;
mod token;

pub use alg::Algorithm;
pub use claims::{Audience, Claims, SupabaseClaims};
pub use error::Error;
pub use jwk::{Es256Key, Key, MAX_KID_LEN, Unusable, parse_jwk};
pub use jwks::{KeySet, LoadReport, inspect};
pub use policy::{HS256_MIN_SECRET_LEN, Hs256Secret, Policy, SecretTooShort};
pub use token::{UntrustedToken, Verified, verify};
