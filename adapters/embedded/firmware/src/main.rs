//! Example gateway firmware for Cortex-M4F (QEMU `mps2-an386`): jwtgate-embedded end to end.
//!
//! The JWK Set is fetched through the adapter from a simulated network, which replays
//! recorded HTTP exchanges (`fixtures/`, chunked ones included) split at awkward read
//! boundaries, into a `static` critical-section cache; tokens are verified through the core's
//! driver. The firmware plays:
//!
//! 1. a cold start: one fetch, then a valid token verifies and a tampered one does not;
//! 2. an outage (503, a redirect, no connection): the held keys keep verifying while
//!    stale-if-error lasts, one fetch per failure cooldown, then ERR_AUTH_JWKS_FETCH_FAILED;
//! 3. a recovery, then a key rotation through an unknown kid: one refetch, and the retired
//!    key's tokens fail without another.
//!
//! It prints each step, the instructions of a warm verify and of a fetch-and-parse, the
//! static sizes and the peak stack, and exits through semihosting: 0 only if every step
//! gave the expected result.

#![no_std]
#![no_main]

use core::cell::Cell;
use core::hint::black_box;
use core::mem::size_of;

use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use embedded_io::{ErrorKind, ErrorType, Read, Write};
use jwtgate::{CachePolicy, Error, KeySet, Policy, SharedCache, UntrustedToken, driver};
use jwtgate_embedded::{Request, fetch, fetcher};
use jwtgate_qemu_harness::{count_instructions, exit, fail, measure_stack, start_systick};

/// The gateway's JWK Set cache: four keys, no tables (the smallest slots).
static KEYS: SharedCache<4> = SharedCache::new(CachePolicy::DEFAULT);

/// The issuer's JWKS endpoint.
const HOST: &str = "gw.example";
const PATH: &str = "/auth/v1/.well-known/jwks.json";

/// The firmware's clock at its start: the fixtures' tokens are valid for a year from it.
const NOW: u64 = 1_800_000_000;

/// The recorded exchanges (made by `tests/tests/firmware_fixtures.rs`).
const JWKS_A_CHUNKED: &[u8] = include_bytes!("../fixtures/jwks-a.chunked.http");
const JWKS_B_CHUNKED: &[u8] = include_bytes!("../fixtures/jwks-b.chunked.http");
const UNAVAILABLE: &[u8] = include_bytes!("../fixtures/503.http");
const REDIRECT: &[u8] = include_bytes!("../fixtures/302.http");
/// `kid` gw-1 (in set A only) and gw-5 (in set B only).
const TOKEN_GW1: &[u8] = include_bytes!("../fixtures/token-gw1.jwt");
const TOKEN_GW5: &[u8] = include_bytes!("../fixtures/token-gw5.jwt");

/// Read sizes the simulated network cycles through: headers, chunk-size lines and data all
/// land split.
const SPLITS: [usize; 8] = [1, 13, 2, 61, 7, 3, 128, 5];

/// The request the adapter must send, up to the headers that vary by nothing.
const REQUEST_START: &[u8] = b"GET /auth/v1/.well-known/jwks.json HTTP/1.1\r\nHost: gw.example\r\n";

/// The caller's buffers, stated: the response head (and chunk framing), the JWK Set, the
/// decoded token.
struct Buffers {
    head: [u8; 512],
    jwks: [u8; 1024],
    token: [u8; 512],
}

/// One connection to the simulated issuer: it checks the request and replays a response.
struct Replay {
    response: &'static [u8],
    reads: usize,
    written: usize,
}

impl Replay {
    fn new(response: &'static [u8]) -> Self {
        Replay {
            response,
            reads: 0,
            written: 0,
        }
    }
}

impl ErrorType for Replay {
    type Error = ErrorKind;
}

impl Read for Replay {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        if self.written < REQUEST_START.len() {
            return Err(ErrorKind::InvalidInput); // reading before the request went out
        }
        let want = SPLITS[self.reads % SPLITS.len()];
        self.reads += 1;
        let n = want.min(buf.len()).min(self.response.len());
        let (now, rest) = self.response.split_at(n);
        buf[..n].copy_from_slice(now);
        self.response = rest;
        Ok(n)
    }
}

