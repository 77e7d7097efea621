//! The Worker glue: the isolate-global cache, the runtime's fetch and clock, the persisted
//! set, and the guard for a `#[event(fetch)]` handler. The policy is the core's driver; this
//! file only holds the cache, moves bytes and answers.

use std::cell::{Cell, OnceCell, RefCell};
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::time::Duration;

use futures_util::StreamExt as _;
use futures_util::future::{Either, select};
use jwtgate::driver::{self, CacheCell, Transport};
use jwtgate::{
    Algorithm, CacheCounters, Error, FetchOutcome, FetchTicket, Freshness, JwksCache, KeyTable,
    Policy, Remembered, TokenCache, TokenDigest, UntrustedToken, Verified,
};
use worker::{
    AbortController, Cache, Date, Delay, Env, Fetch, Headers, Method, Request, RequestInit,
    RequestRedirect, Response,
};

use crate::body::{error_body, retry_after};
use crate::record::{self, MAX_DOCUMENT, MAX_RECORD};
use crate::settings::{Config, ConfigError, KEY_CAPACITY, MAX_TOKEN_LEN, Persist};
use crate::webcrypto::{Imports, WebCrypto};

/// No per-key ES256 tables: WebCrypto checks ES256 signatures (see `webcrypto`), and jwtgate's
/// own table-free path is only its fallback.
type Table = jwtgate::NoTable;

/// Verified tokens remembered per isolate: a repeated token is answered without parsing or
/// a signature check while its `exp` holds and the keys and policy are unchanged.
pub const TOKEN_CACHE_CAPACITY: usize = 256;

/// The claims of a verified token, as the guard hands them to the handler.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claims {
    /// The algorithm that verified the token.
    pub alg: Algorithm,
    /// The header's `kid`.
    pub kid: Option<String>,
    /// `sub`.
    pub sub: Option<String>,
    /// `role` (Supabase).
    pub role: Option<String>,
    /// The payload's JSON object as text (without whitespace around it), for the application's
    /// own claims.
    pub payload: String,
}

impl Claims {
    fn from_verified(v: &Verified<'_>) -> Result<Claims, Error> {
        let claims = v.claims();
        Ok(Claims {
            alg: v.alg(),
            kid: v.kid().map(|k| k.to_string()),
            sub: claims.sub().map(|s| s.to_string()),
            role: v.supabase()?.role.map(|r| r.to_string()),
            payload: claims.json().to_owned(),
        })
    }
}

/// A rejected request: the catalog error, answered as its JSON body and status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthError {
    /// The catalog error.
    pub error: Error,
    /// `Retry-After` seconds (503 answers only).
    pub retry_after: Option<u64>,
}

impl AuthError {
    /// The answer: status, `application/json` body, `Retry-After` on 503, and
    /// `WWW-Authenticate: Bearer` on 401.
    ///
    /// # Errors
    /// Only if the runtime refuses a header (it does not for these).
    pub fn into_response(self) -> worker::Result<Response> {
        let headers = Headers::new();
        headers.set("content-type", "application/json")?;
        if let Some(secs) = self.retry_after {
            headers.set("retry-after", &secs.to_string())?;
        }
        if self.error.http_status() == 401 {
            headers.set("www-authenticate", "Bearer")?;
        }
        Ok(Response::builder()
            .with_status(self.error.http_status())
            .with_headers(headers)
            .fixed(error_body(self.error).into_bytes()))
    }
}

/// What one isolate holds: its memory is the cache; nothing here outlives the isolate.
struct Isolate {
    config: Config,
    cache: RefCell<JwksCache<KEY_CAPACITY, Table>>,
    tokens: RefCell<TokenCache<TOKEN_CACHE_CAPACITY, Rc<Claims>>>,
    /// When this isolate last looked for a persisted set while cold.
    store_checked: Cell<Option<u64>>,
    /// The KV namespace of `Persist::Kv`.
    kv: Option<worker::KvStore>,
    /// ES256 keys imported into WebCrypto.
    imports: Imports,
}

