//! ECDSA verification (SEC 1 §4.1.4) over P-256, variable-time on public inputs only: the
//! scalar part shared by every table configuration. The point multiplication comes from the
//! caller's comb.

use p256::elliptic_curve::ops::Reduce;
use p256::elliptic_curve::{Field as _, PrimeField as _};
use p256::{FieldBytes, Scalar, U256};
use sha2::{Digest as _, Sha256};

use super::field::{Affine, Field};
use super::point::Jacobian;
use super::scalar;
use crate::Error;

/// The affine coordinates of a p256 public key.
pub(crate) fn affine_of<F: Field>(key: &p256::ecdsa::VerifyingKey) -> Option<Affine<F>> {
    let point = key.to_encoded_point(false);
    let x = F::from_bytes(&(*point.x()?).into())?;
    let y = F::from_bytes(&(*point.y()?).into())?;
    Some(Affine { x, y })
}

/// A scalar in `1..n` from 32 big-endian bytes, or `None`.
fn nonzero_scalar(bytes: &[u8]) -> Option<Scalar> {
    let bytes = FieldBytes::from(<[u8; 32]>::try_from(bytes).ok()?);
    let scalar = Option::<Scalar>::from(Scalar::from_repr(bytes))?;
    (!bool::from(scalar.is_zero())).then_some(scalar)
}

/// ECDSA verification (SEC 1 §4.1.4) with `mul(u1, u2) = u1*G + u2*Q` supplied by a comb.
pub(crate) fn verify_with<F: Field>(
    message: &[u8],
    signature: &[u8],
    mul: impl FnOnce(&[u8; 32], &[u8; 32]) -> Jacobian<F>,
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

/// Whether the affine x of `point` reduces to `r` modulo `n`, without inverting `Z`:
/// `X == r Z^2`, or `X == (r + n) Z^2` when `r + n < p`. Infinity never matches.
pub(super) fn x_matches<F: Field>(point: &Jacobian<F>, r_bytes: &[u8; 32]) -> bool {
    if point.is_infinity() {
        return false;
    }
    let Some(r) = F::from_bytes(r_bytes) else {
        return false;
    };
    let zz = point.z.square();
    if r.mul(&zz) == point.x {
        return true;
    }
    *r_bytes < P_MINUS_N && r.add(&F::N).mul(&zz) == point.x
}
