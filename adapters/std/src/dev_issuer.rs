//! A development issuer on loopback: a stand-in for Supabase Auth that works offline.
//!
//! [`DevIssuer::start`] generates a fresh P-256 key, binds `127.0.0.1:0` and serves, on its own
//! thread and runtime:
//!
//! - `GET /auth/v1/.well-known/jwks.json`: the JWK Set, with `Cache-Control: public,
//!   max-age=N` and an `ETag` (a matching `If-None-Match` answers `304`);
//! - `POST /dev/outage?mode=up|down|hang|garbage|huge|empty|redirect`: simulate an outage or
//!   a revocation (see [`Mode`]);
//!   `GET /dev/outage` tells the current mode;
//! - `POST /dev/rotate?keep=true|false`: sign with a new key, keeping the old one published
//!   or dropping it.
//!
//! Tokens come from [`DevIssuer::mint`] and are shaped like Supabase access tokens: ES256 with
//! a `kid`, `iss` = `{base_url}/auth/v1`, `aud` = `authenticated`, `role`, `aal`,
//! `session_id`, `email`, `is_anonymous`, `iat`, `exp`.
//!
//! ```
//! use std::time::Duration;
//! use jwtgate_std::dev_issuer::{DevIssuer, Mode};
//!
//! let issuer = DevIssuer::start()?;
//! let token = issuer.mint(Duration::from_secs(3600));
//! assert_eq!(token.split('.').count(), 3);
//! assert!(issuer.jwks_url().ends_with("/auth/v1/.well-known/jwks.json"));
//! issuer.set_mode(Mode::Down); // the JWKS endpoint now answers 503
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Not for production: keys live in memory and anyone who can reach the port can change its
//! mode. It only listens where it is told to (loopback by default).

use core::fmt;
use core::net::{Ipv4Addr, SocketAddr};
use core::str::FromStr;
use core::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use core::time::Duration;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH, LOCATION, RETRY_AFTER};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64ct::{Base64UrlUnpadded, Encoding as _};
use bytes::Bytes;
use futures_util::StreamExt as _;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use rand_core::{OsRng, RngCore as _};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

/// Where the JWK Set is served, as on Supabase Auth.
pub const JWKS_PATH: &str = "/auth/v1/.well-known/jwks.json";
/// The default `Cache-Control: max-age` of the JWK Set (Supabase Auth also uses 600 s).
pub const DEFAULT_MAX_AGE: u64 = 600;
/// The length of the body served in [`Mode::Huge`].
pub const HUGE_BODY_LEN: usize = 10 * 1024 * 1024;

const HUGE_CHUNK_LEN: usize = 64 * 1024;

/// How the JWKS endpoint behaves; change it at runtime with [`DevIssuer::set_mode`] or
/// `POST /dev/outage?mode=…`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Serve the JWK Set (the default).
    #[default]
    Up,
    /// Answer `503 Service Unavailable`.
    Down,
    /// Accept the connection and the request, never answer.
    Hang,
    /// Answer `200` with a body that is not JSON (a proxy's HTML error page).
    Garbage,
    /// Answer `200` with a 10 MiB streamed body (no `Content-Length`).
    Huge,
    /// Answer `200` with a well-formed JWK Set holding no key: every key revoked.
    Empty,
    /// Answer `302 Found` pointing at another origin (on loopback; never followed).
    Redirect,
}

/// Where [`Mode::Redirect`] points: another origin, on loopback, that nothing serves.
pub const REDIRECT_TARGET: &str = "http://127.0.0.1:9/elsewhere/jwks.json";

impl Mode {
    /// Every mode.
    pub const ALL: [Mode; 7] = [
        Mode::Up,
        Mode::Down,
        Mode::Hang,
        Mode::Garbage,
        Mode::Huge,
        Mode::Empty,
        Mode::Redirect,
    ];

    /// The lower-case name used by `/dev/outage?mode=`.
    pub const fn name(self) -> &'static str {
        match self {
            Mode::Up => "up",
            Mode::Down => "down",
            Mode::Hang => "hang",
            Mode::Garbage => "garbage",
            Mode::Huge => "huge",
            Mode::Empty => "empty",
            Mode::Redirect => "redirect",
        }
    }

    const fn to_u8(self) -> u8 {
        match self {
            Mode::Up => 0,
            Mode::Down => 1,
            Mode::Hang => 2,
            Mode::Garbage => 3,
            Mode::Huge => 4,
            Mode::Empty => 5,
            Mode::Redirect => 6,
        }
    }

    const fn from_u8(v: u8) -> Mode {
        match v {
            1 => Mode::Down,
            2 => Mode::Hang,
            3 => Mode::Garbage,
            4 => Mode::Huge,
            5 => Mode::Empty,
            6 => Mode::Redirect,
            _ => Mode::Up,
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A mode name that is not one of [`Mode::ALL`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownMode(pub String);

impl fmt::Display for UnknownMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown mode {:?} (expected up, down, hang, garbage or huge)",
            self.0
        )
    }
}

