//! One run, every verifier, the same 1,166-byte Supabase-shaped ES256 token:
//! `cargo bench --manifest-path benches/Cargo.toml`.
//!
//! Prints, per verifier, the median µs per verify over several interleaved rounds, the median
//! of the per-round ratios to raw aws-lc-rs (measured right before and after each row in each
//! round, so a loaded machine slows both alike), and heap allocations per verify from a
//! counting global allocator.
//!
//! jsonwebtoken picks its crypto backend once per process, so its RustCrypto row is measured
//! by this same binary re-run as a child process (with raw aws-lc-rs measured alongside for
//! the ratio). Environment: `JWTGATE_BENCH_ROUNDS` (default 7), `JWTGATE_BENCH_MS` (time per
//! verifier per round, default 300).

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashSet;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use jwtgate::{
    Algorithm, Error, Es256Key, Key, KeySet, KeyTable, LargeTable, NoTable, Policy, SmallTable,
    UntrustedToken,
};
use jwtgate_bench::{AUD, Fixture, ISS, KID, NOW, crafted_headers, fixture};

struct Counting;
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

type Verify<'a> = Box<dyn FnMut() -> bool + 'a>;

struct Row<'a> {
    name: &'static str,
    verify: Verify<'a>,
    per_round_us: Vec<f64>,
    allocations: f64,
}

const RAW_AWS_LC: &str = "raw aws-lc-rs (key parsed once)";
const LARGE: &str = "jwtgate, LargeTable (264 KiB/key, server)";
/// Rows of the forged-token section, kept out of the main table.
const FORGED: &str = "forged, ";
const UNKNOWN_KID: &str = "unknown kid, µs";
const KNOWN_KID: &str = "the key's kid, µs";

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// µs per call of `f`, run for about `budget`.
fn time(f: &mut Verify<'_>, budget: Duration) -> f64 {
    // Calibrate a batch of about 1/10 of the budget.
    let mut batch = 1u64;
    loop {
        let start = Instant::now();
        for _ in 0..batch {
            black_box(f());
        }
        if start.elapsed() >= budget / 10 || batch >= 1 << 24 {
            break;
        }
        batch *= 2;
    }
    let start = Instant::now();
    let mut calls = 0u64;
    while start.elapsed() < budget {
        for _ in 0..batch {
            black_box(f());
        }
        calls += batch;
    }
    start.elapsed().as_secs_f64() * 1e6 / calls as f64
}

fn allocations_per_call(f: &mut Verify<'_>) -> f64 {
    const CALLS: u64 = 200;
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for _ in 0..CALLS {
        black_box(f());
    }
    (ALLOCATIONS.load(Ordering::Relaxed) - before) as f64 / CALLS as f64
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// A row's ratio to the baseline: the median over the rounds, and the lowest and highest
/// round (the spread a single round could show).
#[derive(Clone, Copy, Debug)]
struct Ratio {
    median: f64,
    low: f64,
    high: f64,
}

impl Ratio {
    fn of(ratios: &mut [f64]) -> Ratio {
        ratios.sort_by(f64::total_cmp);
        Ratio {
            median: median(ratios),
            low: ratios.first().copied().unwrap_or(f64::NAN),
            high: ratios.last().copied().unwrap_or(f64::NAN),
        }
    }
    /// As the child process prints it.
    fn encode(&self) -> String {
        format!("{}/{}/{}", self.median, self.low, self.high)
    }
    fn decode(s: &str) -> Ratio {
        let mut parts = s.split('/').map(|p| p.parse::<f64>().unwrap_or(f64::NAN));
        let mut next = || parts.next().unwrap_or(f64::NAN);
        Ratio {
            median: next(),
            low: next(),
            high: next(),
        }
    }
}

impl std::fmt::Display for Ratio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.2} ({:.2}-{:.2})", self.median, self.low, self.high)
    }
}

