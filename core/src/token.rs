//! Compact JWS parsing (RFC 7515 §7.1) and the path from untrusted bytes to [`Verified`].

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::alg::Algorithm;
use crate::claims::{Claims, SupabaseClaims};
use crate::es256::KeyTable;
use crate::json::{self, JsonStr, Value};
use crate::jwks::{KeyRef, KeySet};
use crate::policy::Policy;
use crate::{Error, b64};

/// The longest decoded JOSE header accepted, in bytes. Real headers are 100-200 bytes. The
/// header is parsed before any signature check, so its size bounds the work an
/// unauthenticated sender can ask of the JSON parser (grammar, duplicate names) whatever the
/// token's length.
const HEADER_MAX_LEN: usize = 2048;
/// Nesting allowed in a JOSE header; real headers are flat.
const HEADER_MAX_DEPTH: u8 = 4;
/// Members allowed in any one object of a JOSE header (RFC 7515 and its extensions register
/// about 25 parameters).
const HEADER_MAX_MEMBERS: usize = 64;
// Every header fits the duplicate check's exact room (its length bounds the names' bytes,
// depth times members their count), so crafted names cannot reach its collision-prone
// fallback before the signature is checked.
#[allow(clippy::as_conversions)] // u8 to usize, widening
const _: () = assert!(
    HEADER_MAX_LEN <= json::EXACT_DUPLICATE_CHECK.0
        && HEADER_MAX_DEPTH as usize * HEADER_MAX_MEMBERS <= json::EXACT_DUPLICATE_CHECK.1
);
/// The header parameters [`UntrustedToken::parse`] reads, in the order it destructures them.
const HEADER_PARAMS: [&str; 4] = ["crit", "b64", "alg", "kid"];
/// The longest signature any built-in algorithm produces: ES256's and EdDSA's 64 bytes, or
/// with `rs256` the largest modulus's 512.
#[cfg(not(feature = "rs256"))]
const MAX_SIGNATURE_LEN: usize = 64;
#[cfg(feature = "rs256")]
const MAX_SIGNATURE_LEN: usize = crate::rsa::MAX_SIGNATURE_LEN;

/// A compact JWS split and decoded, its header checked, nothing trusted yet.
///
/// `'t` borrows the token text, `'b` the caller's buffer holding the decoded header and payload.
#[derive(Clone, Debug)]
pub struct UntrustedToken<'t, 'b> {
    signing_input: &'t [u8],
    alg: Algorithm,
    kid: Option<JsonStr<'b>>,
    payload: &'b [u8],
    signature: [u8; MAX_SIGNATURE_LEN],
    signature_len: usize,
}

impl<'t, 'b> UntrustedToken<'t, 'b> {
    /// Splits `token` into its three segments, decodes header and payload into `buf` and
    /// checks the header. `buf` must hold the decoded header plus payload (3/4 of their
    /// encoded length); it bounds the token size the caller accepts.
    ///
    /// # Errors
    /// [`Error::TokenMalformed`] for anything that is not a strict compact JWS with a JSON
    /// object header (including a token too large for `buf` and a decoded header over 2048
    /// bytes); [`Error::AlgNotAllowed`] for an `alg` jwtgate does not implement, any `crit`,
    /// or `b64: false`.
    pub fn parse(token: &'t [u8], buf: &'b mut [u8]) -> Result<Self, Error> {
        let (header_b64, rest) = split_at_dot(token).ok_or(Error::TokenMalformed)?;
        let (payload_b64, signature_b64) = split_at_dot(rest).ok_or(Error::TokenMalformed)?;
        if find_dot(signature_b64).is_some() {
            return Err(Error::TokenMalformed);
        }
        let signing_input = token
            .get(..header_b64.len() + 1 + payload_b64.len())
            .ok_or(Error::TokenMalformed)?;

        // Checked on the encoded length (n unpadded characters decode to 3n/4 bytes, rounded
        // down), so an oversized header is refused before it is decoded or parsed.
        if header_b64.len().saturating_mul(3) / 4 > HEADER_MAX_LEN {
            return Err(Error::TokenMalformed);
        }
        let header_len = b64::decode(header_b64, buf)?.len();
        let (header, rest) = buf
            .split_at_mut_checked(header_len)
            .ok_or(Error::TokenMalformed)?;
        let header: &'b [u8] = header;
        let payload: &'b [u8] = b64::decode(payload_b64, rest)?;

        // The parameters are picked up while the header is validated (names are unique in a
        // valid object), as the claims are: this runs before the signature check, on up to
        // 64 members.
        let (header, params) = json::parse_bounded_picking(
            header,
            HEADER_MAX_DEPTH,
            HEADER_MAX_MEMBERS,
            &HEADER_PARAMS,
        )
        .map_err(|_| Error::TokenMalformed)?;
        if header.as_object().is_none() {
            return Err(Error::TokenMalformed);
        }
        let [crit, b64, alg, kid] = params;
        if crit.is_some() {
            return Err(Error::AlgNotAllowed);
        }
        match b64 {
            None | Some(Value::Bool(true)) => {}
            Some(Value::Bool(false)) => return Err(Error::AlgNotAllowed),
            Some(_) => return Err(Error::TokenMalformed),
        }
        let alg = alg.and_then(Value::as_str).ok_or(Error::TokenMalformed)?;
        let alg = Algorithm::from_name(alg).ok_or(Error::AlgNotAllowed)?;
        let kid = match kid {
            None => None,
            Some(v) => Some(v.as_str().ok_or(Error::TokenMalformed)?),
        };
        // `jwk`, `jku`, `x5u`, `x5c`: never consulted; keys come only from the verifier.

        // The signature's shape is checked only once the header is known to be acceptable, so
        // a bad header or alg is reported as such whatever the signature segment holds. A
        // segment that is not strict base64url is malformed at any length; one that decodes
        // to more bytes than any supported algorithm produces cannot verify.
        let mut signature = [0u8; MAX_SIGNATURE_LEN];
        // (n characters of strict base64url decode to 3n/4 bytes, so only a segment longer
        // than any signature needs the separate check.)
        if signature_b64.len().saturating_mul(3) / 4 > MAX_SIGNATURE_LEN {
            b64::decoded_len(signature_b64)?;
            return Err(Error::SignatureInvalid);
        }
        let signature_len = b64::decode(signature_b64, &mut signature)?.len();
        Ok(UntrustedToken {
            signing_input,
            alg,
            kid,
            payload,
            signature,
            signature_len,
        })
    }

