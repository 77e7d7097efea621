//! RS256 differential: jwtgate's own RSA arithmetic (`RsaKey::verify`) against ring's
//! RSASSA-PKCS1-v1_5 SHA-256 verifier, on fuzzer-chosen messages and signatures around
//! genuine ones made with three fixed test keys (2048, 3072 and 4096 bits, `fuzz/keys/`).
//!
//! Checks: no panic; a genuine signature verifies; jwtgate and ring agree on every input
//! (for e = 65537 and 2048-4096-bit keys both implement exactly RFC 8017 §8.2.2).
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use jwtgate::RsaKey;
use libfuzzer_sys::fuzz_target;
use ring::rand::SystemRandom;
use ring::rsa::PublicKeyComponents;
use ring::signature::{self, KeyPair as _, RsaKeyPair};

struct Fixture {
    pair: RsaKeyPair,
    key: RsaKey,
}

fn fixtures() -> &'static [Fixture] {
    static KEYS: OnceLock<Vec<Fixture>> = OnceLock::new();
    KEYS.get_or_init(|| {
        [
            &include_bytes!("../keys/rsa2048.pk8.der")[..],
            &include_bytes!("../keys/rsa3072.pk8.der")[..],
            &include_bytes!("../keys/rsa4096.pk8.der")[..],
        ]
        .into_iter()
        .map(|der| {
            let pair = RsaKeyPair::from_pkcs8(der).expect("a test key");
            let parts: PublicKeyComponents<Vec<u8>> = pair.public_key().into();
            let key = RsaKey::from_components(&parts.n, &parts.e).expect("usable");
            Fixture { pair, key }
        })
        .collect()
    })
}

#[derive(Arbitrary, Debug)]
enum Bend {
    Genuine,
    /// XOR one byte.
    Flip(u16, u8),
    /// Drop the first byte (a leading-zero-stripped encoding).
    DropFirst,
    /// One byte appended.
    Extend(u8),
    /// The signature of another message.
    OtherMessage(Vec<u8>),
    /// Fuzzer bytes of the right length.
    Raw(Vec<u8>),
    /// All 0xFF (at or above any modulus of this length).
    Ones,
}

#[derive(Arbitrary, Debug)]
struct Input {
    key: u8,
    message: Vec<u8>,
    bend: Bend,
}

fuzz_target!(|input: Input| {
    let keys = fixtures();
    let f = &keys[usize::from(input.key) % keys.len()];
    let len = f.pair.public().modulus_len();
    let sign = |msg: &[u8]| {
        let mut sig = vec![0u8; len];
        f.pair
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                msg,
                &mut sig,
            )
            .expect("signs");
        sig
    };
    let genuine = sign(&input.message);
    let sig = match &input.bend {
        Bend::Genuine => genuine,
        Bend::Flip(i, v) => {
            let mut s = genuine;
            let i = usize::from(*i) % s.len();
            s[i] ^= v | 1;
            s
        }
        Bend::DropFirst => genuine[1..].to_vec(),
        Bend::Extend(b) => {
            let mut s = genuine;
            s.push(*b);
            s
        }
        Bend::OtherMessage(m) => sign(m),
        Bend::Raw(bytes) => bytes.iter().copied().cycle().take(len).collect(),
        Bend::Ones => vec![0xff; len],
    };
    let ours = f.key.verify(&input.message, &sig).is_ok();
    let ring_key = signature::UnparsedPublicKey::new(
        &signature::RSA_PKCS1_2048_8192_SHA256,
        f.pair.public_key().as_ref(),
    );
    let theirs = ring_key.verify(&input.message, &sig).is_ok();
    assert_eq!(
        ours, theirs,
        "jwtgate {ours}, ring {theirs}: {:?}",
        input.bend
    );
    if matches!(input.bend, Bend::Genuine) {
        assert!(ours, "a genuine signature was rejected");
    }
});
