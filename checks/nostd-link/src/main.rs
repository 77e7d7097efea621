//! Link check: jwtgate's whole verify path in Cortex-M4F firmware (`thumbv7em-none-eabihf`,
//! QEMU `mps2-an386`) with no global allocator and no `alloc` crate.
//!
//! It verifies the RFC 7515 A.3 token (must pass) and a copy with one signature character
//! changed (must fail with `SignatureInvalid`), prints the peak stack of one verify (stack
//! painting), the static sizes of `KeySet<4>` / `KeySet<32>` and the instruction count of
//! one verify (SysTick on the 1 MHz reference clock under `-icount shift=0`), and exits
//! through semihosting: 0 only if every check held.

#![no_std]
#![no_main]

use core::hint::black_box;
use core::mem::size_of;

use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use jwtgate::{CachePolicy, Error, FetchOutcome, KeySet, Policy, SharedCache, UntrustedToken};
use jwtgate_qemu_harness::{count_instructions, exit, fail, measure_stack, start_systick};

/// The key set's per-key ES256 table: chosen by the `table-*` features.
#[cfg(not(any(feature = "table-small", feature = "table-large")))]
type Table = jwtgate::NoTable;
#[cfg(all(feature = "table-small", not(feature = "table-large")))]
type Table = jwtgate::SmallTable;
#[cfg(feature = "table-large")]
type Table = jwtgate::LargeTable;

/// RFC 7515 Appendix A.3: the ES256 public key.
const JWKS: &[u8] = br#"{"keys":[{"kty":"EC","crv":"P-256",
  "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
  "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"#;

/// RFC 7515 Appendix A.3: the ES256 token.
const TOKEN: &[u8] = b"eyJhbGciOiJFUzI1NiJ9\
.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ\
.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

/// The JWKS cache in a `static`, locked with cortex-m's single-core critical section.
static CACHE: SharedCache<4> = SharedCache::new(CachePolicy::DEFAULT);

/// Inside the token's validity window (`exp` is 1_300_819_380).
const NOW: u64 = 1_300_819_000;

/// What one verify returned, reduced to plain data so the optimiser must compute it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Outcome {
    Verified { iss_is_joe: bool, exp: i64 },
    Failed(Error),
}

#[inline(never)]
fn verify_once(token: &[u8], keys: &KeySet<4, Table>, policy: &Policy<'_>, now: u64) -> Outcome {
    // The caller's decode buffer is part of the verify path, so it lives in this frame and is
    // counted in the stack figure.
    let mut buf = [0u8; 1024];
    let token = black_box(token);
    match UntrustedToken::parse(token, black_box(&mut buf))
        .and_then(|t| t.verify(black_box(keys), black_box(policy), black_box(now)))
    {
        Ok(v) => Outcome::Verified {
            iss_is_joe: v.claims().iss().is_some_and(|iss| iss.eq_str("joe")),
            exp: v.claims().exp(),
        },
        Err(e) => Outcome::Failed(e),
    }
}

