//! Hooks for jwtgate's own tests of the point formulas and combs (private feature
//! `_test-hooks`); not part of the API.

use jwtgate_p256_table::{Affine, FieldElement};

use super::ecdsa::x_matches;
use super::key::Es256Key;
use super::point::Jacobian;
use super::table::{LargeTable, SmallTable};
use super::{comb, scalar};

/// Affine coordinates, big-endian.
pub type Coordinates = ([u8; 32], [u8; 32]);

/// A point in Jacobian coordinates.
#[derive(Clone, Copy, Debug)]
pub struct Point(Jacobian);

fn field(bytes: &[u8; 32]) -> Option<FieldElement> {
    Option::from(FieldElement::from_bytes(&(*bytes).into()))
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
            x: self.0.x.multiply(&zz),
            y: self.0.y.multiply(&zz).multiply(&z),
            z: self.0.z.multiply(&z),
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
    /// Whether this is the point at infinity.
    pub fn is_infinity(&self) -> bool {
        self.0.is_infinity()
    }
    /// The affine coordinates, `None` at infinity.
    pub fn to_affine(self) -> Option<Coordinates> {
        self.0
            .to_affine()
            .map(|a| (a.x.to_bytes().into(), a.y.to_bytes().into()))
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
/// The width-5 NAF of `k` (little-endian digit order).
pub fn wnaf5(k: &[u8; 32]) -> [i8; comb::NAF_LEN] {
    comb::recode_wnaf5(k)
}
/// `k^-1 mod n` by the variable-time binary inversion (big-endian; `None` for 0).
pub fn invert_scalar(k: &[u8; 32]) -> Option<[u8; 32]> {
    scalar::invert(&scalar::limbs(k)).map(|inv| scalar::bytes(&inv))
}
/// The signed base-2^w digits of `k`.
pub fn signed_digits<const M: usize>(k: &[u8; 32], w: usize) -> [i8; M] {
    comb::recode_signed(k, w)
}
