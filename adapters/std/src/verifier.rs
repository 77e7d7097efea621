//! [`Verifier`]: the core JWKS cache behind a lock, fed by the HTTP fetcher, shared by every
//! task and thread of a server.
//!
//! The policy (single flight, cooldown, stale-if-error, unknown-kid interval) is the core's;
//! this module only owns the clock, the lock, the fetch task and the metrics. A warm verify
//! takes the lock once to pick the key, copies it out, and checks the signature unlocked: no
//! allocation, no await.

use std::fmt;
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use jwtgate::driver::{self, CacheCell, Transport};
use jwtgate::{
    Algorithm, CacheCounters, CacheEpoch, CachePolicy, Error, FetchTicket, Freshness, Hs256Secret,
    JwksCache, KeyTable, Policy, Remembered, TokenCache, TokenDigest, UntrustedToken, Verified,
};
use prometheus_client::registry::Registry;
use tokio::sync::Notify;
use zeroize::Zeroizing;

use crate::claims::AuthClaims;
use crate::fetch::{FetchConfig, FetchError, Fetched, JwksFetcher};
use crate::metrics::{Metrics, Snapshot, VerifierCollector};
use crate::table::ServerTable;

/// Keys held by a [`Verifier`]: Azure AD publishes about 10, Supabase 1-3.
pub const KEY_CAPACITY: usize = 32;

/// Verified tokens remembered by [`Verifier::authorize`] (Envoy's `jwt_authn` keeps 100):
/// the same token presented again is answered without parsing or signature check.
pub const TOKEN_CACHE_CAPACITY: usize = 256;

/// The JSON nesting a [`Verifier`] accepts by default: the parser's own limit. (The core's
/// default is 16, for small embedded stacks.)
pub const DEFAULT_MAX_DEPTH: u8 = 64;

/// The longest token a [`Verifier`] accepts by default, in bytes.
pub const DEFAULT_MAX_TOKEN_LEN: usize = 16 * 1024;

/// What a [`Verifier`] checks tokens against.
#[derive(Clone)]
pub struct VerifierConfig {
    /// The JWK Set URL, e.g. `{SUPABASE_URL}/auth/v1/.well-known/jwks.json`.
    pub jwks_url: String,
    /// Required `iss`, if any.
    pub issuer: Option<String>,
    /// Required `aud`, if any.
    pub audience: Option<String>,
    /// Seconds of clock skew tolerated on `exp`/`nbf`.
    pub leeway: u64,
    /// The legacy shared secret: enables HS256 (opt-in outage fallback). At least 32 bytes;
    /// wiped from memory when dropped.
    pub hs256_secret: Option<Zeroizing<Vec<u8>>>,
    /// Deepest JSON nesting accepted in a token's header and claims (at most 64, the parser's
    /// limit; default 64: ordinary payloads nest well below it).
    pub max_depth: u8,
    /// The algorithms accepted, as an allow-list ([`Policy::only`]); `None` (the default)
    /// keeps the core's: every one built in (ES256, and EdDSA and RS256 with their
    /// features), and HS256 with `hs256_secret`.
    pub algorithms: Option<Vec<Algorithm>>,
    /// The cache policy.
    pub cache: CachePolicy,
    /// HTTP fetch timeouts and body cap.
    pub fetch: FetchConfig,
}

impl fmt::Debug for VerifierConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifierConfig")
            .field("jwks_url", &self.jwks_url)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway", &self.leeway)
            .field("hs256_secret", &self.hs256_secret.as_ref().map(|_| ".."))
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

impl VerifierConfig {
    /// A config for a JWKS URL with the default cache policy and no claim checks.
    pub fn new(jwks_url: impl Into<String>) -> Self {
        VerifierConfig {
            jwks_url: jwks_url.into(),
            issuer: None,
            audience: None,
            leeway: 0,
            hs256_secret: None,
            max_depth: DEFAULT_MAX_DEPTH,
            algorithms: None,
            cache: CachePolicy::DEFAULT,
            fetch: FetchConfig::default(),
        }
    }