/// Runs every row for `rounds` interleaved rounds; returns (name, median µs, median ratio to
/// raw aws-lc-rs, allocations per verify).
fn measure(rows: &mut [Row<'_>], rounds: u64, budget: Duration) -> Vec<(String, f64, Ratio, f64)> {
    measure_against(rows, rounds, budget, RAW_AWS_LC)
}

/// [`measure`] with the ratios taken to the row named `base`.
///
/// Each row's run in a round sits between two runs of the baseline of half its length, and
/// its ratio for the round is to their mean: the machine's speed drifts by tens of percent
/// over seconds here, so a baseline measured once per round, seconds away, made the ratios
/// swing with a row's place in the round.
fn measure_against(
    rows: &mut [Row<'_>],
    rounds: u64,
    budget: Duration,
    base: &str,
) -> Vec<(String, f64, Ratio, f64)> {
    for row in rows.iter_mut() {
        assert!((row.verify)(), "{} must accept the fixture", row.name);
        row.allocations = allocations_per_call(&mut row.verify);
    }
    let base = rows
        .iter()
        .position(|r| r.name == base)
        .expect("the baseline is measured");
    let mut base_verify = std::mem::replace(&mut rows[base].verify, Box::new(|| true));
    // Per row, per round: the mean of the two baseline runs around it.
    let mut adjacent: Vec<Vec<f64>> = vec![Vec::new(); rows.len()];
    for round in 0..rounds {
        let mut base_runs = Vec::new();
        for (i, row) in rows.iter_mut().enumerate() {
            if i == base {
                continue;
            }
            let before = time(&mut base_verify, budget / 2);
            row.per_round_us.push(time(&mut row.verify, budget));
            let after = time(&mut base_verify, budget / 2);
            adjacent[i].push((before + after) / 2.0);
            base_runs.extend([before, after]);
        }
        rows[base].per_round_us.push(median(&mut base_runs));
        eprintln!("round {}/{rounds} done", round + 1);
    }
    rows[base].verify = base_verify;
    rows.iter_mut()
        .enumerate()
        .map(|(i, row)| {
            let mut ratios: Vec<f64> = if i == base {
                vec![1.0]
            } else {
                row.per_round_us
                    .iter()
                    .zip(&adjacent[i])
                    .map(|(us, b)| us / b)
                    .collect()
            };
            (
                row.name.to_owned(),
                median(&mut row.per_round_us.clone()),
                Ratio::of(&mut ratios),
                row.allocations,
            )
        })
        .collect()
}

fn row<'a>(name: &'static str, verify: impl FnMut() -> bool + 'a) -> Row<'a> {
    Row {
        name,
        verify: Box::new(verify),
        per_round_us: Vec::new(),
        allocations: 0.0,
    }
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct SupabaseClaims {
    iss: String,
    sub: String,
    aud: String,
    exp: u64,
    iat: u64,
    email: String,
    role: String,
    aal: String,
    session_id: String,
    is_anonymous: bool,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[allow(dead_code)]
struct SupabaseCustom {
    email: String,
    role: String,
    aal: String,
    session_id: String,
    is_anonymous: bool,
}

fn jsonwebtoken_row<'a>(name: &'static str, f: &'a Fixture) -> Row<'a> {
    let key = jsonwebtoken::DecodingKey::from_ec_components(&f.x, &f.y).expect("key");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.set_issuer(&[ISS]);
    validation.set_audience(&[AUD]);
    row(name, move || {
        jsonwebtoken::decode::<SupabaseClaims>(&f.token, &key, &validation)
            .is_ok_and(|d| d.header.kid.as_deref() == Some(KID) && d.claims.role == "authenticated")
    })
}

fn aws_lc_row(f: &Fixture) -> Row<'_> {
    let key = aws_lc_rs::signature::ParsedPublicKey::new(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED,
        &f.sec1,
    )
    .expect("key");
    row(RAW_AWS_LC, move || {
        key.verify_sig(&f.signing_input, &f.signature).is_ok()
    })
}

fn jwtgate_row<'a, T: KeyTable + 'a>(
    name: &'static str,
    f: &'a Fixture,
    keys: Box<KeySet<4, T>>,
    policy: &'a Policy<'a>,
) -> Row<'a> {
    let mut buf = vec![0u8; 2048];
    row(name, move || {
        UntrustedToken::parse(f.token.as_bytes(), &mut buf)
            .and_then(|t| t.verify(&keys, policy, NOW))
            .is_ok_and(|v| v.claims().sub().is_some())
    })
}

fn loaded<T: KeyTable>(f: &Fixture) -> Box<KeySet<4, T>> {
    let mut keys = Box::new(KeySet::<4, T>::new());
    let started = Instant::now();
    keys.load(f.jwks.as_bytes())
        .expect("the fixture's JWK Set loads");
    eprintln!(
        "KeySet<4, {}>::load (one key, table built): {:.2} ms, {} B per key",
        std::any::type_name::<T>().rsplit("::").next().unwrap_or(""),
        started.elapsed().as_secs_f64() * 1e3,
        // The table lives in its key slot: its size is the per-key cost.
        size_of::<T>()
    );
    keys
}

/// The fixture's public key.
fn es256_key(f: &Fixture) -> Es256Key {
    let (x, y) = f.sec1[1..].split_at(32);
    let coordinate = |c: &[u8]| <[u8; 32]>::try_from(c).expect("32 bytes");
    Es256Key::from_coordinates(&coordinate(x), &coordinate(y)).expect("on the curve")
}

fn print_table(rows: &[(String, f64, Ratio, f64)], token_len: usize, rounds: u64) {
    println!();
    println!(
        "ES256 verify, {token_len}-byte Supabase-shaped token; median of {rounds} interleaved rounds"
    );
    println!();
    println!("| verifier | µs/verify | × raw aws-lc-rs (rounds' range) | allocations/verify |");
    println!("|---|---:|---:|---:|");
    for (name, us, ratio, allocs) in rows {
        println!("| {name} | {us:.1} | {ratio} | {allocs:.0} |");
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is accepted and ignored.
    let f = fixture();
    assert_eq!(f.token.len(), jwtgate_bench::TOKEN_LEN);
    let rounds = env_or("JWTGATE_BENCH_ROUNDS", 7);
    let budget = Duration::from_millis(env_or("JWTGATE_BENCH_MS", 300));

    if std::env::var_os("JWTGATE_BENCH_CHILD").is_some() {
        // The RustCrypto backend of jsonwebtoken, in a process of its own.
        jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER
            .install_default()
            .expect("first provider");
        let mut rows = vec![
            jsonwebtoken_row("jsonwebtoken 11 + rust_crypto (p256 0.13)", &f),
            aws_lc_row(&f),
        ];
        for (name, us, ratio, allocs) in measure(&mut rows, rounds, budget) {
            println!("{name}\t{us}\t{}\t{allocs}", ratio.encode());
        }
        for (alg, mut rows, base) in other_rows(&f, Backend::RustCrypto) {
            for (name, us, ratio, allocs) in measure_against(&mut rows, rounds, budget, base) {
                println!("{alg}\t{name}\t{us}\t{}\t{allocs}", ratio.encode());
            }
        }
        return;
    }
    jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER
        .install_default()
        .expect("first provider");

    let policy = Policy::new().issuer(ISS).audience(AUD);
    let large = loaded::<LargeTable>(&f);
    let small = loaded::<SmallTable>(&f);
    let none = loaded::<NoTable>(&f);
    let forged = forged_tokens(&f);
    let forged_keys = loaded::<LargeTable>(&f);

    let jwt_simple_key =
        jwt_simple::prelude::ES256PublicKey::from_bytes(&f.sec1).expect("jwt-simple key");
    let jwt_simple_options = jwt_simple::prelude::VerificationOptions {
        allowed_issuers: Some(HashSet::from([ISS.to_owned()])),
        allowed_audiences: Some(HashSet::from([AUD.to_owned()])),
        ..Default::default()
    };
    let p256_sig = p256::ecdsa::Signature::from_slice(&f.signature).expect("signature");
    let components = std::env::var_os("JWTGATE_BENCH_COMPONENTS").is_some();
    // The component rows' key with its LargeTable, in a set of its own (built only for them).
    let component_set = components.then(|| {
        let mut set = Box::new(KeySet::<1, LargeTable>::new());
        let key = Key::es256(None, es256_key(&f)).expect("no kid");
        set.push(key).expect("room for one key");
        set
    });

    let mut rows = vec![
        jwtgate_row(LARGE, &f, large, &policy),
        jwtgate_row("jwtgate, SmallTable (13 KiB/key)", &f, small, &policy),
        jwtgate_row("jwtgate, NoTable (core default)", &f, none, &policy),
        jsonwebtoken_row("jsonwebtoken 11 + aws_lc_rs", &f),
        row("jwt-simple 0.15 (pure-rust)", || {
            use jwt_simple::prelude::ECDSAP256PublicKeyLike as _;
            jwt_simple_key
                .verify_token::<SupabaseCustom>(&f.token, Some(jwt_simple_options.clone()))
                .is_ok_and(|c| c.custom.role == "authenticated")
        }),
        row("raw p256 0.13.2 verify", || {
            use p256::ecdsa::signature::Verifier as _;
            f.verifying_key.verify(&f.signing_input, &p256_sig).is_ok()
        }),
        aws_lc_row(&f),
        row("raw ring verify", || {
            ring::signature::UnparsedPublicKey::new(
                &ring::signature::ECDSA_P256_SHA256_FIXED,
                &f.sec1,
            )
            .verify(&f.signing_input, &f.signature)
            .is_ok()
        }),
    ];
    if let Some(large_set) = &component_set {
        use base64ct::Encoding as _;
        let f = &f;
        // Where a jwtgate verify spends its time.
        let key = es256_key(f);
        let large_key = large_set
            .select(None, Algorithm::Es256)
            .expect("the set's one key");
        let mut buf = vec![0u8; 2048];
        rows.extend([
            row("component: parse (split, base64, header JSON)", move || {
                UntrustedToken::parse(f.token.as_bytes(), &mut buf).is_ok()
            }),
            row(
                "component: Claims::parse + Policy::check (decoded payload)",
                {
                    let payload_b64 = f.token.split('.').nth(1).unwrap();
                    let payload = base64ct::Base64UrlUnpadded::decode_vec(payload_b64).unwrap();
                    let policy = &policy;
                    move || {
                        jwtgate::Claims::parse(&payload, 16)
                            .is_ok_and(|c| policy.check(&c, NOW).is_ok())
                    }
                },
            ),
            row("component: LargeTable signature check", move || {
                large_key.verify(&f.signing_input, &f.signature).is_ok()
            }),
            // `Es256Key::verify` is the table-free path (`NoTable`).
            row("component: NoTable signature check", move || {
                key.verify(&f.signing_input, &f.signature).is_ok()
            }),
            row("component: SHA-256 of the signing input", || {
                use sha2::Digest as _;
                black_box(sha2::Sha256::digest(&f.signing_input))[0] != 1
            }),
        ]);
    }
    // The verified-token cache: the same token again (hash, epoch, lookup).
    let hit_keys = loaded::<NoTable>(&f);
    let mut tokens = Box::new(jwtgate::TokenCache::<256, u8>::new());
    {
        let mut buf = vec![0u8; 2048];
        let verified = UntrustedToken::parse(f.token.as_bytes(), &mut buf)
            .and_then(|t| t.verify(&hit_keys, &policy, NOW))
            .expect("fixture verifies");
        let epoch = jwtgate::CacheEpoch::new(&hit_keys, &policy);
        let digest = jwtgate::TokenDigest::of(f.token.as_bytes());
        tokens.insert(digest, &verified, &policy, &epoch, NOW, 1);
    }
    rows.insert(
        3,
        row(
            "jwtgate verified-token cache hit (SHA-256, epoch, lookup)",
            {
                let policy = &policy;
                let f = &f;
                move || {
                    let digest = jwtgate::TokenDigest::of(f.token.as_bytes());
                    let epoch = jwtgate::CacheEpoch::new(&hit_keys, policy);
                    tokens.get(&digest, NOW, &epoch) == Some(&1)
                }
            },
        ),
    );
    for (name, unknown_kid, known_kid) in &forged {
        for (token, case, want) in [
            (unknown_kid, UNKNOWN_KID, Error::KeyNotFound),
            (known_kid, KNOWN_KID, Error::SignatureInvalid),
        ] {
            let mut buf = vec![0u8; 4096];
            let (keys, policy) = (&forged_keys, &policy);
            rows.push(row(leak(format!("{FORGED}{name}, {case}")), move || {
                let verdict = UntrustedToken::parse(token.as_bytes(), &mut buf)
                    .and_then(|t| t.verify(keys, policy, NOW));
                verdict.err() == Some(want)
            }));
        }
    }
    let mut results = measure(&mut rows, rounds, budget);
    let forged_lines = forged_report(&rows, &forged);
    results.retain(|(name, ..)| !name.starts_with(FORGED));

    // jsonwebtoken + RustCrypto: this binary again, as a child process.
    let child = std::process::Command::new(std::env::current_exe().expect("own path"))
        .env("JWTGATE_BENCH_CHILD", "1")
        .output()
        .expect("child runs");
    let stdout = String::from_utf8_lossy(&child.stdout);
    for line in stdout.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        if let [name, us, ratio, allocs] = fields[..]
            && name != RAW_AWS_LC
        {
            let parse = |s: &str| s.parse::<f64>().unwrap_or(f64::NAN);
            results.insert(5, (name.to_owned(), parse(us), Ratio::decode(ratio), parse(allocs)));
        }
    }
    print_table(&results, f.token.len(), rounds);
    println!();
    for line in forged_lines {
        println!("{line}");
    }
    // RS256-2048 and EdDSA, with jsonwebtoken's RustCrypto rows from the child's output.
    for (alg, mut rows, base) in other_rows(&f, Backend::AwsLc) {
        let mut results = measure_against(&mut rows, rounds, budget, base);
        for line in stdout.lines() {
            let fields: Vec<&str> = line.split('\t').collect();
            if let [a, name, us, ratio, allocs] = fields[..]
                && a == alg
                && name != base
            {
                let parse = |s: &str| s.parse::<f64>().unwrap_or(f64::NAN);
                results.insert(2, (name.to_owned(), parse(us), Ratio::decode(ratio), parse(allocs)));
            }
        }
        println!();
        println!("{alg} verify, the same claims; median of {rounds} interleaved rounds");
        println!();
        println!("| verifier | µs/verify | × {base} (rounds' range) | allocations/verify |");
        println!("|---|---:|---:|---:|");
        for (name, us, ratio, allocs) in &results {
            println!("| {name} | {us:.1} | {ratio} | {allocs:.0} |");
        }
    }
}

/// jsonwebtoken's crypto backend in this process.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Backend {
    AwsLc,
    RustCrypto,
}

const RAW_RING_RSA: &str = "raw ring RSA-2048 verify (UnparsedPublicKey: ring parses the key per verify)";
const RAW_AWS_LC_ED25519: &str = "raw aws-lc-rs Ed25519 verify (key parsed once)";

/// The ES256 fixture's claims as an RS256-2048 token (the fuzz crate's RSA-2048 test key)
/// and as an EdDSA token, with their JWK Sets and raw public keys.
struct Other {
    token: String,
    signing_input: Vec<u8>,
    signature: Vec<u8>,
    jwks: String,
    /// ring's public key bytes: DER RSAPublicKey, or the 32-byte Ed25519 key.
    public: Vec<u8>,
}

fn other_fixtures(f: &Fixture) -> (Other, Other) {
    use base64ct::{Base64UrlUnpadded as B64, Encoding as _};
    use ring::signature::KeyPair as _;
    let payload = f.token.split('.').nth(1).expect("payload");
    let input = |alg: &str| {
        let header = format!(r#"{{"alg":"{alg}","kid":"{KID}","typ":"JWT"}}"#);
        format!("{}.{payload}", B64::encode_string(header.as_bytes()))
    };
    let rng = ring::rand::SystemRandom::new();
    let rsa =
        ring::signature::RsaKeyPair::from_pkcs8(include_bytes!("../../fuzz/keys/rsa2048.pk8.der"))
            .expect("the test key");
    let rs_input = input("RS256");
    let mut rs_sig = vec![0u8; rsa.public().modulus_len()];
    rsa.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &rng,
        rs_input.as_bytes(),
        &mut rs_sig,
    )
    .expect("signs");
    let parts: ring::rsa::PublicKeyComponents<Vec<u8>> = rsa.public_key().into();
    let rs = Other {
        token: format!("{rs_input}.{}", B64::encode_string(&rs_sig)),
        signing_input: rs_input.into_bytes(),
        signature: rs_sig,
        jwks: format!(
            r#"{{"keys":[{{"kty":"RSA","kid":"{KID}","alg":"RS256","use":"sig","n":"{}","e":"{}"}}]}}"#,
            B64::encode_string(&parts.n),
            B64::encode_string(&parts.e)
        ),
        public: rsa.public_key().as_ref().to_vec(),
    };
    let ed = ring::signature::Ed25519KeyPair::from_seed_unchecked(&[0x5a; 32]).expect("seed");
    let ed_input = input("EdDSA");
    let ed_sig = ed.sign(ed_input.as_bytes()).as_ref().to_vec();
    let ed = Other {
        token: format!("{ed_input}.{}", B64::encode_string(&ed_sig)),
        signing_input: ed_input.into_bytes(),
        signature: ed_sig,
        jwks: format!(
            r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","kid":"{KID}","x":"{}"}}]}}"#,
            B64::encode_string(ed.public_key().as_ref())
        ),
        public: ed.public_key().as_ref().to_vec(),
    };
    (rs, ed)
}

/// The RS256 and EdDSA sections: (title, rows, baseline row). Under `Backend::RustCrypto`
/// (the child process) only jsonwebtoken's rows and the baselines.
fn other_rows(
    f: &Fixture,
    backend: Backend,
) -> Vec<(&'static str, Vec<Row<'static>>, &'static str)> {
    let (rs, ed) = other_fixtures(f);
    let (rs, ed): (&'static Other, &'static Other) =
        (Box::leak(Box::new(rs)), Box::leak(Box::new(ed)));
    let policy: &'static Policy<'static> =
        Box::leak(Box::new(Policy::new().issuer(ISS).audience(AUD)));
    let jwtgate = |name: &'static str, o: &'static Other| {
        let mut keys = Box::new(KeySet::<1>::new());
        keys.load(o.jwks.as_bytes()).expect("the JWK Set loads");
        let mut buf = vec![0u8; 2048];
        row(name, move || {
            UntrustedToken::parse(o.token.as_bytes(), &mut buf)
                .and_then(|t| t.verify(&keys, policy, NOW))
                .is_ok_and(|v| v.claims().sub().is_some())
        })
    };
    let jsonwebtoken = |name: &'static str, o: &'static Other, alg: jsonwebtoken::Algorithm| {
        let jwks: jsonwebtoken::jwk::JwkSet = serde_json::from_str(&o.jwks).expect("JWK Set");
        let key = jsonwebtoken::DecodingKey::from_jwk(&jwks.keys[0]).expect("key");
        let mut validation = jsonwebtoken::Validation::new(alg);
        validation.set_issuer(&[ISS]);
        validation.set_audience(&[AUD]);
        row(name, move || {
            jsonwebtoken::decode::<SupabaseClaims>(&o.token, &key, &validation)
                .is_ok_and(|d| d.claims.role == "authenticated")
        })
    };
    let ring_rsa = row(RAW_RING_RSA, || {
        ring::signature::UnparsedPublicKey::new(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            &rs.public,
        )
        .verify(&rs.signing_input, &rs.signature)
        .is_ok()
    });
    let aws_ed = {
        let key =
            aws_lc_rs::signature::ParsedPublicKey::new(&aws_lc_rs::signature::ED25519, &ed.public)
                .expect("key");
        row(RAW_AWS_LC_ED25519, move || {
            key.verify_sig(&ed.signing_input, &ed.signature).is_ok()
        })
    };
    if backend == Backend::RustCrypto {
        return vec![
            (
                "RS256-2048",
                vec![
                    jsonwebtoken(
                        "jsonwebtoken 11 + rust_crypto (rsa)",
                        rs,
                        jsonwebtoken::Algorithm::RS256,
                    ),
                    ring_rsa,
                ],
                RAW_RING_RSA,
            ),
            (
                "EdDSA",
                vec![
                    jsonwebtoken(
                        "jsonwebtoken 11 + rust_crypto (ed25519-dalek)",
                        ed,
                        jsonwebtoken::Algorithm::EdDSA,
                    ),
                    aws_ed,
                ],
                RAW_AWS_LC_ED25519,
            ),
        ];
    }
    let aws_rsa = {
        let key = aws_lc_rs::signature::ParsedPublicKey::new(
            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            &rs.public,
        )
        .expect("key");
        row(
            "raw aws-lc-rs RSA-2048 verify (key parsed once)",
            move || key.verify_sig(&rs.signing_input, &rs.signature).is_ok(),
        )
    };
    let ring_ed = row("raw ring Ed25519 verify", || {
        ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, &ed.public)
            .verify(&ed.signing_input, &ed.signature)
            .is_ok()
    });
    vec![
        (
            "RS256-2048",
            vec![
                jwtgate("jwtgate RS256, full verify", rs),
                jsonwebtoken(
                    "jsonwebtoken 11 + aws_lc_rs",
                    rs,
                    jsonwebtoken::Algorithm::RS256,
                ),
                ring_rsa,
                aws_rsa,
            ],
            RAW_RING_RSA,
        ),
        (
            "EdDSA",
            vec![
                jwtgate("jwtgate EdDSA, full verify", ed),
                jsonwebtoken(
                    "jsonwebtoken 11 + aws_lc_rs",
                    ed,
                    jsonwebtoken::Algorithm::EdDSA,
                ),
                aws_ed,
                ring_ed,
            ],
            RAW_AWS_LC_ED25519,
        ),
    ]
}

