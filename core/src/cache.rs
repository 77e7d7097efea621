//! The JWKS cache: a sans-IO state machine that decides when to fetch, what to serve during
//! an issuer outage, and when to fail fast.
//!
//! The caller supplies the time (unix seconds) and performs fetches; the cache never blocks,
//! never allocates and never reads a clock. Blocking and async adapters drive the same
//! [`JwksCache::step`] / [`JwksCache::complete`] pair, so the policy lives here once:
//!
//! - **single flight**: at most one fetch is outstanding; others wait or are served;
//! - **failure cooldown**: after a failed fetch no new fetch starts for `failure_cooldown`
//!   seconds and misses fail fast, so a cold start during an outage makes one fetch, not
//!   thousands;
//! - **stale-if-error**: keys past their ttl keep verifying while refreshes fail, for at most
//!   `stale_if_error` seconds;
//! - **unknown kid**: a `kid` the set lacks triggers at most one refetch per
//!   `unknown_kid_min_interval`, so key rotation works and attackers cannot force fetches;
//! - **atomic replace**: a new set replaces the old one only once it parsed and has a usable
//!   key; a failed or invalid fetch never empties a cache that can still serve.

use core::future::Future as _;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use crate::Error;
use crate::alg::Algorithm;
use crate::es256::{KeyTable, NoTable};
use crate::json::JsonStr;
use crate::jwks::{KeyRef, KeySet, LoadReport, Selection};
use crate::policy::Policy;
use crate::token::{UntrustedToken, Verified};
use crate::token_cache::{CacheEpoch, TokenCache, TokenDigest};

/// Cache policy, in seconds. [`CachePolicy::DEFAULT`] is the recommended setting;
/// [`CachePolicy::REFERENCE`] reproduces the reference system exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CachePolicy {
    /// How long a fetched set is fresh, unless the response's `max-age` says otherwise.
    pub ttl: u64,
    /// Use the response's `Cache-Control: max-age`, clamped to `[min_ttl, max_ttl]`, instead
    /// of `ttl` when present. An explicitly configured ttl turns this off.
    pub honor_max_age: bool,
    /// Lower clamp for `max-age`.
    pub min_ttl: u64,
    /// Upper clamp for `max-age`.
    pub max_ttl: u64,
    /// How long past its ttl a set keeps verifying while refreshes fail.
    pub stale_if_error: u64,
    /// After a failed fetch, how long no new fetch starts and misses fail fast.
    pub failure_cooldown: u64,
    /// Least time between two refetches caused by an unknown `kid`.
    /// `u64::MAX` disables unknown-kid refetches.
    pub unknown_kid_min_interval: u64,
    /// How long before expiry [`JwksCache::poll_refresh`] starts a background refresh
    /// (at most half the set's ttl, so short ttls do not refresh continuously).
    pub refresh_ahead: u64,
    /// A fetch not completed after this long is presumed abandoned; a new one may start.
    pub fetch_abandon_after: u64,
}

impl CachePolicy {
    /// ttl 600 s (or max-age clamped to [60 s, 86 400 s]), stale-if-error 3600 s, failure
    /// cooldown 5 s, unknown-kid refetch at most every 30 s, refresh 60 s ahead of expiry.
    ///
    /// Supabase advises caching its JWKS no longer than 10-20 minutes so that rotated and
    /// revoked keys take effect; 10 minutes fresh plus an hour of stale-if-error keeps that
    /// promise while the issuer is up and rides out an hour-long outage when it is not.
    pub const DEFAULT: CachePolicy = CachePolicy {
        ttl: 600,
        honor_max_age: true,
        min_ttl: 60,
        max_ttl: 86_400,
        stale_if_error: 3_600,
        failure_cooldown: 5,
        unknown_kid_min_interval: 30,
        refresh_ahead: 60,
        fetch_abandon_after: 60,
    };

    /// The reference system, exactly: keys cached for 1 hour whatever the response says, one
    /// fetch attempt per cache miss (no cooldown), no stale keys once the hour is over, no
    /// refetch for an unknown `kid`, no background refresh.
    pub const REFERENCE: CachePolicy = CachePolicy {
        ttl: 3_600,
        honor_max_age: false,
        min_ttl: 60,
        max_ttl: 86_400,
        stale_if_error: 0,
        failure_cooldown: 0,
        unknown_kid_min_interval: u64::MAX,
        refresh_ahead: 0,
        fetch_abandon_after: 60,
    };

