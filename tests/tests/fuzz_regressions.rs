//! Regressions found by the fuzz targets in `fuzz/` (each names its target).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use jwtgate::{CachePolicy, Error, FetchOutcome, JwksCache, Policy, SharedCache, UntrustedToken};
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
        let result = jwtgate::driver::verify_blocking(
            &mut cache,
            parsed,
            &policy,
            NOW,
            &mut [0u8; 4096],
            |_| {
                fetches += 1;
                FetchOutcome::Failed
            },
        );
        assert_eq!(result.err(), Some(Error::JwksFetchFailed));
        assert_eq!(fetches, 1, "{preset:?}");

        let shared = SharedCache::<4>::new(preset);
        let mut fetches = 0;
        let mut buf = [0u8; 1024];
        let parsed = UntrustedToken::parse(token.as_bytes(), &mut buf).unwrap();
        let result = jwtgate::driver::verify_blocking(
            &shared,
            parsed,
            &policy,
            NOW,
            &mut [0u8; 4096],
            |_| {
                fetches += 1;
                FetchOutcome::Failed
            },
        );
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
        FetchOutcome::Document {
            len: doc.len(),
            max_age: None,
        }
    };

    let mut cache = JwksCache::<4>::new(preset);
    let mut buf = [0u8; 1024];
    let parsed = UntrustedToken::parse(token.as_bytes(), &mut buf).unwrap();
    jwtgate::driver::verify_blocking(&mut cache, parsed, &policy, NOW, &mut [0u8; 4096], fill)
        .expect("cold fetch");
    let later = NOW + preset.ttl + 1; // past the ttl, within stale-if-error
    let mut fetches = 0;
    let mut buf = [0u8; 1024];
    let parsed = UntrustedToken::parse(token.as_bytes(), &mut buf).unwrap();
    let result = jwtgate::driver::verify_blocking(
        &mut cache,
        parsed,
        &policy,
        later,
        &mut [0u8; 4096],
        |_| {
            fetches += 1;
            FetchOutcome::Failed
        },
    );
    assert!(result.is_ok(), "stale keys not served: {:?}", result.err());
    assert_eq!(fetches, 1);

    let shared = SharedCache::<4>::new(preset);
    let mut buf = [0u8; 1024];
    let parsed = UntrustedToken::parse(token.as_bytes(), &mut buf).unwrap();
    jwtgate::driver::verify_blocking(&shared, parsed, &policy, NOW, &mut [0u8; 4096], fill)
        .expect("cold fetch");
    let mut fetches = 0;
    let mut buf = [0u8; 1024];
    let parsed = UntrustedToken::parse(token.as_bytes(), &mut buf).unwrap();
    let result =
        jwtgate::driver::verify_blocking(&shared, parsed, &policy, later, &mut [0u8; 4096], |_| {
            fetches += 1;
            FetchOutcome::Failed
        });
    assert!(
        result.is_ok(),
        "shared: stale keys not served: {:?}",
        result.err()
    );
    assert_eq!(fetches, 1);
}

/// `json`: `eq_str` compared escaped raw text to the name as is, so the member `"\r"` (a
/// carriage return) matched `get("\\r")` (a backslash and an `r`), and `get` returned it
/// instead of the member whose name really is `\r`.
#[test]
fn json_escaped_text_is_compared_decoded() {
    let doc = br#"{"a":"E0\u0036","\r":"J\u0036","e\r":"n31","\\r":""}"#;
    let value = jwtgate::__testing::parse(doc, 8).unwrap();
    let object = value.as_object().unwrap();
    let backslash_r = object.get("\\r").and_then(|v| v.as_str()).unwrap();
    assert_eq!(backslash_r.to_string(), "", "the member named backslash-r");
    let carriage_return = object.get("\r").and_then(|v| v.as_str()).unwrap();
    assert_eq!(carriage_return.to_string(), "J6");
    let name = jwtgate::__testing::parse(br#""a\nb""#, 0).unwrap();
    let name = name.as_str().unwrap();
    assert!(name.eq_str("a\nb"));
    assert!(
        !name.eq_str(r"a\nb"),
        "escaped text is not its own raw spelling"
    );
}

/// The same bug through the claims policy: an `iss` whose escaped raw text spells the
/// configured issuer, but decodes to something else, must not match it.
#[test]
fn claims_compare_the_decoded_issuer() {
    let key = signing_key(1);
    let set = document();
    let mut keys = jwtgate::KeySet::<4>::new();
    keys.load(set.as_bytes()).unwrap();
    let configured = r"https://issuer\nexample";
    let policy = Policy::new().issuer(configured);
    let exp = NOW + 100;
    let verify = |payload: &str| {
        let token = es256_token(&key, r#"{"alg":"ES256","kid":"k1"}"#, payload);
        let mut buf = [0u8; 1024];
        jwtgate::verify(token.as_bytes(), &mut buf, &keys, &policy, NOW).map(|_| ())
    };
    // `\n` in the JSON is a line feed: a different issuer.
    let line_feed = format!(r#"{{"iss":"https://issuer\nexample","exp":{exp}}}"#);
    assert_eq!(verify(&line_feed), Err(Error::ClaimInvalid));
    // `\\n` in the JSON is a backslash and an `n`: the configured issuer.
    let backslash_n = format!(r#"{{"iss":"https://issuer\\nexample","exp":{exp}}}"#);
    assert_eq!(verify(&backslash_n), Ok(()));
}
