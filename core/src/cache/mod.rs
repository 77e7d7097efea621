//! The JWKS cache: a sans-IO state machine that decides when to fetch, what to serve during
//! an issuer outage, and when to fail fast, and the one driver that runs it.
//!
//! The caller supplies the time (unix seconds) and performs fetches; the cache never blocks,
//! never allocates and never reads a clock. Every adapter runs it through the
//! [driver](driver), so the policy lives here once:
//!
//! - **single flight**: at most one fetch is outstanding; others wait or are served;
//! - **failure cooldown**: after a failed fetch no new fetch starts for `failure_cooldown`
//!   seconds and misses fail fast, so a cold start during an outage makes one fetch, not
//!   thousands;
//! - **stale-if-error**: keys past their ttl keep verifying while refreshes fail, for at most
//!   `stale_if_error` seconds;
//! - **unknown kid**: a `kid` the set lacks triggers at most one refetch per
//!   `unknown_kid_min_interval`, so key rotation works and attackers cannot force fetches;
//! - **atomic replace**: a new set replaces the old one only once it parsed. A well-formed set
//!   is authoritative, even with no usable key (that is how an issuer revokes one); a failed,
//!   unparsable or oversized fetch never empties a cache that can still serve.
//!
//! Modules: `policy` (the knobs), `state` (the state machine), [`driver`] (the loop),
//! `shared` (the critical-section cell).

pub mod driver;
mod policy;
#[cfg(feature = "critical-section")]
mod shared;
mod state;

pub use self::policy::{CachePolicy, cache_control_max_age};
#[cfg(feature = "critical-section")]
pub use self::shared::SharedCache;
pub use self::state::{CacheCounters, FetchOutcome, FetchTicket, Freshness, JwksCache, Remembered};
#[cfg(feature = "_test-hooks")]
pub use self::state::{Lookup, Step};
