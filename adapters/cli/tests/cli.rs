//! The real `jwtgate` binary against JWK Set files and the development issuer over real HTTP
//! on 127.0.0.1: exit codes, exact JSON shapes, stdin, secret files, key set failures.

// Helpers outside `#[test]` functions are test code too.
#![allow(clippy::unwrap_used, clippy::panic)]

use core::time::Duration;
use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use base64ct::{Base64UrlUnpadded, Encoding as _};
use hmac::{Hmac, Mac as _};
use jwtgate_std::dev_issuer::{DevIssuer, Mode};
use serde_json::{Value, json};
use sha2::Sha256;

const HOUR: Duration = Duration::from_secs(3600);

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn jwtgate(args: &[&str]) -> Run {
    jwtgate_stdin(args, None)
}

fn jwtgate_stdin(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jwtgate"))
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// A file under the test target's scratch directory.
fn scratch(name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{name}"));
    std::fs::write(&path, contents).unwrap();
    path
}

fn path_str(path: &std::path::Path) -> &str {
    path.to_str().unwrap()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn keys_of(v: &Value) -> BTreeSet<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

/// Exactly one JSON object on one line.
fn one_object(run: &Run) -> Value {
    assert_eq!(run.stdout.lines().count(), 1, "stdout: {:?}", run.stdout);
    serde_json::from_str(&run.stdout).unwrap()
}

/// Exit 0 and `{"valid":true,"alg":..,"kid":..,"claims":{..}}`; returns the object.
fn assert_valid(run: &Run) -> Value {
    assert_eq!(run.code, 0, "stdout: {} stderr: {}", run.stdout, run.stderr);
    let v = one_object(run);
    assert_eq!(
        keys_of(&v),
        BTreeSet::from(["valid", "alg", "kid", "claims"])
    );
    assert_eq!(v["valid"], json!(true));
    assert!(v["alg"].is_string());
    assert!(v["kid"].is_string() || v["kid"].is_null());
    assert!(v["claims"].is_object());
    v
}

/// Exit 1 and exactly `{"valid":false,"code":..,"status":..,"retryable":..,"message":..}`
/// matching the catalog.
fn assert_rejected(run: &Run, code: &str) {
    assert_eq!(run.code, 1, "stdout: {} stderr: {}", run.stdout, run.stderr);
    let v = one_object(run);
    assert_eq!(
        keys_of(&v),
        BTreeSet::from(["valid", "code", "status", "retryable", "message"])
    );
    let err = jwtgate::Error::from_code(code).unwrap();
    assert_eq!(
        v,
        json!({
            "valid": false,
            "code": code,
            "status": err.http_status(),
            "retryable": err.retryable(),
            "message": err.message(),
        })
    );
}

fn assert_usage_error(run: &Run) {
    assert_eq!(run.code, 2, "stdout: {} stderr: {}", run.stdout, run.stderr);
    assert!(run.stdout.is_empty(), "stdout: {}", run.stdout);
    assert!(!run.stderr.is_empty());
}

fn hs256_token(secret: &[u8], claims: &Value) -> String {
    let header = Base64UrlUnpadded::encode_string(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = Base64UrlUnpadded::encode_string(claims.to_string().as_bytes());
    let input = format!("{header}.{payload}");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
    mac.update(input.as_bytes());
    let tag = mac.finalize().into_bytes();
    format!("{input}.{}", Base64UrlUnpadded::encode_string(&tag))
}

#[test]
fn valid_token_against_a_jwks_file() {
    let issuer = DevIssuer::start().unwrap();
    let jwks = scratch("valid.json", issuer.jwks_json());
    let claims = issuer.claims(HOUR);
    let token = issuer.sign(&claims);
    let run = jwtgate(&[
        "verify",
        "--jwks",
        path_str(&jwks),
        "--iss",
        &issuer.issuer(),
        "--aud",
        "authenticated",
        &token,
    ]);
    let v = assert_valid(&run);
    assert_eq!(v["alg"], "ES256");
    assert_eq!(v["kid"], issuer.current_kid().as_str());
    assert_eq!(v["claims"], claims);
    assert!(run.stderr.is_empty());
    // A file is not fetched.
    assert_eq!(issuer.jwks_requests(), 0);
}

#[test]
fn valid_token_against_the_dev_issuer_over_http() {
    let issuer = DevIssuer::start().unwrap();
    let token = issuer.mint(HOUR);
    let v = assert_valid(&jwtgate(&[
        "verify",
        "--jwks",
        &issuer.jwks_url(),
        "--iss",
        &issuer.issuer(),
        "--aud",
        "authenticated",
        &token,
    ]));
    assert_eq!(v["claims"]["sub"], issuer.subject());
    assert_eq!(v["claims"]["role"], "authenticated");
    assert_eq!(issuer.jwks_requests(), 1);
}

#[test]
fn claims_are_printed_as_written() {
    let issuer = DevIssuer::start().unwrap();
    let jwks = scratch("as-written.json", issuer.jwks_json());
    // Fractional NumericDate, a big integer and escapes survive unchanged.
    let claims = json!({
        "exp": 4_102_444_800.5,
        "big": 123_456_789_012_345_678_u64,
        "quote": "a\"b\\c\u{1}",
        "nested": {"list": [1, null, true, {"k": []}]},
    });
    let token = issuer.sign(&claims);
    let run = jwtgate(&["verify", "--jwks", path_str(&jwks), &token]);
    let v = assert_valid(&run);
    assert_eq!(v["claims"], claims);
    assert!(
        run.stdout.contains(r#""exp":4102444800.5"#),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(r#""big":123456789012345678"#));
    assert!(run.stdout.contains(r#""quote":"a\"b\\c\u0001""#));
}

#[test]
fn rejections_carry_the_catalog_entry() {
    let issuer = DevIssuer::start().unwrap();
    let jwks = scratch("rejections.json", issuer.jwks_json());
    let jwks = path_str(&jwks);
    let claims = issuer.claims(HOUR);
    let token = issuer.sign(&claims);
    let exp = claims["exp"].as_u64().unwrap();
    let later = (exp + 10).to_string();

    assert_rejected(
        &jwtgate(&["verify", "--jwks", jwks, "--now", &later, &token]),
        "ERR_AUTH_TOKEN_EXPIRED",
    );
    // Leeway: valid iff now < exp + leeway.
    assert_valid(&jwtgate(&[
        "verify", "--jwks", jwks, "--now", &later, "--leeway", "11", &token,
    ]));
    assert_rejected(
        &jwtgate(&[
            "verify", "--jwks", jwks, "--now", &later, "--leeway", "10", &token,
        ]),
        "ERR_AUTH_TOKEN_EXPIRED",
    );
    assert_rejected(
        &jwtgate(&[
            "verify",
            "--jwks",
            jwks,
            "--iss",
            "https://other/auth/v1",
            &token,
        ]),
        "ERR_AUTH_CLAIM_INVALID",
    );
    assert_rejected(
        &jwtgate(&["verify", "--jwks", jwks, "--aud", "anon", &token]),
        "ERR_AUTH_CLAIM_INVALID",
    );
    let mut tampered = token.clone().into_bytes();
    let last = tampered.len() - 2;
    tampered[last] = if tampered[last] == b'A' { b'Q' } else { b'A' };
    assert_rejected(
        &jwtgate(&[
            "verify",
            "--jwks",
            jwks,
            core::str::from_utf8(&tampered).unwrap(),
        ]),
        "ERR_AUTH_SIGNATURE_INVALID",
    );
    assert_rejected(
        &jwtgate(&["verify", "--jwks", jwks, "not-a-token"]),
        "ERR_AUTH_TOKEN_MALFORMED",
    );
    // An HS256 token without a configured secret.
    let hs = hs256_token(&[7u8; 32], &issuer.claims(HOUR));
    assert_rejected(
        &jwtgate(&["verify", "--jwks", jwks, &hs]),
        "ERR_AUTH_ALG_NOT_ALLOWED",
    );
    // Signed by a key the file does not hold.
    issuer.rotate(false);
    assert_rejected(
        &jwtgate(&["verify", "--jwks", jwks, &issuer.mint(HOUR)]),
        "ERR_AUTH_KEY_NOT_FOUND",
    );
}

#[test]
fn not_yet_valid_and_now_flag() {
    let issuer = DevIssuer::start().unwrap();
    let jwks = scratch("nbf.json", issuer.jwks_json());
    let mut claims = issuer.claims(HOUR);
    let nbf = now() + 600;
    claims["nbf"] = json!(nbf);
    let token = issuer.sign(&claims);
    let jwks = path_str(&jwks);
    assert_rejected(
        &jwtgate(&["verify", "--jwks", jwks, &token]),
        "ERR_AUTH_TOKEN_NOT_YET_VALID",
    );
    assert_valid(&jwtgate(&[
        "verify",
        "--jwks",
        jwks,
        "--now",
        &nbf.to_string(),
        &token,
    ]));
}

#[test]
fn token_from_stdin() {
    let issuer = DevIssuer::start().unwrap();
    let jwks = scratch("stdin.json", issuer.jwks_json());
    let jwks = path_str(&jwks);
    let token = issuer.mint(HOUR);

    for input in [format!("{token}\n"), format!("{token}\r\n"), token.clone()] {
        let run = jwtgate_stdin(&["verify", "--jwks", jwks, "-"], Some(input.as_bytes()));
        assert_valid(&run);
    }
    // Only the trailing newline is dropped: anything else is part of the token.
    for input in [
        format!("{token} \n"),
        format!("{token}\n\n"),
        format!(" {token}"),
    ] {
        let run = jwtgate_stdin(&["verify", "--jwks", jwks, "-"], Some(input.as_bytes()));
        assert_rejected(&run, "ERR_AUTH_TOKEN_MALFORMED");
    }
    let run = jwtgate_stdin(&["verify", "--jwks", jwks, "-"], Some(b""));
    assert_rejected(&run, "ERR_AUTH_TOKEN_MALFORMED");
}

#[test]
fn hs256_secret_file_bytes_are_the_key_as_is() {
    let issuer = DevIssuer::start().unwrap();
    let jwks = scratch("hs256.json", issuer.jwks_json());
    let jwks = path_str(&jwks);
    let mut secret = b"super-secret-jwt-token-with-at-least-32-characters".to_vec();
    secret.push(b'\n');
    let secret_file = scratch("hs256-secret", &secret);
    let claims = issuer.claims(HOUR);

    // MACed with every byte of the file, trailing newline included: valid.
    let token = hs256_token(&secret, &claims);
    let run = jwtgate(&[
        "verify",
        "--jwks",
        jwks,
        "--hs256-secret-file",
        path_str(&secret_file),
        &token,
    ]);
    let v = assert_valid(&run);
    assert_eq!(v["alg"], "HS256");
    assert_eq!(v["kid"], Value::Null);
    assert_eq!(v["claims"], claims);

    // MACed with the trimmed secret: the newline was part of the key, so it does not verify.
    let trimmed = hs256_token(&secret[..secret.len() - 1], &claims);
    assert_rejected(
        &jwtgate(&[
            "verify",
            "--jwks",
            jwks,
            "--hs256-secret-file",
            path_str(&secret_file),
            &trimmed,
        ]),
        "ERR_AUTH_SIGNATURE_INVALID",
    );

    // ES256 still works next to the secret.
    assert_valid(&jwtgate(&[
        "verify",
        "--jwks",
        jwks,
        "--hs256-secret-file",
        path_str(&secret_file),
        &issuer.mint(HOUR),
    ]));

    // 31 bytes plus a newline is 32 bytes: long enough, since nothing is trimmed.
    let mut exactly = vec![b'k'; 31];
    exactly.push(b'\n');
    let exactly_file = scratch("hs256-secret-32", &exactly);
    assert_valid(&jwtgate(&[
        "verify",
        "--jwks",
        jwks,
        "--hs256-secret-file",
        path_str(&exactly_file),
        &hs256_token(&exactly, &claims),
    ]));
}

#[test]
fn short_or_missing_secret_is_a_usage_error() {
    let issuer = DevIssuer::start().unwrap();
    let jwks = scratch("short.json", issuer.jwks_json());
    let short = scratch("hs256-short", [b'k'; 31]);
    let token = hs256_token(&[b'k'; 31], &issuer.claims(HOUR));
    let run = jwtgate(&[
        "verify",
        "--jwks",
        path_str(&jwks),
        "--hs256-secret-file",
        path_str(&short),
        &token,
    ]);
    assert_usage_error(&run);
    assert!(run.stderr.contains("31 bytes"), "{}", run.stderr);
    assert!(run.stderr.contains("at least 32"), "{}", run.stderr);

    let run = jwtgate(&[
        "verify",
        "--jwks",
        path_str(&jwks),
        "--hs256-secret-file",
        "/nonexistent/jwtgate-secret",
        &token,
    ]);
    assert_usage_error(&run);
}

#[test]
fn usage_and_io_errors_exit_2() {
    let issuer = DevIssuer::start().unwrap();
    let jwks = scratch("usage.json", issuer.jwks_json());
    let jwks = path_str(&jwks);
    let token = issuer.mint(HOUR);

    let unreadable = jwtgate(&["verify", "--jwks", "/nonexistent/jwks.json", &token]);
    assert_usage_error(&unreadable);
    assert!(unreadable.stderr.contains("/nonexistent/jwks.json"));
    // A directory is not a readable file either.
    assert_usage_error(&jwtgate(&[
        "verify",
        "--jwks",
        env!("CARGO_TARGET_TMPDIR"),
        &token,
    ]));
    assert_usage_error(&jwtgate(&["verify", "--jwks", jwks, "--bogus", &token]));
    assert_usage_error(&jwtgate(&["verify", "--jwks", jwks]));
    assert_usage_error(&jwtgate(&["verify", &token]));
    assert_usage_error(&jwtgate(&[
        "verify",
        "--jwks",
        jwks,
        "--now",
        "yesterday",
        &token,
    ]));
    assert_usage_error(&jwtgate(&[
        "verify", "--jwks", jwks, "--leeway", "-1", &token,
    ]));
    assert_usage_error(&jwtgate(&["verify", "--jwks", "http://", &token]));
    assert_usage_error(&jwtgate(&["frobnicate"]));
    assert_usage_error(&jwtgate(&[]));
    assert_eq!(jwtgate(&["--help"]).code, 0);
    assert_eq!(jwtgate(&["verify", "--help"]).code, 0);
}

#[test]
fn invalid_key_sets_are_rejections_not_usage_errors() {
    let issuer = DevIssuer::start().unwrap();
    let token = issuer.mint(HOUR);
    for (name, document) in [
        ("garbage.json", "<html>not json</html>".to_owned()),
        ("no-keys.json", r#"{"keys":"none"}"#.to_owned()),
        ("duplicate.json", r#"{"keys":[],"keys":[]}"#.to_owned()),
        ("not-objects.json", r#"{"keys":[1,"k"]}"#.to_owned()),
    ] {
        let path = scratch(name, document);
        let run = jwtgate(&["verify", "--jwks", path_str(&path), &token]);
        assert_rejected(&run, "ERR_AUTH_JWKS_INVALID");
    }
    // A well-formed set with no usable key is a key set that holds nothing (a revocation):
    // the token's key is not found.
    for (name, document) in [
        ("empty.json", r#"{"keys":[]}"#),
        (
            "unusable.json",
            r#"{"keys":[{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB"},{"kty":"oct","k":"AAAA"}]}"#,
        ),
    ] {
        let path = scratch(name, document);
        let run = jwtgate(&["verify", "--jwks", path_str(&path), &token]);
        assert_rejected(&run, "ERR_AUTH_KEY_NOT_FOUND");
    }
}

#[test]
fn key_set_failures_over_http() {
    let issuer = DevIssuer::start().unwrap();
    let token = issuer.mint(HOUR);
    let url = issuer.jwks_url();

    issuer.set_mode(Mode::Down);
    let run = jwtgate(&["verify", "--jwks", &url, &token]);
    assert_rejected(&run, "ERR_AUTH_JWKS_FETCH_FAILED");
    assert!(run.stderr.contains("503"), "{}", run.stderr);

    issuer.set_mode(Mode::Garbage);
    assert_rejected(
        &jwtgate(&["verify", "--jwks", &url, &token]),
        "ERR_AUTH_JWKS_INVALID",
    );

    issuer.set_mode(Mode::Huge);
    assert_rejected(
        &jwtgate(&["verify", "--jwks", &url, &token]),
        "ERR_AUTH_JWKS_INVALID",
    );
    assert_eq!(issuer.jwks_requests(), 3);
}

#[test]
fn unreachable_url_is_a_fetch_failure() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let issuer = DevIssuer::start().unwrap();
    let url = format!("http://127.0.0.1:{port}/auth/v1/.well-known/jwks.json");
    let run = jwtgate(&["verify", "--jwks", &url, &issuer.mint(HOUR)]);
    assert_rejected(&run, "ERR_AUTH_JWKS_FETCH_FAILED");
    assert!(run.stderr.contains(&url), "{}", run.stderr);
}

#[test]
fn the_key_set_is_fetched_only_when_the_token_needs_it() {
    let issuer = DevIssuer::start().unwrap();
    let url = issuer.jwks_url();
    issuer.set_mode(Mode::Down);
    // A malformed token is rejected as such, without a fetch.
    assert_rejected(
        &jwtgate(&["verify", "--jwks", &url, "a.b"]),
        "ERR_AUTH_TOKEN_MALFORMED",
    );
    // HS256 with a secret: the outage fallback verifies without the key set.
    let secret = [b's'; 32];
    let secret_file = scratch("fallback-secret", secret);
    let token = hs256_token(&secret, &issuer.claims(HOUR));
    assert_valid(&jwtgate(&[
        "verify",
        "--jwks",
        &url,
        "--hs256-secret-file",
        path_str(&secret_file),
        &token,
    ]));
    assert_eq!(issuer.jwks_requests(), 0);
}

#[test]
fn a_16_kib_token_verifies() {
    let issuer = DevIssuer::start().unwrap();
    let jwks = scratch("big.json", issuer.jwks_json());
    let mut claims = issuer.claims(HOUR);
    claims["pad"] = json!("x".repeat(12_500));
    let token = issuer.sign(&claims);
    assert!(token.len() >= 16 * 1024, "{}", token.len());
    let v = assert_valid(&jwtgate(&["verify", "--jwks", path_str(&jwks), &token]));
    assert_eq!(v["claims"], claims);
    let run = jwtgate_stdin(
        &["verify", "--jwks", path_str(&jwks), "-"],
        Some(format!("{token}\n").as_bytes()),
    );
    assert_valid(&run);
}

#[test]
fn jwks_lists_usable_and_unusable_keys() {
    let issuer = DevIssuer::start().unwrap();
    let mut set: Value = serde_json::from_str(&issuer.jwks_json()).unwrap();
    let good = set["keys"][0].clone();
    let keys = set["keys"].as_array_mut().unwrap();
    keys.push(json!({"kty": "RSA", "kid": "rsa-1", "alg": "RS256", "n": "AQAB", "e": "AQAB"}));
    let mut enc = good.clone();
    enc["kid"] = json!("enc-1");
    enc["use"] = json!("enc");
    keys.push(enc);
    let mut es384 = good.clone();
    es384["kid"] = json!("es384-1");
    es384["alg"] = json!("ES384");
    keys.push(es384);
    let path = scratch("listing.json", set.to_string());

    let run = jwtgate(&["jwks", path_str(&path)]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let out = &run.stdout;
    assert!(out.contains("keys: 4 (1 usable)"), "{out}");
    let kid = issuer.current_kid();
    let line = |needle: &str| {
        out.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle} in {out}"))
            .to_owned()
    };
    let first = line(&format!("kid=\"{kid}\""));
    assert!(first.contains("[0]") && first.contains("EC/P-256") && first.contains("alg=ES256"));
    assert!(first.ends_with(" usable"), "{first}");
    let rsa = line("rsa-1");
    assert!(rsa.contains("[1]") && rsa.contains("RSA") && rsa.contains("alg=RS256"));
    assert!(
        rsa.contains(jwtgate::Unusable::BadRsaModulus.reason()),
        "{rsa}"
    );
    assert!(line("enc-1").contains(jwtgate::Unusable::NotForSignatures.reason()));
    assert!(line("es384-1").contains(jwtgate::Unusable::AlgMismatch.reason()));

    // The same set with the usable key removed: nothing verifies, exit 1.
    set["keys"].as_array_mut().unwrap().remove(0);
    let none = scratch("listing-none.json", set.to_string());
    let run = jwtgate(&["jwks", path_str(&none)]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("keys: 3 (0 usable)"));
    assert!(run.stdout.contains("ERR_AUTH_KEY_NOT_FOUND"));
}

#[test]
fn jwks_reports_the_fetch_and_its_cache_headers() {
    let issuer = DevIssuer::start().unwrap();
    issuer.rotate(true);
    let run = jwtgate(&["jwks", &issuer.jwks_url()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let out = &run.stdout;
    assert!(out.contains("http status: 200"), "{out}");
    assert!(out.contains("cache-control: public, max-age=600"), "{out}");
    assert!(out.contains("max-age: 600 s"), "{out}");
    assert!(out.contains(&format!("etag: {}", issuer.etag())), "{out}");
    assert!(out.contains("keys: 2 (2 usable)"), "{out}");

    issuer.set_mode(Mode::Down);
    let run = jwtgate(&["jwks", &issuer.jwks_url()]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("http status: 503"), "{}", run.stdout);
    assert!(run.stdout.contains("ERR_AUTH_JWKS_FETCH_FAILED"));

    issuer.set_mode(Mode::Garbage);
    let run = jwtgate(&["jwks", &issuer.jwks_url()]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("ERR_AUTH_JWKS_INVALID"),
        "{}",
        run.stdout
    );

    let run = jwtgate(&["jwks", "/nonexistent/jwks.json"]);
    assert_usage_error(&run);
}

#[test]
fn jwks_and_verify_agree_past_the_key_capacity() {
    use jwtgate_tests::{es256_token, jwk, jwks, signing_key};
    // 34 usable keys: the held set is the first 32, so key 33's duplicate kid "a" is not held
    // and key 0's tokens verify. `jwks` must say exactly that, not "ambiguous".
    let kid = |i: u8| match i {
        0 | 33 => "a".to_owned(),
        i => format!("k{i}"),
    };
    let keys: Vec<String> = (0..34u8)
        .map(|i| jwk(&signing_key(i + 1), &format!(r#""kid":"{}""#, kid(i))))
        .collect();
    let path = scratch("capacity.json", jwks(&keys));
    let claims = format!(r#"{{"sub":"u","exp":{}}}"#, now() + 3600);
    let token = es256_token(&signing_key(1), r#"{"alg":"ES256","kid":"a"}"#, &claims);

    let verified = jwtgate(&["verify", "--jwks", path_str(&path), &token]);
    assert_valid(&verified);

    let run = jwtgate(&["jwks", path_str(&path)]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let line = |index: usize| {
        run.stdout
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("[{index}]")))
            .unwrap_or_else(|| panic!("no key [{index}] in {}", run.stdout))
            .to_owned()
    };
    assert!(line(0).ends_with(" usable"), "{}", line(0));
    assert!(
        line(33).contains("beyond the 32-key capacity"),
        "{}",
        line(33)
    );
    assert!(
        run.stdout.contains("keys: 34 (32 usable)"),
        "{}",
        run.stdout
    );

    // Two held keys sharing a kid: both commands reject it.
    let mut dup = keys.clone();
    dup[5] = jwk(&signing_key(6), r#""kid":"a""#);
    let path = scratch("capacity-dup.json", jwks(&dup));
    let run = jwtgate(&["verify", "--jwks", path_str(&path), &token]);
    assert_rejected(&run, "ERR_AUTH_KEY_NOT_FOUND");
    let run = jwtgate(&["jwks", path_str(&path)]);
    assert!(
        line_of(&run.stdout, "[0]").contains("not unique"),
        "{}",
        run.stdout
    );
    assert!(
        line_of(&run.stdout, "[5]").contains("not unique"),
        "{}",
        run.stdout
    );
}

fn line_of<'a>(out: &'a str, prefix: &str) -> &'a str {
    out.lines()
        .find(|l| l.trim_start().starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix} in {out}"))
}

#[test]
fn ordinary_deep_payloads_verify_and_max_depth_bounds_them() {
    let issuer = DevIssuer::start().unwrap();
    let jwks = scratch("depth.json", issuer.jwks_json());
    let nested = |depth: usize| {
        let mut claims = issuer.claims(HOUR);
        let mut value = json!(1);
        // The claims object itself is one level: `depth - 1` more inside it.
        for _ in 1..depth {
            value = json!({ "d": value });
        }
        claims["deep"] = value;
        issuer.sign(&claims)
    };
    // 32 levels: accepted by default (other verifiers do), refused under --max-depth 16.
    assert_valid(&jwtgate(&[
        "verify",
        "--jwks",
        path_str(&jwks),
        &nested(32),
    ]));
    let strict = jwtgate(&[
        "verify",
        "--jwks",
        path_str(&jwks),
        "--max-depth",
        "16",
        &nested(32),
    ]);
    assert_rejected(&strict, "ERR_AUTH_TOKEN_MALFORMED");
    // The parser's limit is 64 levels.
    assert_valid(&jwtgate(&[
        "verify",
        "--jwks",
        path_str(&jwks),
        &nested(64),
    ]));
    let too_deep = jwtgate(&["verify", "--jwks", path_str(&jwks), &nested(65)]);
    assert_rejected(&too_deep, "ERR_AUTH_TOKEN_MALFORMED");
    assert_usage_error(&jwtgate(&[
        "verify",
        "--jwks",
        path_str(&jwks),
        "--max-depth",
        "65",
        &nested(2),
    ]));
}

/// RFC 7515 A.2: an RS256 token and its RSA key (n below, e = AQAB).
const RFC7515_A2_N: &str = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
const RFC7515_A2_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

#[test]
fn rs256_verifies_by_default_and_alg_restricts_it() {
    let set = json!({"keys": [
        {"kty": "RSA", "kid": "rsa", "n": RFC7515_A2_N, "e": "AQAB"},
        {"kty": "OKP", "crv": "Ed25519", "kid": "ed", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
    ]});
    let path = scratch("rs256.json", set.to_string());
    let now = "1300819000";
    let run = jwtgate(&[
        "verify",
        "--jwks",
        path_str(&path),
        "--now",
        now,
        RFC7515_A2_TOKEN,
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let v = one_object(&run);
    assert_eq!(
        (v["alg"].as_str(), v["claims"]["iss"].as_str()),
        (Some("RS256"), Some("joe"))
    );
    // Listed: still verifies. Not listed: ERR_AUTH_ALG_NOT_ALLOWED, exit 1.
    let listed = jwtgate(&[
        "verify",
        "--jwks",
        path_str(&path),
        "--now",
        now,
        "--alg",
        "ES256,RS256",
        RFC7515_A2_TOKEN,
    ]);
    assert_eq!(listed.code, 0, "{}{}", listed.stdout, listed.stderr);
    let off = jwtgate(&[
        "verify",
        "--jwks",
        path_str(&path),
        "--now",
        now,
        "--alg",
        "ES256,EdDSA",
        RFC7515_A2_TOKEN,
    ]);
    assert_eq!(off.code, 1);
    assert_eq!(one_object(&off)["code"], "ERR_AUTH_ALG_NOT_ALLOWED");
    // Unknown names, and HS256 without a secret, are usage errors.
    for alg in ["RS512", "rs256", "HS256"] {
        let run = jwtgate(&[
            "verify",
            "--jwks",
            path_str(&path),
            "--alg",
            alg,
            RFC7515_A2_TOKEN,
        ]);
        assert_eq!(run.code, 2, "--alg {alg}: {}{}", run.stdout, run.stderr);
        assert!(run.stdout.is_empty(), "--alg {alg}");
    }
    // `jwtgate jwks` shows both keys as usable.
    let listing = jwtgate(&["jwks", path_str(&path)]);
    assert_eq!(listing.code, 0);
    assert!(
        listing.stdout.contains("keys: 2 (2 usable)"),
        "{}",
        listing.stdout
    );
    assert!(listing.stdout.contains("OKP/Ed25519"), "{}", listing.stdout);
}
