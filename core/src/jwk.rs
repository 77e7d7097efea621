//! One JSON Web Key (RFC 7517) -> one verifying key, or the reason it cannot be used.

use crate::alg::Algorithm;
use crate::b64;
use crate::error::Unusable;
use crate::es256::Es256Key;
use crate::json::{JsonStr, Object, Value};

/// The longest `kid` a key set stores, in bytes. A key with a longer `kid` is skipped as
/// [`Unusable::KidTooLong`] (real issuers use UUIDs or thumbprints of 36-43 bytes).
pub const MAX_KID_LEN: usize = 64;

/// A usable verification key, as held in a [`KeySet`](crate::KeySet).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    kid: Option<heapless::String<MAX_KID_LEN>>,
    alg: Algorithm,
    es256: Es256Key,
}

impl Key {
    /// An ES256 key with an optional `kid`.
    ///
    /// # Errors
    /// [`Unusable::KidTooLong`] if `kid` is longer than [`MAX_KID_LEN`] bytes.
    pub fn es256(kid: Option<&str>, key: Es256Key) -> Result<Key, Unusable> {
        let kid = match kid {
            Some(k) => Some(heapless::String::try_from(k).map_err(|()| Unusable::KidTooLong)?),
            None => None,
        };
        Ok(Key {
            kid,
            alg: Algorithm::Es256,
            es256: key,
        })
    }

    /// The key's `kid`, if it has one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The only algorithm this key verifies.
    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    /// The ES256 public key.
    pub fn es256_key(&self) -> &Es256Key {
        &self.es256
    }

    /// Whether this key is the one a token with this `kid` (or none) names.
    pub(crate) fn matches_kid(&self, kid: JsonStr<'_>) -> bool {
        self.kid.as_deref().is_some_and(|mine| kid.eq_str(mine))
    }
}

/// Parses one JWK object into a usable key.
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
    if !kty.eq_str("EC") || !text("crv")?.is_some_and(|c| c.eq_str("P-256")) {
        return Err(Unusable::UnsupportedType);
    }
    if text("alg")?.is_some_and(|a| !a.eq_str(Algorithm::Es256.name())) {
        return Err(Unusable::AlgMismatch);
    }
    if text("use")?.is_some_and(|u| !u.eq_str("sig")) {
        return Err(Unusable::NotForSignatures);
    }
    check_key_ops(jwk)?;
    let x = coordinate(text("x")?)?;
    let y = coordinate(text("y")?)?;
    let key = Es256Key::from_coordinates(&x, &y)?;
    let mut kid_buf = [0u8; MAX_KID_LEN];
    let kid = match text("kid")? {
        None => None,
        Some(k) => Some(k.decode_into(&mut kid_buf).ok_or(Unusable::KidTooLong)?),
    };
    Key::es256(kid, key)
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