impl core::error::Error for UnknownMode {}

impl FromStr for Mode {
    type Err = UnknownMode;

    fn from_str(s: &str) -> Result<Mode, UnknownMode> {
        Mode::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownMode(s.to_owned()))
    }
}

/// Where and how a [`DevIssuer`] serves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DevIssuerConfig {
    /// The address to bind (default `127.0.0.1:0`, a free loopback port).
    pub addr: SocketAddr,
    /// `Cache-Control: max-age` of the JWK Set, in seconds (default [`DEFAULT_MAX_AGE`]).
    pub max_age: u64,
}

impl Default for DevIssuerConfig {
    fn default() -> Self {
        DevIssuerConfig {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            max_age: DEFAULT_MAX_AGE,
        }
    }
}

struct SigningEntry {
    kid: String,
    key: SigningKey,
}

impl SigningEntry {
    fn generate() -> SigningEntry {
        SigningEntry {
            kid: uuid_v4(),
            key: SigningKey::random(&mut OsRng),
        }
    }

    /// The public JWK, shaped like Supabase Auth's.
    fn jwk(&self) -> Value {
        let point = self.key.verifying_key().to_encoded_point(false);
        let coordinate = |c: Option<&p256::FieldBytes>| {
            c.map_or_else(String::new, |c| Base64UrlUnpadded::encode_string(c))
        };
        json!({
            "alg": "ES256",
            "crv": "P-256",
            "ext": true,
            "key_ops": ["verify"],
            "kid": self.kid,
            "kty": "EC",
            "use": "sig",
            "x": coordinate(point.x()),
            "y": coordinate(point.y()),
        })
    }

    fn sign(&self, claims: &Value) -> String {
        let header = json!({"alg": "ES256", "kid": self.kid, "typ": "JWT"});
        let mut token = Base64UrlUnpadded::encode_string(header.to_string().as_bytes());
        token.push('.');
        token.push_str(&Base64UrlUnpadded::encode_string(
            claims.to_string().as_bytes(),
        ));
        let signature: Signature = self.key.sign(token.as_bytes());
        token.push('.');
        token.push_str(&Base64UrlUnpadded::encode_string(&signature.to_bytes()));
        token
    }
}

/// The signing key and the retired keys still published.
struct Keys {
    current: SigningEntry,
    retired: Vec<SigningEntry>,
}

impl Keys {
    fn all(&self) -> impl Iterator<Item = &SigningEntry> {
        core::iter::once(&self.current).chain(&self.retired)
    }
}

struct Shared {
    keys: Mutex<Keys>,
    mode: AtomicU8,
    max_age: AtomicU64,
    jwks_requests: AtomicU64,
    base_url: String,
    subject: String,
}

impl Shared {
    fn keys(&self) -> MutexGuard<'_, Keys> {
        // Nothing panics while holding the lock; a poisoned lock still holds valid keys.
        self.keys.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn mode(&self) -> Mode {
        Mode::from_u8(self.mode.load(Ordering::Relaxed))
    }

    /// A new current key; the previous ones stay published with `keep_old`, else are dropped.
    fn rotate(&self, keep_old: bool) -> String {
        // Key generation happens outside the lock.
        let fresh = SigningEntry::generate();
        let kid = fresh.kid.clone();
        let mut keys = self.keys();
        let old = core::mem::replace(&mut keys.current, fresh);
        if keep_old {
            keys.retired.insert(0, old);
        } else {
            keys.retired.clear();
        }
        kid
    }

    /// The JWK Set document and its `ETag` (a digest of the document).
    fn jwks(&self) -> (String, String) {
        let keys: Vec<Value> = self.keys().all().map(SigningEntry::jwk).collect();
        let document = json!({ "keys": keys }).to_string();
        let digest = Sha256::digest(document.as_bytes());
        let etag = digest
            .iter()
            .take(12)
            .fold(String::from("\""), |mut tag, b| {
                tag.push_str(&format!("{b:02x}"));
                tag
            })
            + "\"";
        (document, etag)
    }
}