    /// The ttl a response with this `max-age` earns.
    pub fn effective_ttl(&self, max_age: Option<u64>) -> u64 {
        match max_age {
            Some(age) if self.honor_max_age => {
                age.clamp(self.min_ttl, self.max_ttl.max(self.min_ttl))
            }
            _ => self.ttl,
        }
    }
}

impl Default for CachePolicy {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// What the cache has counted since it was created. Monotonic, for metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CacheCounters {
    /// Lookups served from a fresh set without fetching.
    pub hits: u64,
    /// Lookups that had to start a fetch (cold, expired, or unknown `kid`).
    pub misses: u64,
    /// Fetches that installed (or revalidated) a set.
    pub fetches_ok: u64,
    /// Fetches that failed or returned an unusable set.
    pub fetches_failed: u64,
    /// Lookups served from a set past its ttl (stale-if-error).
    pub stale_serves: u64,
    /// Lookups failed fast because fetching is cooling down after a failure.
    pub cooldown_rejections: u64,
    /// Fetches started because a token named a `kid` the set lacks.
    pub unknown_kid_refreshes: u64,
    /// JWKs skipped as unusable, over all loads.
    pub keys_skipped: u64,
    /// Usable JWKs dropped for lack of capacity, over all loads.
    pub keys_overflow: u64,
}

/// Permission to fetch, handed out to exactly one caller at a time.
#[must_use = "a ticket must be completed, or the cache waits `fetch_abandon_after` seconds"]
#[derive(Debug, PartialEq, Eq)]
pub struct FetchTicket {
    id: u32,
}

/// What a fetch produced, reported back with [`JwksCache::complete`].
#[derive(Clone, Copy, Debug)]
pub enum FetchOutcome<'d> {
    /// A JWK Set document, and the response's `max-age` if it had one.
    Document {
        /// The response body.
        body: &'d [u8],
        /// `Cache-Control: max-age`, in seconds.
        max_age: Option<u64>,
    },
    /// The server answered 304 to a conditional request: the held set is still current.
    NotModified {
        /// `Cache-Control: max-age`, in seconds.
        max_age: Option<u64>,
    },
    /// The fetch failed (connect, timeout, status, size cap...).
    Failed,
}

impl<'d> FetchOutcome<'d> {
    /// Interprets a fetch callback's result: `Ok((len, max_age))` with the document in the
    /// first `len` bytes of `buf`, or `Err(())`.
    pub fn from_callback(buf: &'d [u8], fetched: Result<(usize, Option<u64>), ()>) -> Self {
        match fetched.map(|(len, max_age)| (buf.get(..len), max_age)) {
            Ok((Some(body), max_age)) => FetchOutcome::Document { body, max_age },
            Ok((None, _)) | Err(()) => FetchOutcome::Failed,
        }
    }
}

/// What [`JwksCache::lookup_verified`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Remembered<'t, V> {
    /// The token verified before under the current keys and policy and is still in its
    /// validity window: its stored value.
    Hit(&'t V),
    /// Verify it; then store the verdict under this epoch, if any.
    Miss(Option<CacheEpoch>),
}

/// What a lookup should do next.
#[derive(Debug)]
pub enum Step<'c, T: KeyTable = NoTable> {
    /// Verify with this key. `stale` says it came from a set past its ttl.
    Ready {
        /// The selected key, with its table (it dereferences to the [`Key`](crate::Key)).
        key: KeyRef<'c, T>,
        /// Served under stale-if-error.
        stale: bool,
    },
    /// Fetch the JWK Set, then [`JwksCache::complete`] the ticket and step again.
    Fetch(FetchTicket),
    /// Another caller's fetch is in flight and nothing can be served yet: wait for it to
    /// complete (or for the time to move), then step again.
    Wait,
    /// Answer with this error.
    Fail(Error),
}

/// Where the cache stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Freshness {
    /// No set was ever loaded.
    Cold,
    /// The set is within its ttl.
    Fresh,
    /// Past ttl, still within stale-if-error.
    Stale,
    /// Past ttl and stale-if-error: nothing can be served.
    Expired,
}

