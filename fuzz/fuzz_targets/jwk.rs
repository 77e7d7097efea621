//! One JWK: `parse_jwk(parse(..))` (both private, through `_test-hooks`), on raw JSON (inputs
//! starting with `{` or whitespace) or on a JWK assembled from fuzzer-chosen members around
//! real P-256 points, RFC 8037's Ed25519 key or RFC 7515 A.2's RSA key (bent moduli, other
//! exponents).
//!
//! Checks: no panic; usable exactly when the model's DESIGN rules say so (kty/crv, alg, use,
//! key_ops, 32-byte strict base64url coordinates written without escapes, point on the
//! curve, kid of at most 64 bytes; unknown members ignored); a usable key has the model's
//! kid and point (or Ed25519 key), verifies a signature made by its private key when it is
//! one of the fixture keys (the RFCs' tokens for the OKP and RSA keys), and round-trips
//! through `Key::new`. RSA keys are usable exactly for an odd, minimal 2048-4096-bit `n` and
//! `e` = 65537.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use jwtgate::__testing::{parse, parse_jwk};
use jwtgate::{Es256Key, Key, Material};
use jwtgate_fuzz::fixtures::{self, KeyId};
use jwtgate_fuzz::model::{self, MKind};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Text {
    Good,
    Other(String),
    Number,
    Missing,
    /// The good value with one escaped character.
    Escaped,
}

