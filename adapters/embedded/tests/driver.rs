#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]
//! The fetch closures through the core's driver and a critical-section `SharedCache`: real
//! keys, real tokens, recorded HTTP responses over the in-memory pipe.

mod support;

use core::pin::pin;
use core::task::{Context, Poll, Waker};

use jwtgate::{CachePolicy, Error, Policy, SharedCache, UntrustedToken, driver};
use jwtgate_embedded::{Request, fetcher, fetcher_async};
use jwtgate_tests::{es256_token, jwk, jwks, signing_key};
use support::{Pipe, Reset};

const NOW: u64 = 1_700_000_000;

fn token(seed: u8, kid: &str) -> String {
    let header = format!(r#"{{"alg":"ES256","kid":"{kid}"}}"#);
    let payload = format!(r#"{{"sub":"user-{seed}","exp":{}}}"#, NOW + 3600);
    es256_token(&signing_key(seed), &header, &payload)
}

fn chunked(status: &str, body: &str) -> Vec<u8> {
    let (a, b) = body.split_at(body.len() / 3);
    format!(
        "HTTP/1.1 {status}\r\nTransfer-Encoding: chunked\r\nCache-Control: max-age=120\r\n\r\n\
         {:x};ext\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
        a.len(),
        b.len()
    )
    .into_bytes()
}

/// Verifies `token` through `keys`, fetching `response` over a fresh pipe per fetch (split
/// into 5-byte reads); returns the result and the number of fetches.
fn verify(
    keys: &SharedCache<4>,
    token: &str,
    response: &[u8],
    now: u64,
) -> (Result<String, Error>, u32) {
    let request = Request::get("auth.example.com", "/auth/v1/.well-known/jwks.json").unwrap();
    let (mut head, mut jwks_buf, mut token_buf) = ([0u8; 512], [0u8; 2048], [0u8; 1024]);
    let mut fetches = 0;
    let connect = || {
        fetches += 1;
        Ok::<_, Reset>(Pipe::new(response, &[5]))
    };
    let result = UntrustedToken::parse(token.as_bytes(), &mut token_buf).and_then(|token| {
        let fetch = fetcher(&request, &mut head, connect);
        driver::verify_blocking(keys, token, &Policy::new(), now, &mut jwks_buf, fetch)
            .map(|v| v.claims().sub().unwrap().to_string())
    });
    (result, fetches)
}

#[test]
fn a_chunked_fetch_through_the_shared_cache_verifies_then_hits() {
    let keys = SharedCache::<4>::new(CachePolicy::DEFAULT);
    let set = jwks(&[
        jwk(&signing_key(1), r#""kid":"k1""#),
        jwk(&signing_key(2), r#""kid":"k2""#),
    ]);
    let response = chunked("200 OK", &set);
    assert_eq!(
        verify(&keys, &token(1, "k1"), &response, NOW),
        (Ok("user-1".into()), 1)
    );
    assert_eq!(
        verify(&keys, &token(2, "k2"), &response, NOW),
        (Ok("user-2".into()), 0)
    );
    let counters = keys.with(|c| c.counters());
    assert_eq!(
        (counters.misses, counters.hits, counters.fetches_ok),
        (1, 1, 1)
    );
    // The response's max-age (120 s, inside the clamp) set the ttl.
    let stale = keys.with(|c| c.freshness(NOW + 121));
    assert_ne!(stale, keys.with(|c| c.freshness(NOW + 119)));
}

#[test]
fn redirects_statuses_and_dead_streams_are_fetch_failures() {
    let set = jwks(&[jwk(&signing_key(1), r#""kid":"k1""#)]);
    let redirect = b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/jwks.json\r\n\r\n".to_vec();
    for response in [
        redirect,
        chunked("500 Internal Server Error", &set),
        b"garbage".to_vec(),
        Vec::new(),
    ] {
        let keys = SharedCache::<4>::new(CachePolicy::DEFAULT);
        assert_eq!(
            verify(&keys, &token(1, "k1"), &response, NOW),
            (Err(Error::JwksFetchFailed), 1)
        );
        assert_eq!(keys.with(|c| c.counters().fetches_failed), 1);
    }
    // A stream that cannot even be opened.
    let keys = SharedCache::<4>::new(CachePolicy::DEFAULT);
    let request = Request::get("h", "/").unwrap();
    let (mut head, mut jwks_buf, mut token_buf) = ([0u8; 512], [0u8; 2048], [0u8; 1024]);
    let token = token(1, "k1");
    let token = UntrustedToken::parse(token.as_bytes(), &mut token_buf).unwrap();
    let fetch = fetcher(&request, &mut head, || Err::<Pipe<'_>, _>(Reset));
    let result = driver::verify_blocking(&keys, token, &Policy::new(), NOW, &mut jwks_buf, fetch);
    assert_eq!(result.err(), Some(Error::JwksFetchFailed));
}

#[test]
fn an_oversize_set_is_an_invalid_set() {
    let keys = SharedCache::<4>::new(CachePolicy::DEFAULT);
    let huge = format!(r#"{{"keys":[],"pad":"{}"}}"#, "x".repeat(4096));
    let response = chunked("200 OK", &huge);
    assert_eq!(
        verify(&keys, &token(1, "k1"), &response, NOW),
        (Err(Error::JwksInvalid), 1)
    );
}

#[test]
fn the_async_fetcher_drives_the_same_cache() {
    let keys = SharedCache::<4>::new(CachePolicy::DEFAULT);
    let set = jwks(&[jwk(&signing_key(3), r#""kid":"k3""#)]);
    let response = chunked("200 OK", &set);
    let request = Request::get("auth.example.com", "/jwks").unwrap();
    let (mut head, mut jwks_buf, mut token_buf) = ([0u8; 512], [0u8; 2048], [0u8; 1024]);
    let token = token(3, "k3");
    let token = UntrustedToken::parse(token.as_bytes(), &mut token_buf).unwrap();
    let policy = Policy::new();
    let connect = async || Ok::<_, Reset>(Pipe::new(&response, &[3]));
    let mut transport =
        driver::fetch_with(&mut jwks_buf, fetcher_async(&request, &mut head, connect));
    let verifying = pin!(driver::verify(&keys, &mut transport, token, &policy, NOW));
    // The pipe never suspends, so one poll completes the verify.
    let Poll::Ready(result) = verifying.poll(&mut Context::from_waker(Waker::noop())) else {
        panic!("an in-memory fetch suspended");
    };
    assert!(result.unwrap().claims().sub().unwrap().eq_str("user-3"));
}
