//! The verified-token cache: hits only for the same token bytes, within `exp`/`nbf`, under the
//! same key set and policy; everything forgotten on any key-set or policy change.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use jwtgate::__testing::Step;
use jwtgate::{
    CacheEpoch, CachePolicy, FetchOutcome, Hs256Secret, JwksCache, KeySet, Policy, Remembered,
    TokenCache, TokenDigest, Verified,
};
use jwtgate_tests::{es256_token, hs256_token, jwk, jwks, signing_key};
use p256::ecdsa::SigningKey;

const NOW: u64 = 1_700_000_000;
const EXP: u64 = NOW + 600;

fn token(key: &SigningKey, kid: &str, payload: &str) -> String {
    es256_token(key, &format!(r#"{{"alg":"ES256","kid":"{kid}"}}"#), payload)
}

fn payload() -> String {
    format!(
        r#"{{"sub":"user-1","role":"authenticated","exp":{EXP},"nbf":{}}}"#,
        NOW - 10
    )
}

fn keys(members: &[(&SigningKey, &str)]) -> KeySet<4> {
    let set = jwks(
        &members
            .iter()
            .map(|(k, kid)| jwk(k, &format!(r#""kid":"{kid}""#)))
            .collect::<Vec<_>>(),
    );
    let mut keys = KeySet::new();
    keys.load(set.as_bytes()).unwrap();
    keys
}

/// Verifies for real and caches the `sub` on success; returns what a lookup then sees.
fn verify_and_cache<const M: usize>(
    cache: &mut TokenCache<M, String>,
    token: &str,
    keys: &KeySet<4>,
    policy: &Policy<'_>,
    now: u64,
) -> bool {
    let mut buf = [0u8; 1024];
    let verified: Verified<'_> =
        match jwtgate::verify(token.as_bytes(), &mut buf, keys, policy, now) {
            Ok(v) => v,
            Err(_) => return false,
        };
    let sub = verified.claims().sub().unwrap().chars().collect::<String>();
    let epoch = CacheEpoch::new(keys, policy);
    cache.insert(
        TokenDigest::of(token.as_bytes()),
        &verified,
        policy,
        &epoch,
        now,
        sub,
    );
    true
}

fn hit<const M: usize>(
    cache: &mut TokenCache<M, String>,
    token: &str,
    keys: &KeySet<4>,
    policy: &Policy<'_>,
    now: u64,
) -> Option<String> {
    cache
        .get(
            &TokenDigest::of(token.as_bytes()),
            now,
            &CacheEpoch::new(keys, policy),
        )
        .cloned()
}

#[test]
fn a_verified_token_hits_until_it_expires() {
    let a = signing_key(1);
    let keys = keys(&[(&a, "a")]);
    let policy = Policy::new();
    let t = token(&a, "a", &payload());
    let mut cache = TokenCache::<8, String>::new();
    assert_eq!(hit(&mut cache, &t, &keys, &policy, NOW), None);
    assert!(verify_and_cache(&mut cache, &t, &keys, &policy, NOW));
    assert_eq!(
        hit(&mut cache, &t, &keys, &policy, NOW + 1).as_deref(),
        Some("user-1")
    );
    assert_eq!(
        hit(&mut cache, &t, &keys, &policy, EXP - 1).as_deref(),
        Some("user-1")
    );
    // exp is exclusive, as in verification.
    assert_eq!(hit(&mut cache, &t, &keys, &policy, EXP), None);
    assert_eq!(hit(&mut cache, &t, &keys, &policy, EXP + 3600), None);
    let (hits, misses) = cache.counters();
    assert_eq!((hits, misses), (2, 3));
}

#[test]
fn leeway_and_nbf_bound_the_entry_like_verification() {
    let a = signing_key(1);
    let keys = keys(&[(&a, "a")]);
    let policy = Policy::new().leeway(30);
    let t = token(&a, "a", &payload());
    let mut cache = TokenCache::<8, String>::new();
    assert!(verify_and_cache(&mut cache, &t, &keys, &policy, NOW));
    assert!(hit(&mut cache, &t, &keys, &policy, EXP + 29).is_some());
    assert!(hit(&mut cache, &t, &keys, &policy, EXP + 30).is_none());
    // A clock that jumps back before nbf - leeway does not hit.
    assert!(hit(&mut cache, &t, &keys, &policy, NOW - 10 - 30).is_some());
    assert!(hit(&mut cache, &t, &keys, &policy, NOW - 10 - 31).is_none());
}

#[test]
fn removing_the_key_that_verified_it_invalidates() {
    let (a, b) = (signing_key(1), signing_key(2));
    let both = keys(&[(&a, "a"), (&b, "b")]);
    let only_b = keys(&[(&b, "b")]);
    let policy = Policy::new();
    let t = token(&a, "a", &payload());
    let mut cache = TokenCache::<8, String>::new();
    assert!(verify_and_cache(&mut cache, &t, &both, &policy, NOW));
    assert!(hit(&mut cache, &t, &both, &policy, NOW).is_some());
    assert_eq!(hit(&mut cache, &t, &only_b, &policy, NOW), None);
    assert!(cache.is_empty(), "a new epoch empties the cache");
    // And it does not come back with the old set either: it was forgotten.
    assert_eq!(hit(&mut cache, &t, &both, &policy, NOW), None);
}

#[test]
fn any_key_set_change_invalidates_the_whole_cache() {
    let (a, b, c) = (signing_key(1), signing_key(2), signing_key(3));
    let before = keys(&[(&a, "a"), (&b, "b")]);
    // Key a is still there; key c was added: a change all the same.
    let after = keys(&[(&a, "a"), (&b, "b"), (&c, "c")]);
    let policy = Policy::new();
    let ta = token(&a, "a", &payload());
    let tb = token(&b, "b", &payload());
    let mut cache = TokenCache::<8, String>::new();
    assert!(verify_and_cache(&mut cache, &ta, &before, &policy, NOW));
    assert!(verify_and_cache(&mut cache, &tb, &before, &policy, NOW));
    assert_eq!(cache.len(), 2);
    assert_eq!(hit(&mut cache, &ta, &after, &policy, NOW), None);
    assert_eq!(hit(&mut cache, &tb, &after, &policy, NOW), None);
    // The same keys reloaded from the same document: the same epoch, entries kept.
    let mut cache = TokenCache::<8, String>::new();
    assert!(verify_and_cache(&mut cache, &ta, &before, &policy, NOW));
    let reloaded = keys(&[(&a, "a"), (&b, "b")]);
    assert!(hit(&mut cache, &ta, &reloaded, &policy, NOW).is_some());
    // A renamed kid is a different set.
    let renamed = keys(&[(&a, "a2"), (&b, "b")]);
    assert_eq!(hit(&mut cache, &ta, &renamed, &policy, NOW), None);
}

#[test]
fn a_policy_change_invalidates_the_whole_cache() {
    let a = signing_key(1);
    let keys = keys(&[(&a, "a")]);
    let t = token(&a, "a", &payload());
    for changed in [
        Policy::new().issuer("someone"),
        Policy::new().audience("authenticated"),
        Policy::new().leeway(1),
        Policy::new().max_depth(8),
    ] {
        let mut cache = TokenCache::<8, String>::new();
        assert!(verify_and_cache(&mut cache, &t, &keys, &Policy::new(), NOW));
        assert!(hit(&mut cache, &t, &keys, &Policy::new(), NOW).is_some());
        assert_eq!(
            hit(&mut cache, &t, &keys, &changed, NOW),
            None,
            "{changed:?}"
        );
        assert!(cache.is_empty());
    }
}

#[test]
fn a_different_token_with_the_same_claims_is_a_miss() {
    let (a, b) = (signing_key(1), signing_key(2));
    let keys = keys(&[(&a, "a"), (&b, "b")]);
    let policy = Policy::new();
    let t1 = token(&a, "a", &payload());
    // Same claims, other key; same claims and key, different header; a forged signature.
    let t2 = token(&b, "b", &payload());
    let t3 = es256_token(&a, r#"{"alg":"ES256","kid":"a","typ":"JWT"}"#, &payload());
    let mut forged = t1.clone().into_bytes();
    let last = forged.len() - 3;
    forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    let mut cache = TokenCache::<8, String>::new();
    assert!(verify_and_cache(&mut cache, &t1, &keys, &policy, NOW));
    assert!(hit(&mut cache, &t1, &keys, &policy, NOW).is_some());
    for other in [&t2, &t3, &forged] {
        assert_eq!(hit(&mut cache, other, &keys, &policy, NOW), None);
    }
    // The forged token never gets in: it does not verify.
    assert!(!verify_and_cache(&mut cache, &forged, &keys, &policy, NOW));
    assert_eq!(hit(&mut cache, &forged, &keys, &policy, NOW), None);
}

#[test]
fn a_full_set_replaces_expired_then_oldest_entries() {
    // Capacity 4: one set of 4 ways, so every token competes for the same entries.
    let a = signing_key(1);
    let keys = keys(&[(&a, "a")]);
    let policy = Policy::new();
    let mut cache = TokenCache::<4, String>::new();
    let tokens: Vec<String> = (0..6)
        .map(|i| {
            let exp = if i == 2 { NOW + 5 } else { EXP };
            token(&a, "a", &format!(r#"{{"sub":"user-{i}","exp":{exp}}}"#))
        })
        .collect();
    for t in &tokens[..4] {
        assert!(verify_and_cache(&mut cache, t, &keys, &policy, NOW));
    }
    assert_eq!(cache.len(), 4);
    // At NOW + 10 token 2 has expired: token 4 takes its entry.
    assert!(verify_and_cache(
        &mut cache,
        &tokens[4],
        &keys,
        &policy,
        NOW + 10
    ));
    for (i, t) in tokens[..5].iter().enumerate() {
        let want = (i != 2).then(|| format!("user-{i}"));
        assert_eq!(
            hit(&mut cache, t, &keys, &policy, NOW + 10),
            want,
            "token {i}"
        );
    }
    // Nothing expired now: token 5 replaces the oldest (token 0).
    assert!(verify_and_cache(
        &mut cache,
        &tokens[5],
        &keys,
        &policy,
        NOW + 10
    ));
    assert_eq!(hit(&mut cache, &tokens[0], &keys, &policy, NOW + 10), None);
    for i in [1, 3, 4, 5] {
        assert!(
            hit(&mut cache, &tokens[i], &keys, &policy, NOW + 10).is_some(),
            "token {i}"
        );
    }
    assert_eq!(cache.len(), 4);
}

#[test]
fn many_tokens_spread_over_the_sets() {
    let a = signing_key(1);
    let keys = keys(&[(&a, "a")]);
    let policy = Policy::new();
    let mut cache = TokenCache::<64, String>::new();
    let tokens: Vec<String> = (0..32)
        .map(|i| token(&a, "a", &format!(r#"{{"sub":"user-{i}","exp":{EXP}}}"#)))
        .collect();
    for t in &tokens {
        assert!(verify_and_cache(&mut cache, t, &keys, &policy, NOW));
    }
    let found = tokens
        .iter()
        .filter(|t| hit(&mut cache, t, &keys, &policy, NOW).is_some())
        .count();
    // 32 tokens in 16 sets of 4: a few may collide out, most stay.
    assert!(found >= 28, "{found} of 32 still cached");
}

#[test]
fn an_insert_under_a_superseded_epoch_is_dropped() {
    let (a, b) = (signing_key(1), signing_key(2));
    let old = keys(&[(&a, "a")]);
    let new = keys(&[(&b, "b")]);
    let policy = Policy::new();
    let t = token(&a, "a", &payload());
    let mut cache = TokenCache::<8, String>::new();
    // The cache has moved on to the new set while a verify against the old one was running.
    assert_eq!(hit(&mut cache, &t, &new, &policy, NOW), None);
    assert!(verify_and_cache(&mut cache, &t, &old, &policy, NOW));
    assert!(cache.is_empty());
}

/// Makes a cold `cache` fetch and load `set` at `NOW`.
fn warm(cache: &mut JwksCache<4>, set: &str) {
    let Step::Fetch(ticket) = cache.__step(NOW, None, jwtgate::Algorithm::Es256) else {
        panic!("a cold cache fetches");
    };
    let document = FetchOutcome::Document {
        len: set.len(),
        max_age: None,
    };
    cache
        .complete(ticket, NOW, set.as_bytes(), document)
        .unwrap();
}

/// Through `JwksCache::lookup_verified`, a token-cache hit counts as the key cache's own hit
/// (fresh) or stale serve (stale-if-error during a cooldown); past the ttl with a refresh due
/// it misses, so the caller's verification fetches; nothing is answered once the keys expire.
#[test]
fn lookups_through_the_jwks_cache_answer_only_where_held_keys_serve() {
    let a = signing_key(1);
    let set = jwks(&[jwk(&a, r#""kid":"a""#)]);
    let policy = Policy::new();
    let mut cache = JwksCache::<4>::new(CachePolicy {
        stale_if_error: 100,
        ..CachePolicy::DEFAULT
    });
    let mut tokens = TokenCache::<16, String>::new();
    // Valid past the key set's ttl, so the stale window can answer it.
    let t = token(
        &a,
        "a",
        &format!(r#"{{"sub":"user-1","exp":{}}}"#, NOW + 3600),
    );
    let digest = TokenDigest::of(t.as_bytes());
    assert_eq!(
        cache.lookup_verified(&mut tokens, &digest, &policy, NOW),
        Remembered::Miss(None),
        "cold: nothing to store under"
    );
    warm(&mut cache, &set);
    let counted = cache.counters();

    let Remembered::Miss(Some(epoch)) = cache.lookup_verified(&mut tokens, &digest, &policy, NOW)
    else {
        panic!("a warm cache without the token misses, with an epoch");
    };
    assert_eq!(epoch, CacheEpoch::new(cache.keys(), &policy));
    assert_eq!(cache.counters(), counted, "a miss counts nothing here");
    let mut buf = [0u8; 1024];
    let verified = jwtgate::verify(t.as_bytes(), &mut buf, cache.keys(), &policy, NOW).unwrap();
    tokens.insert(digest, &verified, &policy, &epoch, NOW, "user-1".to_owned());

    let user = "user-1".to_owned();
    let hit = cache.lookup_verified(&mut tokens, &digest, &policy, NOW + 1);
    assert_eq!(hit, Remembered::Hit(&user));
    assert_eq!(
        cache.counters().hits,
        counted.hits + 1,
        "a fresh hit is a hit"
    );
    let counted = cache.counters();

    // Past the ttl, nothing attempted yet: the key cache would fetch, so must the caller.
    let ttl = CachePolicy::DEFAULT.ttl;
    let stale_at = NOW + ttl + 50;
    assert_eq!(
        cache.lookup_verified(&mut tokens, &digest, &policy, stale_at),
        Remembered::Miss(Some(epoch)),
        "a refresh is due: no answer from the token cache"
    );
    assert_eq!(cache.counters(), counted);
    let Step::Fetch(ticket) = cache.__step(stale_at, None, jwtgate::Algorithm::Es256) else {
        panic!("the key cache refreshes a stale set");
    };
    cache
        .complete(ticket, stale_at, &[], FetchOutcome::Failed)
        .unwrap_err();
    let counted = cache.counters();

    // The refresh failed and its cooldown runs: the stale keys serve, and so does the cache.
    let stale = cache.lookup_verified(&mut tokens, &digest, &policy, stale_at + 1);
    assert_eq!(stale, Remembered::Hit(&user));
    let after = cache.counters();
    assert_eq!(
        after.stale_serves,
        counted.stale_serves + 1,
        "a stale hit is a stale serve"
    );
    assert_eq!(after.hits, counted.hits);
    assert_eq!(after.misses, counted.misses, "a hit never fetches");

    assert_eq!(
        cache.lookup_verified(&mut tokens, &digest, &policy, NOW + ttl + 100),
        Remembered::Miss(None),
        "expired past stale-if-error: nothing is answered"
    );
    assert_eq!(cache.counters(), after);
}

/// An HS256 token never needed the key set: its token-cache hits are not key-cache hits.
#[test]
fn hs256_hits_do_not_count_as_key_cache_hits() {
    let secret = [7u8; 32];
    let policy = Policy::new().hs256(Hs256Secret::new(&secret).unwrap());
    let mut cache = JwksCache::<4>::new(CachePolicy::DEFAULT);
    warm(&mut cache, &jwks(&[jwk(&signing_key(1), r#""kid":"a""#)]));
    let mut tokens = TokenCache::<16, String>::new();
    let t = hs256_token(&secret, r#"{"alg":"HS256"}"#, &payload());
    let digest = TokenDigest::of(t.as_bytes());
    let Remembered::Miss(Some(epoch)) = cache.lookup_verified(&mut tokens, &digest, &policy, NOW)
    else {
        panic!("a miss with an epoch");
    };
    let mut buf = [0u8; 1024];
    let verified = jwtgate::verify(t.as_bytes(), &mut buf, cache.keys(), &policy, NOW).unwrap();
    tokens.insert(digest, &verified, &policy, &epoch, NOW, "hs".to_owned());
    let counted = cache.counters();
    let hs = "hs".to_owned();
    assert_eq!(
        cache.lookup_verified(&mut tokens, &digest, &policy, NOW + 1),
        Remembered::Hit(&hs)
    );
    assert_eq!(cache.counters(), counted);
}

/// The flap: the epoch is taken under set A; verifying the token needs an unknown `kid`, so
/// the driver refetches and verifies with set B; then the issuer's set flaps back to A. The
/// verdict belongs to B's keys: it must never be answered under A's epoch.
#[test]
fn a_verdict_is_stored_only_under_the_keys_that_verified_it() {
    let (a, b) = (signing_key(1), signing_key(2));
    let set_a = jwks(&[jwk(&a, r#""kid":"a""#)]);
    let set_b = jwks(&[jwk(&a, r#""kid":"a""#), jwk(&b, r#""kid":"b""#)]);
    let policy = Policy::new();
    let mut cache = JwksCache::<4>::new(CachePolicy::DEFAULT);
    warm(&mut cache, &set_a);
    let mut tokens = TokenCache::<16, String>::new();
    let t = token(&b, "b", &payload());
    let digest = TokenDigest::of(t.as_bytes());
    let Remembered::Miss(Some(epoch_a)) = cache.lookup_verified(&mut tokens, &digest, &policy, NOW)
    else {
        panic!("a warm cache misses with an epoch");
    };
    let mut buf = [0u8; 1024];
    let mut jwks_buf = [0u8; 2048];
    let untrusted = jwtgate::UntrustedToken::parse(t.as_bytes(), &mut buf).unwrap();
    let verified = jwtgate::driver::verify_blocking(
        &mut cache,
        untrusted,
        &policy,
        NOW,
        &mut jwks_buf,
        |out| {
            out[..set_b.len()].copy_from_slice(set_b.as_bytes());
            FetchOutcome::Document {
                len: set_b.len(),
                max_age: None,
            }
        },
    )
    .expect("set B verifies the token");
    assert_eq!(cache.counters().unknown_kid_refreshes, 1);
    // Flap back to A (a background refresh sees the old set again).
    let ticket = cache.__poll_refresh(NOW + 600).expect("a refresh is due");
    let document = FetchOutcome::Document {
        len: set_a.len(),
        max_age: None,
    };
    cache
        .complete(ticket, NOW + 1, set_a.as_bytes(), document)
        .unwrap();
    assert_eq!(CacheEpoch::new(cache.keys(), &policy), epoch_a);

    tokens.insert(
        digest,
        &verified,
        &policy,
        &epoch_a,
        NOW,
        "user-1".to_owned(),
    );
    assert_eq!(
        cache.lookup_verified(&mut tokens, &digest, &policy, NOW + 2),
        Remembered::Miss(Some(epoch_a)),
        "a verdict of B's key answered under A's epoch"
    );
    assert!(tokens.is_empty());

    // Stored under B's own epoch while B is held, it is answered.
    let mut cache = JwksCache::<4>::new(CachePolicy::DEFAULT);
    warm(&mut cache, &set_b);
    let Remembered::Miss(Some(epoch_b)) = cache.lookup_verified(&mut tokens, &digest, &policy, NOW)
    else {
        panic!("a miss with an epoch");
    };
    tokens.insert(
        digest,
        &verified,
        &policy,
        &epoch_b,
        NOW,
        "user-1".to_owned(),
    );
    let user = "user-1".to_owned();
    assert_eq!(
        cache.lookup_verified(&mut tokens, &digest, &policy, NOW + 2),
        Remembered::Hit(&user)
    );
}
