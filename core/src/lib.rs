#![no_std]
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::indexing_slicing, clippy::panic, clippy::unwrap_used, clippy::expect_used))]


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
pub use jwk::{parse_jwk, Es256Key, Key, Unusable, MAX_KID_LEN};
pub use jwks::{inspect, KeySet, LoadReport};
pub use policy::{Hs256Secret, Policy, SecretTooShort, HS256_MIN_SECRET_LEN};
pub use token::{verify, UntrustedToken, Verified};