thread_local! {
    static ISOLATE: OnceCell<Rc<Isolate>> = const { OnceCell::new() };
}

/// The runtime's clock, unix seconds. (workerd advances it only across I/O.)
fn now() -> u64 {
    Date::now().as_millis() / 1000
}

/// Verifies requests' bearer tokens against the configured JWK Set. Cheap to get per
/// request: the cache behind it is the isolate's.
#[derive(Clone)]
pub struct Guard {
    isolate: Rc<Isolate>,
}

impl core::fmt::Debug for Guard {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Guard")
            .field("config", &self.isolate.config)
            .finish_non_exhaustive()
    }
}

impl Guard {
    /// The isolate's guard, configured from the Worker's variables on first use (see
    /// [`Config::from_vars`]); later calls reuse it without reading `env`.
    ///
    /// # Errors
    /// [`ConfigError`] if the variables do not make a configuration.
    pub fn from_env(env: &Env) -> Result<Guard, ConfigError> {
        if let Some(isolate) = ISOLATE.with(|i| i.get().cloned()) {
            return Ok(Guard { isolate });
        }
        let config = Config::from_vars(|name| env.var(name).ok().map(|v| v.to_string()))?;
        let kv = match &config.persist {
            Persist::Kv(binding) => Some(env.kv(binding).map_err(|_| ConfigError::Invalid {
                name: "JWTGATE_PERSIST",
                value: format!("kv:{binding} (no such KV binding)"),
            })?),
            _ => None,
        };
        Ok(Guard::build(config, kv))
    }

    /// The isolate's guard; `config` configures it if this is its first use. With
    /// [`Persist::Kv`], use [`Guard::with_kv`] (or `from_env`).
    pub fn new(config: Config) -> Guard {
        Guard::build(config, None)
    }

    /// [`Guard::new`], persisting in the KV namespace `kv`.
    pub fn with_kv(config: Config, kv: worker::KvStore) -> Guard {
        Guard::build(config, Some(kv))
    }

    fn build(config: Config, kv: Option<worker::KvStore>) -> Guard {
        let isolate = ISOLATE.with(|i| {
            Rc::clone(i.get_or_init(|| {
                Rc::new(Isolate {
                    cache: RefCell::new(JwksCache::new(config.cache)),
                    tokens: RefCell::new(TokenCache::new()),
                    store_checked: Cell::new(None),
                    config,
                    kv,
                    imports: Imports::new(),
                })
            }))
        });
        Guard { isolate }
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.isolate.config
    }

    /// The isolate's cache counters (hits, misses, fetches...).
    pub fn counters(&self) -> CacheCounters {
        self.isolate.cache.borrow().counters()
    }

    /// Where the isolate's key set stands now.
    pub fn freshness(&self) -> Freshness {
        self.isolate.cache.borrow().freshness(now())
    }

    /// Runs `handler` with the claims of the request's valid bearer token; answers anything
    /// else with the catalog's JSON error.
    ///
    /// # Errors
    /// Whatever `handler` returns.
    pub async fn guard<F, Fut>(&self, req: Request, handler: F) -> worker::Result<Response>
    where
        F: FnOnce(Request, Rc<Claims>) -> Fut,
        Fut: Future<Output = worker::Result<Response>>,
    {
        match self.authorize(&req).await {
            Ok(claims) => handler(req, claims).await,
            Err(rejected) => rejected.into_response(),
        }
    }

    /// Verifies the request's `Authorization: Bearer` token.
    ///
    /// # Errors
    /// [`AuthError`] with the catalog error, ready to be answered.
    pub async fn authorize(&self, req: &Request) -> Result<Rc<Claims>, AuthError> {
        let header = req.headers().get("authorization").ok().flatten();
        let token = header
            .as_deref()
            .and_then(bearer)
            .ok_or_else(|| self.reject(Error::TokenMissing))?;
        if token.len() > MAX_TOKEN_LEN {
            return Err(self.reject(Error::TokenMalformed));
        }
        self.verify(token.as_bytes())
            .await
            .map_err(|e| self.reject(e))
    }

