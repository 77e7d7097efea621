//! Hooks for jwtgate's own tests of the point formulas and combs (private feature
//! `_test-hooks`); not part of the API.

use super::field::{Affine, Fe};

use super::ecdsa::x_matches;
use super::field::Field;
use super::field::fe32::Fe as Fe32;
use super::field::fe64::Fe as Fe64;
use super::key::Es256Key;
use super::point::{self, Jacobian};
use super::table::{LargeTable, SmallTable};
use super::{comb, scalar};

/// Affine coordinates, big-endian.
pub type Coordinates = ([u8; 32], [u8; 32]);

/// A point in Jacobian coordinates.
#[derive(Clone, Copy, Debug)]
pub struct Point(Jacobian);

fn field(bytes: &[u8; 32]) -> Option<Fe> {
    Fe::from_bytes(bytes)
}

fn affine((x, y): &Coordinates) -> Option<Affine> {
    Some(Affine {
        x: field(x)?,
        y: field(y)?,
    })
}

impl Point {
    /// The point at infinity.
    pub fn infinity() -> Point {
        Point(Jacobian::INFINITY)
    }
    /// `(x, y, 1)` (not checked to be on the curve).
    pub fn from_affine(p: &Coordinates) -> Option<Point> {
        affine(p).map(|a| Point(Jacobian::from_affine(&a)))
    }
    /// The same point as `(X z^2, Y z^3, Z z)`: another Jacobian representative.
    pub fn rescaled(self, z: &[u8; 32]) -> Option<Point> {
        let z = field(z)?;
        let zz = z.square();
        Some(Point(Jacobian {
            x: self.0.x.mul(&zz),
            y: self.0.y.mul(&zz).mul(&z),
            z: self.0.z.mul(&z),
        }))
    }
    /// `2 self`.
    pub fn double(&self) -> Point {
        Point(self.0.double())
    }
    /// `self + p`, mixed.
    pub fn add_affine(&self, p: &Coordinates) -> Option<Point> {
        affine(p).map(|a| Point(self.0.add_affine(&a)))
    }
    /// `self + q`, Jacobian.
    pub fn add(&self, q: &Point) -> Point {
        Point(self.0.add(&q.0))
    }
    /// The first `N` multiples `self, 3 self, 5 self, ..` (`odd`) or `self, 2 self, ..`, as
    /// tables build them (co-Z additions); `None` if that refused.
    pub fn multiples<const N: usize>(&self, odd: bool) -> Option<[Coordinates; N]> {
        let mut out = [Jacobian::INFINITY; N];
        if !point::multiples(&self.0, odd, &mut out) {
            return None;
        }
        let mut coordinates = [([0; 32], [0; 32]); N];
        for (c, p) in coordinates.iter_mut().zip(out) {
            *c = Point(p).to_affine()?;
        }
        Some(coordinates)
    }
    /// Whether this is the point at infinity.
    pub fn is_infinity(&self) -> bool {
        self.0.is_infinity()
    }
    /// The affine coordinates, `None` at infinity.
    pub fn to_affine(self) -> Option<Coordinates> {
        self.0.to_affine().map(|a| (a.x.to_bytes(), a.y.to_bytes()))
    }
    /// Whether the affine x of this point is `r` modulo `n` (the final ECDSA check).
    pub fn x_matches(&self, r: &[u8; 32]) -> bool {
        x_matches(&self.0, r)
    }
}

