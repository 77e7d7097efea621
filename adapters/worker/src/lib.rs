#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod body;
pub mod record;
pub mod settings;

#[cfg(target_arch = "wasm32")]
mod runtime;
#[cfg(target_arch = "wasm32")]
mod webcrypto;

pub use body::error_body;
pub use settings::{Config, ConfigError, Persist};

#[cfg(target_arch = "wasm32")]
pub use runtime::{AuthError, Claims, Guard, TOKEN_CACHE_CAPACITY};
