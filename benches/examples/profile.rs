//! A loop for `perf record`: `JWTGATE_PROFILE=large|small|none|claims cargo run --release --example profile`.

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

fn main() {
    let seconds = 5;
    match std::env::var("JWTGATE_PROFILE").as_deref() {
        Ok("small") => run::<SmallTable>(seconds),
        Ok("none") => run::<NoTable>(seconds),
        _ => run::<LargeTable>(seconds),
    }
}
