#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod claims;
pub mod fetch;
mod layer;
mod metrics;
mod table;
mod verifier;

#[cfg(feature = "dev-issuer")]
pub mod dev_issuer;

pub use claims::AuthClaims;
pub use fetch::{
    Document, FetchConfig, FetchError, Fetched, JwksFetcher, LoadError, Origin, fetch_file_or_url,
};
pub use layer::{AuthError, AuthLayer, AuthService, bearer, error_body};
pub use metrics::Metrics;
#[cfg(feature = "_test-hooks")]
#[doc(hidden)]
pub use table::hooks as __hooks;
pub use table::{ArcTable, ServerTable};
pub use verifier::{
    ConfigError, DEFAULT_MAX_DEPTH, DEFAULT_MAX_TOKEN_LEN, KEY_CAPACITY, TOKEN_CACHE_CAPACITY,
    Verifier, VerifierConfig, unix_now,
};
