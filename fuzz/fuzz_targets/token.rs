//! `UntrustedToken::parse` on arbitrary bytes, with a small and a large buffer.
//!
//! Checks: no panic; only the documented parse errors; a token that parses with the small
//! buffer parses identically with the large one; the verdict (and the alg/kid on success)
//! equals the independent model's for each buffer size; the accessors work on success; a
//! parsed token makes a cold cache fetch exactly when its alg needs a key set (not HS256).
#![no_main]

use jwtgate::{
    Algorithm, CachePolicy, Error, FetchOutcome, Hs256Secret, JwksCache, Policy, UntrustedToken,
};
use jwtgate_fuzz::fixtures::{self, NOW};
use jwtgate_fuzz::model;
use libfuzzer_sys::fuzz_target;

fn check(data: &[u8], buf: &mut [u8]) -> Option<(Algorithm, Option<String>)> {
    let buf_len = buf.len();
    let got = UntrustedToken::parse(data, buf);
    let want = model::parse_token(data, buf_len);
    match (&got, &want) {
        (Ok(t), Ok((h, _, _))) => {
            assert_eq!(t.alg().name(), h.alg);
            let kid = t.kid().map(|k| {
                let chars: String = k.chars().collect();
                let mut kb = [0u8; 512];
                if let Some(d) = k.decode_into(&mut kb) {
                    assert_eq!(d, chars);
                }
                assert_eq!(k.eq_str(&chars), true);
                chars
            });
            assert_eq!(kid, h.kid);
            assert_eq!(t.alg().needs_key_set(), t.alg() != Algorithm::Hs256);
            // With both algorithms allowed, a cold cache fetches exactly for the tokens that
            // need a key set (the token's own `needs_key_set`, private now): never for HS256.
            let secret = fixtures::hs256_secret();
            let policy = Policy::new().hs256(Hs256Secret::new(&secret).expect("long enough"));
            let mut cache = JwksCache::<1>::new(CachePolicy::DEFAULT);
            let mut fetched = false;
            let mut jwks_buf = [0u8; 16];
            let verdict = jwtgate::driver::verify_blocking(
                &mut cache,
                t.clone(),
                &policy,
                NOW,
                &mut jwks_buf,
                |_| {
                    fetched = true;
                    FetchOutcome::Failed
                },
            );
            assert_eq!(
                fetched,
                t.alg().needs_key_set(),
                "fetched for {:?}",
                t.alg()
            );
            if fetched {
                assert_eq!(verdict.map(|_| ()), Err(Error::JwksFetchFailed));
            }
            assert_eq!(data.iter().filter(|&&b| b == b'.').count(), 2);
            Some((t.alg(), kid))
        }
        (Err(e), Err(w)) => {
            assert!(
                matches!(
                    e,
                    Error::TokenMalformed | Error::AlgNotAllowed | Error::SignatureInvalid
                ),
                "undocumented parse error {e:?}"
            );
            assert_eq!(e, w, "jwtgate and the model disagree on why");
            None
        }
        _ => panic!("jwtgate {got:?} but the model {want:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut small = [0u8; 64];
    let mut large = [0u8; 4096];
    let s = check(data, &mut small);
    let l = check(data, &mut large);
    if s.is_some() {
        assert_eq!(s, l, "a larger buffer changed the parse");
    }
});
