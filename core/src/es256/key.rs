//! [`Es256Key`]: a P-256 public key, checked to be on the curve.

use p256::EncodedPoint;
use p256::ecdsa::VerifyingKey;

use super::field::Affine;

use crate::Error;
use crate::error::Unusable;

/// An ES256 public key, checked to be a valid P-256 point (not the identity).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Es256Key {
    key: VerifyingKey,
}

impl Es256Key {
    /// Builds a key from its affine coordinates (big-endian, as in a JWK's `x` and `y`).
    ///
    /// # Errors
    /// [`Unusable::NotOnCurve`] if `(x, y)` is not a point of P-256.
    pub fn from_coordinates(x: &[u8; 32], y: &[u8; 32]) -> Result<Es256Key, Unusable> {
        let point = EncodedPoint::from_affine_coordinates(x.into(), y.into(), false);
        VerifyingKey::from_encoded_point(&point)
            .map(|key| Es256Key { key })
            .map_err(|_| Unusable::NotOnCurve)
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

    /// The uncompressed SEC1 encoding, for fingerprints.
    pub(crate) fn encoded(&self) -> EncodedPoint {
        self.key.to_encoded_point(false)
    }

    /// The point's affine coordinates as field elements.
    pub(crate) fn affine(&self) -> Option<Affine> {
        super::ecdsa::affine_of(&self.key)
    }

    /// Wraps a key from the `p256` crate (jwtgate's own tests only: p256 is not part of the
    /// API, so its version can change without a breaking release).
    #[cfg(feature = "_test-hooks")]
    #[doc(hidden)]
    pub const fn __from_p256(key: VerifyingKey) -> Es256Key {
        Es256Key { key }
    }

    /// The key as the `p256` crate's type (jwtgate's own tests only).
    #[cfg(feature = "_test-hooks")]
    #[doc(hidden)]
    pub const fn __as_p256(&self) -> &VerifyingKey {
        &self.key
    }
}
