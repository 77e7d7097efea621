//! [`JwksCache`]: the sans-IO state machine that decides when to fetch, what to serve during
//! an issuer outage, and when to fail fast. The [driver](super::driver) runs it.

use crate::Error;
use crate::alg::Algorithm;
use crate::es256::{KeyTable, NoTable};
use crate::json::JsonStr;
use crate::jwk::Key;
use crate::jwks::{KeySet, LoadReport, Selection};
use crate::policy::Policy;
use crate::token_cache::{CacheEpoch, TokenCache, TokenDigest};

use super::policy::CachePolicy;

/// What the cache has counted since it was created. Monotonic, for metrics.
/// `non_exhaustive`: a later release may count more.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct CacheCounters {
    /// Lookups served from a fresh set without fetching.
    pub hits: u64,
    /// Lookups that had to start a fetch (cold, expired, or unknown `kid`).
    pub misses: u64,
    /// Fetches that installed (or revalidated) a set.
    pub fetches_ok: u64,
    /// Fetches that failed or returned something that is not a JWK Set.
    pub fetches_failed: u64,
    /// Fetches that installed a well-formed set with no usable key: a revocation, or a set of
    /// key types jwtgate does not verify. Tokens then fail with `ERR_AUTH_KEY_NOT_FOUND`.
    pub empty_sets: u64,
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

/// Permission to fetch, handed out to exactly one caller at a time; a
/// [`Transport`](super::driver::Transport) reports the result with [`JwksCache::complete`].
#[must_use = "a ticket must be completed, or the cache waits `fetch_abandon_after` seconds"]
#[derive(Debug, PartialEq, Eq)]
pub struct FetchTicket {
    id: u32,
}

/// What a fetch produced, reported back with [`JwksCache::complete`] beside the buffer the
/// document was written into. It borrows nothing, so a fetch closure can return it whether it
/// is passed inline or kept in a variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FetchOutcome {
    /// A JWK Set document: the first `len` bytes of the buffer. The response's `max-age`, if
    /// it had one.
    Document {
        /// The document's length in the buffer.
        len: usize,
        /// `Cache-Control: max-age`, in seconds.
        max_age: Option<u64>,
    },
    /// The server answered 304 to a conditional request: the held set is still current.
    NotModified {
        /// `Cache-Control: max-age`, in seconds.
        max_age: Option<u64>,
    },
    /// A body arrived but was larger than the caller's cap ([`Error::JwksInvalid`]).
    TooLarge,
    /// The fetch failed: connect, timeout, status, redirect, truncated body...
    Failed,
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

/// One token's key lookup, across the rounds a fetch takes: it remembers whether it was
/// counted and whether it may still fetch, so every miss makes at most one fetch.
#[derive(Clone, Copy, Debug)]
pub struct Lookup<'k> {
    kid: Option<JsonStr<'k>>,
    alg: Algorithm,
    first: bool,
}

impl<'k> Lookup<'k> {
    /// A lookup for a token's `kid` and `alg`.
    pub const fn new(kid: Option<JsonStr<'k>>, alg: Algorithm) -> Self {
        Lookup {
            kid,
            alg,
            first: true,
        }
    }
}

/// What a lookup should do next.
#[allow(unreachable_pub)] // public to jwtgate's own tests (`__testing`)
#[derive(Debug)]
pub enum Step<'c, T> {
    /// Verify with this key and its table. `stale` says it came from a set past its ttl.
    Ready {
        /// The selected key.
        key: &'c Key,
        /// Its table.
        table: &'c T,
        /// The fingerprint of the set it was selected from.
        set: [u8; 32],
        /// Served under stale-if-error (read by the state-machine tests).
        #[cfg_attr(not(feature = "_test-hooks"), allow(dead_code))]
        stale: bool,
    },
    /// Fetch the JWK Set, then [`JwksCache::complete`] the ticket and look again.
    Fetch(FetchTicket),
    /// Another caller's fetch is in flight and nothing can be served yet: wait for it to
    /// complete (or for the time to move), then look again.
    Wait,
    /// Answer with this error.
    Fail(Error),
}

