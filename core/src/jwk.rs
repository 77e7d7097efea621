//! One JSON Web Key (RFC 7517) -> one verifying key, or the reason it cannot be used.

use crate::alg::Algorithm;
use crate::b64;
#[cfg(feature = "eddsa")]
use crate::eddsa::Ed25519Key;
use crate::error::Unusable;
use crate::es256::Es256Key;
use crate::json::{JsonStr, Object, Value};
#[cfg(feature = "rs256")]
use crate::rsa::RsaKey;

/// The longest `kid` a key set stores, in bytes. A key with a longer `kid` is skipped as
/// [`Unusable::KidTooLong`] (real issuers use UUIDs or thumbprints of 36-43 bytes).
pub const MAX_KID_LEN: usize = 64;

/// A usable verification key, as held in a [`KeySet`](crate::KeySet): a `kid`, the one
/// algorithm it verifies, and its public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    kid: Option<heapless::String<MAX_KID_LEN>>,
    material: Material,
}

/// The public key of a [`Key`], by type. Its variant decides the algorithm, so a key of one
/// type can never verify a token of another (and none keys HS256).
// Every key sits inline in its slot (no allocation), so a slot is as large as the largest
// type built in: with `rs256`, a 4096-bit modulus and its Montgomery constant.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Material {
    /// A P-256 key, for ES256.
    Es256(Es256Key),
    /// An Ed25519 key, for EdDSA.
    #[cfg(feature = "eddsa")]
    Ed25519(Ed25519Key),
    /// An RSA key, for RS256.
    #[cfg(feature = "rs256")]
    Rs256(RsaKey),
}

impl Key {
    /// A key with an optional `kid`.
    ///
    /// # Errors
    /// [`Unusable::KidTooLong`] if `kid` is longer than [`MAX_KID_LEN`] bytes.
    pub fn new(kid: Option<&str>, material: Material) -> Result<Key, Unusable> {
        let kid = match kid {
            Some(k) => Some(heapless::String::try_from(k).map_err(|()| Unusable::KidTooLong)?),
            None => None,
        };
        Ok(Key { kid, material })
    }

    /// An ES256 key with an optional `kid`.
    ///
    /// # Errors
    /// [`Unusable::KidTooLong`] if `kid` is longer than [`MAX_KID_LEN`] bytes.
    pub fn es256(kid: Option<&str>, key: Es256Key) -> Result<Key, Unusable> {
        Key::new(kid, Material::Es256(key))
    }

    /// The key's `kid`, if it has one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The only algorithm this key verifies.
    pub fn alg(&self) -> Algorithm {
        match self.material {
            Material::Es256(_) => Algorithm::Es256,
            #[cfg(feature = "eddsa")]
            Material::Ed25519(_) => Algorithm::EdDsa,
            #[cfg(feature = "rs256")]
            Material::Rs256(_) => Algorithm::Rs256,
        }
    }

    /// The public key.
    pub fn material(&self) -> &Material {
        &self.material
    }

    /// The ES256 public key, if this is one.
    pub fn es256_key(&self) -> Option<&Es256Key> {
        match &self.material {
            Material::Es256(key) => Some(key),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// Whether this key is the one a token with this `kid` (or none) names.
    pub(crate) fn matches_kid(&self, kid: JsonStr<'_>) -> bool {
        self.kid.as_deref().is_some_and(|mine| kid.eq_str(mine))
    }
}

/// Parses one JWK object into a usable key: `kty` picks the type (`EC` with `crv` P-256,
/// `OKP` with `crv` Ed25519, `RSA`), and `alg`, if present, must be that type's algorithm.
///
/// # Errors
/// [`Unusable`] says why the key cannot verify anything.
#[allow(unreachable_pub)] // public to jwtgate's own tests (`__testing`)
pub fn parse_jwk(jwk: Value<'_>) -> Result<Key, Unusable> {
    let jwk = jwk.as_object().ok_or(Unusable::Malformed)?;
    let text = |name: &str| -> Result<Option<JsonStr<'_>>, Unusable> {
        match jwk.get(name) {
            None => Ok(None),
            Some(v) => v.as_str().map(Some).ok_or(Unusable::Malformed),
        }
    };
    let kty = text("kty")?.ok_or(Unusable::Malformed)?;
    let crv = text("crv")?;
    let alg = if kty.eq_str("EC") && crv.is_some_and(|c| c.eq_str("P-256")) {
        Algorithm::Es256
    } else if kty.eq_str("OKP") && crv.is_some_and(|c| c.eq_str("Ed25519")) {
        Algorithm::EdDsa
    } else if kty.eq_str("RSA") {
        Algorithm::Rs256
    } else {
        return Err(Unusable::UnsupportedType);
    };
    if !alg.is_built_in() {
        return Err(Unusable::UnsupportedType);
    }
    if text("alg")?.is_some_and(|a| !a.eq_str(alg.name())) {
        return Err(Unusable::AlgMismatch);
    }
    if text("use")?.is_some_and(|u| !u.eq_str("sig")) {
        return Err(Unusable::NotForSignatures);
    }
    check_key_ops(jwk)?;
    let material = match alg {
        Algorithm::Es256 => {
            let x = coordinate(text("x")?)?;
            let y = coordinate(text("y")?)?;
            Material::Es256(Es256Key::from_coordinates(&x, &y)?)
        }
        #[cfg(feature = "eddsa")]
        Algorithm::EdDsa => Material::Ed25519(Ed25519Key::from_bytes(&coordinate(text("x")?)?)?),
        #[cfg(feature = "rs256")]
        Algorithm::Rs256 => {
            let mut n = [0u8; crate::rsa::MAX_SIGNATURE_LEN];
            let mut e = [0u8; 8];
            let n = base64url(text("n")?, &mut n).ok_or(Unusable::BadRsaModulus)?;
            let e = base64url(text("e")?, &mut e).ok_or(Unusable::BadRsaExponent)?;
            Material::Rs256(RsaKey::from_components(n, e)?)
        }
        _ => return Err(Unusable::UnsupportedType),
    };
    let mut kid_buf = [0u8; MAX_KID_LEN];
    let kid = match text("kid")? {
        None => None,
        Some(k) => Some(k.decode_into(&mut kid_buf).ok_or(Unusable::KidTooLong)?),
    };
    Key::new(kid, material)
}

/// Strict base64url of at most `buf.len()` bytes, written without escapes.
#[cfg(feature = "rs256")]
fn base64url<'b>(text: Option<JsonStr<'_>>, buf: &'b mut [u8]) -> Option<&'b [u8]> {
    let text = text.and_then(JsonStr::as_plain)?;
    if b64::decoded_len(text.as_bytes()).ok()? > buf.len() {
        return None;
    }
    b64::decode(text.as_bytes(), buf).ok()
}

fn check_key_ops(jwk: Object<'_>) -> Result<(), Unusable> {
    let Some(ops) = jwk.get("key_ops") else {
        return Ok(());
    };
    let mut verify = false;
    for op in ops.as_array().ok_or(Unusable::Malformed)?.iter() {
        verify |= op.as_str().ok_or(Unusable::Malformed)?.eq_str("verify");
    }
    if verify {
        Ok(())
    } else {
        Err(Unusable::NoVerifyOp)
    }
}

fn coordinate(text: Option<JsonStr<'_>>) -> Result<[u8; 32], Unusable> {
    // Escapes are never valid base64url, so the plain text is the only acceptable form.
    let text = text
        .and_then(JsonStr::as_plain)
        .ok_or(Unusable::BadCoordinates)?;
    b64::decode_exact::<32>(text.as_bytes()).ok_or(Unusable::BadCoordinates)
}