/// `u1*G + u2*Q` with no table.
pub fn mul_none(u1: &[u8; 32], u2: &[u8; 32], key: &Es256Key) -> Option<Point> {
    key.affine().map(|q| Point(comb::mul_none(u1, u2, &q)))
}
/// `u1*G + u2*Q` with a small table (which must be built).
pub fn mul_small(u1: &[u8; 32], u2: &[u8; 32], table: &SmallTable) -> Point {
    Point(comb::mul_small(u1, u2, &table.rows))
}
/// `u1*G + u2*Q` with a large table (which must be built).
pub fn mul_large(u1: &[u8; 32], u2: &[u8; 32], table: &LargeTable) -> Point {
    Point(comb::mul_large(u1, u2, &table.rows))
}
/// The width-`w` NAF of `k` (little-endian digit order).
pub fn wnaf(k: &[u8; 32], w: usize) -> [i16; comb::NAF_LEN] {
    comb::recode_wnaf::<i16>(k, w)
}
/// `k^-1 mod n` by the variable-time safegcd inversion (big-endian; `None` for 0).
pub fn invert_scalar(k: &[u8; 32]) -> Option<[u8; 32]> {
    scalar::invert(&scalar::limbs(k)).map(|inv| scalar::bytes(&inv))
}
/// `a b mod n` (big-endian; both must be below `n`).
pub fn mul_scalar(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    scalar::bytes(&scalar::mul(&scalar::limbs(a), &scalar::limbs(b)))
}
/// `a` as a scalar in `1..n`, `None` otherwise (the check on `r` and `s`).
pub fn nonzero_scalar(a: &[u8; 32]) -> Option<[u8; 32]> {
    scalar::nonzero(a).map(|x| scalar::bytes(&x))
}
/// Any 256-bit big-endian value modulo `n` (the hash's reduction).
pub fn reduce_scalar(a: &[u8; 32]) -> [u8; 32] {
    scalar::bytes(&scalar::reduce_bytes(a))
}
/// The signed base-2^w digits of `k`.
pub fn signed_digits<const M: usize>(k: &[u8; 32], w: usize) -> [i8; M] {
    comb::recode_signed(k, w)
}

/// A limb width of the field arithmetic (both are compiled with the test hooks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Width {
    /// 4 x u64 limbs (64-bit targets).
    W64,
    /// 8 x u32 limbs (32-bit targets: thumbv7em, wasm32).
    W32,
}

/// Both limb widths.
pub const WIDTHS: [Width; 2] = [Width::W64, Width::W32];

/// The limb width this target's verification uses.
pub const NATIVE_WIDTH: Width = if cfg!(target_pointer_width = "64") {
    Width::W64
} else {
    Width::W32
};

/// A field operation, for the differential tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldOp {
    /// `a + b`
    Add,
    /// `a - b`
    Sub,
    /// `-a`
    Neg,
    /// `2a`
    Double,
    /// `3a`
    Triple,
    /// `a / 2`
    Half,
    /// `a b`
    Mul,
    /// `a^2`
    Square,
    /// `a^-1` (`None` for zero)
    Invert,
}

/// Every [`FieldOp`].
pub const FIELD_OPS: [FieldOp; 9] = [
    FieldOp::Add,
    FieldOp::Sub,
    FieldOp::Neg,
    FieldOp::Double,
    FieldOp::Triple,
    FieldOp::Half,
    FieldOp::Mul,
    FieldOp::Square,
    FieldOp::Invert,
];

fn apply<F: Field>(op: FieldOp, a: &F, b: &F) -> Option<F> {
    Some(match op {
        FieldOp::Add => a.add(b),
        FieldOp::Sub => a.sub(b),
        FieldOp::Neg => a.neg(),
        FieldOp::Double => a.double(),
        FieldOp::Triple => a.triple(),
        FieldOp::Half => a.half(),
        FieldOp::Mul => a.mul(b),
        FieldOp::Square => a.square(),
        FieldOp::Invert => return a.invert(),
    })
}

/// Runs `ops` in sequence on an accumulator starting at `start`: step `(op, k)` sets
/// `acc = op(acc, operands[k])`. Operands are any 256-bit big-endian values (those `>= p`
/// stand for their residue, as weakly reduced elements do). Returns the canonical result
/// (big-endian) and the raw representation, or `None` if an inversion met zero.
fn chain<F: Field>(
    start: &[u8; 32],
    operands: &[[u8; 32]],
    ops: &[(FieldOp, usize)],
) -> Option<([u8; 32], [u8; 32])> {
    let mut acc = F::from_raw_bytes(start);
    for &(op, k) in ops {
        let b = operands.get(k).map_or(F::ZERO, F::from_raw_bytes);
        acc = apply(op, &acc, &b)?;
    }
    Some((acc.to_bytes(), acc.raw_bytes()))
}

/// `op(a, b)` at `width` on raw 256-bit big-endian operands: the canonical result.
pub fn field_op(width: Width, op: FieldOp, a: &[u8; 32], b: &[u8; 32]) -> Option<[u8; 32]> {
    field_chain(width, a, &[*b], &[(op, 0)]).map(|(canonical, _)| canonical)
}

