//! jwtgate's own variable-time P-256 arithmetic (the combs behind ES256 verification, through
//! the private `_test-hooks`) against RustCrypto p256's constant-time arithmetic.
//!
//! The fuzzer picks the scalars `u1`, `u2` directly (reduced mod n), so cases that hashing
//! never produces are reached: zero and n-1 scalars, and, with a key whose private scalar d
//! is known, `u2 = ±u1/d` (so `u1*G` and `u2*Q` are equal or opposite: the doubling and
//! infinity cases of the addition formulas), plus small perturbations of those.
//!
//! Checks: `u1*G + u2*Q` with no table, with a `SmallTable` and with a `LargeTable` equals
//! p256's result (point at infinity included), in the target's field and in the 32-bit one
//! (`Tables32`); Jacobian addition, mixed addition, doubling and rescaled representatives
//! agree with p256; `x_matches(r)` holds exactly when `x mod n == r`. And the field itself:
//! a fuzzer-chosen sequence of field operations on fuzzer-chosen 256-bit operands (values
//! `>= p` included, as the arithmetic may hold them) gives p256's `FieldElement` result at
//! both limb widths.
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use jwtgate::__testing::{self as t, Config, FieldOp, Point, Table as _, Tables32};
use jwtgate::{Es256Key, LargeTable, SmallTable};
use jwtgate_fuzz::fixtures::{self, KeyId};
use jwtgate_tests::p256_field;
use libfuzzer_sys::fuzz_target;
use p256::elliptic_curve::ops::Reduce;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::elliptic_curve::{Field, Group, PrimeField};
use p256::{AffinePoint, FieldBytes, ProjectivePoint, Scalar, U256};

#[derive(Arbitrary, Debug)]
enum KeyPick {
    A,
    B,
    Rfc,
    /// A key from a fuzzer-chosen private scalar (no tables).
    Scalar([u8; 32]),
}

#[derive(Arbitrary, Debug)]
enum Relation {
    /// u2 as given.
    Free,
    /// u2 = u1/d + delta: u1*G and u2*Q are (almost) the same point.
    Equal(i8),
    /// u2 = -u1/d + delta: (almost) opposite points.
    Opposite(i8),
}

#[derive(Arbitrary, Debug)]
enum ScalarPick {
    Bytes([u8; 32]),
    Small(u16),
    MinusSmall(u16),
}

/// A sequence of field operations: `acc = op(acc, operands[k])`.
#[derive(Arbitrary, Debug)]
struct FieldInput {
    start: [u8; 32],
    operands: [[u8; 32]; 3],
    ops: [(u8, u8); 12],
}

#[derive(Arbitrary, Debug)]
struct Input {
    field: FieldInput,
    key: KeyPick,
    u1: ScalarPick,
    u2: ScalarPick,
    relation: Relation,
    r: [u8; 32],
    z: [u8; 32],
}

struct Fixed {
    keys: Vec<(
        Scalar,
        Es256Key,
        Box<SmallTable>,
        Box<LargeTable>,
        Box<Tables32>,
    )>,
}

fn fixed() -> &'static Fixed {
    static FIXED: OnceLock<Fixed> = OnceLock::new();
    FIXED.get_or_init(|| {
        let keys = [KeyId::A, KeyId::B, KeyId::Rfc]
            .into_iter()
            .map(|id| {
                let sk = fixtures::signing_key(id);
                let d: Scalar = *sk.as_nonzero_scalar().as_ref();
                let key = es256_key(&(ProjectivePoint::GENERATOR * d)).expect("key");
                let mut small = Box::new(SmallTable::EMPTY);
                small.build(&key);
                let mut large = Box::new(LargeTable::EMPTY);
                large.build(&key);
                let mut w32 = Box::new(Tables32::EMPTY);
                assert!(w32.build(&key));
                (d, key, small, large, w32)
            })
            .collect();
        Fixed { keys }
    })
}

fn es256_key(p: &ProjectivePoint) -> Option<Es256Key> {
    let e = p.to_affine().to_encoded_point(false);
    let x: [u8; 32] = (*e.x()?).into();
    let y: [u8; 32] = (*e.y()?).into();
    Es256Key::from_coordinates(&x, &y).ok()
}

fn scalar(p: &ScalarPick) -> Scalar {
    match p {
        ScalarPick::Bytes(b) => <Scalar as Reduce<U256>>::reduce_bytes(&FieldBytes::from(*b)),
        ScalarPick::Small(v) => Scalar::from(u64::from(*v)),
        ScalarPick::MinusSmall(v) => -Scalar::from(u64::from(*v)),
    }
}

fn small_delta(d: i8) -> Scalar {
    let s = Scalar::from(u64::from(d.unsigned_abs()));
    if d < 0 { -s } else { s }
}

/// p256's affine coordinates of `p`, `None` at infinity.
fn coords(p: &ProjectivePoint) -> Option<t::Coordinates> {
    let e = p.to_affine().to_encoded_point(false);
    Some(((*e.x()?).into(), (*e.y()?).into()))
}

fn same(ours: Point, theirs: &ProjectivePoint, what: &str) {
    let want = coords(theirs);
    assert_eq!(ours.is_infinity(), want.is_none(), "{what}: infinity");
    assert_eq!(ours.to_affine(), want, "{what}: coordinates");
}