impl Write for Replay {
    fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        // The request line and Host must be exactly the configured ones.
        for (i, &b) in buf.iter().enumerate() {
            if REQUEST_START
                .get(self.written + i)
                .is_some_and(|&want| want != b)
            {
                return Err(ErrorKind::InvalidData);
            }
        }
        self.written += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), ErrorKind> {
        Ok(())
    }
}

/// What the simulated issuer does when the gateway connects.
#[derive(Clone, Copy)]
enum Issuer {
    Answers(&'static [u8]),
    Unreachable,
}

/// The gateway: its buffers, its view of the network, and the score so far.
struct Gateway<'a> {
    buffers: &'static mut Buffers,
    request: Request<'a>,
    policy: Policy<'a>,
    issuer: Cell<Issuer>,
    connects: Cell<u32>,
    now: u64,
    peak_stack: usize,
    ok: bool,
}

impl Gateway<'_> {
    /// Parses and verifies `token` through the cache, fetching over the simulated network
    /// when the cache asks; `Ok` only with the expected subject.
    #[inline(never)]
    fn verify(&mut self, token: &[u8], sub: &str) -> Result<(), Error> {
        let Buffers {
            head,
            jwks,
            token: token_buf,
        } = &mut *self.buffers;
        let connect = || {
            self.connects.set(self.connects.get() + 1);
            match self.issuer.get() {
                Issuer::Answers(response) => Ok(Replay::new(response)),
                Issuer::Unreachable => Err(ErrorKind::ConnectionRefused),
            }
        };
        let token = UntrustedToken::parse(black_box(token), token_buf)?;
        let fetch = fetcher(&self.request, head, connect);
        let verified = driver::verify_blocking(&KEYS, token, &self.policy, self.now, jwks, fetch)?;
        match verified.claims().sub() {
            Some(s) if s.eq_str(sub) => Ok(()),
            _ => Err(Error::ClaimInvalid),
        }
    }

    /// One step: verifies `token` at `now` (stack measured), and checks the result and the
    /// connections made so far.
    fn step(
        &mut self,
        what: &str,
        at: u64,
        token: &[u8],
        sub: &str,
        want: Result<(), Error>,
        connects: u32,
    ) -> u64 {
        self.now = NOW + at;
        let ((got, instructions), stack) =
            measure_stack(|| count_instructions(|| black_box(self.verify(token, sub))));
        self.peak_stack = self.peak_stack.max(stack.unwrap_or(usize::MAX));
        let pass = got == want && self.connects.get() == connects;
        self.ok &= pass;
        hprintln!(
            "{} t+{}s {}: {} (connects {}, want {} / {})",
            if pass { "PASS" } else { "FAIL" },
            at,
            what,
            got.map_or_else(|e| e.code(), |()| "verified"),
            self.connects.get(),
            want.map_or_else(|e| e.code(), |()| "verified"),
            connects,
        );
        instructions
    }
}