/// Stops the server thread when the last [`DevIssuer`] clone is dropped.
struct ServerGuard {
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for ServerGuard {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            // The server may already be gone; nothing else to do then.
            let _ = tx.send(());
        }
    }
}

/// A running development issuer. Clones share it; it stops when the last clone is dropped
/// (connections held open by [`Mode::Hang`] are dropped with it).
#[derive(Clone)]
pub struct DevIssuer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    _server: Arc<ServerGuard>,
}

impl fmt::Debug for DevIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DevIssuer")
            .field("base_url", &self.shared.base_url)
            .field("mode", &self.mode())
            .field("current_kid", &self.current_kid())
            .finish_non_exhaustive()
    }
}

impl DevIssuer {
    /// Starts an issuer on a free loopback port with the default configuration.
    ///
    /// Runs on its own thread and single-threaded runtime, so it works from synchronous code
    /// and from inside any async runtime alike.
    ///
    /// # Errors
    /// The I/O error if the address cannot be bound or the thread cannot be spawned.
    pub fn start() -> io::Result<DevIssuer> {
        DevIssuer::start_with(DevIssuerConfig::default())
    }

    /// Starts an issuer with `config`.
    ///
    /// # Errors
    /// As [`DevIssuer::start`].
    pub fn start_with(config: DevIssuerConfig) -> io::Result<DevIssuer> {
        let listener = std::net::TcpListener::bind(config.addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            keys: Mutex::new(Keys {
                current: SigningEntry::generate(),
                retired: Vec::new(),
            }),
            mode: AtomicU8::new(Mode::Up.to_u8()),
            max_age: AtomicU64::new(config.max_age),
            jwks_requests: AtomicU64::new(0),
            base_url: format!("http://{addr}"),
            subject: uuid_v4(),
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let app = router(Arc::clone(&shared));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("jwtgate-dev-issuer".to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    let server = core::pin::pin!(axum::serve(listener, app).into_future());
                    // Either the server fails or the last handle is dropped; dropping the
                    // runtime after this also drops every open (e.g. hanging) connection.
                    futures_util::future::select(server, rx).await;
                });
            })?;
        Ok(DevIssuer {
            shared,
            addr,
            _server: Arc::new(ServerGuard { shutdown: Some(tx) }),
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, the stand-in for `SUPABASE_URL`.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The `iss` of minted tokens: `{base_url}/auth/v1`.
    pub fn issuer(&self) -> String {
        format!("{}/auth/v1", self.shared.base_url)
    }

    /// The JWK Set URL: `{base_url}/auth/v1/.well-known/jwks.json`.
    pub fn jwks_url(&self) -> String {
        format!("{}{JWKS_PATH}", self.shared.base_url)
    }

    /// The `sub` of minted tokens: one development user per issuer (UUID-shaped).
    pub fn subject(&self) -> &str {
        &self.shared.subject
    }

    /// Mints an access token valid from now for `ttl`, signed with the current key.
    pub fn mint(&self, ttl: Duration) -> String {
        self.sign(&self.claims(ttl))
    }

    /// The claims [`DevIssuer::mint`] signs, as a JSON object to adjust before
    /// [`DevIssuer::sign`]: `iss`, `aud` (`authenticated`), `sub`, `role`
    /// (`authenticated`), `aal` (`aal1`), `amr`, `session_id` (fresh), `email`, `phone`,
    /// `app_metadata`, `user_metadata`, `is_anonymous` (`false`), `iat` (now) and `exp`.
    pub fn claims(&self, ttl: Duration) -> Value {
        let now = unix_now();
        json!({
            "aal": "aal1",
            "amr": [{"method": "password", "timestamp": now}],
            "app_metadata": {"provider": "email", "providers": ["email"]},
            "aud": "authenticated",
            "email": "dev@example.com",
            "exp": now.saturating_add(ttl.as_secs()),
            "iat": now,
            "is_anonymous": false,
            "iss": self.issuer(),
            "phone": "",
            "role": "authenticated",
            "session_id": uuid_v4(),
            "sub": self.shared.subject,
            "user_metadata": {},
        })
    }

    /// Signs any claims (serialized compactly) with the current key: header
    /// `{"alg":"ES256","kid":…,"typ":"JWT"}`.
    pub fn sign(&self, claims: &Value) -> String {
        self.shared.keys().current.sign(claims)
    }

    /// Signs with a specific published key (current or retired), or `None` if `kid` is not
    /// published.
    pub fn sign_with_kid(&self, kid: &str, claims: &Value) -> Option<String> {
        let keys = self.shared.keys();
        keys.all()
            .find(|e| e.kid == kid)
            .map(|entry| entry.sign(claims))
    }

    /// The `kid` new tokens are signed with.
    pub fn current_kid(&self) -> String {
        self.shared.keys().current.kid.clone()
    }

    /// Every published `kid`, current first.
    pub fn kids(&self) -> Vec<String> {
        self.shared.keys().all().map(|e| e.kid.clone()).collect()
    }

    /// Generates a new signing key with a new `kid` and returns the `kid`. With `keep_old`
    /// every previous key stays published (tokens it signed keep verifying); without, only
    /// the new key is published.
    pub fn rotate(&self, keep_old: bool) -> String {
        self.shared.rotate(keep_old)
    }

    /// Stops publishing a retired key. Returns whether it was published; the current key
    /// cannot be retired this way (rotate first).
    pub fn retire(&self, kid: &str) -> bool {
        let mut keys = self.shared.keys();
        let before = keys.retired.len();
        keys.retired.retain(|e| e.kid != kid);
        keys.retired.len() != before
    }

    /// The JWK Set currently served (in [`Mode::Up`]).
    pub fn jwks_json(&self) -> String {
        self.shared.jwks().0
    }

    /// The `ETag` currently served with the JWK Set.
    pub fn etag(&self) -> String {
        self.shared.jwks().1
    }

    /// Changes how the JWKS endpoint behaves from the next request on.
    pub fn set_mode(&self, mode: Mode) {
        self.shared.mode.store(mode.to_u8(), Ordering::Relaxed);
    }

    /// How the JWKS endpoint behaves now.
    pub fn mode(&self) -> Mode {
        self.shared.mode()
    }

    /// Changes the JWK Set's `Cache-Control: max-age`.
    pub fn set_max_age(&self, seconds: u64) {
        self.shared.max_age.store(seconds, Ordering::Relaxed);
    }

    /// How many requests reached the JWKS endpoint, whatever the mode and answer (`304`s
    /// and simulated failures included).
    pub fn jwks_requests(&self) -> u64 {
        self.shared.jwks_requests.load(Ordering::Relaxed)
    }

    /// The counter behind [`DevIssuer::jwks_requests`] (e.g. to reset it between phases).
    pub fn jwks_request_counter(&self) -> &AtomicU64 {
        &self.shared.jwks_requests
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(JWKS_PATH, get(jwks))
        .route("/dev/outage", post(set_outage).get(get_outage))
        .route("/dev/rotate", post(rotate))
        .with_state(shared)
}

async fn jwks(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    shared.jwks_requests.fetch_add(1, Ordering::Relaxed);
    match shared.mode() {
        Mode::Up => {}
        Mode::Down => {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(RETRY_AFTER, "5")],
                "development issuer: simulated outage\n",
            )
                .into_response();
        }
        Mode::Hang => return core::future::pending().await,
        Mode::Garbage => {
            return (
                StatusCode::OK,
                [(CONTENT_TYPE, "application/json")],
                "<html><body><h1>502 Bad Gateway</h1></body></html>\n",
            )
                .into_response();
        }
        Mode::Huge => {
            let chunk = Bytes::from(vec![b' '; HUGE_CHUNK_LEN]);
            let body = futures_util::stream::iter([Bytes::from_static(b"{\"keys\":[")])
                .chain(futures_util::stream::repeat(chunk).take(HUGE_BODY_LEN / HUGE_CHUNK_LEN))
                .map(Ok::<Bytes, core::convert::Infallible>);
            return (
                StatusCode::OK,
                [(CONTENT_TYPE, "application/json")],
                Body::from_stream(body),
            )
                .into_response();
        }
        Mode::Empty => {
            return (
                StatusCode::OK,
                [(CONTENT_TYPE, "application/json")],
                "{\"keys\":[]}",
            )
                .into_response();
        }
        Mode::Redirect => {
            return (
                StatusCode::FOUND,
                [(LOCATION, REDIRECT_TARGET)],
                "development issuer: moved\n",
            )
                .into_response();
        }
    }
    let (document, etag) = shared.jwks();
    let cache_control = format!("public, max-age={}", shared.max_age.load(Ordering::Relaxed));
    if etag_matches(&headers, &etag) {
        return (
            StatusCode::NOT_MODIFIED,
            [(CACHE_CONTROL, cache_control), (ETAG, etag)],
        )
            .into_response();
    }
    (
        StatusCode::OK,
        [
            (CONTENT_TYPE, "application/json".to_owned()),
            (CACHE_CONTROL, cache_control),
            (ETAG, etag),
        ],
        document,
    )
        .into_response()
}

