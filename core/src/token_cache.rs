//! A verified-token cache, in the manner of Envoy's `jwt_authn`: the same token presented
//! again skips parsing, the signature and the claims.
//!
//! - **Fixed capacity** `M`, caller-owned, no allocation, 4-way set associative (a lookup
//!   compares at most 4 digests); a full set replaces an expired entry, else its oldest.
//! - **Keyed by SHA-256 of the whole token** ([`TokenDigest`]): any change to any byte is a
//!   different entry.
//! - **An entry is valid only while** the token's `exp` (plus the policy's leeway) has not
//!   passed, its `nbf` still holds, and the [`CacheEpoch`] it was stored under is current:
//!   the epoch is the key set's [`fingerprint`](crate::KeySet::fingerprint) (so the exact key
//!   that verified the token is still held) and a digest of every [`Policy`] setting.
//! - **The whole cache is invalidated** on any key-set or policy change: the first lookup under
//!   a new epoch empties it.
//! - **Consult it through [`JwksCache::lookup_verified`](crate::JwksCache::lookup_verified):**
//!   it answers only where the key cache would serve its held keys without fetching (fresh,
//!   or stale-if-error while a fetch is in flight or a cooldown runs), counts the hit as that
//!   lookup's hit or stale serve (so hit-rate metrics stay true), and answers nothing while
//!   the key set cannot be served, so nothing is served from here that the key cache would
//!   not verify at that moment.
//!
//! **What a hit returns.** A [`Verified`] borrows the decoded payload, which a hit does not
//! decode (that is most of what it saves). So each entry stores a caller-chosen value `V`,
//! built from the [`Verified`] at insertion: whatever the caller forwards (a user id, a role,
//! a `Copy` struct on embedded targets, owned claims in std). A caller that needs the full
//! claims on every request can store `()` and decode the payload itself on a hit, knowing the
//! signature and time checks hold.

use sha2::{Digest as _, Sha256};

use crate::es256::KeyTable;
use crate::jwks::KeySet;
use crate::policy::Policy;
use crate::token::Verified;

/// SHA-256 of a whole compact token (header, payload and signature).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TokenDigest([u8; 32]);

impl TokenDigest {
    /// Hashes `token`.
    pub fn of(token: &[u8]) -> TokenDigest {
        TokenDigest(Sha256::digest(token).into())
    }

    /// The digest bytes.
    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// What cached verdicts depend on: the keys held and the policy. Any change to either makes a
/// different epoch, and a [`TokenCache`] forgets everything on a new epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CacheEpoch([u8; 32]);

impl CacheEpoch {
    /// The epoch of a key set and a policy.
    pub fn new<const N: usize, T: KeyTable>(keys: &KeySet<N, T>, policy: &Policy<'_>) -> Self {
        Self::of(keys.fingerprint(), policy)
    }

    fn of(key_set: [u8; 32], policy: &Policy<'_>) -> Self {
        let mut hash = Sha256::new();
        hash.update(key_set);
        policy.fingerprint(&mut hash);
        CacheEpoch(hash.finalize().into())
    }
}

#[derive(Clone, Debug)]
struct Entry<V> {
    digest: TokenDigest,
    /// Valid while `now < until`: `exp + leeway`.
    until: i128,
    /// Valid while `now >= from`: `nbf - leeway` (the token had no `nbf`: `i128::MIN`).
    from: i128,
    /// When it was inserted (the cache's insertion count), for replacing the oldest.
    inserted: u64,
    /// Whether it was verified with a key from the key set (not HS256's secret).
    keyed: bool,
    value: V,
}

/// Entries a lookup inspects: the cache is 4-way set associative.
const WAYS: usize = 4;

/// Up to `M` verified tokens, each with the caller's value `V` (see the module docs).
///
/// Set associative: a token's digest picks a set of 4 entries, so a lookup compares at most 4
/// digests whatever `M` is. Within a set, an insertion replaces the same token, else an empty
/// or expired entry, else the set's oldest. `M` is a multiple of 4 (checked at compile time):
///
/// ```compile_fail
/// let tokens = jwtgate::TokenCache::<6, ()>::new(); // 6 is not a multiple of 4
/// ```
#[derive(Clone, Debug)]
pub struct TokenCache<const M: usize, V> {
    entries: [Option<Entry<V>>; M],
    epoch: Option<CacheEpoch>,
    /// Insertions so far: ages entries within a set.
    clock: u64,
    hits: u64,
    misses: u64,
}

impl<const M: usize, V> Default for TokenCache<M, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const M: usize, V> TokenCache<M, V> {
    /// An empty cache.
    pub const fn new() -> Self {
        const {
            assert!(
                M >= WAYS && M.is_multiple_of(WAYS),
                "a TokenCache holds a multiple of 4 entries (it is 4-way set associative)"
            );
        }
        TokenCache {
            entries: [const { None }; M],
            epoch: None,
            clock: 0,
            hits: 0,
            misses: 0,
        }
    }