#[entry]
fn main() -> ! {
    let Some(mut cp) = cortex_m::Peripherals::take() else {
        fail("core peripherals already taken");
    };
    start_systick(&mut cp.SYST);
    let Some(buffers) = cortex_m::singleton!(: Buffers = Buffers {
        head: [0; 512],
        jwks: [0; 1024],
        token: [0; 512],
    }) else {
        fail("buffers already taken");
    };
    let Ok(request) = Request::get(HOST, PATH) else {
        fail("request");
    };
    let mut gw = Gateway {
        buffers,
        request,
        policy: Policy::new()
            .issuer("https://gw.example/auth/v1")
            .audience("authenticated"),
        issuer: Cell::new(Issuer::Answers(JWKS_A_CHUNKED)),
        connects: Cell::new(0),
        now: NOW,
        peak_stack: 0,
        ok: true,
    };
    let mut tampered = [0u8; TOKEN_GW1.len()];
    tampered.copy_from_slice(TOKEN_GW1);
    let i = TOKEN_GW1.len() - 10; // inside the signature
    tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
    let expired = Error::JwksFetchFailed;

    hprintln!("-- cold start (set A: 4 keys, chunked, max-age 300)");
    gw.step(
        "cold cache, valid token",
        0,
        TOKEN_GW1,
        "operator-1",
        Ok(()),
        1,
    );
    let warm = gw.step(
        "warm cache, valid token",
        1,
        TOKEN_GW1,
        "operator-1",
        Ok(()),
        1,
    );
    gw.step(
        "tampered token",
        1,
        &tampered,
        "operator-1",
        Err(Error::SignatureInvalid),
        1,
    );

    hprintln!("-- outage (ttl 300 s, stale-if-error 3600 s, cooldown 5 s)");
    gw.issuer.set(Issuer::Answers(UNAVAILABLE));
    gw.step(
        "503, past ttl: stale keys serve",
        301,
        TOKEN_GW1,
        "operator-1",
        Ok(()),
        2,
    );
    gw.step(
        "inside the cooldown: no fetch",
        303,
        TOKEN_GW1,
        "operator-1",
        Ok(()),
        2,
    );
    gw.issuer.set(Issuer::Answers(REDIRECT));
    gw.step(
        "302 (never followed)",
        310,
        TOKEN_GW1,
        "operator-1",
        Ok(()),
        3,
    );
    gw.issuer.set(Issuer::Unreachable);
    gw.step("no connection", 320, TOKEN_GW1, "operator-1", Ok(()), 4);
    gw.step(
        "past stale-if-error",
        3_901,
        TOKEN_GW1,
        "operator-1",
        Err(expired),
        5,
    );
    gw.step(
        "inside the cooldown: fail fast",
        3_902,
        TOKEN_GW1,
        "operator-1",
        Err(expired),
        5,
    );

    hprintln!("-- recovery, then rotation (set B drops gw-1, adds gw-5)");
    gw.issuer.set(Issuer::Answers(JWKS_A_CHUNKED));
    gw.step("issuer back", 3_910, TOKEN_GW1, "operator-1", Ok(()), 6);
    gw.issuer.set(Issuer::Answers(JWKS_B_CHUNKED));
    gw.step(
        "unknown kid gw-5: one refetch",
        3_911,
        TOKEN_GW5,
        "operator-5",
        Ok(()),
        7,
    );
    gw.step(
        "retired kid gw-1: no refetch",
        3_912,
        TOKEN_GW1,
        "operator-1",
        Err(Error::KeyNotFound),
        7,
    );

    let counters = KEYS.with(|c| c.counters());
    let counted =
        counters.fetches_ok == 3 && counters.fetches_failed == 4 && counters.stale_serves >= 4;
    if !counted {
        hprintln!(
            "FAIL: counters: {} ok, {} failed, {} stale serves",
            counters.fetches_ok,
            counters.fetches_failed,
            counters.stale_serves
        );
        gw.ok = false;
    }

    // A fetch-and-parse of the 4-key set on its own: the HTTP exchange (simulated network
    // included) and the JWK Set load, outside the cache.
    let Buffers { head, jwks, .. } = &mut *gw.buffers;
    let mut keys = KeySet::<4>::new();
    let (loaded, fetch_parse) = count_instructions(|| {
        let response = fetch(&mut Replay::new(JWKS_A_CHUNKED), &gw.request, head, jwks);
        response
            .ok()
            .and_then(|r| keys.load(black_box(&jwks[..r.len])).ok())
    });
    if loaded.is_none_or(|report| report.loaded != 4) {
        hprintln!("FAIL: the 4-key set did not fetch and load");
        gw.ok = false;
    }

    hprintln!("-- measurements");
    hprintln!("instructions, warm verify through the cache: ~{}", warm);
    hprintln!(
        "instructions, fetch-and-parse of the 4-key set: ~{}",
        fetch_parse
    );
    hprintln!(
        "static: SharedCache<4> {} B, buffers {} B (head 512, jwks 1024, token 512)",
        size_of::<SharedCache<4>>(),
        size_of::<Buffers>()
    );
    hprintln!(
        "peak stack, any step (fetch, parse, verify): {} B",
        gw.peak_stack
    );
    if gw.ok {
        hprintln!("embedded firmware: OK");
    }
    exit(gw.ok)
}
