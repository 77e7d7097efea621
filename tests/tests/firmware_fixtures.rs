#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]
//! The recorded HTTP exchanges and tokens the embedded adapter's firmware example replays
//! (`adapters/embedded/firmware/fixtures`), made here from deterministic keys (RFC 6979
//! signatures), and checked to be what is committed. `JWTGATE_BLESS=1` rewrites them.

use std::fs;
use std::path::PathBuf;

use jwtgate_tests::{es256_token, jwk, jwks, signing_key};

/// The firmware's clock at its start (see its `NOW`).
const NOW: u64 = 1_800_000_000;

/// `kid` `gw-<n>` is signed by `signing_key(40 + n)`.
fn key(n: u8) -> String {
    jwk(
        &signing_key(40 + n),
        &format!(r#""kid":"gw-{n}","alg":"ES256","use":"sig""#),
    )
}

fn token(n: u8) -> String {
    let header = format!(r#"{{"alg":"ES256","kid":"gw-{n}","typ":"JWT"}}"#);
    let payload = format!(
        r#"{{"iss":"https://gw.example/auth/v1","aud":"authenticated","sub":"operator-{n}","role":"authenticated","iat":{NOW},"exp":{}}}"#,
        NOW + 365 * 86_400
    );
    es256_token(&signing_key(40 + n), &header, &payload)
}

/// `body` as chunks of the given sizes (the last takes the rest), the second with an
/// extension, and a trailer.
fn chunked(head: &str, body: &str, sizes: &[usize]) -> String {
    let mut out = format!("{head}Transfer-Encoding: chunked\r\n\r\n");
    let mut rest = body;
    for (i, &size) in sizes.iter().enumerate() {
        let (chunk, tail) = rest.split_at(size.min(rest.len()));
        let ext = if i == 1 { ";name=\"v a l\"" } else { "" };
        out += &format!("{:x}{ext}\r\n{chunk}\r\n", chunk.len());
        rest = tail;
    }
    if !rest.is_empty() {
        out += &format!("{:X}\r\n{rest}\r\n", rest.len());
    }
    out + "0\r\nX-Served-By: fixture\r\n\r\n"
}

fn fixtures() -> Vec<(&'static str, String)> {
    let set_a = jwks(&[key(1), key(2), key(3), key(4)]);
    let set_b = jwks(&[key(2), key(3), key(4), key(5)]);
    let ok = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: public, max-age=300\r\n";
    vec![
        ("jwks-a.chunked.http", chunked(ok, &set_a, &[1, 255, 7, 300])),
        ("jwks-b.chunked.http", chunked(ok, &set_b, &[512, 2])),
        (
            "503.http",
            "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 30\r\nContent-Length: 0\r\n\r\n".into(),
        ),
        (
            "302.http",
            "HTTP/1.1 302 Found\r\nLocation: http://evil.example/jwks.json\r\nContent-Length: 0\r\n\r\n"
                .into(),
        ),
        ("token-gw1.jwt", token(1)),
        ("token-gw5.jwt", token(5)),
    ]
}

#[test]
fn firmware_fixtures_are_current() {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../adapters/embedded/firmware/fixtures");
    let bless = std::env::var_os("JWTGATE_BLESS").is_some();
    for (name, content) in fixtures() {
        let path = dir.join(name);
        if bless {
            fs::write(&path, &content).unwrap();
        } else {
            let committed = fs::read_to_string(&path).unwrap_or_default();
            assert!(
                committed == content,
                "{name} is stale: run `JWTGATE_BLESS=1 cargo test -p jwtgate-tests --test firmware_fixtures`"
            );
        }
    }
}
