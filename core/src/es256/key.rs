//! [`Es256Key`]: a P-256 public key, checked to be on the curve.

use super::field::{Affine, Fe, Field};

use crate::Error;
use crate::error::Unusable;

/// The curve's `b` (`y^2 = x^3 - 3x + b`), big-endian.
const B: [u8; 32] = [
    0x5a, 0xc6, 0x35, 0xd8, 0xaa, 0x3a, 0x93, 0xe7, 0xb3, 0xeb, 0xbd, 0x55, 0x76, 0x98, 0x86, 0xbc,
    0x65, 0x1d, 0x06, 0xb0, 0xcc, 0x53, 0xb0, 0xf6, 0x3b, 0xce, 0x3c, 0x3e, 0x27, 0xd2, 0x60, 0x4b,
];

/// An ES256 public key, checked to be a valid P-256 point (not the identity).
///
/// It keeps the JWK's coordinates; P-256 has cofactor 1, so every point on the curve is in
/// the group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Es256Key {
    x: [u8; 32],
    y: [u8; 32],
}

impl Es256Key {
    /// Builds a key from its affine coordinates (big-endian, as in a JWK's `x` and `y`).
    ///
    /// # Errors
    /// [`Unusable::NotOnCurve`] if `(x, y)` is not a point of P-256 (a coordinate `>= p`
    /// included).
    pub fn from_coordinates(x: &[u8; 32], y: &[u8; 32]) -> Result<Es256Key, Unusable> {
        let key = Es256Key { x: *x, y: *y };
        match affine_of::<Fe>(&key) {
            Some(point) if on_curve(&point) => Ok(key),
            _ => Err(Unusable::NotOnCurve),
        }
    }

    /// Checks a raw `r || s` signature (exactly 64 bytes, `1 <= r, s < n`) over `message`.
    /// High-S signatures are accepted: RFC 7518 has no low-S rule.
    ///
    /// This is the table-free path ([`NoTable`](crate::NoTable)); a key set built with a
    /// larger [`KeyTable`](crate::KeyTable) verifies faster.
    ///
    /// # Errors
    /// [`Error::SignatureInvalid`] for any failure, with no further detail.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        let q = self.affine().ok_or(Error::SignatureInvalid)?;
        super::ecdsa::verify_with(message, signature, |u1, u2| {
            super::comb::mul_none(u1, u2, &q)
        })
    }

    /// The uncompressed SEC1 encoding (`04 || x || y`): for fingerprints, and for a
    /// platform's own cryptography to import (WebCrypto's `raw` format).
    pub fn sec1(&self) -> [u8; 65] {
        let mut out = [4; 65];
        out[1..33].copy_from_slice(&self.x);
        out[33..].copy_from_slice(&self.y);
        out
    }

    /// The point's affine coordinates as field elements (checked on the curve when the key
    /// was built, so not again for every signature).
    pub(crate) fn affine(&self) -> Option<Affine> {
        affine_of(self)
    }

    /// Wraps a key from the `p256` crate (jwtgate's own tests only: p256 is not part of the
    /// API, so its version can change without a breaking release).
    #[cfg(feature = "_test-hooks")]
    #[doc(hidden)]
    pub fn __from_p256(key: &p256::ecdsa::VerifyingKey) -> Es256Key {
        let point = key.to_encoded_point(false);
        match (point.x(), point.y()) {
            (Some(x), Some(y)) => Es256Key {
                x: (*x).into(),
                y: (*y).into(),
            },
            _ => unreachable!("a verifying key is never the identity"),
        }
    }

    /// The key as the `p256` crate's type (jwtgate's own tests only).
    #[cfg(feature = "_test-hooks")]
    #[doc(hidden)]
    pub fn __to_p256(&self) -> p256::ecdsa::VerifyingKey {
        let point =
            p256::EncodedPoint::from_affine_coordinates(&self.x.into(), &self.y.into(), false);
        match p256::ecdsa::VerifyingKey::from_encoded_point(&point) {
            Ok(key) => key,
            Err(_) => unreachable!("checked on the curve when it was built"),
        }
    }
}

/// The key's coordinates in field `F`, `None` unless both are below `p`.
pub(super) fn affine_of<F: Field>(key: &Es256Key) -> Option<Affine<F>> {
    Some(Affine {
        x: F::from_bytes(&key.x)?,
        y: F::from_bytes(&key.y)?,
    })
}

/// Whether `y^2 = x^3 - 3x + b`.
fn on_curve<F: Field>(point: &Affine<F>) -> bool {
    let Some(b) = F::from_bytes(&B) else {
        return false;
    };
    let x = &point.x;
    point.y.square() == x.square().sub(&F::ONE.triple()).mul(x).add(&b)
}
