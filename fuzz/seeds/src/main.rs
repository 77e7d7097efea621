//! Writes the seed corpora of jwtgate's fuzz targets into `fuzz/corpus/<target>/`, from the
//! test vectors: RFC 7515 A.1/A.3, tokens minted with the fixture keys, the JWK Set fixtures
//! and JSON edge cases. Run from `fuzz/`: `cargo run -p jwtgate-fuzz-seeds`, then minimize
//! with `cargo +nightly fuzz cmin <target>` (see fuzz/README.md).

#[path = "../../src/fixtures.rs"]
mod fixtures;

use std::fs;
use std::path::Path;

use fixtures::{KeyId, NOW, RFC_EXP};

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = Path::new("corpus").join(target);
    fs::create_dir_all(&dir).expect("corpus dir");
    fs::write(dir.join(name), bytes).expect("write seed");
}

/// JSON documents worth starting from: RFC 8259 edge cases and the DESIGN rules.
const JSON_CASES: &[&str] = &[
    "{}",
    "[]",
    "0",
    "-0",
    "1.5e-3",
    "1E+2",
    "\"\"",
    "true",
    "null",
    " { \"a\" : [1, {\"b\": null}, \"\\u00e9\\ud83d\\ude00\"] } ",
    r#"{"s":"a\"b\u00e9\ud83d\ude00","n":-1.25e2,"arr":[1,"x",{"k":true}],"z":null}"#,
    "{\"a\":1,\"a\":2}",
    "{\"a\":1,\"\\u0061\":2}",
    "{\"x\":{\"b\":[],\"c\":0,\"b\":1}}",
    "[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]",
    "\"\\ud800\"",
    "\"\\udc00\"",
    "\"\\ud800\\u0041\"",
    "\u{feff}{}",
    "{\"a\":NaN}",
    "{\"a\":1,}",
    "[1e400,-1e400,1e-400,99999999999999999999999]",
    "\"\\b\\f\\n\\r\\t\\/\\\\\\\"\"",
];

