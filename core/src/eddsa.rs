//! EdDSA: Ed25519 signatures (RFC 8032) with keys from OKP JWKs (RFC 8037), on
//! `ed25519-compact` without allocation.
//!
//! Verification is strict: `S < L`, and the key and `R` must be canonical encodings of points
//! that are not of small order (the library rejects all of these, and keys are checked once,
//! when they are parsed). `ed25519-compact` was chosen over ed25519-dalek 3 (`verify_strict`):
//! both pass all of Wycheproof, both verify within 1.5x of aws-lc-rs here, and compact takes
//! 18 KB of Cortex-M4 flash (with its `opt_size` feature) where dalek takes 43 KB.

use crate::Error;
use crate::error::Unusable;

/// An Ed25519 public key, checked to be a canonical point of large order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ed25519Key {
    key: ed25519_compact::PublicKey,
}

impl Ed25519Key {
    /// Builds a key from its 32-byte encoding (a JWK's decoded `x`).
    ///
    /// # Errors
    /// [`Unusable::NotOnCurve`] if the bytes are not a canonical point encoding;
    /// [`Unusable::WeakKey`] if the point has small order.
    pub fn from_bytes(x: &[u8; 32]) -> Result<Ed25519Key, Unusable> {
        let key = ed25519_compact::PublicKey::new(*x);
        match key.validate() {
            Ok(()) => Ok(Ed25519Key { key }),
            Err(ed25519_compact::Error::WeakPublicKey) => Err(Unusable::WeakKey),
            Err(_) => Err(Unusable::NotOnCurve),
        }
    }

    /// The 32-byte encoding.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.key
    }

    /// Checks a 64-byte `R || S` signature over `message`.
    ///
    /// # Errors
    /// [`Error::SignatureInvalid`] for any failure, with no further detail.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        let signature = <[u8; 64]>::try_from(signature).map_err(|_| Error::SignatureInvalid)?;
        self.key
            .verify(message, &ed25519_compact::Signature::new(signature))
            .map_err(|_| Error::SignatureInvalid)
    }
}