/// A JWKS cache holding up to `N` keys, each with a verification table of type `T` (see
/// [`KeySet`]). Caller-owned: put it on the stack, in a `static` (see `SharedCache`), or
/// behind the adapter's own lock; the [driver](crate::driver) runs it.
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
                empty_sets: 0,
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

    /// When the held set stops being fresh, if one is held.
    pub fn fresh_until(&self) -> Option<u64> {
        self.fresh_until
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

    /// Decides what `lookup` should do next at `now`.
    ///
    /// Counts each lookup once, on its first round: a hit (served from a fresh set), a miss
    /// (it must fetch, or wait for another caller's fetch), a stale serve, or a cooldown
    /// rejection. Later rounds follow this lookup's own fetch or wait: they never fetch, so
    /// every miss makes at most one fetch even without a failure cooldown (stale keys are
    /// served after a failed refresh, exactly as if a cooldown ran), and they count only
    /// stale serves.
    pub(crate) fn lookup(&mut self, lookup: &mut Lookup<'_>, now: u64) -> Step<'_, T> {
        let Lookup { kid, alg, first } = *lookup;
        lookup.first = false;
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

    /// The sans-IO lookup, for jwtgate's own state-machine tests (private feature
    /// `_test-hooks`): a first round.
    #[cfg(feature = "_test-hooks")]
    #[doc(hidden)]
    pub fn __step(&mut self, now: u64, kid: Option<JsonStr<'_>>, alg: Algorithm) -> Step<'_, T> {
        self.lookup(&mut Lookup::new(kid, alg), now)
    }

    /// As `__step`, for a later round (after this caller's fetch or wait).
    #[cfg(feature = "_test-hooks")]
    #[doc(hidden)]
    pub fn __step_again(
        &mut self,
        now: u64,
        kid: Option<JsonStr<'_>>,
        alg: Algorithm,
    ) -> Step<'_, T> {
        let mut lookup = Lookup::new(kid, alg);
        lookup.first = false;
        self.lookup(&mut lookup, now)
    }

    /// The background-refresh ticket, for the state-machine tests.
    #[cfg(feature = "_test-hooks")]
    #[doc(hidden)]
    pub fn __poll_refresh(&mut self, now: u64) -> Option<FetchTicket> {
        self.poll_refresh(now)
    }

    fn serve(&self, kid: Option<JsonStr<'_>>, alg: Algorithm, stale: bool) -> Step<'_, T> {
        match self.keys.selection(kid, alg) {
            Selection::One(key, table) => Step::Ready {
                key,
                table,
                set: self.keys.fingerprint(),
                stale,
            },
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

    /// For a background refresh: a ticket to refresh now if the set is within
    /// `refresh_ahead` of expiry (or past it, or cold), no fetch is in flight and no cooldown
    /// is running.
    pub(crate) fn poll_refresh(&mut self, now: u64) -> Option<FetchTicket> {
        let due = self.refresh_due_at().is_none_or(|at| now >= at);
        (due && self.may_start_fetch(now)).then(|| self.issue_ticket(now))
    }

    /// When a background refresh is next due (`None`: now, the cache is cold), not earlier
    /// than the end of a running cooldown.
    pub fn refresh_due_at(&self) -> Option<u64> {
        self.fresh_until?;
        Some(self.refresh_at.max(self.cooldown_until))
    }

    /// Reports how the fetch behind `ticket` went: what a
    /// [`Transport`](super::driver::Transport) calls once its fetch is over. `buf` holds the
    /// document of a [`FetchOutcome::Document`] (a `len` past its end is
    /// [`Error::JwksInvalid`], as [`FetchOutcome::TooLarge`]); other outcomes ignore it.
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
        buf: &[u8],
        outcome: FetchOutcome,
    ) -> Result<LoadReport, Error> {
        if !self.take_ticket(&ticket) {
            return Err(Error::JwksFetchFailed);
        }
        let result = match outcome {
            FetchOutcome::Document { len, max_age } => match buf.get(..len) {
                Some(body) => self.keys.load(body).map(|report| (report, max_age, true)),
                None => Err(Error::JwksInvalid),
            },
            FetchOutcome::NotModified { max_age } if self.fresh_until.is_some() => {
                Ok((LoadReport::default(), max_age, false))
            }
            FetchOutcome::TooLarge => Err(Error::JwksInvalid),
            FetchOutcome::NotModified { .. } | FetchOutcome::Failed => Err(Error::JwksFetchFailed),
        };
        self.settle(now, result)
    }

    /// Reports a fetch whose document was loaded into `staged`, a copy of the held keys
    /// from [`JwksCache::stage`], with `loaded` the result of that [`KeySet::load`]: on
    /// success `staged` replaces the held keys. This is how a cache behind a lock builds the
    /// tables of new keys (milliseconds each with a `LargeTable`) without holding the lock.
    ///
    /// # Errors
    /// As [`JwksCache::complete`].
    pub fn install(
        &mut self,
        ticket: FetchTicket,
        now: u64,
        staged: KeySet<N, T>,
        loaded: Result<LoadReport, Error>,
        max_age: Option<u64>,
    ) -> Result<LoadReport, Error> {
        if !self.take_ticket(&ticket) {
            return Err(Error::JwksFetchFailed);
        }
        let result = loaded.map(|report| {
            self.keys = staged;
            (report, max_age, true)
        });
        self.settle(now, result)
    }

    /// Installs a JWK Set that the caller stored itself after an earlier fetch at
    /// `fetched_at` (a Worker's isolates share one store), so a cold instance starts warm
    /// without pretending the set was fetched just now: its ttl (from `max_age` as fetched,
    /// under this cache's policy) and stale-if-error run from `fetched_at`. Counts no fetch
    /// and leaves tickets and cooldowns alone: a stale restored set is refreshed on the next
    /// lookup like any stale set.
    ///
    /// Installs only a set that is still servable at `now` and fresher than the one held;
    /// a `fetched_at` later than `now` is not believed. Returns whether it installed.
    ///
    /// # Errors
    /// [`Error::JwksInvalid`] if `document` is not a JWK Set; the held keys are kept.
    pub fn restore(
        &mut self,
        now: u64,
        fetched_at: u64,
        document: &[u8],
        max_age: Option<u64>,
    ) -> Result<bool, Error> {
        let ttl = self.policy.effective_ttl(max_age);
        let fresh_until = fetched_at.saturating_add(ttl);
        let servable = now < fresh_until.saturating_add(self.policy.stale_if_error);
        let fresher = self.fresh_until.is_none_or(|held| held < fresh_until);
        if fetched_at > now || !servable || !fresher {
            return Ok(false);
        }
        let report = self.keys.load(document)?;
        self.set_fetched(fetched_at, ttl, report);
        Ok(true)
    }

    /// A copy of the held keys to load a fetched document into, off any lock (see
    /// [`JwksCache::install`]): tables of keys that stay are reused, so with tables behind a
    /// pointer ([`Boxed`](crate::Boxed)) the copy costs pointers, not tables.
    pub fn stage(&self) -> KeySet<N, T>
    where
        T: Clone,
    {
        self.keys.clone()
    }

    /// Whether `ticket` is the fetch in flight; if so, it no longer is.
    fn take_ticket(&mut self, ticket: &FetchTicket) -> bool {
        if self.in_flight.is_none_or(|f| f.id != ticket.id) {
            return false;
        }
        self.in_flight = None;
        true
    }

    /// Records how a fetch ended: `(report, max_age, whether a document was loaded)`.
    fn settle(
        &mut self,
        now: u64,
        result: Result<(LoadReport, Option<u64>, bool), Error>,
    ) -> Result<LoadReport, Error> {
        match result {
            Ok((report, max_age, loaded)) => {
                let ttl = self.policy.effective_ttl(max_age);
                self.set_fetched(now, ttl, report);
                self.cooldown_until = 0;
                self.counters.fetches_ok += 1;
                if loaded && self.keys.is_empty() {
                    self.counters.empty_sets += 1;
                }
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

    /// The held set was fetched at `at` and is fresh for `ttl`.
    fn set_fetched(&mut self, at: u64, ttl: u64, report: LoadReport) {
        self.fresh_until = Some(at.saturating_add(ttl));
        let ahead = self.policy.refresh_ahead.min(ttl / 2);
        self.refresh_at = at.saturating_add(ttl - ahead);
        self.counters.keys_skipped += u64::try_from(report.skipped).unwrap_or(u64::MAX);
        self.counters.keys_overflow += u64::try_from(report.overflow).unwrap_or(u64::MAX);
    }

    /// What the last failed fetch means for a request that cannot be served.
    pub(crate) fn last_failure(&self) -> Error {
        self.last_failure
    }
}
