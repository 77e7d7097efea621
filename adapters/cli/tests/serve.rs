//! End to end: the real `jwtgate serve` binary against a real JWKS server (the development
//! issuer) on 127.0.0.1, through cold starts, outages, rotations, floods and bad bodies.

// Helpers outside `#[test]` functions are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use core::time::Duration;
use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use base64ct::{Base64UrlUnpadded, Encoding as _};
use jwtgate_std::dev_issuer::{DevIssuer, Mode};
use serde_json::Value;

const HOUR: Duration = Duration::from_secs(3600);

/// A running `jwtgate serve`, killed on drop.
struct Serve {
    child: Child,
    base: String,
    http: reqwest::Client,
    /// What it has logged to stderr so far (only for `Serve::start`).
    log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
    fn code(&self) -> String {
        self.json()["code"].as_str().unwrap().to_owned()
    }
}

impl Serve {
    /// Starts `jwtgate serve --listen 127.0.0.1:0` against `issuer` with extra flags.
    fn start(issuer: &DevIssuer, flags: &[&str]) -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_jwtgate"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--jwks-url",
                &issuer.jwks_url(),
                "--iss",
                &issuer.issuer(),
            ])
            .args(["--aud", "authenticated"])
            .args(flags)
            .env_remove("SUPABASE_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        // Keep draining, as a terminal would.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let log = std::sync::Arc::<std::sync::Mutex<String>>::default();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let sink = std::sync::Arc::clone(&log);
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let addr = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected: {first:?}"));
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()
            .unwrap();
        Serve {
            child,
            base: format!("http://{addr}"),
            http,
            log,
        }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        Answer {
            status,
            headers,
            body: response.text().await.unwrap(),
        }
    }

    /// Polls `/readyz` until the key set is loaded (at most 10 s).
    async fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.get("/readyz", None).await.status != 200 {
            assert!(Instant::now() < deadline, "never ready");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn auth(&self, token: &str) -> Answer {
        self.get("/auth", Some(token)).await
    }

    /// One metric's value, e.g. `jwtgate_jwks_fetches_total{result="ok"}`.
    async fn metric(&self, name: &str) -> f64 {
        let text = self.get("/metrics", None).await.body;
        text.lines()
            .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
            .unwrap_or_else(|| panic!("no {name} in\n{text}"))
            .parse()
            .unwrap()
    }
}

