//! jwtgate's own P-256 field arithmetic (`core/src/es256/field`, through the private
//! `_test-hooks`) against p256's `FieldElement`, at both limb widths (4 x u64 and 8 x u32,
//! both compiled on every host): every operation on random elements, on edge values (0, 1,
//! p - 1, powers of two, words of all ones) and on weakly reduced representations (values in
//! `p..2^256`, which the arithmetic may hold), and random sequences of operations, whose
//! intermediate results stay in the arithmetic's own (possibly non-canonical) form.
//!
//! And the arithmetic modulo the group order `n` (one implementation, 64-bit limbs at every
//! width): products, inverses, the range check on `r` and `s`, the hash's reduction against
//! p256's `Scalar`.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use jwtgate::__testing::{
    FIELD_OPS, FieldOp, WIDTHS, Width, field_chain, field_eq, field_from_bytes, field_op,
};
use jwtgate::__testing::{invert_scalar, mul_scalar, nonzero_scalar, reduce_scalar};
use jwtgate_tests::p256_consts::{N, P, add_be, sub_be};
use jwtgate_tests::p256_field;
use p256::elliptic_curve::{Field as _, PrimeField as _};
use p256::{FieldElement, Scalar, U256};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;

fn config(cases: u32) -> ProptestConfig {
    if std::env::var_os("PROPTEST_CASES").is_some() {
        ProptestConfig::default()
    } else {
        ProptestConfig::with_cases(cases)
    }
}

fn bytes(f: &FieldElement) -> [u8; 32] {
    f.to_bytes().into()
}

fn small(v: u64) -> [u8; 32] {
    let mut out = [0u8; 32];
    out[24..].copy_from_slice(&v.to_be_bytes());
    out
}

/// Values where carries, borrows and the reduction's folds are at their edges.
fn edge_values() -> Vec<[u8; 32]> {
    let mut v = vec![[0u8; 32], [0xff; 32], P, small(1), small(2), small(3)];
    v.push(sub_be(&P, &small(1)));
    v.push(sub_be(&P, &small(2)));
    v.push(add_be(&P, &small(1)));
    v.push(sub_be(&[0u8; 32], &small(1)));
    for bit in [31, 32, 63, 64, 95, 96, 127, 128, 191, 192, 223, 224, 255] {
        let mut x = [0u8; 32];
        x[31 - bit / 8] = 1 << (bit % 8);
        v.push(x);
        v.push(sub_be(&x, &small(1)));
        v.push(sub_be(&P, &x));
    }
    // Words of all ones and zeros in turn (the Solinas terms' shapes).
    for pattern in [0x0000_0000_ffff_ffffu64, 0xffff_ffff_0000_0000] {
        let mut x = [0u8; 32];
        for chunk in x.chunks_mut(8) {
            chunk.copy_from_slice(&pattern.to_be_bytes());
        }
        v.push(x);
    }
    v
}

