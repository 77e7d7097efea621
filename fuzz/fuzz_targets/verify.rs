//! The full verify path (`jwtgate::verify`) with fixed key sets, fixed time and fixed
//! policies. Three input modes, chosen by the first byte:
//! - a base64url character or `.`: the input is the token (seeds are real tokens);
//! - otherwise, odd: a structured token ([`TokenSpec`]): fuzzer-chosen header and payload
//!   members signed with a fixed key (or a wrong key, a high-S signature, HS256, raw bytes),
//!   then optionally damaged, so the valid paths are reached;
//! - otherwise, even: three fuzzer-chosen byte strings, base64url-encoded and joined.
//!
//! Every token is verified against two key sets × the fixed policies (the multi-key set also
//! with `SmallTable` and `LargeTable` precomputation). Checks: no panic;
//! jwtgate's verdict (accepted, or the exact catalog error) equals the independent model's
//! (so a legitimately signed token verifies exactly when its claims and the policy allow);
//! anything accepted carries a signature that p256 (or HMAC, or ring for the sets' RS256
//! key) accepts under one of the fixture keys, and its `Verified` view reports the header's
//! alg and kid. The model checks RS256 with ring, so jwtgate's RSA arithmetic is compared
//! with an outside implementation here too.
#![no_main]

use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use jwtgate::Algorithm;
use jwtgate_fuzz::fixtures::{self, KeyId, NOW};
use jwtgate_fuzz::model;
use jwtgate_fuzz::spec::TokenSpec;
use jwtgate_fuzz::{BUF, Sets, policies};
use libfuzzer_sys::fuzz_target;
use p256::ecdsa::Signature;
use p256::ecdsa::signature::Verifier as _;

#[derive(Arbitrary, Debug)]
struct Parts {
    header: Vec<u8>,
    payload: Vec<u8>,
    signature: Vec<u8>,
}

fn sets() -> &'static Sets {
    static SETS: OnceLock<Sets> = OnceLock::new();
    SETS.get_or_init(Sets::new)
}

/// Whether the token's signature is genuine under some fixture key or the HS256 secret.
fn legitimately_signed(token: &[u8]) -> bool {
    let Some(dot) = token.iter().rposition(|&b| b == b'.') else {
        return false;
    };
    let (input, sig) = (&token[..dot], &token[dot + 1..]);
    let Some(sig) = model::b64_strict(sig) else {
        return false;
    };
    if sig == fixtures::hs256_mac(&fixtures::hs256_secret(), input) {
        return true;
    }
    if sig.len() == 256 {
        // RS256 under the fixture sets' RSA key (RFC 7517 A.1), checked by ring.
        let n = fixtures::b64d(fixtures::RSA_N);
        return ring::signature::RsaPublicKeyComponents {
            n: &n[..],
            e: &[1u8, 0, 1][..],
        }
        .verify(&ring::signature::RSA_PKCS1_2048_8192_SHA256, input, &sig)
        .is_ok();
    }
    let Ok(sig) = Signature::from_slice(&sig) else {
        return false;
    };
    [KeyId::A, KeyId::B, KeyId::C, KeyId::Rfc]
        .into_iter()
        .any(|id| {
            fixtures::signing_key(id)
                .verifying_key()
                .verify(input, &sig)
                .is_ok()
        })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let token: Vec<u8> = if mode.is_ascii_alphanumeric() || matches!(mode, b'-' | b'_' | b'.') {
        data.to_vec()
    } else if mode & 1 == 1 {
        let Ok(spec) = TokenSpec::arbitrary(&mut Unstructured::new(rest)) else {
            return;
        };
        spec.build().0
    } else {
        let Ok(p) = Parts::arbitrary(&mut Unstructured::new(rest)) else {
            return;
        };
        format!(
            "{}.{}.{}",
            fixtures::b64(&p.header),
            fixtures::b64(&p.payload),
            fixtures::b64(&p.signature)
        )
        .into_bytes()
    };

    let sets = sets();
    let policies = policies();
    let runs = [
        (&sets.multi, &sets.multi_model, &policies[0]),
        (&sets.multi, &sets.multi_model, &policies[1]),
        (&sets.multi, &sets.multi_model, &policies[2]),
        (&sets.single, &sets.single_model, &policies[1]),
    ];
    for (set, model_keys, mp) in runs {
        let mut buf = [0u8; BUF];
        let got = jwtgate::verify(&token, &mut buf, set, &mp.to_policy(), NOW);
        let want = model::verify(&token, BUF, model_keys, mp, NOW);
        if jwtgate_fuzz::debug() {
            eprintln!(
                "verify: {:?} (model {want:?})",
                got.as_ref().map(|_| ()).map_err(|e| *e)
            );
        }
        assert_eq!(
            got.as_ref().map(|_| ()).map_err(|e| *e),
            want,
            "policy {mp:?}"
        );
        if std::ptr::eq(set, &sets.multi) {
            // The same key set with precomputed tables: the same verdicts.
            let mut buf = [0u8; BUF];
            let small = jwtgate::verify(&token, &mut buf, &*sets.multi_small, &mp.to_policy(), NOW);
            assert_eq!(small.map(|_| ()), want, "SmallTable");
            let mut buf = [0u8; BUF];
            let large = jwtgate::verify(&token, &mut buf, &*sets.multi_large, &mp.to_policy(), NOW);
            assert_eq!(large.map(|_| ()), want, "LargeTable");
        }
        if let Ok(v) = got {
            assert!(
                legitimately_signed(&token),
                "accepted a token no fixture key signed"
            );
            let (header, _, _) = model::parse_token(&token, BUF).expect("parses");
            assert_eq!(v.alg().name(), header.alg);
            assert_eq!(v.kid().map(|k| k.chars().collect::<String>()), header.kid);
            assert!(v.claims().exp() > NOW as i64 - mp.leeway as i64);
            if v.alg() == Algorithm::Hs256 {
                assert!(mp.hs256.is_some());
            }
        }
    }
});
