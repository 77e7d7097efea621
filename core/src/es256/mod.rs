//! Fast ES256 (ECDSA over P-256 with SHA-256) signature verification.
//!
//! # Public inputs only: never use these routines for signing
//!
//! Everything in this module runs in **variable time**: the point formulas branch on their
//! operands, the scalar inversion is a binary extended GCD, and the combs pick table rows by
//! the digits of the scalars. That is safe here and only here, because ECDSA *verification*
//! handles nothing secret: the public key, the signed message and the signature are all public.
//! These routines must never be used for signing, key generation, key agreement or any other
//! computation on a secret scalar; they would leak it through timing.
//!
//! # How
//!
//! A verifier knows its keys before the tokens arrive, so the work that depends only on the
//! key can be done once, when the key enters a key set (its [`KeyTable`]), rather than for
//! every token. `u1*G + u2*Q` is computed with signed-digit combs: for `G` from tables generated
//! at build time (`jwtgate-p256-table`, in `.rodata`/flash), for `Q` from the key's own table:
//!
//! | table | per key | `u2*Q` | `u1*G` (static) |
//! |---|---:|---|---|
//! | [`LargeTable`] | 88,064 B (86 KiB) | w = 6, 43 rows, no doublings | w = 7, 37 rows (148 KiB) |
//! | [`SmallTable`] | 8,704 B (8.5 KiB) | w = 4, 17 rows, 12 doublings | w = 6, 15 rows (30 KiB) |
//! | [`NoTable`] | 0 | width-5 NAF, ~256 doublings | w = 7, 1 row (4 KiB) |
//!
//! Points are in Jacobian coordinates with the a = -3 doubling; table points are affine, so
//! additions are mixed (8M + 3S). `s^-1` is a variable-time binary inversion, and the
//! final check compares `X == r Z^2` (and `(r + n) Z^2` when `r + n < p`) instead of inverting
//! `Z`. The field arithmetic is p256's own (`expose-field`); only the point formulas, combs
//! and recoding are here.

mod comb;
mod key;
mod point;
mod scalar;
mod table;

use jwtgate_p256_table::{Affine, FieldElement, field_from_limbs};
use p256::elliptic_curve::ops::Reduce;
use p256::elliptic_curve::{Field as _, PrimeField as _};
use p256::{FieldBytes, Scalar, U256};
use sha2::{Digest as _, Sha256};

pub use self::key::Es256Key;
use self::point::Jacobian;
pub(crate) use self::table::TableRef;
pub(crate) use self::table::sealed;
pub use self::table::{Boxed, KeyTable, LargeTable, NoTable, SmallTable, TablePtr};
use crate::Error;

pub(crate) fn verify_no_table(
    key: &Es256Key,
    message: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let q = key.affine().ok_or(Error::SignatureInvalid)?;
    verify_with(message, signature, |u1, u2| comb::mul_none(u1, u2, &q))
}

/// The affine coordinates of a p256 public key.
pub(crate) fn affine_of(key: &p256::ecdsa::VerifyingKey) -> Option<Affine> {
    let point = key.to_encoded_point(false);
    let x = Option::<FieldElement>::from(FieldElement::from_bytes(point.x()?))?;
    let y = Option::<FieldElement>::from(FieldElement::from_bytes(point.y()?))?;
    Some(Affine { x, y })
}

/// A scalar in `1..n` from 32 big-endian bytes, or `None`.
fn nonzero_scalar(bytes: &[u8]) -> Option<Scalar> {
    let bytes = FieldBytes::from(<[u8; 32]>::try_from(bytes).ok()?);
    let scalar = Option::<Scalar>::from(Scalar::from_repr(bytes))?;
    (!bool::from(scalar.is_zero())).then_some(scalar)
}

/// ECDSA verification (SEC 1 §4.1.4) with `mul(u1, u2) = u1*G + u2*Q` supplied by a comb.
pub(crate) fn verify_with(
    message: &[u8],
    signature: &[u8],
    mul: impl FnOnce(&[u8; 32], &[u8; 32]) -> Jacobian,
) -> Result<(), Error> {
    let (Some(r_bytes), Some(s_bytes), 64) =
        (signature.get(..32), signature.get(32..), signature.len())
    else {
        return Err(Error::SignatureInvalid);
    };
    let r = nonzero_scalar(r_bytes).ok_or(Error::SignatureInvalid)?;
    let s = nonzero_scalar(s_bytes).ok_or(Error::SignatureInvalid)?;
    let e = <Scalar as Reduce<U256>>::reduce_bytes(&Sha256::digest(message));
    let s_inv = scalar::invert(&scalar::limbs(&s.to_bytes().into()))
        .and_then(|inv| Option::<Scalar>::from(Scalar::from_repr(scalar::bytes(&inv).into())))
        .ok_or(Error::SignatureInvalid)?;
    let u1: [u8; 32] = (e * s_inv).to_bytes().into();
    let u2: [u8; 32] = (r * s_inv).to_bytes().into();
    let point = mul(&u1, &u2);
    if x_matches(&point, &r.to_bytes().into()) {
        Ok(())
    } else {
        Err(Error::SignatureInvalid)
    }
}

/// `p - n`, big-endian: `x(R) mod n == r` also when `x(R) = r + n`, possible only for
/// `r < p - n`.
const P_MINUS_N: [u8; 32] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x43, 0x19, 0x05, 0x53, 0x58, 0xe8, 0x61, 0x7b,
    0x0c, 0x46, 0x35, 0x3d, 0x03, 0x9c, 0xda, 0xae,
];

/// The group order `n` as a field element (`n < p`).
const N: FieldElement = field_from_limbs([
    0xf3b9_cac2_fc63_2551,
    0xbce6_faad_a717_9e84,
    0xffff_ffff_ffff_ffff,
    0xffff_ffff_0000_0000,
]);

/// Whether the affine x of `point` reduces to `r` modulo `n`, without inverting `Z`:
/// `X == r Z^2`, or `X == (r + n) Z^2` when `r + n < p`. Infinity never matches.
fn x_matches(point: &Jacobian, r_bytes: &[u8; 32]) -> bool {
    if point.is_infinity() {
        return false;
    }
    let Some(r) = Option::<FieldElement>::from(FieldElement::from_bytes(&(*r_bytes).into())) else {
        return false;
    };
    let zz = point.z.square();
    if r.multiply(&zz) == point.x {
        return true;
    }
    *r_bytes < P_MINUS_N && r.add(&N).multiply(&zz) == point.x
}

/// Hooks for jwtgate's own tests of the point formulas and combs (private feature
/// `_test-hooks`); not part of the API.
#[cfg(feature = "_test-hooks")]
#[doc(hidden)]
pub(crate) mod testing {
    use super::*;

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
}