/// A sequence of field operations at `width` (see `chain`): the canonical result and the raw
/// representation it was held in.
pub fn field_chain(
    width: Width,
    start: &[u8; 32],
    operands: &[[u8; 32]],
    ops: &[(FieldOp, usize)],
) -> Option<([u8; 32], [u8; 32])> {
    match width {
        Width::W64 => chain::<Fe64>(start, operands, ops),
        Width::W32 => chain::<Fe32>(start, operands, ops),
    }
}

/// Parses a canonical field element (`None` unless below `p`), and encodes it back.
pub fn field_from_bytes(width: Width, bytes: &[u8; 32]) -> Option<[u8; 32]> {
    match width {
        Width::W64 => Fe64::from_bytes(bytes).map(|f| f.to_bytes()),
        Width::W32 => Fe32::from_bytes(bytes).map(|f| f.to_bytes()),
    }
}

/// Whether two raw 256-bit values are the same field element, and whether the first is zero.
pub fn field_eq(width: Width, a: &[u8; 32], b: &[u8; 32]) -> (bool, bool) {
    fn eq<F: Field>(a: &[u8; 32], b: &[u8; 32]) -> (bool, bool) {
        let a = F::from_raw_bytes(a);
        (a == F::from_raw_bytes(b), a.is_zero())
    }
    match width {
        Width::W64 => eq::<Fe64>(a, b),
        Width::W32 => eq::<Fe32>(a, b),
    }
}

/// A table configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Config {
    /// No per-key table.
    NoTable,
    /// `SmallTable`'s comb.
    SmallTable,
    /// `LargeTable`'s comb.
    LargeTable,
}

/// Every [`Config`].
pub const CONFIGS: [Config; 3] = [Config::NoTable, Config::SmallTable, Config::LargeTable];

/// A key's small and large combs in the 32-bit field (which a 64-bit target never uses
/// otherwise), so the whole verification runs at both limb widths on the host.
pub struct Tables32 {
    q: Option<Affine<Fe32>>,
    small: [[Affine<Fe32>; 16]; 13],
    large: [[Affine<Fe32>; 128]; 33],
}

impl Tables32 {
    const ZERO: Affine<Fe32> = Affine {
        x: Fe32::ZERO,
        y: Fe32::ZERO,
    };
    /// Nothing built (box it: it is 273 KiB).
    pub const EMPTY: Tables32 = Tables32 {
        q: None,
        small: [[Self::ZERO; 16]; 13],
        large: [[Self::ZERO; 128]; 33],
    };

    /// Builds both combs for `key`; `false` if that failed (never for a valid key).
    pub fn build(&mut self, key: &Es256Key) -> bool {
        let Some(q) = super::key::affine_of::<Fe32>(key) else {
            return false;
        };
        self.q = Some(q);
        comb::build_rows(&mut self.small, &q, 20) && comb::build_rows(&mut self.large, &q, 8)
    }

    fn mul(&self, config: Config, u1: &[u8; 32], u2: &[u8; 32]) -> Option<Jacobian<Fe32>> {
        let q = self.q.as_ref()?;
        Some(match config {
            Config::NoTable => comb::mul_none(u1, u2, q),
            Config::SmallTable => comb::mul_small(u1, u2, &self.small),
            Config::LargeTable => comb::mul_large(u1, u2, &self.large),
        })
    }

    /// ECDSA verification of a raw `r || s` signature over `message` in the 32-bit field,
    /// with the configuration's comb: `false` also if the tables are not built.
    pub fn verify(&self, config: Config, message: &[u8], signature: &[u8]) -> bool {
        let Some(q) = self.q else {
            return false;
        };
        super::ecdsa::verify_with(message, signature, |u1, u2| {
            self.mul(config, u1, u2)
                .unwrap_or_else(|| Jacobian::from_affine(&q))
        })
        .is_ok()
    }

    /// `u1*G + u2*Q` in the 32-bit field, affine (`None` at infinity or if not built).
    pub fn mul_affine(&self, config: Config, u1: &[u8; 32], u2: &[u8; 32]) -> Option<Coordinates> {
        let a = self.mul(config, u1, u2)?.to_affine()?;
        Some((a.x.to_bytes(), a.y.to_bytes()))
    }
}