    /// The set of entries `token` may live in.
    fn set_range(token: &TokenDigest) -> core::ops::Range<usize> {
        let sets = (M / WAYS).max(1);
        let mut index = [0u8; 8];
        index.copy_from_slice(token.0.get(..8).unwrap_or(&[0; 8]));
        let set = u64::from_le_bytes(index) % u64::try_from(sets).unwrap_or(1);
        let start = usize::try_from(set).unwrap_or(0) * WAYS;
        start..(start + WAYS).min(M)
    }

    /// The value stored with `token`, if it was verified under `epoch` and is still valid at
    /// `now`. A new epoch empties the cache first.
    pub fn get(&mut self, token: &TokenDigest, now: u64, epoch: &CacheEpoch) -> Option<&V> {
        self.get_entry(token, now, epoch).map(|(value, _)| value)
    }

    /// [`TokenCache::get`], with whether the token was verified with a key-set key.
    pub(crate) fn get_entry(
        &mut self,
        token: &TokenDigest,
        now: u64,
        epoch: &CacheEpoch,
    ) -> Option<(&V, bool)> {
        self.enter(epoch);
        let now = i128::from(now);
        let set = self.entries.get(Self::set_range(token)).unwrap_or_default();
        let found = set
            .iter()
            .flatten()
            .find(|e| e.digest == *token && e.from <= now && now < e.until);
        match found {
            Some(entry) => {
                self.hits += 1;
                Some((&entry.value, entry.keyed))
            }
            None => {
                self.misses += 1;
                None
            }
        }
    }

    /// Stores `value` for a token that just verified (`verified`) under `policy`, with the
    /// keys of `epoch`: the epoch taken *before* verifying. The verdict is stored only under
    /// the epoch of the keys that actually verified it: it is dropped when verification used
    /// another key set (the set was refetched meanwhile, say for an unknown `kid`, and may
    /// flap back), or when `epoch` is no longer the cache's current one.
    pub fn insert(
        &mut self,
        token: TokenDigest,
        verified: &Verified<'_>,
        policy: &Policy<'_>,
        epoch: &CacheEpoch,
        now: u64,
        value: V,
    ) {
        if self.epoch.is_some_and(|e| e != *epoch)
            || verified
                .key_set()
                .is_some_and(|set| CacheEpoch::of(set, policy) != *epoch)
        {
            return;
        }
        self.enter(epoch);
        let leeway = i128::from(policy.leeway_secs());
        let claims = verified.claims();
        self.clock += 1;
        let entry = Entry {
            digest: token,
            until: i128::from(claims.exp()) + leeway,
            from: claims
                .nbf()
                .map_or(i128::MIN, |nbf| i128::from(nbf) - leeway),
            inserted: self.clock,
            keyed: verified.alg().needs_key_set(),
            value,
        };
        let now = i128::from(now);
        let Some(set) = self.entries.get_mut(Self::set_range(&token)) else {
            return;
        };
        let rank = |e: &Option<Entry<V>>| match e {
            Some(e) if e.digest == token => (0, 0),
            None => (1, 0),
            Some(e) if now >= e.until => (2, 0),
            Some(e) => (3, e.inserted),
        };
        if let Some(slot) = set.iter_mut().min_by_key(|e| rank(e)) {
            *slot = Some(entry);
        }
    }

    /// Forgets every entry.
    pub fn clear(&mut self) {
        for e in &mut self.entries {
            *e = None;
        }
    }

    /// Entries held (some may have expired).
    pub fn len(&self) -> usize {
        self.entries.iter().flatten().count()
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.entries.iter().all(Option::is_none)
    }

    /// Lookups answered from the cache, and lookups that were not.
    pub fn counters(&self) -> (u64, u64) {
        (self.hits, self.misses)
    }

    fn enter(&mut self, epoch: &CacheEpoch) {
        if self.epoch != Some(*epoch) {
            self.clear();
            self.epoch = Some(*epoch);
        }
    }
}
