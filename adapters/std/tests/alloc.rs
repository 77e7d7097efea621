//! Zero heap allocations in the warm verify hot path, counted by a global allocator.

#![allow(clippy::unwrap_used, clippy::panic)]

use core::future::Future;
use core::pin::pin;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use core::task::{Context, Poll, Waker};
use core::time::Duration;
use std::alloc::{GlobalAlloc, Layout, System};

use jwtgate_std::dev_issuer::DevIssuer;
use jwtgate_std::{Verifier, VerifierConfig};

/// Counts allocations while `COUNTING` is set (one test in this binary, so no cross-talk).
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts calls.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Polls a future that must complete without suspending (a warm verify never awaits).
fn now_or_never<T>(future: impl Future<Output = T>) -> T {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(value) => value,
        Poll::Pending => panic!("a warm verify suspended"),
    }
}

#[test]
fn warm_verify_allocates_nothing() {
    let issuer = DevIssuer::start().unwrap();
    let mut config = VerifierConfig::supabase(issuer.base_url());
    config.hs256_secret = Some(vec![7; 32].into());
    let verifier = Verifier::new(config).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let good = issuer.mint(Duration::from_secs(600));
    let expired = issuer.sign(&{
        let mut c = issuer.claims(Duration::from_secs(600));
        c["exp"] = serde_json::Value::from(1);
        c
    });
    // Change a signature character that carries only signature bits (the last one does not).
    let mut tampered = good.clone().into_bytes();
    let at = tampered.len() - 10;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    // Warm up: fetch the key set, create every metric once.
    runtime.block_on(async {
        let mut buf = [0u8; 8192];
        verifier.verify(good.as_bytes(), &mut buf).await.unwrap();
    });

    let mut buf = [0u8; 8192];
    COUNTING.store(true, Ordering::SeqCst);
    let mut verified = 0;
    for _ in 0..100 {
        verified += u32::from(now_or_never(verifier.verify(good.as_bytes(), &mut buf)).is_ok());
        assert!(now_or_never(verifier.verify(expired.as_bytes(), &mut buf)).is_err());
        assert!(now_or_never(verifier.verify(tampered.as_bytes(), &mut buf)).is_err());
        assert!(now_or_never(verifier.verify(b"not.a.token", &mut buf)).is_err());
    }
    COUNTING.store(false, Ordering::SeqCst);
    assert_eq!(verified, 100);
    assert_eq!(
        ALLOCATIONS.load(Ordering::SeqCst),
        0,
        "heap allocations in 400 warm verifies"
    );
    // The counter is live: the same allocator sees an ordinary allocation.
    COUNTING.store(true, Ordering::SeqCst);
    drop(std::hint::black_box(vec![1u8; 16]));
    COUNTING.store(false, Ordering::SeqCst);
    assert_eq!(ALLOCATIONS.load(Ordering::SeqCst), 1);
}
