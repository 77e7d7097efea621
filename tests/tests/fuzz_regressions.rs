//! Regressions found by the fuzz targets in `fuzz/` (each names its target).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use jwtgate::{CachePolicy, Error, JwksCache, Policy, SharedCache, UntrustedToken};
use jwtgate_tests::{es256_token, jwk, jwks, signing_key};

const NOW: u64 = 1_700_000_000;

fn token() -> String {
    let key = signing_key(1);
    es256_token(
        &key,
        r#"{"alg":"ES256","kid":"k1"}"#,
        &format!(r#"{{"exp":{}}}"#, NOW + 100_000),
    )
}

fn document() -> String {
    jwks(&[jwk(&signing_key(1), r#""kid":"k1""#)])
}

/// `cache_ops`: with no failure cooldown (the reference preset), a cold cache whose fetch
/// failed fetched a second time within the same verify. Every miss makes at most one fetch.
#[test]
fn cache_ops_one_fetch_per_verify_without_cooldown() {
    let token = token();
    let policy = Policy::new();
    for preset in [
        CachePolicy::REFERENCE,
        CachePolicy {
            failure_cooldown: 0,
            ..CachePolicy::DEFAULT
        },
    ] {
        let mut cache = JwksCache::<4>::new(preset);
        let mut fetches = 0;
        let mut buf = [0u8; 1024];
        let parsed = UntrustedToken::parse(token.as_bytes(), &mut buf).unwrap();
        let result = cache.verify_blocking(parsed, &policy, NOW, &mut [0u8; 4096], |_| {
            fetches += 1;
            Err(())
        });
        assert_eq!(result.err(), Some(Error::JwksFetchFailed));
        assert_eq!(fetches, 1, "{preset:?}");

        let shared = SharedCache::<4>::new(preset);
        let mut fetches = 0;
        let mut buf = [0u8; 1024];
        let parsed = UntrustedToken::parse(token.as_bytes(), &mut buf).unwrap();
        let result = shared.verify_blocking(parsed, &policy, NOW, &mut [0u8; 4096], |_| {
            fetches += 1;
            Err(())
        });
        assert_eq!(result.err(), Some(Error::JwksFetchFailed));
        assert_eq!(fetches, 1, "shared, {preset:?}");
    }
}

/// `cache_ops`: with no failure cooldown, a set past its ttl whose refresh failed was never
/// served stale: the verify refetched instead and failed. Stale-if-error must serve it.
#[test]
fn cache_ops_stale_keys_serve_after_failed_refresh_without_cooldown() {
    let token = token();
    let doc = document();
    let policy = Policy::new();
    let preset = CachePolicy {
        failure_cooldown: 0,
        ..CachePolicy::DEFAULT
    };
    let fill = |buf: &mut [u8]| {
        buf[..doc.len()].copy_from_slice(doc.as_bytes());
        Ok((doc.len(), None))
    };

    let mut cache = JwksCache::<4>::new(preset);
    let mut buf = [0u8; 1024];
    let parsed = UntrustedToken::parse(token.as_bytes(), &mut buf).unwrap();
    cache
        .verify_blocking(parsed, &policy, NOW, &mut [0u8; 4096], fill)
        .expect("cold fetch");
    let later = NOW + preset.ttl + 1; // past the ttl, within stale-if-error
    let mut fetches = 0;
    let mut buf = [0u8; 1024];
    let parsed = UntrustedToken::parse(token.as_bytes(), &mut buf).unwrap();
    let result = cache.verify_blocking(parsed, &policy, later, &mut [0u8; 4096], |_| {
        fetches += 1;
        Err(())
    });
    assert!(result.is_ok(), "stale keys not served: {:?}", result.err());
    assert_eq!(fetches, 1);

    let shared = SharedCache::<4>::new(preset);
    let mut buf = [0u8; 1024];
    let parsed = UntrustedToken::parse(token.as_bytes(), &mut buf).unwrap();
    shared
        .verify_blocking(parsed, &policy, NOW, &mut [0u8; 4096], fill)
        .expect("cold fetch");
    let mut fetches = 0;
    let mut buf = [0u8; 1024];
    let parsed = UntrustedToken::parse(token.as_bytes(), &mut buf).unwrap();
    let result = shared.verify_blocking(parsed, &policy, later, &mut [0u8; 4096], |_| {
        fetches += 1;
        Err(())
    });
    assert!(
        result.is_ok(),
        "shared: stale keys not served: {:?}",
        result.err()
    );
    assert_eq!(fetches, 1);
}