    /// Supabase Auth: JWKS at `{url}/auth/v1/.well-known/jwks.json`, `iss` `{url}/auth/v1`,
    /// `aud` `authenticated`.
    pub fn supabase(project_url: &str) -> Self {
        let base = project_url.trim_end_matches('/');
        VerifierConfig {
            issuer: Some(format!("{base}/auth/v1")),
            audience: Some("authenticated".to_owned()),
            ..VerifierConfig::new(format!("{base}/auth/v1/.well-known/jwks.json"))
        }
    }
}

/// Why a [`Verifier`] could not be built.
#[derive(Debug)]
pub enum ConfigError {
    /// The HS256 secret is shorter than 32 bytes.
    SecretTooShort,
    /// The HTTP client could not be built.
    Fetch(FetchError),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::SecretTooShort => jwtgate::SecretTooShort.fmt(f),
            ConfigError::Fetch(e) => write!(f, "cannot build the JWKS fetcher: {e}"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// A shareable verifier: `Send + Sync`, cheap to clone (an `Arc`).
#[derive(Clone)]
pub struct Verifier {
    shared: Arc<Shared>,
}

struct Shared {
    config: VerifierConfig,
    fetcher: JwksFetcher,
    state: Mutex<State>,
    /// Woken whenever a fetch completes, so waiters re-check the cache.
    fetched: Notify,
    /// Fetches completed so far: a waiter that saw fewer looks again without waiting.
    completed: AtomicU64,
    metrics: Metrics,
    /// The background refresh task, stopped when the last verifier clone goes.
    refresh_task: Mutex<Option<tokio::task::AbortHandle>>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        let task = self
            .refresh_task
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(task) = task.take() {
            task.abort();
        }
    }
}

struct State {
    /// Every key carries an `Arc`-shared 264 KiB comb table, built when the key arrives.
    cache: JwksCache<KEY_CAPACITY, ServerTable>,
    /// The ETag of the held set, for `If-None-Match`.
    etag: Option<String>,
    /// Tokens [`Verifier::authorize`](crate::AuthLayer) verified, with their claims; consulted
    /// through the key cache, which counts its hits.
    /// Shared, so that a hit clones a pointer under the lock, not the claims.
    tokens: TokenCache<TOKEN_CACHE_CAPACITY, Arc<AuthClaims>>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

/// Unix seconds from the system clock (0 if it is set before 1970).
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Verifier {
    /// Builds a verifier (cold: the first request or [`Verifier::refresh`] fetches).
    ///
    /// # Errors
    /// [`ConfigError`] for a short HS256 secret or an HTTP client that cannot be built.
    pub fn new(config: VerifierConfig) -> Result<Self, ConfigError> {
        if let Some(secret) = &config.hs256_secret {
            Hs256Secret::new(secret).map_err(|_| ConfigError::SecretTooShort)?;
        }
        let fetcher = JwksFetcher::new(config.fetch.clone()).map_err(ConfigError::Fetch)?;
        let state = State {
            cache: JwksCache::new(config.cache),
            etag: None,
            tokens: TokenCache::new(),
        };
        let shared = Arc::new(Shared {
            config,
            fetcher,
            state: Mutex::new(state),
            fetched: Notify::new(),
            completed: AtomicU64::new(0),
            metrics: Metrics::new(),
            refresh_task: Mutex::new(None),
        });
        Ok(Verifier { shared })
    }

    /// The configuration.
    pub fn config(&self) -> &VerifierConfig {
        &self.shared.config
    }

    /// The metrics this verifier records (Prometheus text via [`Verifier::encode_metrics`]).
    pub fn metrics(&self) -> &Metrics {
        &self.shared.metrics
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The state stays consistent even if a holder panicked: every update is one call.
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// A registry exposing this verifier's metrics (add your own beside them).
    pub fn registry(&self) -> Registry {
        // Weak, so a registry kept by the application does not keep the verifier alive.
        let shared = Arc::downgrade(&self.shared);
        let snapshot = move || match shared.upgrade() {
            Some(shared) => {
                let verifier = Verifier { shared };
                Snapshot {
                    cache: verifier.counters(),
                    tokens: verifier.token_cache_counters(),
                    keys: verifier.key_count(),
                }
            }
            None => Snapshot {
                cache: CacheCounters::default(),
                tokens: (0, 0),
                keys: 0,
            },
        };
        let mut registry = Registry::default();
        registry.register_collector(Box::new(VerifierCollector {
            snapshot,
            metrics: self.shared.metrics.clone(),
        }));
        registry
    }

    /// The metrics as Prometheus/OpenMetrics text, for a `/metrics` endpoint.
    pub fn encode_metrics(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry());
        text
    }

    /// Whether the state lock is free right now (jwtgate-std's own tests).
    #[cfg(feature = "_test-hooks")]
    #[doc(hidden)]
    pub fn __state_lock_is_free(&self) -> bool {
        self.shared.state.try_lock().is_ok()
    }

    /// The cache's counters.
    pub fn counters(&self) -> CacheCounters {
        self.state().cache.counters()
    }

    /// The verified-token cache's hits and misses (lookups by [`Verifier::authorize`]).
    pub fn token_cache_counters(&self) -> (u64, u64) {
        self.state().tokens.counters()
    }

    /// Usable keys held now.
    pub fn key_count(&self) -> usize {
        self.state().cache.keys().keys().len()
    }

    /// Where the held set stands now.
    pub fn freshness(&self) -> Freshness {
        self.state().cache.freshness(unix_now())
    }

    /// Whether a set is held that can verify tokens now: fresh or stale-if-error, with at least
    /// one usable key (an issuer that emptied its set has revoked every key).
    pub fn is_ready(&self) -> bool {
        let state = self.state();
        matches!(
            state.cache.freshness(unix_now()),
            Freshness::Fresh | Freshness::Stale
        ) && !state.cache.keys().is_empty()
    }

    /// The claims `authorize` cached for `token`, or the epoch to store a fresh verdict
    /// under (taken before verifying; `None` while the key set cannot be served).
    pub(crate) fn cached_claims(
        &self,
        token: &TokenDigest,
    ) -> Result<Arc<AuthClaims>, Option<CacheEpoch>> {
        let policy = self.policy();
        let mut state = self.state();
        let State { cache, tokens, .. } = &mut *state;
        match cache.lookup_verified(tokens, token, &policy, unix_now()) {
            Remembered::Hit(claims) => Ok(Arc::clone(claims)),
            Remembered::Miss(epoch) => Err(epoch),
        }
    }

    /// Remembers a verified token's claims for [`Verifier::cached_claims`].
    pub(crate) fn remember(
        &self,
        token: TokenDigest,
        epoch: &CacheEpoch,
        verified: &Verified<'_>,
        claims: Arc<AuthClaims>,
    ) {
        let policy = self.policy();
        self.state()
            .tokens
            .insert(token, verified, &policy, epoch, unix_now(), claims);
    }

    fn policy(&self) -> Policy<'_> {
        let c = &self.shared.config;
        let mut policy = Policy::new().leeway(c.leeway).max_depth(c.max_depth);
        if let Some(iss) = &c.issuer {
            policy = policy.issuer(iss);
        }
        if let Some(aud) = &c.audience {
            policy = policy.audience(aud);
        }
        if let Some(secret) = c
            .hs256_secret
            .as_deref()
            .and_then(|s| Hs256Secret::new(s).ok())
        {
            policy = policy.hs256(secret);
        }
        match &c.algorithms {
            Some(algs) => policy.only(algs),
            None => policy,
        }
    }

