#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! Deterministic JWKS cache tests: a fake clock (plain numbers) and scripted fetch outcomes.

use std::future::Future;

use jwtgate::__testing::Step;
use jwtgate::{
    Algorithm, CachePolicy, Error, FetchOutcome, Freshness, JwksCache, Policy, SharedCache,
    UntrustedToken,
};
use jwtgate_tests::{es256_token, hs256_token, jwk, jwks, signing_key};

const T0: u64 = 1_800_000_000;

fn set(kids: &[(&str, u8)]) -> String {
    jwks(
        &kids
            .iter()
            .map(|(kid, seed)| jwk(&signing_key(*seed), &format!(r#""kid":"{kid}""#)))
            .collect::<Vec<_>>(),
    )
}

/// The outcome of one lookup, without borrows, for easy assertions.
#[derive(Debug, PartialEq)]
enum S {
    Ready { kid: Option<String>, stale: bool },
    Fetch,
    Wait,
    Fail(Error),
}

struct Harness {
    cache: JwksCache<8>,
    ticket: Option<jwtgate::FetchTicket>,
}

impl Harness {
    fn new(policy: CachePolicy) -> Self {
        Harness {
            cache: JwksCache::new(policy),
            ticket: None,
        }
    }

    fn step(&mut self, now: u64, kid: Option<&str>) -> S {
        let json = kid.map(|k| format!("\"{k}\""));
        let value = json
            .as_deref()
            .map(|j| jwtgate::__testing::parse(j.as_bytes(), 1).unwrap());
        let kid = value.and_then(|v| v.as_str());
        match self.cache.__step(now, kid, Algorithm::Es256) {
            Step::Ready { key, stale, .. } => S::Ready {
                kid: key.kid().map(str::to_owned),
                stale,
            },
            Step::Fetch(t) => {
                assert!(
                    self.ticket.replace(t).is_none(),
                    "second ticket while one is outstanding"
                );
                S::Fetch
            }
            Step::Wait => S::Wait,
            Step::Fail(e) => S::Fail(e),
        }
    }

    fn complete(
        &mut self,
        now: u64,
        body: &[u8],
        outcome: FetchOutcome,
    ) -> Result<jwtgate::LoadReport, Error> {
        let t = self.ticket.take().expect("a fetch was asked for");
        self.cache.complete(t, now, body, outcome)
    }

    fn serve(&mut self, now: u64, body: &str, max_age: Option<u64>) {
        let body = body.as_bytes();
        let len = body.len();
        self.complete(now, body, FetchOutcome::Document { len, max_age })
            .unwrap();
    }

    /// A cache warmed at `now` with keys "a" and "b".
    fn warm(policy: CachePolicy, now: u64) -> Self {
        let mut h = Harness::new(policy);
        assert_eq!(h.step(now, Some("a")), S::Fetch);
        h.serve(now, &set(&[("a", 1), ("b", 2)]), None);
        h
    }
}

fn ready(kid: &str) -> S {
    S::Ready {
        kid: Some(kid.into()),
        stale: false,
    }
}
fn stale(kid: &str) -> S {
    S::Ready {
        kid: Some(kid.into()),
        stale: true,
    }
}

#[test]
fn cold_start_fetches_once_then_hits() {
    let mut h = Harness::new(CachePolicy::DEFAULT);
    assert_eq!(h.cache.freshness(T0), Freshness::Cold);
    assert_eq!(h.step(T0, Some("a")), S::Fetch);
    let doc = set(&[("a", 1)]);
    let report = h
        .complete(
            T0,
            doc.as_bytes(),
            FetchOutcome::Document {
                len: doc.len(),
                max_age: None,
            },
        )
        .unwrap();
    assert_eq!(report.loaded, 1);
    assert_eq!(h.step(T0, Some("a")), ready("a"));
    assert_eq!(h.step(T0 + 1, Some("a")), ready("a"));
    let c = h.cache.counters();
    assert_eq!(
        (c.misses, c.hits, c.fetches_ok, c.fetches_failed),
        (1, 2, 1, 0)
    );
}

#[test]
fn refreshes_at_ttl_exactly() {
    let mut h = Harness::warm(CachePolicy::DEFAULT, T0);
    assert_eq!(h.step(T0 + 599, Some("a")), ready("a"));
    assert_eq!(h.step(T0 + 600, Some("a")), S::Fetch);
    h.serve(T0 + 600, &set(&[("a", 1)]), None);
    assert_eq!(h.cache.fresh_until(), Some(T0 + 1200));
    assert_eq!(h.cache.counters().fetches_ok, 2);
}

#[test]
fn warm_cache_rides_out_an_outage_until_ttl_then_fails_503() {
    let policy = CachePolicy {
        stale_if_error: 0,
        ..CachePolicy::DEFAULT
    };
    let mut h = Harness::warm(policy, T0);
    // Issuer goes down right after warm-up: nothing notices until the ttl.
    for t in [T0 + 1, T0 + 300, T0 + 599] {
        assert_eq!(h.step(t, Some("a")), ready("a"));
    }
    assert_eq!(h.step(T0 + 600, Some("a")), S::Fetch);
    assert_eq!(
        h.complete(T0 + 600, &[], FetchOutcome::Failed),
        Err(Error::JwksFetchFailed)
    );
    let e = match h.step(T0 + 600, Some("a")) {
        S::Fail(e) => e,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        (e, e.http_status(), e.retryable()),
        (Error::JwksFetchFailed, 503, true)
    );
    assert_eq!(
        e.message(),
        "Authentication service is temporarily unavailable."
    );
}

#[test]
fn failure_cooldown_makes_no_fetch_and_fails_fast() {
    let mut h = Harness::new(CachePolicy::DEFAULT);
    assert_eq!(h.step(T0, None), S::Fetch);
    h.complete(T0, &[], FetchOutcome::Failed).unwrap_err();
    // A cold-start miss storm inside the cooldown: every request fails fast, none fetches.
    for i in 0..1000u64 {
        assert_eq!(h.step(T0 + i % 5, None), S::Fail(Error::JwksFetchFailed));
    }
    let c = h.cache.counters();
    assert_eq!(
        (c.misses, c.fetches_failed, c.cooldown_rejections),
        (1, 1, 1000)
    );
    assert_eq!(
        h.step(T0 + 5, None),
        S::Fetch,
        "the cooldown ends after failure_cooldown seconds"
    );
}

#[test]
fn stale_if_error_serves_counts_and_stops_exactly_at_the_limit() {
    let mut h = Harness::warm(CachePolicy::DEFAULT, T0);
    let expiry = T0 + 600;
    assert_eq!(h.step(expiry, Some("a")), S::Fetch);
    h.complete(expiry, &[], FetchOutcome::Failed).unwrap_err();
    let (mut served, mut fetched) = (0, 0);
    let mut t = expiry;
    while t < expiry + 3600 {
        match h.step(t, Some("a")) {
            S::Ready { stale: true, .. } => served += 1,
            S::Fetch => {
                assert_eq!((t - expiry) % 5, 0, "a fetch inside the cooldown at {t}");
                fetched += 1;
                assert_eq!(
                    Err(Error::JwksFetchFailed),
                    h.complete(t, &[], FetchOutcome::Failed).map(drop)
                );
            }
            other => panic!("at {t}: {other:?}"),
        }
        t += 1;
    }
    assert_eq!(h.cache.freshness(expiry + 3599), Freshness::Stale);
    assert_eq!(h.cache.counters().stale_serves, served);
    // One fetch attempt per cooldown window (every 5 s), every other second served stale.
    assert_eq!((fetched, served), (3600 / 5 - 1, 3600 - (3600 / 5 - 1)));
    assert_eq!(h.cache.counters().fetches_failed, 3600 / 5);
    assert_eq!(h.cache.freshness(expiry + 3600), Freshness::Expired);
    match h.step(expiry + 3600, Some("a")) {
        S::Fetch => assert!(
            h.complete(expiry + 3600, &[], FetchOutcome::Failed)
                .is_err()
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        h.step(expiry + 3600, Some("a")),
        S::Fail(Error::JwksFetchFailed)
    );
    assert_eq!(
        h.step(expiry + 3602, Some("a")),
        S::Fail(Error::JwksFetchFailed)
    );
}

#[test]
fn unknown_kid_refetches_once_per_interval_never_more() {
    let mut h = Harness::warm(CachePolicy::DEFAULT, T0);
    assert_eq!(h.step(T0 + 1, Some("new")), S::Fetch);
    h.serve(T0 + 1, &set(&[("a", 1), ("b", 2)]), None);
    // Still unknown after the refetch: answered from the cache, no fetch, for 30 s.
    for t in T0 + 1..T0 + 31 {
        assert_eq!(h.step(t, Some("new")), S::Fail(Error::KeyNotFound));
        assert_eq!(
            h.step(t, Some(&format!("attacker-{t}"))),
            S::Fail(Error::KeyNotFound)
        );
    }
    assert_eq!(h.cache.counters().unknown_kid_refreshes, 1);
    // Rotation: the issuer now publishes "new"; the next interval picks it up.
    assert_eq!(h.step(T0 + 31, Some("new")), S::Fetch);
    h.serve(T0 + 31, &set(&[("new", 3), ("a", 1)]), None);
    assert_eq!(h.step(T0 + 31, Some("new")), ready("new"));
    assert_eq!(h.cache.counters().unknown_kid_refreshes, 2);
}

#[test]
fn an_emptied_set_revokes_every_key_within_the_ttl() {
    // Warm, within the ttl, then a refetch (here an unknown kid's) finds the set emptied:
    // that is how an issuer revokes a key, and it takes effect at once.
    let mut h = Harness::warm(CachePolicy::DEFAULT, T0);
    assert_eq!(h.step(T0 + 10, Some("a")), ready("a"));
    assert_eq!(h.step(T0 + 11, Some("new")), S::Fetch);
    let empty = br#"{"keys":[]}"#;
    let outcome = FetchOutcome::Document {
        len: empty.len(),
        max_age: None,
    };
    let report = h.complete(T0 + 11, empty, outcome).unwrap();
    assert_eq!(report.loaded, 0);
    assert!(h.cache.keys().is_empty());
    assert_eq!(h.cache.freshness(T0 + 11), Freshness::Fresh);
    for t in [T0 + 12, T0 + 40] {
        assert_eq!(h.step(t, Some("a")), S::Fail(Error::KeyNotFound), "at {t}");
    }
    // The missing kid may refetch once per unknown-kid interval; the set is still empty.
    assert_eq!(h.step(T0 + 41, Some("a")), S::Fetch);
    h.complete(T0 + 41, empty, outcome).unwrap();
    assert_eq!(h.step(T0 + 42, Some("a")), S::Fail(Error::KeyNotFound));
    assert_eq!(h.cache.counters().empty_sets, 2);
    // Only key types jwtgate does not verify: just as authoritative.
    let mut h = Harness::warm(CachePolicy::DEFAULT, T0);
    assert_eq!(h.step(T0 + 11, Some("new")), S::Fetch);
    let rsa = br#"{"keys":[{"kty":"RSA","kid":"a","n":"AQAB","e":"AQAB"}]}"#;
    let outcome = FetchOutcome::Document {
        len: rsa.len(),
        max_age: None,
    };
    assert_eq!(h.complete(T0 + 11, rsa, outcome).map(|r| r.skipped), Ok(1));
    assert_eq!(h.step(T0 + 12, Some("a")), S::Fail(Error::KeyNotFound));
}

#[test]
fn an_ambiguous_kid_is_rejected_without_a_refetch() {
    let mut h = Harness::new(CachePolicy::DEFAULT);
    assert_eq!(h.step(T0, Some("dup")), S::Fetch);
    h.serve(T0, &set(&[("dup", 1), ("dup", 2)]), None);
    assert_eq!(h.step(T0 + 100, Some("dup")), S::Fail(Error::KeyNotFound));
    assert_eq!(
        h.step(T0 + 100, None),
        S::Fail(Error::KeyNotFound),
        "no kid, two keys"
    );
    assert_eq!(h.cache.counters().unknown_kid_refreshes, 0);
}

#[test]
fn an_invalid_set_leaves_a_servable_cache_intact() {
    let mut h = Harness::warm(CachePolicy::DEFAULT, T0);
    assert_eq!(h.step(T0 + 600, Some("a")), S::Fetch);
    let garbage = b"<html>502 Bad Gateway</html>";
    let outcome = FetchOutcome::Document {
        len: garbage.len(),
        max_age: None,
    };
    assert_eq!(
        h.complete(T0 + 600, garbage, outcome),
        Err(Error::JwksInvalid)
    );
    assert_eq!(h.step(T0 + 600, Some("b")), stale("b"));
    // A `keys` array holding something other than JWK objects is no key set either.
    assert_eq!(h.step(T0 + 605, Some("a")), S::Fetch);
    let not_jwks = br#"{"keys":[1]}"#;
    let outcome = FetchOutcome::Document {
        len: not_jwks.len(),
        max_age: None,
    };
    assert_eq!(
        h.complete(T0 + 605, not_jwks, outcome),
        Err(Error::JwksInvalid)
    );
    assert_eq!(h.cache.keys().keys().len(), 2);
    // When nothing can be served, the error says what went wrong.
    let mut cold = Harness::new(CachePolicy::DEFAULT);
    assert_eq!(cold.step(T0, None), S::Fetch);
    cold.complete(
        T0,
        b"{}",
        FetchOutcome::Document {
            len: b"{}".len(),
            max_age: None,
        },
    )
    .unwrap_err();
    assert_eq!(cold.step(T0, None), S::Fail(Error::JwksInvalid));
}

#[test]
fn max_age_is_honoured_and_clamped_unless_ttl_is_explicit() {
    for (max_age, ttl) in [
        (Some(120), 120),
        (Some(5), 60),
        (Some(10_000_000), 86_400),
        (None, 600),
    ] {
        let mut h = Harness::new(CachePolicy::DEFAULT);
        assert_eq!(h.step(T0, None), S::Fetch);
        h.serve(T0, &set(&[("a", 1)]), max_age);
        assert_eq!(h.cache.fresh_until(), Some(T0 + ttl), "max-age {max_age:?}");
        assert_eq!(h.step(T0 + ttl - 1, None), ready("a"));
        assert_eq!(h.step(T0 + ttl, None), S::Fetch);
    }
    let fixed = CachePolicy {
        ttl: 900,
        honor_max_age: false,
        ..CachePolicy::DEFAULT
    };
    assert_eq!(fixed.effective_ttl(Some(120)), 900);
}

#[test]
fn single_flight_one_fetch_outstanding() {
    let mut h = Harness::new(CachePolicy::DEFAULT);
    assert_eq!(h.step(T0, None), S::Fetch);
    // Cold, fetch in flight: everyone else waits; nobody starts a second fetch.
    for _ in 0..100 {
        assert_eq!(h.step(T0 + 1, None), S::Wait);
    }
    h.serve(T0 + 2, &set(&[("a", 1)]), None);
    assert_eq!(h.step(T0 + 2, None), ready("a"));
    // Expired with a refresh in flight: stale keys are served meanwhile.
    assert_eq!(h.step(T0 + 602, None), S::Fetch);
    assert_eq!(h.step(T0 + 603, None), stale("a"));
    // An abandoned fetch frees the slot after fetch_abandon_after; its late answer is ignored.
    let old = h.ticket.take().unwrap();
    assert_eq!(h.step(T0 + 662, None), S::Fetch);
    let late_set = set(&[("z", 9)]);
    let late = h.cache.complete(
        old,
        T0 + 663,
        late_set.as_bytes(),
        FetchOutcome::Document {
            len: late_set.len(),
            max_age: None,
        },
    );
    assert_eq!(late, Err(Error::JwksFetchFailed));
    assert_eq!(h.cache.keys().keys()[0].kid(), Some("a"));
    // Three fetches plus the 100 lookups that had to wait for one.
    assert_eq!(h.cache.counters().misses, 103);
}

#[test]
fn refresh_ahead_signal() {
    let mut h = Harness::warm(CachePolicy::DEFAULT, T0);
    assert_eq!(h.cache.refresh_due_at(), Some(T0 + 540));
    assert!(h.cache.__poll_refresh(T0 + 539).is_none());
    let ticket = h
        .cache
        .__poll_refresh(T0 + 540)
        .expect("due 60 s before expiry");
    assert!(h.cache.__poll_refresh(T0 + 541).is_none(), "single flight");
    // Requests keep hitting while the background refresh runs.
    assert_eq!(h.step(T0 + 541, Some("a")), ready("a"));
    h.cache
        .complete(
            ticket,
            T0 + 545,
            &[],
            FetchOutcome::NotModified { max_age: None },
        )
        .unwrap();
    assert_eq!(h.cache.fresh_until(), Some(T0 + 1145));
    // A failed background refresh waits out the cooldown before the next one.
    let t = h.cache.__poll_refresh(T0 + 1085).unwrap();
    h.cache
        .complete(t, T0 + 1085, &[], FetchOutcome::Failed)
        .unwrap_err();
    assert_eq!(h.cache.refresh_due_at(), Some(T0 + 1090));
    assert!(h.cache.__poll_refresh(T0 + 1089).is_none());
    assert!(h.cache.__poll_refresh(T0 + 1090).is_some());
    // A ttl shorter than twice refresh_ahead refreshes at half its life, not continuously.
    let mut short = Harness::warm(
        CachePolicy {
            ttl: 10,
            honor_max_age: false,
            ..CachePolicy::DEFAULT
        },
        T0,
    );
    assert_eq!(short.cache.refresh_due_at(), Some(T0 + 5));
    assert!(short.cache.__poll_refresh(T0 + 4).is_none());
}

#[test]
fn reference_preset_behaves_like_the_reference_system() {
    let mut h = Harness::new(CachePolicy::REFERENCE);
    assert_eq!(h.step(T0, Some("a")), S::Fetch);
    // max-age is ignored: keys are cached for exactly one hour.
    h.serve(T0, &set(&[("a", 1)]), Some(60));
    assert_eq!(h.cache.fresh_until(), Some(T0 + 3600));
    // An unknown kid never triggers a fetch while the cache is warm.
    assert_eq!(h.step(T0 + 10, Some("other")), S::Fail(Error::KeyNotFound));
    // Warm cache during an outage: works for the hour, then every miss makes one fetch and
    // fails with ERR_AUTH_JWKS_FETCH_FAILED (no stale keys, no cooldown).
    assert_eq!(h.step(T0 + 3599, Some("a")), ready("a"));
    for t in T0 + 3600..T0 + 3610 {
        assert_eq!(h.step(t, Some("a")), S::Fetch);
        h.complete(t, &[], FetchOutcome::Failed).unwrap_err();
        assert_eq!(
            h.step(t + 1, Some("a")),
            S::Fetch,
            "no cooldown: the next miss fetches again"
        );
        h.complete(t + 1, &[], FetchOutcome::Failed).unwrap_err();
    }
    assert_eq!(h.cache.counters().fetches_failed, 20);
    assert_eq!(h.cache.counters().stale_serves, 0);
    assert!(
        h.cache.__poll_refresh(T0 + 1).is_none(),
        "no background refresh before expiry"
    );
}

const ISS: &str = "https://demo.supabase.co/auth/v1";

fn claims(exp: u64) -> String {
    format!(
        r#"{{"iss":"{ISS}","aud":"authenticated","sub":"u1","exp":{exp},"role":"authenticated"}}"#
    )
}

#[test]
fn verify_blocking_drives_the_whole_path() {
    let key = signing_key(7);
    let document = jwks(&[jwk(&key, r#""kid":"k1""#)]);
    let token = es256_token(&key, r#"{"alg":"ES256","kid":"k1"}"#, &claims(T0 + 3600));
    let policy = Policy::new().issuer(ISS).audience("authenticated");
    let mut cache = JwksCache::<4>::new(CachePolicy::DEFAULT);
    let mut fetches = 0;
    let mut up = true;
    let mut jwks_buf = [0u8; 4096];
    for now in [T0, T0 + 1, T0 + 700, T0 + 701, T0 + 4200, T0 + 4201] {
        let mut buf = [0u8; 2048];
        let untrusted = UntrustedToken::parse(token.as_bytes(), &mut buf).unwrap();
        let result = jwtgate::driver::verify_blocking(
            &mut cache,
            untrusted,
            &policy,
            now,
            &mut jwks_buf,
            |out: &mut [u8]| {
                fetches += 1;
                if !up {
                    return FetchOutcome::Failed;
                }
                out[..document.len()].copy_from_slice(document.as_bytes());
                FetchOutcome::Document {
                    len: document.len(),
                    max_age: None,
                }
            },
        );
        match now - T0 {
            0 | 1 => assert!(result.unwrap().claims().sub().unwrap().eq_str("u1")),
            700 | 701 => assert!(result.is_ok(), "stale keys verify during the outage"),
            // Past ttl + stale_if_error (600 + 3600): nothing left to serve, and the cooldown
            // keeps the second request from fetching again.
            _ => assert_eq!(result.unwrap_err(), Error::JwksFetchFailed),
        }
        up = false;
    }
    // Cold fetch, one failed refresh at 700, one more failed at 4200.
    assert_eq!(fetches, 3);
}

#[test]
fn hs256_fallback_works_with_the_key_set_unreachable() {
    let secret = [0x42u8; 32];
    let policy = Policy::new().hs256(jwtgate::Hs256Secret::new(&secret).unwrap());
    let token = hs256_token(&secret, r#"{"alg":"HS256","typ":"JWT"}"#, &claims(T0 + 60));
    let mut cache = JwksCache::<4>::new(CachePolicy::DEFAULT);
    let mut buf = [0u8; 1024];
    let untrusted = UntrustedToken::parse(token.as_bytes(), &mut buf).unwrap();
    let verified = jwtgate::driver::verify_blocking(
        &mut cache,
        untrusted,
        &policy,
        T0,
        &mut [0u8; 16],
        |_: &mut [u8]| panic!("HS256 must not fetch"),
    )
    .unwrap();
    assert_eq!(verified.alg(), Algorithm::Hs256);
    assert_eq!(cache.counters(), jwtgate::CacheCounters::default());
}

static SHARED: SharedCache<4> = SharedCache::new(CachePolicy::DEFAULT);

#[test]
fn shared_cache_in_a_static_fetches_once_across_threads() {
    let key = signing_key(9);
    let document = jwks(&[jwk(&key, r#""kid":"s""#)]);
    let token = es256_token(&key, r#"{"alg":"ES256","kid":"s"}"#, &claims(T0 + 60));
    let fetches = std::sync::atomic::AtomicU32::new(0);
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                let mut verified = 0;
                for _ in 0..2000 {
                    let mut buf = [0u8; 1024];
                    let mut jwks_buf = [0u8; 1024];
                    let untrusted = UntrustedToken::parse(token.as_bytes(), &mut buf).unwrap();
                    let result = jwtgate::driver::verify_blocking(
                        &SHARED,
                        untrusted,
                        &Policy::new(),
                        T0,
                        &mut jwks_buf,
                        |out: &mut [u8]| {
                            fetches.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_millis(20));
                            out[..document.len()].copy_from_slice(document.as_bytes());
                            FetchOutcome::Document {
                                len: document.len(),
                                max_age: Some(300),
                            }
                        },
                    );
                    // Racing a cold cache, a thread may be told to retry (Wait -> 503).
                    match result {
                        Ok(v) => {
                            assert!(v.claims().sub().unwrap().eq_str("u1"));
                            verified += 1;
                            if verified == 20 {
                                return;
                            }
                        }
                        Err(e) => {
                            assert_eq!(e, Error::JwksFetchFailed);
                            std::thread::sleep(std::time::Duration::from_millis(1));
                        }
                    }
                }
                panic!("never verified");
            });
        }
    });
    assert_eq!(fetches.load(std::sync::atomic::Ordering::SeqCst), 1);
    let c = SHARED.with(|cache| cache.counters());
    assert_eq!(c.fetches_ok, 1);
    // Every verification counted once: the fetching one and each turned away while it ran
    // are misses; every later one is a hit.
    assert_eq!(c.hits, 8 * 20 - 1, "{c:?}");
    assert!(c.misses >= 1, "{c:?}");
}

#[test]
fn a_set_loaded_off_the_cache_installs_like_a_completed_fetch() {
    let mut h = Harness::warm(CachePolicy::DEFAULT, T0);
    assert_eq!(h.step(T0 + 600, Some("c")), S::Fetch);
    // Loaded into a copy of the held keys, as a locked cache does off its lock.
    let mut staged = h.cache.stage();
    let loaded = staged.load(set(&[("b", 2), ("c", 3)]).as_bytes());
    let ticket = h.ticket.take().unwrap();
    let report = h
        .cache
        .install(ticket, T0 + 600, staged, loaded, Some(120))
        .unwrap();
    assert_eq!(report.loaded, 2);
    assert_eq!(h.cache.fresh_until(), Some(T0 + 720), "max-age honoured");
    assert_eq!(h.step(T0 + 601, Some("c")), ready("c"));
    assert_eq!(h.step(T0 + 601, Some("a")), S::Fetch, "a is gone");
    // A failed load installs nothing and starts the cooldown, like a failed fetch.
    let mut staged = h.cache.stage();
    let loaded = staged.load(b"<html>");
    let ticket = h.ticket.take().unwrap();
    assert_eq!(
        h.cache.install(ticket, T0 + 601, staged, loaded, None),
        Err(Error::JwksInvalid)
    );
    assert_eq!(h.step(T0 + 602, Some("b")), ready("b"));
    assert_eq!(h.cache.counters().fetches_failed, 1);
}

#[test]
fn a_restored_set_ages_from_its_stored_fetch_time() {
    let doc = set(&[("a", 1)]);
    let doc = doc.as_bytes();
    // Stored by another instance 100 s ago: fresh until T0 + 600, served without a fetch.
    let mut h = Harness::new(CachePolicy::DEFAULT);
    assert_eq!(h.cache.restore(T0 + 100, T0, doc, None), Ok(true));
    assert_eq!(h.cache.fresh_until(), Some(T0 + 600));
    assert_eq!(h.step(T0 + 100, Some("a")), ready("a"));
    assert_eq!(
        h.step(T0 + 600, Some("a")),
        S::Fetch,
        "ttl from the stored time"
    );
    h.complete(T0 + 600, &[], FetchOutcome::Failed).unwrap_err();
    assert_eq!(h.step(T0 + 601, Some("a")), stale("a"));
    let c = h.cache.counters();
    assert_eq!((c.fetches_ok, c.fetches_failed, c.stale_serves), (0, 1, 1));

    // Its max-age is honoured under this cache's policy, from the stored time.
    let mut h = Harness::new(CachePolicy::DEFAULT);
    assert_eq!(h.cache.restore(T0 + 10, T0, doc, Some(120)), Ok(true));
    assert_eq!(h.cache.fresh_until(), Some(T0 + 120));

    // Past ttl + stale_if_error it is not installed: the cache stays cold and fetches.
    let mut h = Harness::new(CachePolicy::DEFAULT);
    assert_eq!(h.cache.restore(T0 + 4_200, T0, doc, None), Ok(false));
    assert_eq!(h.cache.restore(T0 + 4_199, T0, doc, None), Ok(true));
    assert_eq!(
        h.step(T0 + 4_199, Some("a")),
        S::Fetch,
        "stale: refreshed first"
    );
    h.complete(T0 + 4_199, &[], FetchOutcome::Failed)
        .unwrap_err();
    assert_eq!(h.step(T0 + 4_199, Some("a")), stale("a"));
    assert_eq!(
        h.step(T0 + 4_200, Some("a")),
        S::Fail(Error::JwksFetchFailed)
    );
    let mut h = Harness::new(CachePolicy::DEFAULT);
    assert_eq!(h.cache.restore(T0 + 4_200, T0, doc, None), Ok(false));
    assert_eq!(h.cache.freshness(T0 + 4_200), Freshness::Cold);

    // A fetch time in the future is not believed; garbage is an error and installs nothing.
    assert_eq!(h.cache.restore(T0, T0 + 1, doc, None), Ok(false));
    assert_eq!(
        h.cache.restore(T0, T0, b"{\"keys\":", None),
        Err(Error::JwksInvalid)
    );
    assert_eq!(h.cache.freshness(T0), Freshness::Cold);

    // Never older than what is held: a fetched set wins over a stored copy of an older one.
    let mut h = Harness::warm(CachePolicy::DEFAULT, T0 + 50);
    let other = set(&[("z", 9)]);
    assert_eq!(
        h.cache.restore(T0 + 60, T0, other.as_bytes(), None),
        Ok(false)
    );
    assert_eq!(h.step(T0 + 60, Some("a")), ready("a"));
    assert_eq!(
        h.cache.restore(T0 + 60, T0 + 55, other.as_bytes(), None),
        Ok(true)
    );
    assert_eq!(h.step(T0 + 60, Some("z")), ready("z"));
    assert_eq!(h.cache.counters().fetches_ok, 1);
}

/// Polls `future` to completion with a no-op waker (every future here is woken by itself).
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

/// Suspends once, as a platform's promise does.
async fn yield_once() {
    let mut pending = true;
    std::future::poll_fn(|_| {
        if std::mem::take(&mut pending) {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
}

/// A cache behind a `RefCell`, as the Worker holds it: borrowed only inside `with`.
struct RefCellCache<'c>(&'c std::cell::RefCell<JwksCache<4>>);

impl jwtgate::driver::CacheCell<4, jwtgate::NoTable> for RefCellCache<'_> {
    const LOCKED: bool = false;
    fn with<R>(&mut self, f: impl FnOnce(&mut JwksCache<4>) -> R) -> R {
        f(&mut self.0.borrow_mut())
    }
}

/// A platform check by the `p256` crate (an outside implementation), after one suspension,
/// recording what it was asked; it reads the cache's counters while suspended, so it would
/// panic if the driver held the cell across the check.
struct P256Check<'c> {
    cache: &'c std::cell::RefCell<JwksCache<4>>,
    asked: Vec<(Option<String>, Vec<u8>)>,
}

impl jwtgate::driver::SignatureCheck for P256Check<'_> {
    async fn check(
        &mut self,
        key: jwtgate::KeyRef<'_>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        use p256::ecdsa::signature::Verifier as _;
        yield_once().await;
        let _ = self.cache.borrow_mut().counters();
        self.asked
            .push((key.kid().map(str::to_owned), message.to_vec()));
        let sec1 = key.es256_key().ok_or(Error::SignatureInvalid)?.sec1();
        let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1).unwrap();
        let signature =
            p256::ecdsa::Signature::from_slice(signature).map_err(|_| Error::SignatureInvalid)?;
        key.verify(message, &signature)
            .map_err(|_| Error::SignatureInvalid)
    }
}

/// A platform check that says yes to everything, counting its calls: whatever it answers,
/// selection, HS256 and the policy stay the core's.
struct AlwaysYes(u32);

impl jwtgate::driver::SignatureCheck for AlwaysYes {
    async fn check(&mut self, _: jwtgate::KeyRef<'_>, _: &[u8], _: &[u8]) -> Result<(), Error> {
        self.0 += 1;
        Ok(())
    }
}

/// `verify_checking` through a cache that fetches `document`.
fn verify_checking(
    cache: &std::cell::RefCell<JwksCache<4>>,
    check: &mut impl jwtgate::driver::SignatureCheck,
    token: &str,
    policy: &Policy<'_>,
    document: &str,
    now: u64,
) -> Result<String, Error> {
    let mut buf = [0u8; 2048];
    let untrusted = UntrustedToken::parse(token.as_bytes(), &mut buf)?;
    let mut jwks_buf = [0u8; 4096];
    let mut transport = jwtgate::driver::fetch_with(&mut jwks_buf, async |out: &mut [u8]| {
        out[..document.len()].copy_from_slice(document.as_bytes());
        FetchOutcome::Document {
            len: document.len(),
            max_age: None,
        }
    });
    let verifying = jwtgate::driver::verify_checking(
        RefCellCache(cache),
        &mut transport,
        check,
        untrusted,
        policy,
        now,
    );
    let verified = block_on(verifying)?;
    Ok(verified.claims().sub().unwrap().to_string())
}

#[test]
fn a_platform_check_gets_the_selected_key_and_signing_input_and_decides_the_signature() {
    let key = signing_key(21);
    let document = jwks(&[
        jwk(&signing_key(22), r#""kid":"other""#),
        jwk(&key, r#""kid":"k1""#),
    ]);
    let token = es256_token(&key, r#"{"alg":"ES256","kid":"k1"}"#, &claims(T0 + 60));
    let policy = Policy::new().issuer(ISS).audience("authenticated");
    let cache = std::cell::RefCell::new(JwksCache::<4>::new(CachePolicy::DEFAULT));
    let mut check = P256Check {
        cache: &cache,
        asked: Vec::new(),
    };
    let sub = verify_checking(&cache, &mut check, &token, &policy, &document, T0);
    assert_eq!(sub.unwrap(), "u1");
    let signing_input = token.rsplit_once('.').unwrap().0.as_bytes().to_vec();
    assert_eq!(check.asked, [(Some("k1".to_owned()), signing_input)]);
    assert_eq!(cache.borrow().counters().fetches_ok, 1);

    // The last signature byte changed: the platform's verdict is the answer.
    let forged = jwtgate_tests::with_signature_bit_flipped(&token, 63);
    let result = verify_checking(&cache, &mut check, &forged, &policy, &document, T0);
    assert_eq!(result.unwrap_err(), Error::SignatureInvalid);
    assert_eq!(check.asked.len(), 2);
}

#[test]
fn a_platform_check_that_always_says_yes_still_leaves_selection_hs256_and_policy_to_the_core() {
    let key = signing_key(23);
    let document = jwks(&[jwk(&key, r#""kid":"k1""#)]);
    let secret = [0x42u8; 32];
    let policy = Policy::new()
        .issuer(ISS)
        .audience("authenticated")
        .hs256(jwtgate::Hs256Secret::new(&secret).unwrap());
    let cache = std::cell::RefCell::new(JwksCache::<4>::new(CachePolicy::DEFAULT));
    let mut yes = AlwaysYes(0);
    let mut run = |token: &str| verify_checking(&cache, &mut yes, token, &policy, &document, T0);

    let expired = es256_token(&key, r#"{"alg":"ES256","kid":"k1"}"#, &claims(T0 - 3600));
    assert_eq!(run(&expired).unwrap_err(), Error::TokenExpired);
    let unknown = es256_token(&key, r#"{"alg":"ES256","kid":"nope"}"#, &claims(T0 + 60));
    assert_eq!(run(&unknown).unwrap_err(), Error::KeyNotFound);
    // An EdDSA header naming the ES256 key: selection never serves a key of another type.
    let confused = es256_token(&key, r#"{"alg":"EdDSA","kid":"k1"}"#, &claims(T0 + 60));
    assert_eq!(run(&confused).unwrap_err(), Error::KeyNotFound);
    let bad_mac = jwtgate_tests::with_signature_bit_flipped(
        &hs256_token(&secret, r#"{"alg":"HS256"}"#, &claims(T0 + 60)),
        9,
    );
    assert_eq!(run(&bad_mac).unwrap_err(), Error::SignatureInvalid);
    let hs256 = hs256_token(&secret, r#"{"alg":"HS256"}"#, &claims(T0 + 60));
    assert_eq!(run(&hs256).unwrap(), "u1");
    // Only the expired token got as far as the signature check.
    assert_eq!(yes.0, 1);
}