fn leak(name: String) -> &'static str {
    Box::leak(name.into_boxed_str())
}

/// Forged tokens: the fixture's payload and a signature that cannot verify (its `r` and `s`
/// swapped, both still in range), under the fixture's own header and under each crafted one;
/// each once with a `kid` no key has (the verify fails at the key lookup, so nearly all of its
/// cost is the header) and once with the key's (it also pays for a failing signature check).
fn forged_tokens(f: &Fixture) -> Vec<(String, String, String)> {
    use base64ct::{Base64UrlUnpadded, Encoding as _};
    let mut segments = f.token.split('.');
    let header_b64 = segments.next().expect("header");
    let payload_b64 = segments.next().expect("payload");
    let (r, s) = f.signature.split_at(32);
    let signature = Base64UrlUnpadded::encode_string(&[s, r].concat());
    let header = Base64UrlUnpadded::decode_vec(header_b64).expect("fixture header");
    let header = String::from_utf8(header).expect("UTF-8");
    // Another kid of the same length, so both headers have the same size and shape.
    let unknown = format!("7{}", &KID[1..]);
    let token = |header: &str| {
        let b64 = Base64UrlUnpadded::encode_string(header.as_bytes());
        format!("{b64}.{payload_b64}.{signature}")
    };
    std::iter::once(("fixture header".to_owned(), header))
        .chain(
            crafted_headers()
                .into_iter()
                .map(|(name, header)| (format!("crafted, {name}"), header)),
        )
        .map(|(name, header)| {
            assert!(header.contains(KID));
            (
                format!("{name} ({} B)", header.len()),
                token(&header.replacen(KID, &unknown, 1)),
                token(&header),
            )
        })
        .collect()
}