/// A JWKS cache holding up to `N` keys, each with a verification table of type `T` (see
/// [`KeySet`]). Caller-owned: put it on the stack, in a `static` (see `SharedCache`), or
/// behind the adapter's own lock.
#[derive(Clone, Debug)]
pub struct JwksCache<const N: usize, T: KeyTable = NoTable> {
    policy: CachePolicy,
    keys: KeySet<N, T>,
    /// Loaded sets are fresh while `now < fresh_until`.
    fresh_until: Option<u64>,
    /// When a background refresh of the held set is due.
    refresh_at: u64,
    /// No fetch starts while `now < cooldown_until`.
    cooldown_until: u64,
    /// What the last failed fetch means for a request that cannot be served.
    last_failure: Error,
    last_unknown_kid_fetch: Option<u64>,
    in_flight: Option<InFlight>,
    next_ticket: u32,
    counters: CacheCounters,
}

#[derive(Clone, Copy, Debug)]
struct InFlight {
    id: u32,
    started: u64,
}

impl<const N: usize, T: KeyTable> JwksCache<N, T> {
    /// An empty (cold) cache.
    pub const fn new(policy: CachePolicy) -> Self {
        JwksCache {
            policy,
            keys: KeySet::new(),
            fresh_until: None,
            refresh_at: 0,
            cooldown_until: 0,
            last_failure: Error::JwksFetchFailed,
            last_unknown_kid_fetch: None,
            in_flight: None,
            next_ticket: 0,
            counters: CacheCounters {
                hits: 0,
                misses: 0,
                fetches_ok: 0,
                fetches_failed: 0,
                stale_serves: 0,
                cooldown_rejections: 0,
                unknown_kid_refreshes: 0,
                keys_skipped: 0,
                keys_overflow: 0,
            },
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> &CachePolicy {
        &self.policy
    }

    /// The keys held (possibly stale; see [`JwksCache::freshness`]).
    pub fn keys(&self) -> &KeySet<N, T> {
        &self.keys
    }

    /// The counters so far.
    pub fn counters(&self) -> CacheCounters {
        self.counters
    }

    /// Whether a fetch is outstanding at `now`.
    pub fn fetch_in_flight(&self, now: u64) -> bool {
        self.in_flight
            .is_some_and(|f| now < f.started.saturating_add(self.policy.fetch_abandon_after))
    }

    /// Where the held set stands at `now`.
    pub fn freshness(&self, now: u64) -> Freshness {
        match self.fresh_until {
            None => Freshness::Cold,
            Some(until) if now < until => Freshness::Fresh,
            Some(until) if now < until.saturating_add(self.policy.stale_if_error) => {
                Freshness::Stale
            }
            Some(_) => Freshness::Expired,
        }
    }

    /// Whether a fetch may start at `now`: none is in flight and no failure cooldown runs.
    fn may_start_fetch(&self, now: u64) -> bool {
        !self.fetch_in_flight(now) && now >= self.cooldown_until
    }

    /// Looks `token` up in `tokens`, a [`TokenCache`] kept beside this cache: the way to
    /// answer from a token cache. It answers only where this cache would serve the held keys
    /// without fetching, and counts the hit exactly as that lookup would have been counted:
    ///
    /// - fresh keys: a hit;
    /// - past the ttl, within stale-if-error, while a fetch is in flight or a failure
    ///   cooldown runs: a stale serve;
    /// - past the ttl with a refresh due: a miss here (nothing counted), so the caller's
    ///   verification makes that lookup, fetches, and counts it;
    /// - cold, or expired past stale-if-error: a miss with no epoch (store nothing).
    ///
    /// A token verified with HS256's secret never needed the key set: its hits count nothing
    /// here. On a miss, [`TokenCache::insert`] the fresh verdict under the returned epoch.
    pub fn lookup_verified<'t, const M: usize, V>(
        &mut self,
        tokens: &'t mut TokenCache<M, V>,
        token: &TokenDigest,
        policy: &Policy<'_>,
        now: u64,
    ) -> Remembered<'t, V> {
        let stale = match self.freshness(now) {
            Freshness::Fresh => false,
            Freshness::Stale => true,
            // The keys cannot be served: nothing may be answered from a token cache either.
            Freshness::Cold | Freshness::Expired => return Remembered::Miss(None),
        };
        let epoch = CacheEpoch::new(&self.keys, policy);
        if stale && self.may_start_fetch(now) {
            return Remembered::Miss(Some(epoch));
        }
        match tokens.get_entry(token, now, &epoch) {
            Some((value, keyed)) => {
                if keyed && stale {
                    self.counters.stale_serves += 1;
                } else if keyed {
                    self.counters.hits += 1;
                }
                Remembered::Hit(value)
            }
            None => Remembered::Miss(Some(epoch)),
        }
    }