#[entry]
fn main() -> ! {
    let Some(mut cp) = cortex_m::Peripherals::take() else {
        fail("core peripherals already taken");
    };
    start_systick(&mut cp.SYST);

    let mut keys = KeySet::<4, Table>::new();
    let (loaded, load_instructions) = count_instructions(|| keys.load(black_box(JWKS)));
    match loaded {
        Ok(report) => hprintln!("jwks: loaded, {:?}", report),
        Err(e) => fail_with("jwks load", e),
    }
    hprintln!(
        "load (table {} B per key, built here): ~{} instructions",
        // The table lives in its key slot: its size is the per-key cost.
        size_of::<Table>(),
        load_instructions
    );
    let policy = Policy::new().issuer("joe");

    hprintln!(
        "size_of::<KeySet<4, Table>>()  = {} bytes",
        size_of::<KeySet<4, Table>>()
    );
    hprintln!(
        "size_of::<KeySet<32>>() = {} bytes",
        size_of::<KeySet<32>>()
    );

    // 1. The genuine token, with the stack painted and SysTick running.
    let ((good, instructions), stack) =
        measure_stack(|| count_instructions(|| black_box(verify_once(TOKEN, &keys, &policy, NOW))));
    hprintln!("valid token:    {:?}", good);
    hprintln!(
        "stack, one verify (incl. 1024-byte buf): {} bytes",
        stack.unwrap_or(0)
    );
    hprintln!("time, one verify: ~{} instructions", instructions);

    // 2. The same token with one signature character changed.
    let mut tampered = [0u8; TOKEN.len()];
    tampered.copy_from_slice(TOKEN);
    let Some(dot) = tampered.iter().rposition(|&b| b == b'.') else {
        fail("token has no signature segment");
    };
    let i = dot + 10;
    tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
    let bad = black_box(verify_once(black_box(&tampered), &keys, &policy, NOW));
    hprintln!("tampered token: {:?}", bad);

    // The same path through the shared cache: the first verify "fetches" (the closure stands
    // in for the transport), the second is a cache hit.
    let mut fetches = 0u32;
    let mut cached = [Outcome::Failed(Error::KeyNotFound); 2];
    for slot in &mut cached {
        let mut buf = [0u8; 1024];
        let mut jwks_buf = [0u8; 512];
        *slot = match UntrustedToken::parse(TOKEN, &mut buf) {
            Ok(token) => {
                let fetch = |out: &mut [u8]| {
                    fetches += 1;
                    let Some(dst) = out.get_mut(..JWKS.len()) else {
                        return FetchOutcome::TooLarge;
                    };
                    dst.copy_from_slice(JWKS);
                    FetchOutcome::Document {
                        len: JWKS.len(),
                        max_age: None,
                    }
                };
                match jwtgate::driver::verify_blocking(
                    &CACHE,
                    token,
                    &policy,
                    NOW,
                    &mut jwks_buf,
                    fetch,
                ) {
                    Ok(v) => Outcome::Verified {
                        iss_is_joe: v.claims().iss().is_some_and(|i| i.eq_str("joe")),
                        exp: v.claims().exp(),
                    },
                    Err(e) => Outcome::Failed(e),
                }
            }
            Err(e) => Outcome::Failed(e),
        };
    }
    let counters = CACHE.with(|c| c.counters());
    hprintln!(
        "shared cache: {:?}, fetches {}, misses {}",
        black_box(cached[1]),
        fetches,
        counters.misses
    );

    let mut ok = true;
    #[cfg(any(feature = "eddsa", feature = "rs256"))]
    {
        ok &= other_algorithms(&policy);
    }
    if cached != [good; 2] || fetches != 1 || counters.misses != 1 || counters.hits != 1 {
        hprintln!("FAIL: the shared cache did not verify twice with one fetch");
        ok = false;
    }
    if good
        != (Outcome::Verified {
            iss_is_joe: true,
            exp: 1_300_819_380,
        })
    {
        hprintln!("FAIL: the RFC 7515 A.3 token did not verify as expected");
        ok = false;
    }
    if bad != Outcome::Failed(Error::SignatureInvalid) {
        hprintln!("FAIL: the tampered token did not fail with SignatureInvalid");
        ok = false;
    }
    if stack.is_none() {
        hprintln!("FAIL: stack measurement out of range");
        ok = false;
    }
    if ok {
        hprintln!("nostd-link: OK");
    }
    exit(ok)
}

/// With the `eddsa` / `rs256` features: one full verify per algorithm, with its instructions
/// and peak stack (the tokens carry `iss` joe and `exp` 1300819380, as A.3's).
#[cfg(any(feature = "eddsa", feature = "rs256"))]
fn other_algorithms(policy: &Policy<'_>) -> bool {
    let mut ok = true;
    #[allow(unused_mut)]
    let mut cases: [(&str, &[u8], &[u8]); 3] = [("", b"", b""); 3];
    #[cfg(feature = "eddsa")]
    {
        cases[0] = (
            "EdDSA",
            include_bytes!("../fixtures/eddsa.jwks"),
            include_bytes!("../fixtures/eddsa.jwt"),
        );
    }
    #[cfg(feature = "rs256")]
    {
        cases[1] = (
            "RS256-2048",
            include_bytes!("../fixtures/rs256-2048.jwks"),
            include_bytes!("../fixtures/rs256-2048.jwt"),
        );
        cases[2] = (
            "RS256-4096",
            include_bytes!("../fixtures/rs256-4096.jwks"),
            include_bytes!("../fixtures/rs256-4096.jwt"),
        );
    }
    for (name, jwks, token) in cases {
        if name.is_empty() {
            continue;
        }
        let mut keys = KeySet::<1>::new();
        if keys.load(jwks).map(|r| r.loaded) != Ok(1) {
            hprintln!("FAIL: {} key set", name);
            ok = false;
            continue;
        }
        let ((got, instructions), stack) = measure_stack(|| {
            count_instructions(|| {
                let mut buf = [0u8; 1024];
                black_box(
                    UntrustedToken::parse(black_box(token), &mut buf)
                        .and_then(|t| t.verify(&keys, policy, NOW))
                        .map(|v| v.claims().exp()),
                )
            })
        });
        hprintln!(
            "{}: {:?}, ~{} instructions, stack {} bytes (incl. 1024-byte buf)",
            name,
            got,
            instructions,
            stack.unwrap_or(0)
        );
        ok &= got == Ok(1_300_819_380) && stack.is_some();
    }
    ok
}

fn fail_with(what: &str, e: Error) -> ! {
    hprintln!("FAIL: {}: {:?} ({})", what, e, e.code());
    exit(false)
}