fn main() {
    let secret = fixtures::hs256_secret();
    let exp = NOW + 3600;
    let headers = [
        r#"{"alg":"ES256","kid":"k1"}"#.to_owned(),
        r#"{"alg":"ES256","typ":"JWT","kid":"k2"}"#.to_owned(),
        r#"{"alg":"ES256"}"#.to_owned(),
        r#"{"alg":"HS256","typ":"JWT"}"#.to_owned(),
        r#"{"alg":"ES256","kid":"k1","crit":["exp"]}"#.to_owned(),
        r#"{"alg":"ES256","kid":"k1","b64":false}"#.to_owned(),
        r#"{"alg":"none"}"#.to_owned(),
        r#"{"alg":"ES25\u0036","kid":"k\u0031"}"#.to_owned(),
    ];
    let payloads = [
        format!(r#"{{"iss":"joe","aud":"aud1","exp":{exp},"nbf":{NOW},"iat":{NOW},"sub":"u"}}"#),
        format!(r#"{{"iss":"joe","aud":["x","aud1"],"exp":{exp}.5,"role":"authenticated"}}"#),
        format!(r#"{{"exp":{}e0,"nbf":{}}}"#, exp, NOW + 10),
        format!(r#"{{"exp":"{exp}"}}"#),
        format!(r#"{{"exp":{NOW}}}"#),
        format!(r#"{{"exp":1.3008190e9,"iss":"j\u006fe"}}"#),
        format!(r#"{{"exp":{exp},"exp":{exp}}}"#),
        r#"{"exp":1e400,"nbf":-1e400}"#.to_owned(),
    ];

    let mut tokens: Vec<(String, String)> = vec![
        ("rfc7515-a3".into(), fixtures::A3_TOKEN.into()),
        ("rfc7515-a1".into(), fixtures::A1_TOKEN.into()),
    ];
    for (i, h) in headers.iter().enumerate() {
        for (j, p) in payloads.iter().enumerate() {
            let t = if h.contains("HS256") {
                fixtures::hs256_token(&secret, h, p)
            } else if h.contains("k2") {
                fixtures::es256_token(KeyId::B, h, p)
            } else if h.contains("\"k") || h.contains("k\\u") {
                fixtures::es256_token(KeyId::A, h, p)
            } else {
                fixtures::es256_token(KeyId::Rfc, h, p)
            };
            tokens.push((format!("minted-{i}-{j}"), t));
        }
    }
    // Damaged variants of a valid token.
    let valid = fixtures::es256_token(KeyId::A, &headers[0], &payloads[0]);
    tokens.push(("padded".into(), format!("{valid}=")));
    tokens.push(("four-segments".into(), format!("{valid}.")));
    tokens.push((
        "std-alphabet".into(),
        valid.replace('-', "+").replace('_', "/"),
    ));
    let mut last = valid.clone();
    last.pop();
    tokens.push(("trailing-bits".into(), format!("{last}B")));
    tokens.push((
        "rfc7515-a3-after-exp".into(),
        fixtures::A3_TOKEN.replace('Q', "R"),
    ));

    for (name, t) in &tokens {
        write("token", name, t.as_bytes());
        write("verify", name, t.as_bytes());
        write("es256_differential", name, t.as_bytes());
    }

    let jwks_docs = [
        ("multi", fixtures::jwks_multi()),
        ("single", fixtures::jwks_single()),
        (
            "overflow",
            fixtures::jwks(&[
                fixtures::jwk(KeyId::A, r#""kid":"1""#),
                fixtures::jwk(KeyId::B, r#""kid":"2""#),
                fixtures::jwk(KeyId::C, r#""kid":"3""#),
                fixtures::jwk(KeyId::Rfc, r#""kid":"4""#),
                fixtures::jwk(KeyId::A, r#""kid":"5""#),
            ]),
        ),
        (
            "duplicate-kid",
            fixtures::jwks(&[
                fixtures::jwk(KeyId::A, r#""kid":"k""#),
                fixtures::jwk(KeyId::B, r#""kid":"k""#),
            ]),
        ),
        ("empty", r#"{"keys":[]}"#.to_owned()),
        ("rsa-only", fixtures::jwks(&[fixtures::RSA_JWK.to_owned()])),
    ];
    for (name, doc) in &jwks_docs {
        write("jwks", name, doc.as_bytes());
        let mut j = vec![15u8];
        j.extend_from_slice(doc.as_bytes());
        write("json", &format!("jwks-{name}"), &j);
    }

    let jwks = [
        fixtures::jwk(KeyId::A, r#""kid":"k1","alg":"ES256","use":"sig","key_ops":["verify"]"#),
        fixtures::jwk(KeyId::Rfc, ""),
        fixtures::jwk(KeyId::B, r#""use":"enc""#),
        fixtures::jwk(KeyId::A, r#""alg":"ES384""#),
        fixtures::jwk(KeyId::A, r#""key_ops":["sign"],"kid":"k\u0031""#),
        fixtures::jwk(KeyId::A, &format!(r#""kid":"{}""#, "k".repeat(65))),
        fixtures::RSA_JWK.to_owned(),
        r#"{"kty":"EC","crv":"P-256","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}"#.to_owned(),
    ];
    for (i, k) in jwks.iter().enumerate() {
        write("jwk", &format!("jwk-{i}"), k.as_bytes());
    }

    for (i, case) in JSON_CASES.iter().enumerate() {
        let mut j = vec![63u8];
        j.extend_from_slice(case.as_bytes());
        write("json", &format!("case-{i}"), &j);
        write("claims", &format!("case-{i}"), case.as_bytes());
    }
    for (i, h) in headers.iter().enumerate() {
        write("claims", &format!("header-{i}"), h.as_bytes());
        let mut j = vec![3u8];
        j.extend_from_slice(h.as_bytes());
        write("json", &format!("header-{i}"), &j);
    }
    for (i, p) in payloads.iter().enumerate() {
        write("claims", &format!("payload-{i}"), p.as_bytes());
        // The same claims with knobs: a NUL, then bytes for time, leeway, issuer, audience.
        let mut k = p.clone().into_bytes();
        k.extend_from_slice(&[0, 1, 0, 0, 0, 0, 1, 0x10, 0, 1, 0, 1, 1, 16]);
        write("claims", &format!("payload-knobs-{i}"), &k);
        let mut j = vec![15u8];
        j.extend_from_slice(p.as_bytes());
        write("json", &format!("payload-{i}"), &j);
    }

    // cache_ops and es256_arith decode `arbitrary` input; varied byte strings start them off.
    for seed in 0u8..8 {
        let bytes: Vec<u8> = (0u8..96)
            .map(|i| i.wrapping_mul(37).wrapping_add(seed.wrapping_mul(91)) ^ (i >> 2))
            .collect();
        write("cache_ops", &format!("seed-{seed}"), &bytes);
        // es256_arith: 160 bytes of field operations, then the point inputs.
        let bytes: Vec<u8> = (0u16..360)
            .map(|i| {
                let i = i.to_le_bytes()[0];
                i.wrapping_mul(53).wrapping_add(seed.wrapping_mul(29)) ^ (i >> 3)
            })
            .collect();
        write("es256_arith", &format!("seed-{seed}"), &bytes);
    }
    // http_response: three bytes of sizes and split pattern, then what the peer sends.
    let set = r#"{"keys":[{"kty":"EC","crv":"P-256","kid":"k1","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"#;
    let (a, b) = set.split_at(40);
    let responses = [
        format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nCache-Control: max-age=300\r\n\r\n{set}",
            set.len()
        ),
        format!(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{:x};ext=1\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\nX-T: 1\r\n\r\n",
            a.len(),
            b.len()
        ),
        format!("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n\r\n{set}"),
        "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1/\r\n\r\n".to_owned(),
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n".to_owned(),
    ];
    for (i, r) in responses.iter().enumerate() {
        for (j, knobs) in [[48u8, 64, 0x5a], [0, 255, 1], [255, 20, 0xff]]
            .iter()
            .enumerate()
        {
            let mut bytes = knobs.to_vec();
            bytes.extend_from_slice(r.as_bytes());
            write("http_response", &format!("response-{i}-{j}"), &bytes);
        }
    }
    let _ = RFC_EXP;
    println!(
        "wrote {} tokens, {} JWK Sets, {} JWKs",
        tokens.len(),
        jwks_docs.len(),
        jwks.len()
    );
}
