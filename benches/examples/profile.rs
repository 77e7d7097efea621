//! A loop for `perf record` and quick A/B timing:
//! `JWTGATE_PROFILE=large|small|none|aws-lc cargo run --release --example profile`
//! (`aws-lc`: the benchmark's baseline, raw aws-lc-rs with its key parsed once).

use std::hint::black_box;
use std::time::{Duration, Instant};

use jwtgate::{KeySet, KeyTable, LargeTable, NoTable, Policy, SmallTable, UntrustedToken};
use jwtgate_bench::{AUD, ISS, NOW, fixture};

fn run<T: KeyTable>(seconds: u64) {
    let f = fixture();
    let mut keys = Box::new(KeySet::<4, T>::new());
    keys.load(f.jwks.as_bytes()).expect("loads");
    let policy = Policy::new().issuer(ISS).audience(AUD);
    let mut buf = vec![0u8; 2048];
    let start = Instant::now();
    let mut n = 0u64;
    let fixed: u64 = std::env::var("JWTGATE_PROFILE_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while (fixed == 0 && start.elapsed() < Duration::from_secs(seconds)) || n < fixed {
        for _ in 0..100 {
            let ok = UntrustedToken::parse(f.token.as_bytes(), &mut buf)
                .and_then(|t| t.verify(&keys, &policy, NOW))
                .is_ok();
            assert!(black_box(ok));
        }
        n += 100;
    }
    println!(
        "{:.2} µs/verify",
        start.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}

/// The same loop over raw aws-lc-rs's verify of the fixture's signature.
fn run_aws_lc(seconds: u64) {
    let f = fixture();
    let key = aws_lc_rs::signature::ParsedPublicKey::new(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED,
        &f.sec1,
    )
    .expect("key");
    let fixed: u64 = std::env::var("JWTGATE_PROFILE_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let start = Instant::now();
    let mut n = 0u64;
    while (fixed == 0 && start.elapsed() < Duration::from_secs(seconds)) || n < fixed {
        for _ in 0..100 {
            assert!(black_box(key.verify_sig(&f.signing_input, &f.signature).is_ok()));
        }
        n += 100;
    }
    println!(
        "{:.2} µs/verify",
        start.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}

fn main() {
    let seconds = 5;
    match std::env::var("JWTGATE_PROFILE").as_deref() {
        Ok("aws-lc") => run_aws_lc(seconds),
        Ok("small") => run::<SmallTable>(seconds),
        Ok("none") => run::<NoTable>(seconds),
        _ => run::<LargeTable>(seconds),
    }
}