    fn reject(&self, error: Error) -> AuthError {
        AuthError {
            error,
            retry_after: retry_after(error, self.isolate.config.cache.failure_cooldown),
        }
    }

    fn policy(&self) -> Policy<'_> {
        let c = &self.isolate.config;
        let mut policy = Policy::new().leeway(c.leeway);
        if let Some(iss) = &c.issuer {
            policy = policy.issuer(iss);
        }
        if let Some(aud) = &c.audience {
            policy = policy.audience(aud);
        }
        policy
    }

    /// Verifies `token`: from the verified-token cache, or through the core's driver.
    async fn verify(&self, token: &[u8]) -> Result<Rc<Claims>, Error> {
        let isolate = &*self.isolate;
        let mut now = now();
        if isolate.cache.borrow().freshness(now) == Freshness::Cold && self.restore(now).await {
            now = self::now();
        }
        let policy = self.policy();
        let digest = TokenDigest::of(token);
        let epoch = {
            let mut cache = isolate.cache.borrow_mut();
            let mut tokens = isolate.tokens.borrow_mut();
            match cache.lookup_verified(&mut tokens, &digest, &policy, now) {
                Remembered::Hit(claims) => return Ok(Rc::clone(claims)),
                Remembered::Miss(epoch) => epoch,
            }
        };
        let mut buf = vec![0u8; token.len()];
        let token = UntrustedToken::parse(token, &mut buf)?;
        let mut transport = WorkerFetch { isolate };
        let mut check = WebCrypto(&isolate.imports);
        let cell = IsolateCell(isolate);
        let verified =
            driver::verify_checking(cell, &mut transport, &mut check, token, &policy, now).await?;
        let claims = Rc::new(Claims::from_verified(&verified)?);
        if let Some(epoch) = &epoch {
            isolate.tokens.borrow_mut().insert(
                digest,
                &verified,
                &policy,
                epoch,
                now,
                Rc::clone(&claims),
            );
        }
        Ok(claims)
    }

    /// A cold isolate's first look at the persisted set: at most once per failure cooldown,
    /// so a cold outage does not read the store on every request. Returns whether it looked.
    async fn restore(&self, now: u64) -> bool {
        let isolate = &*self.isolate;
        let every = isolate.config.cache.failure_cooldown.max(1);
        if isolate
            .store_checked
            .get()
            .is_some_and(|at| now < at.saturating_add(every))
        {
            return false;
        }
        isolate.store_checked.set(Some(now));
        let Some(bytes) = load(isolate).await else {
            return true;
        };
        let url = &isolate.config.jwks_url;
        match record::decode(&bytes, url) {
            Ok(r) => {
                let at = self::now();
                let restored =
                    isolate
                        .cache
                        .borrow_mut()
                        .restore(at, r.fetched_at, r.document, r.max_age);
                if let Err(e) = restored {
                    worker::console_warn!("jwtgate: persisted JWK Set does not load: {}", e);
                }
            }
            Err(e) => worker::console_warn!("jwtgate: persisted JWK Set ignored: {}", e),
        }
        true
    }
}

/// The token of an `Authorization: Bearer <token>` value.
fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_at_checked(7)?;
    scheme
        .eq_ignore_ascii_case("bearer ")
        .then_some(token)
        .filter(|t| !t.is_empty())
}

/// The isolate's cache as the driver holds it: a `RefCell` borrowed only inside `with`,
/// which never awaits. (`verify_checking` copies the key out for WebCrypto's check, so
/// whether the cell counts as locked does not matter here.)
struct IsolateCell<'i>(&'i Isolate);

impl CacheCell<KEY_CAPACITY, Table> for IsolateCell<'_> {
    fn with<R>(&mut self, f: impl FnOnce(&mut JwksCache<KEY_CAPACITY, Table>) -> R) -> R {
        f(&mut self.0.cache.borrow_mut())
    }
}