    /// When the held set stops being fresh, if one is held.
    pub fn fresh_until(&self) -> Option<u64> {
        self.fresh_until
    }

    /// Decides what a lookup for a token with `kid` and `alg` should do at `now`.
    ///
    /// Counts each lookup once: a hit (served from a fresh set), a miss (it must fetch, or
    /// wait for another caller's fetch), a stale serve, or a cooldown rejection.
    pub fn step(&mut self, now: u64, kid: Option<JsonStr<'_>>, alg: Algorithm) -> Step<'_, T> {
        self.lookup(now, kid, alg, true)
    }

    /// The same lookup again, after this caller's [`Step::Fetch`] completed or its
    /// [`Step::Wait`] ended. It never fetches, so every miss makes at most one fetch even
    /// without a failure cooldown (stale keys are served after a failed refresh, exactly as if
    /// a cooldown ran), and it counts only stale serves: the lookup was counted as a miss.
    pub fn step_again(
        &mut self,
        now: u64,
        kid: Option<JsonStr<'_>>,
        alg: Algorithm,
    ) -> Step<'_, T> {
        self.lookup(now, kid, alg, false)
    }

    fn lookup(
        &mut self,
        now: u64,
        kid: Option<JsonStr<'_>>,
        alg: Algorithm,
        first: bool,
    ) -> Step<'_, T> {
        let freshness = self.freshness(now);
        let in_flight = self.fetch_in_flight(now);
        let may_fetch = first && self.may_start_fetch(now);
        if freshness == Freshness::Fresh {
            let unknown = matches!(self.keys.selection(kid, alg), Selection::None);
            let interval_passed = self.last_unknown_kid_fetch.is_none_or(|last| {
                now >= last.saturating_add(self.policy.unknown_kid_min_interval)
            });
            if unknown
                && may_fetch
                && interval_passed
                && self.policy.unknown_kid_min_interval != u64::MAX
            {
                self.last_unknown_kid_fetch = Some(now);
                self.counters.unknown_kid_refreshes += 1;
                self.counters.misses += 1;
                return Step::Fetch(self.issue_ticket(now));
            }
            if first {
                self.counters.hits += 1;
            }
            return self.serve(kid, alg, false);
        }
        if may_fetch {
            self.counters.misses += 1;
            return Step::Fetch(self.issue_ticket(now));
        }
        if freshness == Freshness::Stale {
            self.counters.stale_serves += 1;
            return self.serve(kid, alg, true);
        }
        if in_flight {
            if first {
                self.counters.misses += 1;
            }
            return Step::Wait;
        }
        if first {
            self.counters.cooldown_rejections += 1;
        }
        Step::Fail(self.last_failure)
    }

    fn serve(&self, kid: Option<JsonStr<'_>>, alg: Algorithm, stale: bool) -> Step<'_, T> {
        match self.keys.selection(kid, alg) {
            Selection::One(key) => Step::Ready { key, stale },
            Selection::None | Selection::Ambiguous => Step::Fail(Error::KeyNotFound),
        }
    }

    fn issue_ticket(&mut self, now: u64) -> FetchTicket {
        self.next_ticket = self.next_ticket.wrapping_add(1);
        self.in_flight = Some(InFlight {
            id: self.next_ticket,
            started: now,
        });
        FetchTicket {
            id: self.next_ticket,
        }
    }

    /// For a background task: a ticket to refresh now if the set is within `refresh_ahead` of
    /// expiry (or past it, or cold), no fetch is in flight and no cooldown is running.
    pub fn poll_refresh(&mut self, now: u64) -> Option<FetchTicket> {
        let due = self.refresh_due_at().is_none_or(|at| now >= at);
        (due && self.may_start_fetch(now)).then(|| self.issue_ticket(now))
    }

    /// When a background refresh is next due (`None`: now, the cache is cold), not earlier
    /// than the end of a running cooldown.
    pub fn refresh_due_at(&self) -> Option<u64> {
        self.fresh_until?;
        Some(self.refresh_at.max(self.cooldown_until))
    }

    /// Reports how the fetch behind `ticket` went.
    ///
    /// # Errors
    /// The error a request should see for this fetch ([`Error::JwksFetchFailed`] or
    /// [`Error::JwksInvalid`]); the held keys are kept either way. A ticket that is no longer
    /// current (abandoned and superseded) changes nothing and returns
    /// [`Error::JwksFetchFailed`].
    pub fn complete(
        &mut self,
        ticket: FetchTicket,
        now: u64,
        outcome: FetchOutcome<'_>,
    ) -> Result<LoadReport, Error> {
        if self.in_flight.is_none_or(|f| f.id != ticket.id) {
            return Err(Error::JwksFetchFailed);
        }
        self.in_flight = None;
        let result = match outcome {
            FetchOutcome::Document { body, max_age } => {
                self.keys.load(body).map(|report| (report, max_age))
            }
            FetchOutcome::NotModified { max_age } if self.fresh_until.is_some() => {
                Ok((LoadReport::default(), max_age))
            }
            FetchOutcome::NotModified { .. } | FetchOutcome::Failed => Err(Error::JwksFetchFailed),
        };
        match result {
            Ok((report, max_age)) => {
                let ttl = self.policy.effective_ttl(max_age);
                self.fresh_until = Some(now.saturating_add(ttl));
                let ahead = self.policy.refresh_ahead.min(ttl / 2);
                self.refresh_at = now.saturating_add(ttl - ahead);
                self.cooldown_until = 0;
                self.counters.fetches_ok += 1;
                self.counters.keys_skipped += u64::try_from(report.skipped).unwrap_or(u64::MAX);
                self.counters.keys_overflow += u64::try_from(report.overflow).unwrap_or(u64::MAX);
                Ok(report)
            }
            Err(e) => {
                self.cooldown_until = now.saturating_add(self.policy.failure_cooldown);
                self.last_failure = e;
                self.counters.fetches_failed += 1;
                Err(e)
            }
        }
    }

    /// Verifies a token, fetching through `fetch` when the cache asks for it: the blocking
    /// convenience for single-threaded callers (firmware main loops, CLIs).
    ///
    /// `fetch` writes the JWK Set into the buffer it is given (`jwks_buf`) and returns the
    /// document length and the response's `max-age`, or `Err(())` if the fetch failed.
    /// HS256 tokens never touch the cache, so the secret fallback works during an outage.
    ///
    /// # Errors
    /// The catalog error for whatever check failed.
    pub fn verify_blocking<'b>(
        &mut self,
        token: UntrustedToken<'_, 'b>,
        policy: &Policy<'_>,
        now: u64,
        jwks_buf: &mut [u8],
        mut fetch: impl FnMut(&mut [u8]) -> Result<(usize, Option<u64>), ()>,
    ) -> Result<Verified<'b>, Error> {
        // One implementation: the async path with a fetch that never suspends completes on
        // its first poll.
        let verifying =
            pin!(
                self.verify_async(token, policy, now, jwks_buf, async |buf: &mut [u8]| fetch(
                    buf
                ))
            );
        match verifying.poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(result) => result,
            Poll::Pending => Err(Error::JwksFetchFailed),
        }
    }

    /// The async twin of [`JwksCache::verify_blocking`]: `fetch` is an async closure. The
    /// cache is borrowed exclusively across the fetch, so this suits one task owning the
    /// cache; shared caches drive [`JwksCache::step`] themselves.
    ///
    /// # Errors
    /// As [`JwksCache::verify_blocking`].
    pub async fn verify_async<'b>(
        &mut self,
        token: UntrustedToken<'_, 'b>,
        policy: &Policy<'_>,
        now: u64,
        jwks_buf: &mut [u8],
        mut fetch: impl AsyncFnMut(&mut [u8]) -> Result<(usize, Option<u64>), ()>,
    ) -> Result<Verified<'b>, Error> {
        if !token.needs_key_set() || !policy.allows(token.alg()) {
            return token.verify_with(None, policy, now);
        }
        for attempt in 0..2 {
            let step = if attempt == 0 {
                self.step(now, token.kid(), token.alg())
            } else {
                self.step_again(now, token.kid(), token.alg())
            };
            match step {
                Step::Ready { key, .. } => {
                    return token.verify_with_table(Some(key), policy, now);
                }
                Step::Fail(e) => return Err(e),
                Step::Wait => return Err(Error::JwksFetchFailed),
                Step::Fetch(ticket) => {
                    let fetched = fetch(jwks_buf).await;
                    let outcome = FetchOutcome::from_callback(jwks_buf, fetched);
                    // A failure is not final: the next step may still serve stale keys.
                    let _ = self.complete(ticket, now, outcome);
                }
            }
        }
        Err(self.last_failure)
    }
}