/// The field at both widths against p256 on the input's sequence of operations.
fn check_field(input: &FieldInput) {
    let ops: Vec<(FieldOp, usize)> = input
        .ops
        .iter()
        .map(|&(op, k)| {
            (
                t::FIELD_OPS[usize::from(op) % t::FIELD_OPS.len()],
                usize::from(k) % input.operands.len(),
            )
        })
        .collect();
    let mut want = Some(p256_field::element(&input.start));
    for &(op, k) in &ops {
        want =
            want.and_then(|w| p256_field::apply(op, &w, &p256_field::element(&input.operands[k])));
    }
    let want: Option<[u8; 32]> = want.map(|w| w.to_bytes().into());
    for width in t::WIDTHS {
        let got = t::field_chain(width, &input.start, &input.operands, &ops);
        assert_eq!(got.map(|g| g.0), want, "field, {width:?}: {ops:?}");
        if let Some((canonical, raw)) = got {
            assert_eq!(
                t::field_eq(width, &raw, &canonical).0,
                true,
                "raw form, {width:?}"
            );
        }
    }
}

fuzz_target!(|input: Input| {
    check_field(&input.field);
    let f = fixed();
    let u1 = scalar(&input.u1);
    let (d, key, tables) = match &input.key {
        KeyPick::A => (f.keys[0].0, f.keys[0].1, Some(0)),
        KeyPick::B => (f.keys[1].0, f.keys[1].1, Some(1)),
        KeyPick::Rfc => (f.keys[2].0, f.keys[2].1, Some(2)),
        KeyPick::Scalar(b) => {
            let d = <Scalar as Reduce<U256>>::reduce_bytes(&FieldBytes::from(*b));
            if bool::from(d.is_zero()) {
                return;
            }
            let Some(key) = es256_key(&(ProjectivePoint::GENERATOR * d)) else {
                return;
            };
            (d, key, None)
        }
    };
    let d_inv = Option::<Scalar>::from(d.invert()).expect("nonzero");
    let u2 = match input.relation {
        Relation::Free => scalar(&input.u2),
        Relation::Equal(delta) => u1 * d_inv + small_delta(delta),
        Relation::Opposite(delta) => -(u1 * d_inv) + small_delta(delta),
    };
    let q = ProjectivePoint::GENERATOR * d;
    let want = ProjectivePoint::GENERATOR * u1 + q * u2;
    let (b1, b2): ([u8; 32], [u8; 32]) = (u1.to_repr().into(), u2.to_repr().into());

    let none = t::mul_none(&b1, &b2, &key).expect("key has coordinates");
    same(none, &want, "no table");
    if let Some(i) = tables {
        same(t::mul_small(&b1, &b2, &f.keys[i].2), &want, "SmallTable");
        same(t::mul_large(&b1, &b2, &f.keys[i].3), &want, "LargeTable");
        let w32 = &f.keys[i].4;
        for (config, what) in [
            (Config::NoTable, "no table, 32-bit field"),
            (Config::SmallTable, "SmallTable, 32-bit field"),
            (Config::LargeTable, "LargeTable, 32-bit field"),
        ] {
            assert_eq!(w32.mul_affine(config, &b1, &b2), coords(&want), "{what}");
        }
    }

    // The formulas on their own: a = u1*G, b = u2*Q.
    let a = ProjectivePoint::GENERATOR * u1;
    let b = q * u2;
    if let (Some(ac), Some(bc)) = (coords(&a), coords(&b)) {
        let pa = Point::from_affine(&ac).expect("field elements");
        let pb = Point::from_affine(&bc).expect("field elements");
        let pa_r = pa.rescaled(&input.z);
        same(pa.add(&pb), &(a + b), "add");
        same(pa.add_affine(&bc).expect("affine"), &(a + b), "add_affine");
        same(pa.double(), &a.double(), "double");
        if let Some(pa_r) = pa_r
            && !pa_r.is_infinity()
        {
            same(pa_r, &a, "rescaled");
            same(pa_r.add(&pb), &(a + b), "rescaled add");
            same(
                pa_r.add_affine(&bc).expect("affine"),
                &(a + b),
                "rescaled add_affine",
            );
            same(pa_r.double(), &a.double(), "rescaled double");
            same(pa_r.add(&pa_r), &a.double(), "add to itself");
        }
        same(pa.add(&Point::infinity()), &a, "add infinity");
        same(Point::infinity().add(&pb), &b, "infinity add");
    }

    // x_matches(r) <=> x(P) mod n == r, for r = x mod n, a neighbour of it, and the input's r.
    if let Some((x, _)) = coords(&want) {
        let x_mod_n = <Scalar as Reduce<U256>>::reduce_bytes(&FieldBytes::from(x));
        let r_in = <Scalar as Reduce<U256>>::reduce_bytes(&FieldBytes::from(input.r));
        for r in [x_mod_n, x_mod_n + Scalar::ONE, r_in] {
            let rb: [u8; 32] = r.to_repr().into();
            assert_eq!(none.x_matches(&rb), r == x_mod_n, "x_matches");
        }
    }
    let _ = AffinePoint::GENERATOR;
});
