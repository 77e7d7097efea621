#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Shared helpers for jwtgate's workspace tests: mint tokens and key sets with real keys.

use base64ct::{Base64UrlUnpadded, Encoding};
use hmac::{Hmac, Mac};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use sha2::Sha256;

/// base64url without padding.
pub fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// `token` with bit 0 of its signature's byte `at` flipped.
pub fn with_signature_bit_flipped(token: &str, at: usize) -> String {
    let (input, sig) = token.rsplit_once('.').unwrap();
    let mut sig = Base64UrlUnpadded::decode_vec(sig).unwrap();
    sig[at] ^= 1;
    format!("{input}.{}", b64(&sig))
}

/// A deterministic P-256 signing key from a seed byte.
pub fn signing_key(seed: u8) -> SigningKey {
    let mut scalar = [0u8; 32];
    scalar[31] = seed.max(1);
    scalar[0] = 0x11;
    SigningKey::from_bytes(&scalar.into()).expect("valid scalar")
}

/// The public JWK of `key`, with extra JSON members spliced in (e.g. `"kid":"a"`).
pub fn jwk(key: &SigningKey, extra: &str) -> String {
    let point = key.verifying_key().to_encoded_point(false);
    let x = b64(point.x().expect("x"));
    let y = b64(point.y().expect("y"));
    let sep = if extra.is_empty() { "" } else { "," };
    format!(r#"{{"kty":"EC","crv":"P-256","x":"{x}","y":"{y}"{sep}{extra}}}"#)
}

/// A JWK Set of the given JWK objects.
pub fn jwks(jwks: &[String]) -> String {
    format!(r#"{{"keys":[{}]}}"#, jwks.join(","))
}

/// Signs `header` and `payload` (raw JSON text) with ES256.
pub fn es256_token(key: &SigningKey, header: &str, payload: &str) -> String {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let sig: Signature = key.sign(input.as_bytes());
    format!("{input}.{}", b64(&sig.to_bytes()))
}

/// MACs `header` and `payload` with HS256.
pub fn hs256_token(secret: &[u8], header: &str, payload: &str) -> String {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("any key length");
    mac.update(input.as_bytes());
    format!("{input}.{}", b64(&mac.finalize().into_bytes()))
}

/// Every JWK of a JWK Set document with the core's verdict on that key alone, in document
/// order; `None` if the document is not a JWK Set. Checks on the way that
/// [`jwtgate::inspect`] reports the same reason for every unusable key.
pub fn jwk_entries(
    doc: &[u8],
) -> Option<Vec<(jwtgate::Value<'_>, Result<jwtgate::Key, jwtgate::Unusable>)>> {
    use jwtgate::__testing::{parse, parse_jwk};
    let keys = parse(doc, 16).ok()?.as_object()?.get("keys")?.as_array()?;
    let entries: Vec<_> = keys.iter().map(|v| (v, parse_jwk(v))).collect();
    let reports: Vec<_> = jwtgate::inspect::<64>(doc).ok()?.collect();
    assert_eq!(reports.len(), entries.len());
    for (report, (_, verdict)) in reports.iter().zip(&entries) {
        match verdict {
            Err(why) => assert_eq!(report.verdict, jwtgate::Verdict::Unusable(*why)),
            Ok(_) => assert!(!matches!(report.verdict, jwtgate::Verdict::Unusable(_))),
        }
    }
    Some(entries)
}

/// P-256's constants, big-endian, for tests that build edge-case scalars and coordinates.
pub mod p256_consts {
    /// The group order `n`.
    pub const N: [u8; 32] = [
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63,
        0x25, 0x51,
    ];
    /// The field prime `p`.
    pub const P: [u8; 32] = [
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff,
    ];

    /// `a + b` for big-endian 256-bit numbers, modulo 2^256.
    pub fn add_be(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
        let mut out = [0u8; 32];
        let mut carry = 0u16;
        for i in (0..32).rev() {
            let s = u16::from(a[i]) + u16::from(b[i]) + carry;
            out[i] = s.to_le_bytes()[0];
            carry = s >> 8;
        }
        out
    }

    /// `a - b` for big-endian 256-bit numbers, modulo 2^256.
    pub fn sub_be(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
        let mut out = [0u8; 32];
        let mut borrow = 0u16;
        for i in (0..32).rev() {
            let d = u16::from(a[i]).wrapping_sub(u16::from(b[i]) + borrow);
            out[i] = d.to_le_bytes()[0];
            borrow = d >> 15;
        }
        out
    }
}

/// p256's field as the reference for jwtgate's own (`__testing::FieldOp`), shared by the
/// field tests and the `es256_arith` fuzz target.
pub mod p256_field {
    use jwtgate::__testing::FieldOp;
    use p256::FieldElement;

    use super::p256_consts::{P, sub_be};

    /// p256's element for any 256-bit value (reduced modulo p: a value below 2^256 is below
    /// 2p, so one subtraction).
    pub fn element(raw: &[u8; 32]) -> FieldElement {
        let canonical = if *raw >= P { sub_be(raw, &P) } else { *raw };
        Option::from(FieldElement::from_bytes(&canonical.into())).expect("below p")
    }

    /// `op` on p256's elements (`None`: the inverse of zero).
    pub fn apply(op: FieldOp, a: &FieldElement, b: &FieldElement) -> Option<FieldElement> {
        Some(match op {
            FieldOp::Add => a.add(b),
            FieldOp::Sub => a.sub(b),
            FieldOp::Neg => a.neg(),
            FieldOp::Double => a.double(),
            FieldOp::Triple => a.double().add(a),
            // p256 has no halving: `a (2^-1)`, 2^-1 = (p + 1) / 2.
            FieldOp::Half => a.multiply(&FieldElement::from_u64(2).invert().unwrap()),
            FieldOp::Mul => a.multiply(b),
            FieldOp::Square => a.square(),
            FieldOp::Invert => return Option::from(a.invert()),
        })
    }
}
