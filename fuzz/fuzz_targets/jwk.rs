//! One JWK: `parse_jwk(parse(..))` (both private, through `_test-hooks`), on raw JSON (inputs
//! starting with `{` or whitespace) or on a JWK assembled from fuzzer-chosen members around
//! real P-256 points.
//!
//! Checks: no panic; usable exactly when the model's DESIGN rules say so (kty/crv, alg, use,
//! key_ops, 32-byte strict base64url coordinates written without escapes, point on the
//! curve, kid of at most 64 bytes; unknown members ignored); a usable key has the model's
//! kid and point, verifies a signature made by its private key when it is one of the
//! fixture keys, and round-trips through `Key::es256`.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use jwtgate::__testing::{parse, parse_jwk};
use jwtgate::{Es256Key, Key};
use jwtgate_fuzz::fixtures::{self, KeyId};
use jwtgate_fuzz::model;
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

#[derive(Arbitrary, Debug)]
struct Spec {
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

fn build(spec: &Spec) -> String {
    let mut m: Vec<String> = Vec::new();
    m.extend(text("kty", &spec.kty, "EC"));
    m.extend(text("crv", &spec.crv, "P-256"));
    m.extend(text("alg", &spec.alg, "ES256"));
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
    m.extend(coord("x", &spec.x, true));
    m.extend(coord("y", &spec.y, false));
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
            let expected = Es256Key::from_coordinates(&mk.x, &mk.y).expect("on the curve");
            assert_eq!(*key.es256_key(), expected);
            let again = Key::es256(key.kid(), *key.es256_key()).expect("kid fits");
            assert_eq!(&again, key);
            for id in [KeyId::A, KeyId::B, KeyId::Rfc] {
                let (x, y) = fixtures::coordinates(id);
                if fixtures::b64d(&x) == mk.x && fixtures::b64d(&y) == mk.y {
                    let sig = fixtures::es256_sign(id, b"message");
                    assert_eq!(key.es256_key().verify(b"message", &sig), Ok(()));
                    assert!(key.es256_key().verify(b"massage", &sig).is_err());
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
