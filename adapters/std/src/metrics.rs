//! Prometheus metrics for a verifier, with the names DESIGN.md fixes.
//!
//! Cache metrics are read from the core's counters at scrape time (one source of truth);
//! verification outcomes and latency are recorded here. Labels are catalog codes, so
//! cardinality is bounded.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use jwtgate::{CacheCounters, Error};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::Histogram;

/// Verification outcomes and latency.
#[derive(Clone)]
pub struct Metrics {
    /// `jwtgate_verifications_total{code}`: index 0 is `ok`, then `Error::ALL` in order.
    verifications: Arc<[Counter; 1 + Error::ALL.len()]>,
    latency: Histogram,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Histogram buckets for one verification, in seconds: 5 µs to 1 s.
const LATENCY_BUCKETS: [f64; 12] = [
    5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 5e-3, 0.025, 0.1, 1.0,
];

impl Metrics {
    /// Zeroed metrics.
    pub fn new() -> Self {
        Metrics {
            verifications: Arc::new(Default::default()),
            latency: Histogram::new(LATENCY_BUCKETS),
        }
    }

    /// Records one verification (no allocation: fixed counters indexed by code).
    pub fn record(&self, outcome: Result<(), Error>, elapsed: Duration) {
        let index = match outcome {
            Ok(()) => 0,
            Err(e) => 1 + Error::ALL.iter().position(|x| *x == e).unwrap_or(0),
        };
        if let Some(counter) = self.verifications.get(index) {
            counter.inc();
        }
        self.latency.observe(elapsed.as_secs_f64());
    }

    /// How many verifications ended with `code` (`"ok"` or an `ERR_…` code).
    pub fn verifications(&self, code: &str) -> u64 {
        codes()
            .zip(self.verifications.iter())
            .find(|(c, _)| *c == code)
            .map_or(0, |(_, n)| n.get())
    }
}

fn codes() -> impl Iterator<Item = &'static str> {
    std::iter::once("ok").chain(Error::ALL.iter().map(|e| e.code()))
}

/// What a scrape reads from the cache, at scrape time.
pub(crate) struct Snapshot {
    /// The JWKS cache's counters.
    pub(crate) cache: CacheCounters,
    /// The verified-token cache's hits and misses.
    pub(crate) tokens: (u64, u64),
    /// Usable keys held.
    pub(crate) keys: usize,
}

/// Encodes all of a verifier's metrics as Prometheus/OpenMetrics text: the cache's counters
/// from `snapshot`, read at scrape time, and the recorded `metrics`.
pub(crate) struct VerifierCollector<F> {
    pub(crate) snapshot: F,
    pub(crate) metrics: Metrics,
}

impl<F> fmt::Debug for VerifierCollector<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifierCollector").finish_non_exhaustive()
    }
}

impl<F: Fn() -> Snapshot + Send + Sync + 'static> Collector for VerifierCollector<F> {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), fmt::Error> {
        let snapshot = (self.snapshot)();
        let c: CacheCounters = snapshot.cache;
        let (token_hits, token_misses) = snapshot.tokens;
        let counters: [(&str, &str, u64); 9] = [
            (
                "jwtgate_jwks_cache_hits",
                "Key lookups served from a fresh JWK Set.",
                c.hits,
            ),
            (
                "jwtgate_jwks_cache_misses",
                "Key lookups that had to fetch the JWK Set.",
                c.misses,
            ),
            (
                "jwtgate_jwks_stale_serves",
                "Key lookups served from a JWK Set past its ttl (stale-if-error).",
                c.stale_serves,
            ),
            (
                "jwtgate_jwks_cooldown_rejections",
                "Lookups failed fast during the fetch failure cooldown.",
                c.cooldown_rejections,
            ),
            (
                "jwtgate_jwks_unknown_kid_refreshes",
                "Fetches caused by an unknown kid.",
                c.unknown_kid_refreshes,
            ),
            (
                "jwtgate_jwks_empty_sets",
                "Fetched JWK Sets with no usable key (a revocation): tokens fail until keys return.",
                c.empty_sets,
            ),
            (
                "jwtgate_jwks_keys_skipped",
                "JWKs skipped as unusable or unsupported.",
                c.keys_skipped,
            ),
            (
                "jwtgate_token_cache_hits",
                "Requests answered from the verified-token cache, without a signature check.",
                token_hits,
            ),
            (
                "jwtgate_token_cache_misses",
                "Verified-token cache lookups that went on to verify the token (looked up only \
                 while the held key set can answer without a fetch: a cold start counts as \
                 neither hit nor miss).",
                token_misses,
            ),
        ];
        for (name, help, value) in counters {
            let counter = ConstCounter::new(value);
            counter.encode(encoder.encode_descriptor(
                name,
                help,
                None,
                counter.metric_type(),
            )?)?;
        }

        let fetches = ConstCounter::new(0u64);
        let mut family = encoder.encode_descriptor(
            "jwtgate_jwks_fetches",
            "JWK Set fetches by result.",
            None,
            fetches.metric_type(),
        )?;
        for (result, value) in [("ok", c.fetches_ok), ("error", c.fetches_failed)] {
            ConstCounter::new(value).encode(family.encode_family(&[("result", result)])?)?;
        }

        let keys = ConstGauge::new(i64::try_from(snapshot.keys).unwrap_or(i64::MAX));
        keys.encode(encoder.encode_descriptor(
            "jwtgate_jwks_keys",
            "Usable keys held.",
            None,
            keys.metric_type(),
        )?)?;

        let metrics = &self.metrics;
        let verifications = Family::<[(&str, &str); 1], Counter>::default();
        let mut family = encoder.encode_descriptor(
            "jwtgate_verifications",
            "Token verifications by outcome code.",
            None,
            verifications.metric_type(),
        )?;
        for (code, counter) in codes().zip(metrics.verifications.iter()) {
            ConstCounter::new(counter.get()).encode(family.encode_family(&[("code", code)])?)?;
        }

        metrics.latency.encode(encoder.encode_descriptor(
            "jwtgate_verification_duration_seconds",
            "Time to verify one token, including any wait for a JWK Set fetch.",
            None,
            metrics.latency.metric_type(),
        )?)?;
        Ok(())
    }
}