/// The forged-token section: each row's median µs and its median per-round ratio to one full
/// LargeTable verify of the fixture, then the worst crafted header's ratio against the goal.
fn forged_report(rows: &[Row<'_>], forged: &[(String, String, String)]) -> Vec<String> {
    let per_round = |name: &str| {
        &rows
            .iter()
            .find(|r| r.name == name)
            .unwrap_or_else(|| panic!("{name} was measured"))
            .per_round_us
    };
    let large = per_round(LARGE);
    let ratio = |name: &str| {
        let mut ratios: Vec<f64> = per_round(name)
            .iter()
            .zip(large)
            .map(|(us, l)| us / l)
            .collect();
        median(&mut ratios)
    };
    let us = |name: &str| median(&mut per_round(name).clone());
    let mut lines = vec![
        concat!(
            "Forged tokens (the fixture's payload, a signature that fails): UntrustedToken::parse",
            " + verify against the LargeTable key set, in µs and as a ratio to one full",
            " LargeTable verify of the fixture in the same round:"
        )
        .to_owned(),
        String::new(),
        format!("| header | {UNKNOWN_KID} | ratio | {KNOWN_KID} | ratio |"),
        "|---|---:|---:|---:|---:|".to_owned(),
    ];
    let (mut worst, mut worst_signed) = ((0.0, String::new()), (0.0, String::new()));
    for (name, _, _) in forged {
        let unknown = format!("{FORGED}{name}, {UNKNOWN_KID}");
        let known = format!("{FORGED}{name}, {KNOWN_KID}");
        lines.push(format!(
            "| {name} | {:.1} | {:.2} | {:.1} | {:.2} |",
            us(&unknown),
            ratio(&unknown),
            us(&known),
            ratio(&known)
        ));
        if name.starts_with("crafted") {
            if ratio(&unknown) > worst.0 {
                worst = (ratio(&unknown), name.clone());
            }
            if ratio(&known) > worst_signed.0 {
                worst_signed = (ratio(&known), name.clone());
            }
        }
    }
    let fixture = &forged[0].0;
    lines.push(String::new());
    lines.push(format!(
        "worst crafted header / LargeTable verify: {:.2}x (goal <= 1.0), {} ({UNKNOWN_KID})",
        worst.0, worst.1
    ));
    lines.push(format!(
        concat!(
            "with the key's kid, so the forged signature is checked too: worst crafted",
            " {:.2}x ({}), the fixture's own header {:.2}x"
        ),
        worst_signed.0,
        worst_signed.1,
        ratio(&format!("{FORGED}{fixture}, {KNOWN_KID}"))
    ));
    lines
}