/// The same token with its header replaced: a kid the issuer never published.
fn with_kid(token: &str, kid: &str) -> String {
    let (_, rest) = token.split_once('.').unwrap();
    let header = format!(r#"{{"alg":"ES256","kid":"{kid}","typ":"JWT"}}"#);
    format!(
        "{}.{rest}",
        Base64UrlUnpadded::encode_string(header.as_bytes())
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn cold_start_then_hits_with_identity_headers() {
    let issuer = DevIssuer::start().unwrap();
    let serve = Serve::start(&issuer, &[]);
    let token = issuer.mint(HOUR);
    let ok = serve.auth(&token).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.headers["x-auth-sub"], issuer.subject());
    assert_eq!(ok.headers["x-auth-role"], "authenticated");
    for _ in 0..10 {
        assert_eq!(serve.auth(&token).await.status, 200);
    }
    assert_eq!(serve.get("/healthz", None).await.status, 200);
    assert_eq!(serve.get("/readyz", None).await.status, 200);
    // One fetch served everything (the background task and the first request share it).
    assert_eq!(issuer.jwks_requests(), 1);
    assert_eq!(
        serve
            .metric("jwtgate_jwks_fetches_total{result=\"ok\"}")
            .await,
        1.0
    );
    assert_eq!(
        serve
            .metric("jwtgate_verifications_total{code=\"ok\"}")
            .await,
        11.0
    );
    assert_eq!(serve.metric("jwtgate_jwks_keys").await, 1.0);
    // Not in development-issuer mode: no token minting endpoint.
    assert_eq!(serve.get("/dev/token", None).await.status, 404);

    let missing = serve.get("/auth", None).await;
    assert_eq!(
        (missing.status, missing.code().as_str()),
        (401, "ERR_AUTH_TOKEN_MISSING")
    );
    let json = missing.json();
    assert_eq!(json["valid"], false);
    assert_eq!(json["retryable"], false);
    assert_eq!(json["status"], 401);
    assert_eq!(json["message"], "Authentication is required.");
    let tampered = format!("{}AAAA", &token[..token.len() - 4]);
    assert_eq!(
        serve.auth(&tampered).await.code(),
        "ERR_AUTH_SIGNATURE_INVALID"
    );
    assert_eq!(
        serve
            .metric("jwtgate_verifications_total{code=\"ERR_AUTH_TOKEN_MISSING\"}")
            .await,
        1.0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn warm_cache_survives_an_outage_until_ttl_then_503_with_retry_after() {
    let issuer = DevIssuer::start().unwrap();
    let serve = Serve::start(
        &issuer,
        &[
            "--ttl",
            "3",
            "--stale-if-error",
            "0",
            "--failure-cooldown",
            "2",
        ],
    );
    let token = issuer.mint(HOUR);
    assert_eq!(serve.auth(&token).await.status, 200);
    let warmed = Instant::now();
    issuer.set_mode(Mode::Down);
    // Within the ttl the outage is invisible.
    while warmed.elapsed() < Duration::from_millis(1500) {
        assert_eq!(serve.auth(&token).await.status, 200);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(3000)).await;
    let failed = serve.auth(&token).await;
    assert_eq!(failed.status, 503, "{}", failed.body);
    assert_eq!(failed.code(), "ERR_AUTH_JWKS_FETCH_FAILED");
    assert_eq!(failed.json()["retryable"], true);
    assert_eq!(
        failed.json()["message"],
        "Authentication service is temporarily unavailable."
    );
    assert_eq!(failed.headers["retry-after"], "2");
    assert!(
        serve
            .metric("jwtgate_jwks_fetches_total{result=\"error\"}")
            .await
            >= 1.0
    );
    // The issuer comes back: the next fetch after the cooldown heals everything.
    issuer.set_mode(Mode::Up);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(serve.auth(&token).await.status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn stale_if_error_keeps_verifying_past_ttl() {
    let issuer = DevIssuer::start().unwrap();
    let serve = Serve::start(
        &issuer,
        &[
            "--ttl",
            "2",
            "--stale-if-error",
            "60",
            "--failure-cooldown",
            "1",
        ],
    );
    let token = issuer.mint(HOUR);
    assert_eq!(serve.auth(&token).await.status, 200);
    issuer.set_mode(Mode::Down);
    tokio::time::sleep(Duration::from_millis(3100)).await;
    for _ in 0..5 {
        let answer = serve.auth(&token).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    assert!(serve.metric("jwtgate_jwks_stale_serves_total").await >= 1.0);
    assert!(
        serve
            .metric("jwtgate_jwks_fetches_total{result=\"error\"}")
            .await
            >= 1.0
    );
    assert_eq!(
        serve.get("/readyz", None).await.status,
        200,
        "stale keys still serve"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cold_start_storm_during_an_outage_makes_one_fetch_per_cooldown() {
    let issuer = DevIssuer::start().unwrap();
    issuer.set_mode(Mode::Down);
    let started = Instant::now();
    let serve = Serve::start(&issuer, &["--failure-cooldown", "10"]);
    let token = issuer.mint(HOUR);
    let serve = std::sync::Arc::new(serve);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..1000 {
        let serve = serve.clone();
        let token = token.clone();
        tasks.spawn(async move { serve.auth(&token).await });
    }
    let mut answered = 0;
    while let Some(answer) = tasks.join_next().await {
        let answer = answer.unwrap();
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (503, "ERR_AUTH_JWKS_FETCH_FAILED")
        );
        assert!(answer.headers.contains_key("retry-after"));
        answered += 1;
    }
    assert_eq!(answered, 1000);
    let windows = 1 + started.elapsed().as_secs() / 10;
    let fetches = issuer.jwks_requests();
    assert!(
        fetches >= 1 && fetches <= windows,
        "{fetches} fetches in {windows} cooldown windows"
    );
    assert!(serve.metric("jwtgate_jwks_cooldown_rejections_total").await >= 990.0);
    assert_eq!(serve.get("/readyz", None).await.status, 503);
}

#[tokio::test(flavor = "multi_thread")]
async fn key_rotation_is_picked_up_through_an_unknown_kid() {
    let issuer = DevIssuer::start().unwrap();
    let serve = Serve::start(&issuer, &["--unknown-kid-interval", "30"]);
    assert_eq!(serve.auth(&issuer.mint(HOUR)).await.status, 200);
    issuer.rotate(false);
    let rotated = issuer.mint(HOUR);
    let answer = serve.auth(&rotated).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(issuer.jwks_requests(), 2);
    assert_eq!(
        serve
            .metric("jwtgate_jwks_unknown_kid_refreshes_total")
            .await,
        1.0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flood_of_unknown_kids_stays_within_the_refetch_interval() {
    let issuer = DevIssuer::start().unwrap();
    let serve = Serve::start(&issuer, &["--unknown-kid-interval", "30"]);
    let token = issuer.mint(HOUR);
    assert_eq!(serve.auth(&token).await.status, 200);
    let before = issuer.jwks_requests();
    for i in 0..300 {
        let answer = serve
            .auth(&with_kid(&token, &format!("attacker-{i}")))
            .await;
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (401, "ERR_AUTH_KEY_NOT_FOUND")
        );
    }
    assert!(
        issuer.jwks_requests() - before <= 1,
        "{} refetches",
        issuer.jwks_requests() - before
    );
    assert_eq!(
        serve.auth(&token).await.status,
        200,
        "the real key still verifies"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hanging_endpoint_is_cut_off_by_the_fetch_timeout() {
    let issuer = DevIssuer::start().unwrap();
    issuer.set_mode(Mode::Hang);
    let serve = Serve::start(&issuer, &["--fetch-timeout", "1"]);
    let started = Instant::now();
    let answer = serve.auth(&issuer.mint(HOUR)).await;
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (503, "ERR_AUTH_JWKS_FETCH_FAILED")
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endless_body_is_cut_off_by_the_size_cap() {
    let issuer = DevIssuer::start().unwrap();
    issuer.set_mode(Mode::Huge);
    let serve = Serve::start(&issuer, &[]);
    let started = Instant::now();
    let answer = serve.auth(&issuer.mint(HOUR)).await;
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (503, "ERR_AUTH_JWKS_INVALID")
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_garbage_key_set_is_invalid_and_does_not_replace_good_keys() {
    let issuer = DevIssuer::start().unwrap();
    issuer.set_mode(Mode::Garbage);
    let serve = Serve::start(&issuer, &["--failure-cooldown", "1", "--ttl", "2"]);
    let token = issuer.mint(HOUR);
    let answer = serve.auth(&token).await;
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (503, "ERR_AUTH_JWKS_INVALID")
    );
    assert_eq!(answer.json()["retryable"], true);
    issuer.set_mode(Mode::Up);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(serve.auth(&token).await.status, 200);
    // Garbage again after expiry: the good keys stay (stale-if-error) instead of being wiped.
    issuer.set_mode(Mode::Garbage);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(serve.auth(&token).await.status, 200);
    assert_eq!(serve.metric("jwtgate_jwks_keys").await, 1.0);
}

#[tokio::test(flavor = "multi_thread")]
async fn hs256_fallback_serves_during_an_outage() {
    let issuer = DevIssuer::start().unwrap();
    issuer.set_mode(Mode::Down);
    let secret = b"legacy-supabase-jwt-secret-of-at-least-32-bytes";
    let path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("serve-hs256-secret");
    std::fs::write(&path, secret).unwrap();
    let serve = Serve::start(&issuer, &["--hs256-secret-file", path.to_str().unwrap()]);
    let claims = issuer.claims(HOUR).to_string();
    let input = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(br#"{"alg":"HS256","typ":"JWT"}"#),
        Base64UrlUnpadded::encode_string(claims.as_bytes())
    );
    use hmac::Mac as _;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
    mac.update(input.as_bytes());
    let token = format!(
        "{input}.{}",
        Base64UrlUnpadded::encode_string(&mac.finalize().into_bytes())
    );
    let answer = serve.auth(&token).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.headers["x-auth-sub"], issuer.subject());
    // ES256 tokens still need the key set, which is down.
    assert_eq!(serve.auth(&issuer.mint(HOUR)).await.status, 503);
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_move_as_expected() {
    let issuer = DevIssuer::start().unwrap();
    let serve = Serve::start(&issuer, &[]);
    // Once the background fetch has loaded the set, the first verdict is cached too (a
    // request racing a cold cache stores nothing: there is no epoch to store it under).
    serve.wait_ready().await;
    let token = issuer.mint(HOUR);
    assert_eq!(serve.auth(&token).await.status, 200);
    let hits_before = serve.metric("jwtgate_jwks_cache_hits_total").await;
    let token_hits_before = serve.metric("jwtgate_token_cache_hits_total").await;
    for _ in 0..5 {
        serve.auth(&token).await;
    }
    // The repeats are answered from the verified-token cache, and still count as key-cache
    // hits: the hit rate means "answered from held keys".
    assert_eq!(
        serve.metric("jwtgate_token_cache_hits_total").await,
        token_hits_before + 5.0
    );
    assert_eq!(
        serve.metric("jwtgate_jwks_cache_hits_total").await,
        hits_before + 5.0
    );
    let expired = issuer.sign(&{
        let mut c = issuer.claims(HOUR);
        c["exp"] = Value::from(1_000_000_000u64);
        c
    });
    assert_eq!(serve.auth(&expired).await.code(), "ERR_AUTH_TOKEN_EXPIRED");
    assert_eq!(
        serve
            .metric("jwtgate_verifications_total{code=\"ERR_AUTH_TOKEN_EXPIRED\"}")
            .await,
        1.0
    );
    assert_eq!(
        serve
            .metric("jwtgate_verifications_total{code=\"ok\"}")
            .await,
        6.0
    );
    // The first fetch was made by the background task or by the first request, never both.
    assert_eq!(
        serve
            .metric("jwtgate_jwks_fetches_total{result=\"ok\"}")
            .await,
        1.0
    );
    assert!(serve.metric("jwtgate_jwks_cache_misses_total").await <= 1.0);
    assert_eq!(
        serve
            .metric("jwtgate_verification_duration_seconds_count")
            .await,
        7.0
    );
}

// ---------------------------------------------------------------------------------------------
// Configuration that must fail closed.

/// Runs `jwtgate serve` with `args` and `SUPABASE_URL` as given; it must exit within 10 s.
/// Returns the exit code, stdout and stderr.
fn serve_exits(args: &[&str], supabase_url: Option<&str>) -> (Option<i32>, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_jwtgate"));
    command.arg("serve").args(args).env_remove("SUPABASE_URL");
    if let Some(url) = supabase_url {
        command.env("SUPABASE_URL", url);
    }
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "serve {args:?} kept running; stdout:\n{}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn no_issuer_on_a_non_loopback_listen_exits_2() {
    for listen in ["0.0.0.0:0", "[::]:0"] {
        let (code, stdout, stderr) = serve_exits(&["--listen", listen], None);
        assert_eq!(code, Some(2), "{listen}: {stderr}");
        assert!(!stdout.contains("listening"), "{listen}: {stdout}");
        assert!(
            stderr.contains("--supabase-url") && stderr.contains("--jwks-url"),
            "{stderr}"
        );
    }
}

#[test]
fn empty_or_invalid_issuer_urls_exit_2() {
    let cases: [(&[&str], Option<&str>); 5] = [
        (&["--listen", "127.0.0.1:0"], Some("")),
        (&["--listen", "127.0.0.1:0"], Some("not a url")),
        (
            &["--listen", "127.0.0.1:0", "--supabase-url", "ftp://x"],
            None,
        ),
        (&["--listen", "127.0.0.1:0", "--jwks-url", ""], None),
        (&["--listen", "0.0.0.0:0", "--jwks-url", "/jwks.json"], None),
    ];
    for (args, env) in cases {
        let (code, stdout, stderr) = serve_exits(args, env);
        assert_eq!(code, Some(2), "{args:?} SUPABASE_URL={env:?}: {stderr}");
        assert!(!stdout.contains("listening"), "{stdout}");
        assert!(stderr.contains("URL"), "{stderr}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn dev_issuer_on_loopback_warns_and_mints() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jwtgate"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_remove("SUPABASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut text = String::new();
    while !text.contains("/metrics") {
        assert!(stdout.read_line(&mut text).unwrap() > 0, "{text}");
    }
    let serve = Serve {
        base: format!(
            "http://{}",
            text.lines()
                .next()
                .unwrap()
                .strip_prefix("listening on ")
                .unwrap()
        ),
        child,
        http: reqwest::Client::new(),
        log: std::sync::Arc::default(),
    };
    assert!(
        text.contains("mints a valid token for anyone who asks"),
        "{text}"
    );
    let minted = serve.get("/dev/token", None).await;
    assert_eq!(minted.status, 200);
    let ok = serve.auth(minted.body.trim()).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_emptied_set_revokes_a_valid_key_within_the_ttl() {
    let issuer = DevIssuer::start().unwrap();
    let serve = Serve::start(&issuer, &["--ttl", "2"]);
    serve.wait_ready().await;
    let seen = issuer.mint(HOUR);
    assert_eq!(serve.auth(&seen).await.status, 200);
    // The issuer revokes its only key by publishing an empty set.
    issuer.set_mode(Mode::Empty);
    let never_seen = issuer.sign(&{
        let mut c = issuer.claims(HOUR);
        c["session_id"] = Value::from("another-session");
        c
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let answer = serve.auth(&never_seen).await;
        if answer.status == 401 {
            assert_eq!(answer.code(), "ERR_AUTH_KEY_NOT_FOUND");
            break;
        }
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert!(Instant::now() < deadline, "the revoked key still verifies");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A token verified before the revocation is not answered from the token cache either.
    assert_eq!(serve.auth(&seen).await.code(), "ERR_AUTH_KEY_NOT_FOUND");
    assert_eq!(serve.get("/readyz", None).await.status, 503);
    assert!(serve.metric("jwtgate_jwks_empty_sets_total").await >= 1.0);
    assert!(
        serve.log().contains("JWK Set has no usable key"),
        "no warning logged:\n{}",
        serve.log()
    );
    assert_eq!(serve.metric("jwtgate_jwks_keys").await, 0.0);
    // The issuer publishes keys again: served again.
    issuer.set_mode(Mode::Up);
    let deadline = Instant::now() + Duration::from_secs(10);
    while serve.auth(&never_seen).await.status != 200 {
        assert!(Instant::now() < deadline, "keys never came back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    serve.wait_ready().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirecting_endpoint_is_a_fetch_failure() {
    let issuer = DevIssuer::start().unwrap();
    issuer.set_mode(Mode::Redirect);
    let serve = Serve::start(&issuer, &[]);
    let answer = serve.auth(&issuer.mint(HOUR)).await;
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (503, "ERR_AUTH_JWKS_FETCH_FAILED")
    );
    assert!(answer.headers.contains_key("retry-after"));
    assert_eq!(serve.get("/readyz", None).await.status, 503);
}

// ---------------------------------------------------------------------------------------------
// Bounded connections and every forward-auth request shape.

/// Reads from `stream` until the server closes it (or answers and closes); returns how long
/// that took and what was read. Gives up after `limit`.
fn read_until_closed(stream: &mut std::net::TcpStream, limit: Duration) -> (Duration, String) {
    use std::io::Read as _;
    let started = Instant::now();
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
        if started.elapsed() > limit {
            break;
        }
    }
    (
        started.elapsed(),
        String::from_utf8_lossy(&got).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_header_client_is_cut_off_while_others_are_served() {
    use std::io::Write as _;
    let issuer = DevIssuer::start().unwrap();
    let serve = Serve::start(&issuer, &["--header-read-timeout", "1"]);
    serve.wait_ready().await;
    let addr = serve.base.trim_start_matches("http://").to_owned();
    let trickle = std::thread::spawn(move || {
        let mut slow = std::net::TcpStream::connect(&addr).unwrap();
        slow.write_all(b"GET /auth HTTP/1.1\r\nHost: x\r\n")
            .unwrap();
        // One more header line every 300 ms, never the blank line that ends the head.
        let started = Instant::now();
        let mut cut = None;
        for i in 0..30 {
            std::thread::sleep(Duration::from_millis(300));
            if slow
                .write_all(format!("X-Slow-{i}: y\r\n").as_bytes())
                .is_err()
            {
                cut = Some(started.elapsed());
                break;
            }
            slow.set_read_timeout(Some(Duration::from_millis(1)))
                .unwrap();
            let mut b = [0u8; 64];
            // An answer (408), end of stream or a reset all mean the server let go.
            match std::io::Read::read(&mut slow, &mut b) {
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                _ => {
                    cut = Some(started.elapsed());
                    break;
                }
            }
        }
        cut
    });
    // Meanwhile a normal client is answered at once, again and again.
    let token = issuer.mint(HOUR);
    for _ in 0..5 {
        assert_eq!(serve.auth(&token).await.status, 200);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let cut = trickle
        .join()
        .unwrap()
        .expect("the slow client was never cut off");
    assert!(cut < Duration::from_secs(5), "cut off only after {cut:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_keep_alive_connection_is_closed() {
    use std::io::Write as _;
    let issuer = DevIssuer::start().unwrap();
    let serve = Serve::start(&issuer, &["--header-read-timeout", "1"]);
    let mut conn = std::net::TcpStream::connect(serve.base.trim_start_matches("http://")).unwrap();
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    // The answer, then the server closes the idle connection about a second later.
    let (took, got) = read_until_closed(&mut conn, Duration::from_secs(8));
    assert!(got.starts_with("HTTP/1.1 200"), "{got}");
    assert!(
        took < Duration::from_secs(6),
        "idle connection kept {took:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let issuer = DevIssuer::start().unwrap();
    let serve = Serve::start(
        &issuer,
        &["--max-connections", "2", "--header-read-timeout", "30"],
    );
    let addr = serve.base.trim_start_matches("http://").to_owned();
    // Two silent connections hold both slots.
    let mut held: Vec<_> = (0..2)
        .map(|_| std::net::TcpStream::connect(&addr).unwrap())
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let fresh = reqwest::Client::builder()
        .timeout(Duration::from_millis(800))
        .build()
        .unwrap();
    let url = format!("{}/healthz", serve.base);
    assert!(
        fresh.get(&url).send().await.is_err(),
        "a third connection was served while two held the cap"
    );
    // One slot frees: served again.
    drop(held.pop());
    let fresh = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    assert_eq!(fresh.get(&url).send().await.unwrap().status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_stuck_on_a_hanging_fetch_times_out_with_408() {
    let issuer = DevIssuer::start().unwrap();
    issuer.set_mode(Mode::Hang);
    let serve = Serve::start(
        &issuer,
        &["--fetch-timeout", "30", "--request-timeout", "1"],
    );
    let started = Instant::now();
    let answer = serve.auth(&issuer.mint(HOUR)).await;
    assert_eq!(answer.status, 408, "{}", answer.body);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test(flavor = "multi_thread")]
async fn auth_answers_every_method_and_path_below_it() {
    let issuer = DevIssuer::start().unwrap();
    let serve = Serve::start(&issuer, &[]);
    let token = issuer.mint(HOUR);
    let expired = issuer.sign(&{
        let mut c = issuer.claims(HOUR);
        c["exp"] = Value::from(1_000_000_000u64);
        c
    });
    let send = |method: reqwest::Method, path: &str, token: &str| {
        serve
            .http
            .request(method, format!("{}{path}", serve.base))
            .bearer_auth(token)
            .send()
    };
    // Envoy's HTTP ext_authz: the original method and path behind `path_prefix: /auth`.
    for (method, path) in [
        (reqwest::Method::GET, "/auth"),
        (reqwest::Method::POST, "/auth/api/x"),
        (reqwest::Method::DELETE, "/auth/"),
        (reqwest::Method::PUT, "/auth/a/b/c?q=1"),
        (reqwest::Method::HEAD, "/auth"),
        (reqwest::Method::OPTIONS, "/auth/api"),
    ] {
        let ok = send(method.clone(), path, &token).await.unwrap();
        assert_eq!(ok.status(), 200, "{method} {path}");
        assert_eq!(ok.headers()["x-auth-sub"], issuer.subject());
        let denied = send(method.clone(), path, &expired).await.unwrap();
        assert_eq!(denied.status(), 401, "{method} {path}");
        if method != reqwest::Method::HEAD {
            let body: Value = serde_json::from_str(&denied.text().await.unwrap()).unwrap();
            assert_eq!(body["code"], "ERR_AUTH_TOKEN_EXPIRED");
        }
    }
    // Other paths are still not forward-auth.
    assert_eq!(serve.get("/authx", None).await.status, 404);
}

// ---------------------------------------------------------------------------------------------
// Envoy's gRPC ext_authz.

/// Starts `serve` with `--grpc-listen 127.0.0.1:0` and returns it with the gRPC address.
fn start_with_grpc(issuer: &DevIssuer) -> (Serve, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jwtgate"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--grpc-listen",
            "127.0.0.1:0",
        ])
        .args(["--jwks-url", &issuer.jwks_url(), "--iss", &issuer.issuer()])
        .args(["--aud", "authenticated"])
        .env_remove("SUPABASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let (mut first, mut second) = (String::new(), String::new());
    stdout.read_line(&mut first).unwrap();
    stdout.read_line(&mut second).unwrap();
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let addr = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    let grpc = second
        .trim()
        .strip_prefix("gRPC ext_authz on ")
        .unwrap_or_else(|| panic!("no gRPC line: {second:?}"))
        .to_owned();
    let serve = Serve {
        child,
        base: format!("http://{addr}"),
        http: reqwest::Client::new(),
        log: std::sync::Arc::default(),
    };
    (serve, grpc)
}

fn check_request(authorization: Option<&str>) -> envoy_types::ext_authz::v3::pb::CheckRequest {
    use envoy_types::pb::envoy::service::auth::v3::attribute_context::{HttpRequest, Request};
    use envoy_types::pb::envoy::service::auth::v3::{AttributeContext, CheckRequest};
    let mut headers = std::collections::HashMap::new();
    headers.insert(":path".to_owned(), "/api/orders".to_owned());
    if let Some(value) = authorization {
        headers.insert("authorization".to_owned(), value.to_owned());
    }
    CheckRequest {
        attributes: Some(AttributeContext {
            request: Some(Request {
                http: Some(HttpRequest {
                    method: "POST".to_owned(),
                    path: "/api/orders".to_owned(),
                    headers,
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        }),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn grpc_check_allows_a_valid_token_and_denies_an_expired_one() {
    use envoy_types::ext_authz::v3::pb::HttpResponse;
    use envoy_types::pb::envoy::service::auth::v3::authorization_client::AuthorizationClient;
    let issuer = DevIssuer::start().unwrap();
    let (_serve, grpc) = start_with_grpc(&issuer);
    let mut client = AuthorizationClient::connect(format!("http://{grpc}"))
        .await
        .unwrap();
    let header = |headers: &[envoy_types::ext_authz::v3::pb::HeaderValueOption], name: &str| {
        headers
            .iter()
            .filter_map(|h| h.header.as_ref())
            .find(|h| h.key == name)
            .map(|h| h.value.clone())
    };

    let token = issuer.mint(HOUR);
    let ok = client
        .check(check_request(Some(&format!("Bearer {token}"))))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(ok.status.as_ref().unwrap().code, 0, "{ok:?}");
    let Some(HttpResponse::OkResponse(allowed)) = ok.http_response else {
        panic!("no OK response: {ok:?}");
    };
    assert_eq!(
        header(&allowed.headers, "x-auth-sub"),
        Some(issuer.subject().to_owned())
    );
    assert_eq!(
        header(&allowed.headers, "x-auth-role").as_deref(),
        Some("authenticated")
    );

    let expired = issuer.sign(&{
        let mut c = issuer.claims(HOUR);
        c["exp"] = Value::from(1_000_000_000u64);
        c
    });
    for (authorization, code) in [
        (Some(format!("Bearer {expired}")), "ERR_AUTH_TOKEN_EXPIRED"),
        (None, "ERR_AUTH_TOKEN_MISSING"),
    ] {
        let denied = client
            .check(check_request(authorization.as_deref()))
            .await
            .unwrap()
            .into_inner();
        // UNAUTHENTICATED, with the HTTP answer Envoy sends the client.
        assert_eq!(denied.status.as_ref().unwrap().code, 16, "{denied:?}");
        let Some(HttpResponse::DeniedResponse(answer)) = denied.http_response else {
            panic!("no denial: {denied:?}");
        };
        assert_eq!(answer.status.unwrap().code, 401);
        let body: Value = serde_json::from_str(&answer.body).unwrap();
        assert_eq!(body["code"], code);
        assert_eq!(body["status"], 401);
        assert_eq!(
            header(&answer.headers, "www-authenticate").as_deref(),
            Some("Bearer")
        );
    }

    // During an outage on a cold cache: UNAVAILABLE, 503 with Retry-After.
    let cold = DevIssuer::start().unwrap();
    cold.set_mode(Mode::Down);
    let (_serve, grpc) = start_with_grpc(&cold);
    let mut client = AuthorizationClient::connect(format!("http://{grpc}"))
        .await
        .unwrap();
    let token = cold.mint(HOUR);
    let denied = client
        .check(check_request(Some(&format!("Bearer {token}"))))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(denied.status.as_ref().unwrap().code, 14, "{denied:?}");
    let Some(HttpResponse::DeniedResponse(answer)) = denied.http_response else {
        panic!("no denial: {denied:?}");
    };
    assert_eq!(answer.status.unwrap().code, 503);
    assert!(header(&answer.headers, "retry-after").is_some());
}

#[test]
fn no_issuer_with_a_non_loopback_grpc_listen_exits_2() {
    let (code, stdout, stderr) = serve_exits(
        &["--listen", "127.0.0.1:0", "--grpc-listen", "0.0.0.0:0"],
        None,
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(!stdout.contains("listening"), "{stdout}");
    assert!(stderr.contains("--jwks-url"), "{stderr}");
}