    /// The header's `alg`.
    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    /// The header's `kid`, if any.
    pub fn kid(&self) -> Option<JsonStr<'b>> {
        self.kid
    }

    /// Whether verifying this token needs a key from a JWK Set (as opposed to a configured
    /// secret): the driver never fetches for HS256 tokens.
    pub(crate) fn needs_key_set(&self) -> bool {
        self.alg.needs_key_set()
    }

    /// Verifies against a key set and a policy at time `now` (unix seconds).
    ///
    /// # Errors
    /// The first rule the token breaks, in this order: algorithm allowed, key found,
    /// signature, payload JSON, claim types, `exp`, `nbf`, `iss`, `aud`.
    pub fn verify<const N: usize, T: KeyTable>(
        self,
        keys: &KeySet<N, T>,
        policy: &Policy<'_>,
        now: u64,
    ) -> Result<Verified<'b>, Error> {
        if !policy.allows(self.alg) {
            return Err(Error::AlgNotAllowed);
        }
        let key = match self.alg {
            Algorithm::Hs256 => None,
            alg => Some(keys.select(self.kid, alg)?),
        };
        self.verify_key(key, policy, now)
    }

    /// Verifies with one key already selected (`None` for HS256, which uses the policy's
    /// secret): the last step of every verification path that checks with jwtgate's own code.
    pub(crate) fn verify_key(
        self,
        key: Option<KeyRef<'_>>,
        policy: &Policy<'_>,
        now: u64,
    ) -> Result<Verified<'b>, Error> {
        let signature = self.signature_for(key, policy)?;
        match key {
            Some(key) => key.verify(self.signing_input, signature)?,
            None => {
                let secret = policy.hs256_secret().ok_or(Error::AlgNotAllowed)?;
                let mut mac = Hmac::<Sha256>::new_from_slice(secret.bytes())
                    .map_err(|_| Error::SignatureInvalid)?;
                mac.update(self.signing_input);
                // Constant-time comparison of the full 32-byte tag; shorter tags never match.
                if signature.len() != 32 {
                    return Err(Error::SignatureInvalid);
                }
                mac.verify_slice(signature)
                    .map_err(|_| Error::SignatureInvalid)?;
            }
        }
        self.accept(key, policy, now)
    }

    /// The signing input: what the signature covers.
    pub(crate) fn signing_input(&self) -> &'t [u8] {
        self.signing_input
    }

    /// The signature, to be checked with `key` (`None`: HS256's secret), once the policy
    /// allows the token's `alg` and `key` is of its type.
    ///
    /// # Errors
    /// [`Error::AlgNotAllowed`]; [`Error::KeyNotFound`] for a key of another type (selection
    /// already matched them; this keeps confusion impossible whatever the caller passes).
    pub(crate) fn signature_for(
        &self,
        key: Option<KeyRef<'_>>,
        policy: &Policy<'_>,
    ) -> Result<&[u8], Error> {
        if !policy.allows(self.alg) {
            return Err(Error::AlgNotAllowed);
        }
        let signature = self
            .signature
            .get(..self.signature_len)
            .ok_or(Error::SignatureInvalid)?;
        match (self.alg, key) {
            (alg, Some(key)) if alg.needs_key_set() && key.alg() == alg => Ok(signature),
            (Algorithm::Hs256, None) => Ok(signature),
            _ => Err(Error::KeyNotFound),
        }
    }

    /// The rest of verification, once the signature from [`Self::signature_for`] checked:
    /// payload JSON, claim types and the policy.
    pub(crate) fn accept(
        self,
        key: Option<KeyRef<'_>>,
        policy: &Policy<'_>,
        now: u64,
    ) -> Result<Verified<'b>, Error> {
        let claims = Claims::parse(self.payload, policy.json_depth())?;
        policy.check(&claims, now)?;
        Ok(Verified {
            alg: self.alg,
            kid: self.kid,
            claims,
            key_set: key.map(|k| k.set()),
        })
    }
}