/// `If-None-Match` uses weak comparison (RFC 9110 §13.1.2): `W/` prefixes do not matter.
fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
}

fn query_param<'q>(query: Option<&'q str>, name: &str) -> Option<&'q str> {
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find_map(|(k, v)| (k == name).then_some(v))
}

async fn set_outage(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    match query_param(query.as_deref(), "mode").map(Mode::from_str) {
        Some(Ok(mode)) => {
            shared.mode.store(mode.to_u8(), Ordering::Relaxed);
            format!("mode={mode}\n").into_response()
        }
        Some(Err(err)) => (StatusCode::BAD_REQUEST, format!("{err}\n")).into_response(),
        None => (
            StatusCode::BAD_REQUEST,
            "usage: POST /dev/outage?mode=up|down|hang|garbage|huge|empty|redirect\n",
        )
            .into_response(),
    }
}

async fn get_outage(State(shared): State<Arc<Shared>>) -> String {
    format!("mode={}\n", shared.mode())
}

async fn rotate(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    let keep_old = match query_param(query.as_deref(), "keep") {
        None | Some("true") => true,
        Some("false") => false,
        Some(_) => {
            return (
                StatusCode::BAD_REQUEST,
                "usage: POST /dev/rotate?keep=true|false\n",
            )
                .into_response();
        }
    };
    format!("kid={}\n", shared.rotate(keep_old)).into_response()
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A random (version 4) UUID, as Supabase uses for `sub`, `session_id` and `kid`.
fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    OsRng.fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    // 8-4-4-4-12
    [
        hex.get(..8),
        hex.get(8..12),
        hex.get(12..16),
        hex.get(16..20),
        hex.get(20..),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_shape() {
        let id = uuid_v4();
        let groups: Vec<usize> = id.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12]);
        assert_eq!(id.as_bytes()[14], b'4');
    }

    #[test]
    fn modes_round_trip() {
        for mode in Mode::ALL {
            assert_eq!(Mode::from_u8(mode.to_u8()), mode);
            assert_eq!(mode.name().parse::<Mode>(), Ok(mode));
        }
        assert!("sideways".parse::<Mode>().is_err());
    }

    #[test]
    fn query_params() {
        assert_eq!(query_param(Some("a=1&mode=down"), "mode"), Some("down"));
        assert_eq!(query_param(Some("mode"), "mode"), None);
        assert_eq!(query_param(None, "mode"), None);
    }

    #[test]
    fn minted_tokens_verify_with_the_published_set() {
        let issuer = DevIssuer::start().unwrap();
        let token = issuer.mint(Duration::from_secs(60));
        let mut keys = jwtgate::KeySet::<4>::new();
        keys.load(issuer.jwks_json().as_bytes()).unwrap();
        let iss = issuer.issuer();
        let policy = jwtgate::Policy::new()
            .issuer(&iss)
            .audience("authenticated");
        let mut buf = [0u8; 2048];
        let verified =
            jwtgate::verify(token.as_bytes(), &mut buf, &keys, &policy, unix_now()).unwrap();
        let kid = verified.kid().unwrap();
        assert!(kid.eq_str(&issuer.current_kid()));
        let supabase = verified.supabase().unwrap();
        assert!(supabase.role.unwrap().eq_str("authenticated"));
        assert_eq!(supabase.is_anonymous, Some(false));

        // Rotation keeping the old key: both verify; dropping it: the old one no longer does.
        let old = issuer.current_kid();
        let new = issuer.rotate(true);
        assert_eq!(issuer.kids(), [new.clone(), old.clone()]);
        keys.load(issuer.jwks_json().as_bytes()).unwrap();
        let mut buf = [0u8; 2048];
        assert!(jwtgate::verify(token.as_bytes(), &mut buf, &keys, &policy, unix_now()).is_ok());
        issuer.rotate(false);
        keys.load(issuer.jwks_json().as_bytes()).unwrap();
        let mut buf = [0u8; 2048];
        assert_eq!(
            jwtgate::verify(token.as_bytes(), &mut buf, &keys, &policy, unix_now()).unwrap_err(),
            jwtgate::Error::KeyNotFound
        );
    }
}
