//! RS256: RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 §8.2.2), for 2048- to 4096-bit moduli
//! and e = 65537, with no allocation.
//!
//! # Public inputs only: never use these routines with secret data
//!
//! Verification handles nothing secret (the modulus, the exponent, the message and the
//! signature are public), so the arithmetic ([`monty`]) runs in variable time. It must never
//! be used for signing, decryption or anything else involving a private key.
//!
//! The signature is checked by computing `s^e mod n` and comparing it, whole, with the
//! encoding the message should have (EMSA-PKCS1-v1_5 re-encoded here): the decrypted block is
//! never parsed, so there is no padding parser to fool.

mod monty;

use sha2::{Digest as _, Sha256};

use self::monty::{LIMB_BYTES, MAX_BITS, MAX_LIMBS, Modulus, from_be_bytes, less};
use crate::Error;
use crate::error::Unusable;

/// The smallest modulus accepted, in bits.
pub const RSA_MIN_BITS: usize = 2048;
/// The largest modulus accepted, in bits.
pub const RSA_MAX_BITS: usize = MAX_BITS;
/// The longest RS256 signature: the largest modulus's length in bytes.
pub(crate) const MAX_SIGNATURE_LEN: usize = MAX_BITS / 8;

/// DER of `DigestInfo { SHA-256, NULL }` up to the hash (RFC 8017 §9.2, note 1).
const SHA256_DIGEST_INFO: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// An RS256 public key: a 2048- to 4096-bit odd modulus with e = 65537, and the Montgomery
/// constant computed once when the key is parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RsaKey {
    modulus: Modulus,
    /// The modulus's length in bytes (`k` in RFC 8017): every signature has exactly this
    /// length.
    len: usize,
}

impl RsaKey {
    /// Builds a key from the big-endian modulus and public exponent (a JWK's decoded `n` and
    /// `e`).
    ///
    /// # Errors
    /// [`Unusable::BadRsaExponent`] unless `e` is 65537 in minimal form;
    /// [`Unusable::BadRsaModulus`] unless `n` is odd, minimal (no leading zero byte) and of
    /// 2048 to 4096 bits.
    pub fn from_components(n: &[u8], e: &[u8]) -> Result<RsaKey, Unusable> {
        if e != [0x01, 0x00, 0x01] {
            return Err(Unusable::BadRsaExponent);
        }
        let bits = match n.first() {
            Some(&top) if top != 0 => {
                n.len() * 8 - usize::try_from(top.leading_zeros()).unwrap_or(8)
            }
            _ => return Err(Unusable::BadRsaModulus),
        };
        if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) {
            return Err(Unusable::BadRsaModulus);
        }
        let limbs = n.len().div_ceil(LIMB_BYTES);
        let modulus = Modulus::new(from_be_bytes(n), limbs).ok_or(Unusable::BadRsaModulus)?;
        Ok(RsaKey {
            modulus,
            len: n.len(),
        })
    }

    /// The modulus's size in bits.
    pub fn bits(&self) -> usize {
        self.modulus.bits()
    }

    /// Checks an RS256 signature over `message`: exactly the modulus's length, less than the
    /// modulus, and `s^65537 mod n` equal to the whole expected EMSA-PKCS1-v1_5 block.
    ///
    /// # Errors
    /// [`Error::SignatureInvalid`] for any failure, with no further detail.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        if signature.len() != self.len {
            return Err(Error::SignatureInvalid);
        }
        let limbs = self.len.div_ceil(LIMB_BYTES);
        let s = from_be_bytes(signature);
        if !less(&s, self.modulus.n(), limbs) {
            return Err(Error::SignatureInvalid);
        }
        let m = self.modulus.pow_65537(&s);
        if m == self.expected(message) {
            Ok(())
        } else {
            Err(Error::SignatureInvalid)
        }
    }

    /// `EMSA-PKCS1-v1_5-ENCODE(message)` for this key's length, as a number:
    /// `00 01 FF..FF 00 || DigestInfo || SHA-256(message)`.
    fn expected(&self, message: &[u8]) -> [monty::Limb; MAX_LIMBS] {
        let mut block = [0xffu8; MAX_SIGNATURE_LEN];
        let block = block.get_mut(..self.len).unwrap_or_default();
        let tail = SHA256_DIGEST_INFO.len() + 32;
        let digest_at = self.len - 32;
        if let Some(head) = block.get_mut(..2) {
            head.copy_from_slice(&[0x00, 0x01]);
        }
        if let Some(sep) = block.get_mut(self.len - tail - 1) {
            *sep = 0;
        }
        if let Some(info) = block.get_mut(self.len - tail..digest_at) {
            info.copy_from_slice(&SHA256_DIGEST_INFO);
        }
        if let Some(hash) = block.get_mut(digest_at..) {
            hash.copy_from_slice(&Sha256::digest(message));
        }
        from_be_bytes(block)
    }

    /// The modulus, big-endian in its minimal length, written into `buf` (for fingerprints).
    pub(crate) fn modulus_be<'b>(&self, buf: &'b mut [u8; MAX_SIGNATURE_LEN]) -> &'b [u8] {
        for (chunk, limb) in buf.rchunks_exact_mut(LIMB_BYTES).zip(self.modulus.n()) {
            chunk.copy_from_slice(&limb.to_be_bytes());
        }
        buf.get(MAX_SIGNATURE_LEN - self.len..).unwrap_or_default()
    }
}