/// `s` split around its first `.`, or `None` if it has none.
fn split_at_dot(s: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = find_dot(s)?;
    Some((s.get(..at)?, s.get(at + 1..)?))
}

/// The index of the first `.` in `s`, eight bytes at a time: a token is mostly its payload
/// segment, and a byte-at-a-time scan was 4 % of a `LargeTable` verify.
fn find_dot(s: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const DOTS: u64 = u64::from_le_bytes([b'.'; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    let mut chunks = s.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let word = <[u8; 8]>::try_from(chunk).map_or(0, u64::from_le_bytes) ^ DOTS;
        // The has-zero-byte test: its lowest set bit always marks a true zero byte of
        // `word` (a dot), the first one in little-endian order.
        let dots = word.wrapping_sub(ONES) & !word & HIGHS;
        if dots != 0 {
            return usize::try_from(dots.trailing_zeros() / 8)
                .ok()
                .map(|i| offset + i);
        }
        offset += 8;
    }
    let tail = chunks.remainder().iter().position(|&b| b == b'.');
    tail.map(|i| offset + i)
}

/// A token that passed every check: signature, claim types, time and identity policy.
///
/// It can only be built by verification, so holding one is proof.
#[derive(Clone, Copy, Debug)]
pub struct Verified<'b> {
    alg: Algorithm,
    kid: Option<JsonStr<'b>>,
    claims: Claims<'b>,
    /// The fingerprint of the key set whose key verified it (`None`: HS256's secret).
    key_set: Option<[u8; 32]>,
}

impl<'b> Verified<'b> {
    /// The algorithm that verified the token.
    pub fn alg(&self) -> Algorithm {
        self.alg
    }
    /// The header's `kid`, if any.
    pub fn kid(&self) -> Option<JsonStr<'b>> {
        self.kid
    }
    /// The verified claims.
    pub fn claims(&self) -> &Claims<'b> {
        &self.claims
    }

    /// The fingerprint of the key set whose key verified the token (`None` for HS256).
    pub(crate) fn key_set(&self) -> Option<[u8; 32]> {
        self.key_set
    }
    /// Supabase Auth's claims.
    ///
    /// # Errors
    /// [`Error::ClaimInvalid`] if one is present with the wrong JSON type.
    pub fn supabase(&self) -> Result<SupabaseClaims<'b>, Error> {
        self.claims.supabase()
    }

    /// Deserializes the payload into the caller's own serde-json-core type.
    ///
    /// Strings are unescaped through `scratch`, so `T` sees the same text as
    /// [`Verified::claims`]: owned fields (`heapless::String`) get the decoded text, and a
    /// borrowed `&str` field whose JSON text has escapes is refused rather than handed the
    /// escaped form. An unescaped string is never longer than its JSON text, so a `scratch` of
    /// `claims().raw().len()` bytes always suffices.
    ///
    /// # Errors
    /// [`Error::ClaimInvalid`] if the payload does not fit `T` (or `scratch` is too short).
    #[cfg(feature = "serde")]
    pub fn deserialize<T: serde::Deserialize<'b>>(&self, scratch: &mut [u8]) -> Result<T, Error> {
        serde_json_core::from_slice_escaped(self.claims.raw(), scratch)
            .map(|(t, _)| t)
            .map_err(|_| Error::ClaimInvalid)
    }
}

/// Parses and verifies `token` in one call: the whole data flow, bytes in, proof out.
///
/// # Errors
/// See [`UntrustedToken::parse`] and [`UntrustedToken::verify`].
pub fn verify<'b, const N: usize, T: KeyTable>(
    token: &[u8],
    buf: &'b mut [u8],
    keys: &KeySet<N, T>,
    policy: &Policy<'_>,
    now: u64,
) -> Result<Verified<'b>, Error> {
    UntrustedToken::parse(token, buf)?.verify(keys, policy, now)
}

#[cfg(test)]
mod tests {
    use super::find_dot;

    /// The word-at-a-time search agrees with a byte-at-a-time one on every length up to 40,
    /// with dots, bytes one off a dot (`-`, `/`), high bytes and zero bytes anywhere.
    #[test]
    fn find_dot_agrees_with_a_plain_scan() {
        const BYTES: &[u8] = b".-/\x00\x80\xae\xffAz_";
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..100_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = usize::try_from(seed % 41).unwrap();
            let mut s = [b'A'; 40];
            let mut bits = seed >> 8;
            for b in s.iter_mut().take(len) {
                // Mostly letters, so that the first dot falls anywhere.
                if bits.is_multiple_of(8) {
                    *b = BYTES[usize::try_from((bits >> 3) % 10).unwrap()];
                }
                bits = bits.rotate_right(5) ^ seed;
            }
            let s = &s[..len];
            assert_eq!(find_dot(s), s.iter().position(|&b| b == b'.'), "{s:?}");
        }
    }
}