/// Fetches with the runtime's `fetch`, inline in the request that got the ticket, and
/// persists what loaded. workerd cannot await a promise of another request, so a request that
/// finds another's fetch in flight polls the isolate's cache on a timer instead, for at most
/// the fetch timeout.
struct WorkerFetch<'i> {
    isolate: &'i Isolate,
}

impl Transport for WorkerFetch<'_> {
    async fn fetch<const N: usize, T: KeyTable, C: CacheCell<N, T>>(
        &mut self,
        cell: &mut C,
        ticket: FetchTicket,
        now: u64,
    ) {
        let config = &self.isolate.config;
        let (body, outcome) = fetch_jwks(&config.jwks_url, config.fetch_timeout).await;
        let installed = cell.with(|cache| cache.complete(ticket, now, &body, outcome));
        match (installed, outcome) {
            (Ok(_), FetchOutcome::Document { max_age, .. }) => {
                persist(self.isolate, now, max_age, &body).await;
            }
            (Ok(_), _) => {}
            (Err(e), _) => worker::console_warn!("jwtgate: JWKS fetch failed: {}", e.code()),
        }
    }

    async fn wait(&mut self) -> bool {
        /// Time between two looks at the cache.
        const POLL: Duration = Duration::from_millis(25);
        let timeout = self.isolate.config.fetch_timeout.saturating_add(1);
        let deadline = now().saturating_add(timeout);
        // Bounded by count too: `Date.now()` advances only across I/O.
        let polls = timeout.saturating_mul(1000) / 25;
        for _ in 0..polls {
            Delay::from(POLL).await;
            let t = now();
            if !self.isolate.cache.borrow().fetch_in_flight(t) {
                return true;
            }
            if t >= deadline {
                break;
            }
        }
        false
    }
}

/// One `GET` of the JWK Set: redirects are not followed, only 200 is a document, the body is
/// read up to [`MAX_DOCUMENT`], and the whole exchange is aborted after `timeout` seconds.
async fn fetch_jwks(url: &str, timeout: u64) -> (Vec<u8>, FetchOutcome) {
    let controller = AbortController::default();
    let signal = controller.signal();
    let exchange = async {
        let mut init = RequestInit::new();
        init.with_method(Method::Get)
            .with_redirect(RequestRedirect::Manual);
        let headers = Headers::new();
        headers.set("accept", "application/json").ok()?;
        init.with_headers(headers);
        let request = Request::new_with_init(url, &init).ok()?;
        let response = Fetch::Request(request)
            .send_with_signal(&signal)
            .await
            .ok()?;
        Some(read_document(response).await)
    };
    let deadline = Delay::from(Duration::from_secs(timeout));
    match select(pin!(exchange), pin!(deadline)).await {
        Either::Left((Some(fetched), _)) => fetched,
        Either::Left((None, _)) => (Vec::new(), FetchOutcome::Failed),
        Either::Right(_) => {
            controller.abort();
            (Vec::new(), FetchOutcome::Failed)
        }
    }
}

/// A response's body as a JWK Set document, or why it is not one.
async fn read_document(mut response: Response) -> (Vec<u8>, FetchOutcome) {
    if response.status_code() != 200 {
        return (Vec::new(), FetchOutcome::Failed);
    }
    let max_age = header(response.headers(), "cache-control")
        .and_then(|value| jwtgate::cache_control_max_age(value.as_bytes()));
    match read_bounded(&mut response, MAX_DOCUMENT).await {
        Ok(body) => {
            let len = body.len();
            (body, FetchOutcome::Document { len, max_age })
        }
        Err(outcome) => (Vec::new(), outcome),
    }
}