    /// Verifies `token`, decoding into `buf` (which bounds the accepted token size: about
    /// 3/4 of the token length is needed). Records the outcome and latency in the metrics.
    ///
    /// # Errors
    /// The catalog [`Error`] for whatever check failed.
    pub async fn verify<'b>(&self, token: &[u8], buf: &'b mut [u8]) -> Result<Verified<'b>, Error> {
        let started = Instant::now();
        let result = self.verify_unrecorded(token, buf).await;
        self.shared.metrics.record(
            result.as_ref().map(|_| ()).map_err(|e| *e),
            started.elapsed(),
        );
        if let Err(e) = &result {
            tracing::debug!(code = e.code(), "token rejected");
        }
        result
    }

    async fn verify_unrecorded<'b>(
        &self,
        token: &[u8],
        buf: &'b mut [u8],
    ) -> Result<Verified<'b>, Error> {
        let token = UntrustedToken::parse(token, buf)?;
        let policy = self.policy();
        let mut transport = self.transport();
        driver::verify(
            Locked(&self.shared),
            &mut transport,
            token,
            &policy,
            unix_now(),
        )
        .await
    }

    /// How the driver fetches for this verifier; made before the first lookup, so a fetch
    /// completing after that lookup is never missed.
    fn transport(&self) -> SpawnedFetch<'_> {
        SpawnedFetch {
            verifier: self,
            seen: self.shared.completed.load(Ordering::Acquire),
        }
    }

    /// Runs the fetch a ticket allows and hands the result to the cache.
    async fn fetch(&self, ticket: FetchTicket) {
        let etag = self.state().etag.clone();
        let result = self
            .shared
            .fetcher
            .fetch(&self.shared.config.jwks_url, etag.as_deref())
            .await;
        // A new document's keys get their tables built on a blocking thread, into a copy of
        // the held set (pointers to the tables of keys that stay): requests keep being served
        // meanwhile, and only the swap takes the lock.
        let staged = match &result {
            Ok(Fetched::Document { body, .. }) => {
                let mut staged = self.state().cache.stage();
                let body = body.clone();
                tokio::task::spawn_blocking(move || {
                    let loaded = staged.load(&body);
                    (staged, loaded)
                })
                .await
                .ok()
            }
            _ => None,
        };
        let now = unix_now();
        let mut state = self.state();
        let installed = match (staged, &result) {
            (Some((staged, loaded)), Ok(Fetched::Document { max_age, .. })) => {
                state.cache.install(ticket, now, staged, loaded, *max_age)
            }
            _ => {
                let (body, outcome) = Fetched::outcome(&result);
                state.cache.complete(ticket, now, body, outcome)
            }
        };
        // Counted under the lock: a caller that saw the old count looks again after this.
        self.shared.completed.fetch_add(1, Ordering::Release);
        match (&installed, &result) {
            (Ok(report), Ok(Fetched::Document { etag, .. })) => {
                state.etag.clone_from(etag);
                drop(state);
                if report.loaded == 0 {
                    tracing::warn!(
                        skipped = report.skipped,
                        "JWK Set has no usable key: every token fails with ERR_AUTH_KEY_NOT_FOUND \
                         until the issuer publishes one"
                    );
                }
                if report.overflow > 0 {
                    tracing::warn!(
                        overflow = report.overflow,
                        capacity = KEY_CAPACITY,
                        "JWK Set has more usable keys than the capacity"
                    );
                }
                tracing::info!(
                    loaded = report.loaded,
                    skipped = report.skipped,
                    "JWK Set installed"
                );
            }
            (Ok(_), _) => {
                drop(state);
                tracing::debug!("JWK Set revalidated (304)");
            }
            (Err(code), _) => {
                // Without a usable set, the next fetch must not be conditional.
                state.etag = None;
                drop(state);
                match &result {
                    Err(e) => tracing::warn!(code = code.code(), error = %e, "JWKS fetch failed"),
                    Ok(_) => {
                        tracing::warn!(code = code.code(), "JWKS fetch returned an unusable set")
                    }
                }
            }
        }
        self.shared.fetched.notify_waiters();
    }

    /// Fetches now if the cache wants a refresh (cold, expiring within `refresh_ahead`, or
    /// expired) and no fetch is in flight or cooling down; returns once that fetch completed.
    /// Returns whether a fetch ran.
    pub async fn refresh(&self) -> bool {
        let mut transport = self.transport();
        driver::refresh(Locked(&self.shared), &mut transport, unix_now()).await
    }

    /// Spawns the background refresh task: it keeps the set fresh ahead of expiry (with up to
    /// 10 % jitter so a fleet does not refresh in lockstep), so requests never wait for a
    /// fetch after the first. The task stops when every clone of the verifier is gone.
    pub fn spawn_refresh(&self) -> tokio::task::JoinHandle<()> {
        let weak = Arc::downgrade(&self.shared);
        let task = tokio::spawn(async move {
            loop {
                let Some(shared) = weak.upgrade() else { return };
                let verifier = Verifier { shared };
                verifier.refresh().await;
                let now = unix_now();
                let due = verifier.state().cache.refresh_due_at().unwrap_or(now);
                let ttl = verifier.shared.config.cache.ttl;
                drop(verifier);
                let wait = due
                    .saturating_sub(now)
                    .saturating_add(jitter(ttl / 10))
                    .max(1);
                tokio::time::sleep(Duration::from_secs(wait.min(60))).await;
            }
        });
        let previous = self
            .shared
            .refresh_task
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .replace(task.abort_handle());
        if let Some(previous) = previous {
            previous.abort();
        }
        task
    }
}

