//! ECDSA verification (SEC 1 §4.1.4) over P-256, variable-time on public inputs only: the
//! scalar part shared by every table configuration. The point multiplication comes from the
//! caller's comb.

use sha2::{Digest as _, Sha256};

use super::field::Field;
use super::point::Jacobian;
use super::scalar;
use crate::Error;

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
    let r_bytes = <&[u8; 32]>::try_from(r_bytes).map_err(|_| Error::SignatureInvalid)?;
    let s_bytes = <&[u8; 32]>::try_from(s_bytes).map_err(|_| Error::SignatureInvalid)?;
    let r = scalar::nonzero(r_bytes).ok_or(Error::SignatureInvalid)?;
    let s = scalar::nonzero(s_bytes).ok_or(Error::SignatureInvalid)?;
    let e = scalar::reduce_bytes(&Sha256::digest(message).into());
    // s^-1 in Montgomery form: one Montgomery product each gives u1 and u2 themselves.
    let s_inv = scalar::invert_mont(&s).ok_or(Error::SignatureInvalid)?;
    let u1 = scalar::bytes(&scalar::mont_mul(&e, &s_inv));
    let u2 = scalar::bytes(&scalar::mont_mul(&r, &s_inv));
    let point = mul(&u1, &u2);
    if x_matches(&point, r_bytes) {
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