#[derive(Arbitrary, Debug)]
enum Coord {
    Of(Pick),
    /// The key's coordinate with a byte changed (mostly off the curve).
    Bent(Pick, u8, u8),
    Bytes(Vec<u8>),
    Text(String),
    Escaped(Pick),
    Padded(Pick),
    Number,
    Missing,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Pick {
    A,
    B,
    Rfc,
}

impl Pick {
    fn id(self) -> KeyId {
        match self {
            Pick::A => KeyId::A,
            Pick::B => KeyId::B,
            Pick::Rfc => KeyId::Rfc,
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Ops {
    Missing,
    Verify,
    SignOnly,
    Many(Vec<String>),
    WithNumber,
    NotArray,
}

/// The key type the structured JWK is built around (its "good" kty, crv, alg and key).
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Family {
    Ec,
    /// RFC 8037 A's Ed25519 key.
    Okp,
    /// RFC 7515 A.2's 2048-bit RSA key.
    Rsa,
}

#[derive(Arbitrary, Debug)]
enum Exponent {
    F4,
    Three,
    LeadingZero,
    Bytes(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
struct Spec {
    family: Family,
    e: Exponent,
    kty: Text,
    crv: Text,
    alg: Text,
    use_: Text,
    key_ops: Ops,
    x: Coord,
    y: Coord,
    kid: Option<Text>,
    extra: Vec<(String, String)>,
}

fn text(name: &str, t: &Text, good: &str) -> Option<String> {
    Some(match t {
        Text::Good => format!("\"{name}\":\"{good}\""),
        Text::Other(s) => format!("\"{name}\":{}", serde_json::to_string(s).ok()?),
        Text::Number => format!("\"{name}\":1"),
        Text::Missing => return None,
        Text::Escaped => {
            let mut chars = good.chars();
            let first = chars.next()?;
            format!(
                "\"{name}\":\"\\u{:04x}{}\"",
                u32::from(first),
                chars.as_str()
            )
        }
    })
}

fn coord(name: &str, c: &Coord, is_x: bool) -> Option<String> {
    let of = |p: Pick| {
        let (x, y) = fixtures::coordinates(p.id());
        if is_x { x } else { y }
    };
    Some(match c {
        Coord::Of(p) => format!("\"{name}\":\"{}\"", of(*p)),
        Coord::Bent(p, i, v) => {
            let mut b = fixtures::b64d(&of(*p));
            let i = usize::from(*i) % b.len();
            b[i] ^= v | 1;
            format!("\"{name}\":\"{}\"", fixtures::b64(&b))
        }
        Coord::Bytes(b) => format!("\"{name}\":\"{}\"", fixtures::b64(b)),
        Coord::Text(s) => format!("\"{name}\":{}", serde_json::to_string(s).ok()?),
        Coord::Escaped(p) => {
            let s = of(*p);
            format!(
                "\"{name}\":\"\\u{:04x}{}\"",
                u32::from(s.as_bytes()[0]),
                &s[1..]
            )
        }
        Coord::Padded(p) => format!("\"{name}\":\"{}=\"", of(*p)),
        Coord::Number => format!("\"{name}\":0"),
        Coord::Missing => return None,
    })
}

/// RFC 7515 A.2's RSA modulus and RFC 8037 A's Ed25519 key, with a signature each.
const RSA_N: &str = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
const RSA_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
const OKP_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
const OKP_TOKEN: &str = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

fn build(spec: &Spec) -> String {
    let mut m: Vec<String> = Vec::new();
    let (kty, crv, alg) = match spec.family {
        Family::Ec => ("EC", "P-256", "ES256"),
        Family::Okp => ("OKP", "Ed25519", "EdDSA"),
        Family::Rsa => ("RSA", "-", "RS256"),
    };
    m.extend(text("kty", &spec.kty, kty));
    if !matches!(spec.family, Family::Rsa) {
        m.extend(text("crv", &spec.crv, crv));
    }
    m.extend(text("alg", &spec.alg, alg));
    m.extend(text("use", &spec.use_, "sig"));
    match &spec.key_ops {
        Ops::Missing => {}
        Ops::Verify => m.push("\"key_ops\":[\"verify\"]".into()),
        Ops::SignOnly => m.push("\"key_ops\":[\"sign\"]".into()),
        Ops::Many(v) => m.push(format!(
            "\"key_ops\":{}",
            serde_json::to_string(&v.iter().take(4).collect::<Vec<_>>()).unwrap_or_default()
        )),
        Ops::WithNumber => m.push("\"key_ops\":[\"verify\",1]".into()),
        Ops::NotArray => m.push("\"key_ops\":\"verify\"".into()),
    }
    match spec.family {
        Family::Ec => {
            m.extend(coord("x", &spec.x, true));
            m.extend(coord("y", &spec.y, false));
        }
        Family::Okp => match &spec.x {
            // The x of any fixture EC key, bent or not, stands in for other 32-byte values.
            Coord::Of(_) => m.push(format!("\"x\":\"{OKP_X}\"")),
            other => m.extend(coord("x", other, true)),
        },
        Family::Rsa => {
            let n = match &spec.x {
                Coord::Of(_) => RSA_N.to_owned(),
                Coord::Bent(_, i, v) => {
                    let mut b = fixtures::b64d(RSA_N);
                    let i = usize::from(*i) % b.len();
                    b[i] ^= v | 1;
                    fixtures::b64(&b)
                }
                Coord::Bytes(b) => fixtures::b64(b),
                Coord::Padded(_) => format!("{RSA_N}="),
                _ => fixtures::b64(&fixtures::b64d(RSA_N)[1..]),
            };
            m.push(format!("\"n\":\"{n}\""));
            let e = match &spec.e {
                Exponent::F4 => "AQAB".to_owned(),
                Exponent::Three => "Aw".to_owned(),
                Exponent::LeadingZero => "AAEAAQ".to_owned(),
                Exponent::Bytes(b) => fixtures::b64(b),
            };
            m.push(format!("\"e\":\"{e}\""));
        }
    }
    if let Some(k) = &spec.kid {
        m.extend(text("kid", k, "k1"));
    }
    for (k, v) in spec.extra.iter().take(3) {
        if let Ok(k) = serde_json::to_string(k) {
            m.push(format!("{k}:{v}"));
        }
    }
    format!("{{{}}}", m.join(","))
}

fuzz_target!(|data: &[u8]| {
    let doc: Vec<u8> = match data.first() {
        Some(b'{' | b' ' | b'\t' | b'\n' | b'\r' | b'[' | b'"') | None => data.to_vec(),
        Some(_) => {
            let Ok(spec) = Spec::arbitrary(&mut Unstructured::new(&data[1..])) else {
                return;
            };
            build(&spec).into_bytes()
        }
    };
    let (Ok(value), Ok(m)) = (parse(&doc, 8), model::parse(&doc, 8)) else {
        // Both parsers must agree that it is not JSON at all.
        assert_eq!(parse(&doc, 8).is_ok(), model::parse(&doc, 8).is_ok());
        return;
    };
    let got = parse_jwk(value);
    let want = model::jwk(&m);
    match (&got, &want) {
        (Ok(key), Ok(mk)) => {
            assert_eq!(key.kid(), mk.kid.as_deref());
            assert_eq!(key.alg().name(), mk.alg());
            let again = Key::new(key.kid(), key.material().clone()).expect("kid fits");
            assert_eq!(&again, key);
            match &mk.kind {
                MKind::Ec { x: mx, y: my, .. } => {
                    let expected = Es256Key::from_coordinates(mx, my).expect("on the curve");
                    let es = key.es256_key().expect("an ES256 key");
                    assert_eq!(es, &expected);
                    for id in [KeyId::A, KeyId::B, KeyId::Rfc] {
                        let (x, y) = fixtures::coordinates(id);
                        if fixtures::b64d(&x) == *mx && fixtures::b64d(&y) == *my {
                            let sig = fixtures::es256_sign(id, b"message");
                            assert_eq!(es.verify(b"message", &sig), Ok(()));
                            assert!(es.verify(b"massage", &sig).is_err());
                        }
                    }
                }
                MKind::Okp { x } => {
                    let Material::Ed25519(ed) = key.material() else {
                        panic!("an Ed25519 key")
                    };
                    assert_eq!(ed.as_bytes(), x);
                    if fixtures::b64(x) == OKP_X {
                        check_rfc_signature(key, OKP_TOKEN);
                    }
                }
                MKind::Rsa { n } => {
                    assert!(matches!(key.material(), Material::Rs256(_)));
                    if fixtures::b64(n) == RSA_N {
                        check_rfc_signature(key, RSA_TOKEN);
                    }
                }
            }
        }
        (Err(reason), Err(())) => {
            assert!(!reason.reason().is_empty());
        }
        _ => panic!(
            "jwtgate {got:?}, model {}",
            if want.is_ok() { "usable" } else { "unusable" }
        ),
    }
});

/// The RFC's token verifies under the key (through the key set's check), and not with one
/// bit of its signature changed.
fn check_rfc_signature(key: &Key, token: &str) {
    let (input, sig) = token.rsplit_once('.').expect("a token");
    let mut sig = fixtures::b64d(sig);
    let mut set = jwtgate::KeySet::<1>::new();
    set.push(key.clone()).expect("room");
    let selected = set.select(None, key.alg()).expect("its own key");
    assert_eq!(selected.verify(input.as_bytes(), &sig), Ok(()));
    sig[7] ^= 4;
    assert!(selected.verify(input.as_bytes(), &sig).is_err());
}