/// The verifier's cache as the driver holds it: behind the state mutex, so the driver copies
/// the selected key (and its table's `Arc`) out and checks the signature unlocked.
struct Locked<'s>(&'s Shared);

impl CacheCell<KEY_CAPACITY, ServerTable> for Locked<'_> {
    fn with<R>(&mut self, f: impl FnOnce(&mut JwksCache<KEY_CAPACITY, ServerTable>) -> R) -> R {
        // The state stays consistent even if a holder panicked: every update is one call.
        let mut state = self.0.state.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut state.cache)
    }
}

/// Fetches for the driver as a spawned task, so that a caller going away (client disconnect)
/// never strands the ticket; every caller waits for the task's result.
struct SpawnedFetch<'v> {
    verifier: &'v Verifier,
    /// Completed fetches this caller has seen.
    seen: u64,
}

impl SpawnedFetch<'_> {
    /// How long a caller waits for a fetch: the fetch's own timeout and a second.
    fn patience(&self) -> Duration {
        self.verifier.shared.config.fetch.timeout + Duration::from_secs(1)
    }

    /// Waits until a fetch completes after the last one this caller saw, for at most
    /// [`SpawnedFetch::patience`]. Returns whether one did.
    async fn next_completion(&mut self) -> bool {
        let shared = &self.verifier.shared;
        let mut fetched = pin!(shared.fetched.notified());
        fetched.as_mut().enable();
        let completed = shared.completed.load(Ordering::Acquire);
        if completed == self.seen
            && tokio::time::timeout(self.patience(), fetched)
                .await
                .is_err()
        {
            return false;
        }
        self.seen = shared.completed.load(Ordering::Acquire);
        true
    }
}

impl Transport for SpawnedFetch<'_> {
    async fn fetch<const N: usize, T: KeyTable, C: CacheCell<N, T>>(
        &mut self,
        _cell: &mut C,
        ticket: FetchTicket,
        _now: u64,
    ) {
        let verifier = self.verifier.clone();
        let task = tokio::spawn(async move { verifier.fetch(ticket).await });
        // This caller's own fetch: wait for exactly it (the task runs on if we are dropped).
        let _ = tokio::time::timeout(self.patience(), task).await;
        self.seen = self.verifier.shared.completed.load(Ordering::Acquire);
    }

    async fn wait(&mut self) -> bool {
        self.next_completion().await
    }
}

/// A random number of seconds in `0..=max`, from the std hasher's per-process random keys.
fn jitter(max: u64) -> u64 {
    use std::hash::{BuildHasher, RandomState};
    if max == 0 {
        return 0;
    }
    RandomState::new().hash_one(Instant::now()) % (max + 1)
}