/// The body, at most `cap` bytes: a declared or actual length past it is
/// [`FetchOutcome::TooLarge`], and reading stops there.
async fn read_bounded(response: &mut Response, cap: usize) -> Result<Vec<u8>, FetchOutcome> {
    let declared = header(response.headers(), "content-length").and_then(|v| v.parse().ok());
    if declared.is_some_and(|len: usize| len > cap) {
        return Err(FetchOutcome::TooLarge);
    }
    let mut stream = response.stream().map_err(|_| FetchOutcome::Failed)?;
    let mut body = Vec::with_capacity(declared.unwrap_or(0).min(cap));
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| FetchOutcome::Failed)?;
        if body.len().saturating_add(chunk.len()) > cap {
            return Err(FetchOutcome::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn header(headers: &Headers, name: &str) -> Option<String> {
    headers.get(name).ok().flatten()
}

/// Where the persisted set lives in the Cache API: a URL no request can reach (`.invalid`),
/// per JWKS URL and layout version.
fn cache_key(config: &Config) -> String {
    format!(
        "https://jwtgate.invalid/jwks/v{}/{}",
        record::VERSION,
        record::key_id(&config.jwks_url)
    )
}

/// Its name in a KV namespace.
fn kv_key(config: &Config) -> String {
    format!(
        "jwtgate/jwks/v{}/{}",
        record::VERSION,
        record::key_id(&config.jwks_url)
    )
}

/// Stores a set that just loaded, for the isolates that start after this one. A failure is
/// logged, never answered: the request already has its keys.
async fn persist(isolate: &Isolate, fetched_at: u64, max_age: Option<u64>, document: &[u8]) {
    let config = &isolate.config;
    let bytes = match record::encode(&config.jwks_url, fetched_at, max_age, document) {
        Ok(bytes) => bytes,
        Err(e) => {
            worker::console_warn!("jwtgate: JWK Set not persisted: {}", e);
            return;
        }
    };
    let policy = config.cache;
    // Kept as long as it could be served: ttl plus stale-if-error (the record's own fetch
    // time is what restore checks; this only lets the store forget it).
    let keep = policy
        .effective_ttl(max_age)
        .saturating_add(policy.stale_if_error)
        .max(60);
    let stored = match (&config.persist, &isolate.kv) {
        (Persist::Cache, _) => store_in_cache(config, bytes, keep).await,
        (Persist::Kv(_), Some(kv)) => store_in_kv(kv, &kv_key(config), &bytes, keep).await,
        (Persist::Kv(_), None) | (Persist::Off, _) => return,
    };
    if let Err(e) = stored {
        worker::console_warn!("jwtgate: JWK Set not persisted: {}", e);
    }
}

async fn store_in_cache(config: &Config, bytes: Vec<u8>, keep: u64) -> worker::Result<()> {
    let headers = Headers::new();
    headers.set("content-type", "application/octet-stream")?;
    headers.set("cache-control", &format!("max-age={keep}"))?;
    let response = Response::builder().with_headers(headers).fixed(bytes);
    Cache::default().put(cache_key(config), response).await
}

async fn store_in_kv(
    kv: &worker::KvStore,
    key: &str,
    bytes: &[u8],
    keep: u64,
) -> worker::Result<()> {
    kv.put_bytes(key, bytes)?
        .expiration_ttl(keep)
        .execute()
        .await?;
    Ok(())
}

/// The persisted record's bytes, if any (at most [`MAX_RECORD`]).
async fn load(isolate: &Isolate) -> Option<Vec<u8>> {
    let config = &isolate.config;
    match (&config.persist, &isolate.kv) {
        (Persist::Cache, _) => {
            let mut response = Cache::default()
                .get(cache_key(config), false)
                .await
                .ok()??;
            read_bounded(&mut response, MAX_RECORD).await.ok()
        }
        (Persist::Kv(_), Some(kv)) => {
            let bytes = kv.get(&kv_key(config)).bytes().await.ok()??;
            (bytes.len() <= MAX_RECORD).then_some(bytes)
        }
        (Persist::Kv(_), None) | (Persist::Off, _) => None,
    }
}