fn check(width: Width, op: FieldOp, a: &[u8; 32], b: &[u8; 32]) {
    let want =
        p256_field::apply(op, &p256_field::element(a), &p256_field::element(b)).map(|f| bytes(&f));
    let got = field_op(width, op, a, b);
    assert_eq!(got, want, "{width:?} {op:?}({}, {})", hex(a), hex(b));
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn every_operation_on_edge_values_at_both_widths() {
    let edges = edge_values();
    for width in WIDTHS {
        for op in FIELD_OPS {
            for a in &edges {
                for b in &edges {
                    check(width, op, a, b);
                }
            }
        }
    }
}

#[test]
fn parsing_accepts_exactly_the_canonical_values() {
    for width in WIDTHS {
        for x in edge_values() {
            let want = (x < P).then_some(x);
            assert_eq!(field_from_bytes(width, &x), want, "{width:?} {}", hex(&x));
        }
    }
}

#[test]
fn equality_and_zero_see_through_the_representation() {
    for width in WIDTHS {
        assert_eq!(field_eq(width, &P, &[0; 32]), (true, true));
        assert_eq!(field_eq(width, &[0; 32], &P), (true, true));
        let p1 = add_be(&P, &small(1));
        assert_eq!(field_eq(width, &p1, &small(1)), (true, false));
        assert_eq!(field_eq(width, &small(1), &small(2)), (false, false));
        assert_eq!(
            field_eq(width, &[0xff; 32], &sub_be(&[0xff; 32], &P)),
            (true, false)
        );
    }
}

/// A 256-bit value: uniform, just below or above p (a weakly reduced representation), or
/// near a power of two.
fn raw_value() -> impl Strategy<Value = [u8; 32]> {
    prop_oneof![
        4 => any::<[u8; 32]>(),
        1 => any::<u32>().prop_map(|d| sub_be(&P, &small(u64::from(d)))),
        1 => any::<u32>().prop_map(|d| add_be(&P, &small(u64::from(d)))),
        1 => any::<u32>().prop_map(|d| sub_be(&[0; 32], &small(u64::from(d)))),
        1 => (any::<u32>(), 0usize..256).prop_map(|(d, bit)| {
            let mut x = [0u8; 32];
            x[31 - bit / 8] = 1 << (bit % 8);
            add_be(&x, &small(u64::from(d)))
        }),
    ]
}

fn field_op_strategy() -> impl Strategy<Value = FieldOp> {
    (0..FIELD_OPS.len()).prop_map(|i| FIELD_OPS[i])
}

proptest! {
    #![proptest_config(config(4096))]

    #[test]
    fn every_operation_agrees_with_p256(a in raw_value(), b in raw_value(), op in field_op_strategy()) {
        for width in WIDTHS {
            check(width, op, &a, &b);
        }
    }

    #[test]
    fn products_and_squares_agree_with_p256(a in raw_value(), b in raw_value()) {
        for width in WIDTHS {
            check(width, FieldOp::Mul, &a, &b);
            check(width, FieldOp::Square, &a, &a);
            check(width, FieldOp::Mul, &a, &a);
        }
    }
}

proptest! {
    #![proptest_config(config(512))]

    /// Sequences of operations (no inversions: they would dominate the run time) on the
    /// arithmetic's own intermediate representations; both widths give p256's result.
    #[test]
    fn sequences_agree_with_p256(
        start in raw_value(),
        operands in vec(raw_value(), 1..6),
        steps in vec((any::<usize>(), 0usize..6), 1..40),
    ) {
        let cheap: Vec<FieldOp> =
            FIELD_OPS.into_iter().filter(|op| *op != FieldOp::Invert).collect();
        let ops: Vec<(FieldOp, usize)> = steps
            .iter()
            .map(|&(op, k)| (cheap[op % cheap.len()], k % operands.len()))
            .collect();
        let mut want = p256_field::element(&start);
        for &(op, k) in &ops {
            want = p256_field::apply(op, &want, &p256_field::element(&operands[k])).unwrap();
        }
        for width in WIDTHS {
            let (got, raw) = field_chain(width, &start, &operands, &ops).unwrap();
            prop_assert_eq!(got, bytes(&want), "{:?}", width);
            // The raw form is congruent to the canonical one.
            prop_assert_eq!(field_eq(width, &raw, &got).0, true);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Scalars modulo n
// ---------------------------------------------------------------------------------------------

fn p256_scalar(bytes: &[u8; 32]) -> Option<Scalar> {
    Option::from(Scalar::from_repr((*bytes).into()))
}

/// A 256-bit value: uniform, near n, near 0.
fn raw_scalar() -> impl Strategy<Value = [u8; 32]> {
    prop_oneof![
        4 => any::<[u8; 32]>(),
        1 => any::<u32>().prop_map(|d| sub_be(&N, &small(u64::from(d)))),
        1 => any::<u32>().prop_map(|d| add_be(&N, &small(u64::from(d)))),
        1 => any::<u32>().prop_map(|d| small(u64::from(d))),
        1 => any::<u32>().prop_map(|d| sub_be(&[0; 32], &small(u64::from(d)))),
    ]
}

fn check_scalar(a: &[u8; 32], b: &[u8; 32]) {
    let (pa, pb) = (p256_scalar(a), p256_scalar(b));
    assert_eq!(
        nonzero_scalar(a),
        pa.filter(|x| !bool::from(x.is_zero()))
            .map(|x| x.to_bytes().into()),
        "nonzero({})",
        hex(a)
    );
    let reduced: [u8; 32] =
        <Scalar as p256::elliptic_curve::ops::Reduce<U256>>::reduce_bytes(&(*a).into())
            .to_bytes()
            .into();
    assert_eq!(reduce_scalar(a), reduced, "reduce({})", hex(a));
    if let (Some(pa), Some(pb)) = (pa, pb) {
        let want: [u8; 32] = (pa * pb).to_bytes().into();
        assert_eq!(mul_scalar(a, b), want, "{} * {}", hex(a), hex(b));
        let inv = Option::<Scalar>::from(pa.invert()).map(|i| i.to_bytes().into());
        assert_eq!(invert_scalar(a), inv, "1 / {}", hex(a));
    }
}

#[test]
fn scalar_operations_on_edge_values() {
    let mut edges = vec![[0u8; 32], [0xff; 32], N, small(1), small(2)];
    edges.push(sub_be(&N, &small(1)));
    edges.push(sub_be(&N, &small(2)));
    edges.push(add_be(&N, &small(1)));
    for bit in [63, 64, 127, 128, 191, 192, 255] {
        let mut x = [0u8; 32];
        x[31 - bit / 8] = 1 << (bit % 8);
        edges.push(x);
        edges.push(sub_be(&x, &small(1)));
    }
    for a in &edges {
        for b in &edges {
            check_scalar(a, b);
        }
    }
}

proptest! {
    #![proptest_config(config(4096))]

    #[test]
    fn scalar_operations_agree_with_p256(a in raw_scalar(), b in raw_scalar()) {
        check_scalar(&a, &b);
    }
}
