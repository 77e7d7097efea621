//! A loop for `perf record` and quick A/B timing:
//! `JWTGATE_PROFILE=large|small|none|aws-lc cargo run --release --example profile`
//! (`aws-lc`: the benchmark's baseline, raw aws-lc-rs with its key parsed once).
//! `JWTGATE_PROFILE_N` runs that many verifies instead of 5 seconds' worth.

use std::hint::black_box;
use std::time::{Duration, Instant};

use jwtgate::{KeySet, KeyTable, LargeTable, NoTable, Policy, SmallTable, UntrustedToken};
use jwtgate_bench::{AUD, ISS, NOW, Fixture, fixture};

/// Runs `verify` (which must succeed) for `seconds` or `JWTGATE_PROFILE_N` calls, in batches
/// of 100, and prints µs per call.
fn run_loop(seconds: u64, mut verify: impl FnMut() -> bool) {
    let fixed: u64 = std::env::var("JWTGATE_PROFILE_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let start = Instant::now();
    let mut n = 0u64;
    while (fixed == 0 && start.elapsed() < Duration::from_secs(seconds)) || n < fixed {
        for _ in 0..100 {
            assert!(black_box(verify()));
        }
        n += 100;
    }
    println!(
        "{:.2} µs/verify",
        start.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}

/// jwtgate's full verify of the fixture with `T` tables.
fn run<T: KeyTable>(f: &Fixture, seconds: u64) {
    let mut keys = Box::new(KeySet::<4, T>::new());
    keys.load(f.jwks.as_bytes()).expect("loads");
    let policy = Policy::new().issuer(ISS).audience(AUD);
    let mut buf = vec![0u8; 2048];
    run_loop(seconds, || {
        UntrustedToken::parse(f.token.as_bytes(), &mut buf)
            .and_then(|t| t.verify(&keys, &policy, NOW))
            .is_ok()
    });
}

/// Raw aws-lc-rs's verify of the fixture's signature.
fn run_aws_lc(f: &Fixture, seconds: u64) {
    let key = aws_lc_rs::signature::ParsedPublicKey::new(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED,
        &f.sec1,
    )
    .expect("key");
    run_loop(seconds, || {
        key.verify_sig(&f.signing_input, &f.signature).is_ok()
    });
}

fn main() {
    let seconds = 5;
    let f = fixture();
    match std::env::var("JWTGATE_PROFILE").as_deref() {
        Ok("aws-lc") => run_aws_lc(&f, seconds),
        Ok("small") => run::<SmallTable>(&f, seconds),
        Ok("none") => run::<NoTable>(&f, seconds),
        _ => run::<LargeTable>(&f, seconds),
    }
}
