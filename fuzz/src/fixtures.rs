//! Fixed keys, key sets, policies' parameters and token minting, shared by the fuzz targets and
//! the seed generator (`seeds/`, which includes this file by path). Only p256, base64ct, hmac
//! and sha2 here: no jwtgate, so the minted tokens are independent of the code under test.

#![allow(dead_code)]

use base64ct::{Base64UrlUnpadded, Encoding};
use hmac::{Hmac, Mac};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use sha2::Sha256;

/// The fixed verification time of the verify-path targets: 380 s before the RFC 7515 tokens'
/// `exp` (1300819380), so the RFC A.1/A.3 tokens are valid.
pub const NOW: u64 = 1_300_819_000;
/// The `exp` of the RFC 7515 example payloads.
pub const RFC_EXP: u64 = 1_300_819_380;

/// RFC 7515 Appendix A.3 (ES256): the token, and the key's coordinates and private scalar.
pub const A3_TOKEN: &str = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
pub const A3_X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
pub const A3_Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
pub const A3_D: &str = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI";

/// RFC 7515 Appendix A.1 (HS256): the token and the 64-byte secret (base64url).
pub const A1_TOKEN: &str = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const A1_KEY: &str =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";

/// A public RSA JWK (RFC 7517 A.1): always skipped by jwtgate today.
/// RFC 7517 A.1's RSA modulus.
pub const RSA_N: &str = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
pub const RSA_JWK: &str = r#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}"#;

/// The HS256 secret the policies that allow HS256 are configured with (RFC 7515 A.1's).
pub fn hs256_secret() -> Vec<u8> {
    b64d(A1_KEY)
}

/// base64url without padding.
pub fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// Strict base64url decoding of test data; panics on bad fixtures.
pub fn b64d(text: &str) -> Vec<u8> {
    Base64UrlUnpadded::decode_vec(text).expect("fixture is base64url")
}

/// Signing keys the targets sign with: `A` is in the multi-key set (kid "k1"), `B` is in the
/// multi-key set under kid "k2", `C` is in no set (its signatures never verify), `Rfc` is the
/// RFC 7515 A.3 key (the only usable key of the single-key set, no kid).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyId {
    A,
    B,
    C,
    Rfc,
}

/// The signing key of `id` (computed once: scalar multiplications are slow under ASan).
pub fn signing_key(id: KeyId) -> SigningKey {
    static KEYS: std::sync::OnceLock<[SigningKey; 4]> = std::sync::OnceLock::new();
    let keys = KEYS.get_or_init(|| [KeyId::A, KeyId::B, KeyId::C, KeyId::Rfc].map(make_key));
    keys[id as usize].clone()
}

fn make_key(id: KeyId) -> SigningKey {
    let scalar: [u8; 32] = match id {
        KeyId::Rfc => b64d(A3_D).try_into().expect("32 bytes"),
        other => {
            let mut s = [0u8; 32];
            s[0] = 0x11;
            s[31] = match other {
                KeyId::A => 1,
                KeyId::B => 2,
                _ => 3,
            };
            s
        }
    };
    SigningKey::from_bytes(&scalar.into()).expect("valid scalar")
}

/// The key's public coordinates, base64url.
pub fn coordinates(id: KeyId) -> (String, String) {
    static COORDS: std::sync::OnceLock<[(String, String); 4]> = std::sync::OnceLock::new();
    let all = COORDS.get_or_init(|| {
        [KeyId::A, KeyId::B, KeyId::C, KeyId::Rfc].map(|id| {
            let point = signing_key(id).verifying_key().to_encoded_point(false);
            (b64(point.x().expect("x")), b64(point.y().expect("y")))
        })
    });
    all[id as usize].clone()
}

/// A public JWK of `id` with extra members spliced in.
pub fn jwk(id: KeyId, extra: &str) -> String {
    let (x, y) = coordinates(id);
    let sep = if extra.is_empty() { "" } else { "," };
    format!(r#"{{"kty":"EC","crv":"P-256","x":"{x}","y":"{y}"{sep}{extra}}}"#)
}

/// A JWK Set of the given JWK objects.
pub fn jwks(jwks: &[String]) -> String {
    format!(r#"{{"keys":[{}]}}"#, jwks.join(","))
}

/// The multi-key set: RSA (skipped), A as "k1", B as "k2", C as "k3" but `use: enc`
/// (unusable), and A's twin under "k1" without `verify` in `key_ops` (unusable, so "k1" stays
/// unambiguous). No-kid ES256 tokens are ambiguous here.
pub fn jwks_multi() -> String {
    format!(
        r#"{{"keys":[{},{},{},{},{}]}}"#,
        RSA_JWK,
        jwk(KeyId::A, r#""kid":"k1","alg":"ES256","use":"sig""#),
        jwk(KeyId::B, r#""kid":"k2","key_ops":["verify"]"#),
        jwk(KeyId::C, r#""kid":"k3","use":"enc""#),
        jwk(KeyId::A, r#""kid":"k1","key_ops":["sign"]"#),
    )
}

/// The single-EC-key set: RSA (RFC 7517 A.1's, an RS256 key) and the RFC 7515 A.3 key
/// without a kid.
pub fn jwks_single() -> String {
    format!(
        r#"{{"keys":[{},{{"kty":"EC","crv":"P-256","x":"{A3_X}","y":"{A3_Y}"}}]}}"#,
        RSA_JWK
    )
}

/// Signs `header.payload` (already base64url) with ES256 and returns the raw `r || s`.
pub fn es256_sign(id: KeyId, signing_input: &[u8]) -> [u8; 64] {
    let sig: Signature = signing_key(id).sign(signing_input);
    sig.to_bytes().into()
}

/// The same signature with `s` replaced by `n - s` (the other valid encoding).
pub fn flip_s(sig: &[u8; 64]) -> Option<[u8; 64]> {
    let sig = Signature::from_slice(sig).ok()?;
    let (r, s) = sig.split_scalars();
    let neg = -*s;
    let flipped = Signature::from_scalars(r.to_bytes(), neg.to_bytes()).ok()?;
    Some(flipped.to_bytes().into())
}

/// HMAC-SHA-256 of the signing input.
pub fn hs256_mac(secret: &[u8], signing_input: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("any key length");
    mac.update(signing_input);
    mac.finalize().into_bytes().into()
}

/// An ES256 token over raw header and payload JSON text.
pub fn es256_token(id: KeyId, header: &str, payload: &str) -> String {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let sig = es256_sign(id, input.as_bytes());
    format!("{input}.{}", b64(&sig))
}

/// An HS256 token over raw header and payload JSON text.
pub fn hs256_token(secret: &[u8], header: &str, payload: &str) -> String {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let mac = hs256_mac(secret, input.as_bytes());
    format!("{input}.{}", b64(&mac))
}
