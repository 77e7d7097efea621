//! Fetching a JWK Set over HTTP(S), with a deadline, a body cap and cache revalidation.
//!
//! [`JwksFetcher::fetch`] makes one `GET` and answers with the body and the cache headers the
//! JWKS cache needs, or one [`FetchError`]. It never parses the body: turning bytes into keys
//! is the core's job ([`jwtgate::KeySet::load`]), so a `200` with garbage is a successful
//! fetch of a document that will not load.
//!
//! Cache headers: only `Cache-Control: max-age` is read. `no-store`, `no-cache`, `private`,
//! `s-maxage` and `Expires` are ignored on purpose: the cache always keeps the last good key
//! set (it must, to serve through outages) and clamps the freshness lifetime to its own
//! bounds, so those directives would not change what it does.

use core::fmt;
use core::time::Duration;
use std::io::{self, Read as _};
use std::path::{Path, PathBuf};

use bytes::{Bytes, BytesMut};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CACHE_CONTROL, ETAG, HeaderMap, IF_NONE_MATCH, LOCATION};

/// The default total deadline for one fetch: connect, headers and body.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// The default deadline for establishing the connection (TCP and TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// The default cap on the response body. Real JWK Sets are a few KiB (Azure AD's ~10 keys with
/// certificate chains stay under 32 KiB).
pub const DEFAULT_MAX_BODY: usize = 256 * 1024;
/// The default `User-Agent`.
pub const DEFAULT_USER_AGENT: &str = concat!("jwtgate/", env!("CARGO_PKG_VERSION"));

/// How a [`JwksFetcher`] talks to the JWKS endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchConfig {
    /// Deadline for the TCP connect and TLS handshake (default 3 s).
    pub connect_timeout: Duration,
    /// Deadline for the whole fetch, body included (default 5 s).
    pub timeout: Duration,
    /// Largest body accepted, in bytes (default 256 KiB). Enforced while streaming.
    pub max_body: usize,
    /// The `User-Agent` header (default `jwtgate/<version>`).
    pub user_agent: String,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            max_body: DEFAULT_MAX_BODY,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
        }
    }
}

/// What one fetch returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetched {
    /// `200 OK`: a new document (not parsed yet).
    Document {
        /// The response body, at most [`FetchConfig::max_body`] bytes.
        body: Bytes,
        /// `Cache-Control: max-age`, in seconds, if the response carried one.
        max_age: Option<u64>,
        /// The `ETag`, to revalidate with next time.
        etag: Option<String>,
        /// The raw `Cache-Control` header(s), joined with `, `, for diagnostics.
        cache_control: Option<String>,
    },
    /// `304 Not Modified`: the document named by the `ETag` sent is still current.
    NotModified {
        /// `Cache-Control: max-age` of the `304`, if it carried one.
        max_age: Option<u64>,
    },
}

/// Why a fetch produced no document.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchError {
    /// The URL does not parse, or is not `http`/`https`.
    InvalidUrl(String),
    /// The HTTP client could not be set up (TLS configuration, runtime).
    Client(String),
    /// No connection: DNS, refused, TLS handshake, or the connect deadline passed.
    Connect(String),
    /// The whole fetch took longer than [`FetchConfig::timeout`].
    Timeout(Duration),
    /// The server answered with a status other than `200` (or `304` to a revalidation).
    Status(u16),
    /// The server answered with a redirect. Redirects are never followed: one could move the
    /// key set to another origin, from `https` to plain `http`, or to an internal address.
    Redirect {
        /// The `3xx` status.
        status: u16,
        /// The `Location` header, as sent (printable ASCII only), if any.
        location: Option<String>,
    },
    /// The body is longer than [`FetchConfig::max_body`]; reading stopped at the cap.
    TooLarge {
        /// The cap that was exceeded, in bytes.
        limit: usize,
    },
    /// The transfer failed after the connection was made (reset, bad framing, redirects).
    Io(String),
}

impl Fetched {
    /// What the JWKS cache is told about a fetch, with the body it refers to: the one place
    /// an HTTP result becomes a [`jwtgate::FetchOutcome`] (a body over the cap is
    /// [`jwtgate::FetchOutcome::TooLarge`], every other failure
    /// [`jwtgate::FetchOutcome::Failed`]).
    pub fn outcome(result: &Result<Fetched, FetchError>) -> (&[u8], jwtgate::FetchOutcome) {
        use jwtgate::FetchOutcome as O;
        match result {
            Ok(Fetched::Document { body, max_age, .. }) => (
                body,
                O::Document {
                    len: body.len(),
                    max_age: *max_age,
                },
            ),
            Ok(Fetched::NotModified { max_age }) => (&[], O::NotModified { max_age: *max_age }),
            Err(FetchError::TooLarge { .. }) => (&[], O::TooLarge),
            Err(_) => (&[], O::Failed),
        }
    }
}

impl FetchError {
    /// The catalog error a verifier answers with when it needed this fetch: a body over the
    /// cap is an unusable key set ([`jwtgate::Error::JwksInvalid`]), everything else is
    /// [`jwtgate::Error::JwksFetchFailed`].
    pub fn catalog_error(&self) -> jwtgate::Error {
        match self {
            FetchError::TooLarge { .. } => jwtgate::Error::JwksInvalid,
            _ => jwtgate::Error::JwksFetchFailed,
        }
    }

    fn from_reqwest(err: &reqwest::Error, timeout: Duration) -> FetchError {
        if err.is_timeout() {
            FetchError::Timeout(timeout)
        } else if err.is_connect() {
            FetchError::Connect(error_chain(err))
        } else if err.is_builder() {
            FetchError::InvalidUrl(error_chain(err))
        } else {
            FetchError::Io(error_chain(err))
        }
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::InvalidUrl(why) => write!(f, "invalid JWKS URL: {why}"),
            FetchError::Client(why) => write!(f, "cannot set up the HTTP client: {why}"),
            FetchError::Connect(why) => write!(f, "cannot connect to the JWKS endpoint: {why}"),
            FetchError::Timeout(t) => {
                write!(f, "JWKS fetch timed out after {} ms", t.as_millis())
            }
            FetchError::Status(status) => {
                write!(f, "JWKS endpoint answered HTTP {status} (expected 200)")
            }
            FetchError::Redirect { status, location } => write!(
                f,
                "JWKS endpoint redirected (HTTP {status}) to {}; redirects are never followed: \
                 configure the final URL",
                location.as_deref().unwrap_or("(no Location)")
            ),
            FetchError::TooLarge { limit } => {
                write!(f, "JWKS response body exceeds the {limit}-byte limit")
            }
            FetchError::Io(why) => write!(f, "JWKS transfer failed: {why}"),
        }
    }
}

impl core::error::Error for FetchError {}

/// The innermost causes carry the useful part ("Connection refused"); keep every distinct one.
fn error_chain(err: &(dyn core::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = cause.source();
    }
    out
}

/// An HTTP(S) client for one or more JWKS endpoints. Cheap to clone (shares its pool).
#[derive(Clone, Debug)]
pub struct JwksFetcher {
    client: reqwest::Client,
    config: FetchConfig,
}

impl JwksFetcher {
    /// Builds the client: HTTP/1.1, rustls with webpki roots, no redirects followed, proxies
    /// from the environment (`HTTPS_PROXY`, `NO_PROXY`, …).
    ///
    /// # Errors
    /// [`FetchError::Client`] if the TLS configuration cannot be built.
    pub fn new(config: FetchConfig) -> Result<Self, FetchError> {
        let client = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .user_agent(config.user_agent.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| FetchError::Client(error_chain(&e)))?;
        Ok(JwksFetcher { client, config })
    }

    /// The configuration this fetcher was built with.
    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// Fetches `url` once. With `etag` (from an earlier [`Fetched::Document`]) the request
    /// carries `If-None-Match`, and a `304` answers [`Fetched::NotModified`].
    ///
    /// The whole exchange is bounded by [`FetchConfig::timeout`]; the body is read chunk by
    /// chunk and abandoned as soon as it passes [`FetchConfig::max_body`].
    ///
    /// # Errors
    /// [`FetchError`]: invalid URL, connect failure, timeout, a status other than `200`/`304`,
    /// a body over the cap, or a transfer error.
    pub async fn fetch(&self, url: &str, etag: Option<&str>) -> Result<Fetched, FetchError> {
        let url = parse_url(url)?;
        let timeout = self.config.timeout;
        tokio::time::timeout(timeout, self.fetch_inner(url, etag))
            .await
            .unwrap_or(Err(FetchError::Timeout(timeout)))
    }

    async fn fetch_inner(
        &self,
        url: reqwest::Url,
        etag: Option<&str>,
    ) -> Result<Fetched, FetchError> {
        let timeout = self.config.timeout;
        let mut request = self
            .client
            .get(url)
            .header(ACCEPT, "application/jwk-set+json, application/json");
        if let Some(etag) = etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        let mut response = request
            .send()
            .await
            .map_err(|e| FetchError::from_reqwest(&e, timeout))?;
        let status = response.status();
        let headers = response.headers();
        let cache_control = cache_control(headers);
        let max_age = cache_control
            .as_deref()
            .and_then(|v| jwtgate::cache_control_max_age(v.as_bytes()));
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified { max_age });
        }
        if status.is_redirection() {
            let location = headers
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(|l| l.chars().take(512).collect());
            return Err(FetchError::Redirect {
                status: status.as_u16(),
                location,
            });
        }
        if status != StatusCode::OK {
            return Err(FetchError::Status(status.as_u16()));
        }
        let etag = headers
            .get(ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);

        let limit = self.config.max_body;
        let too_large = FetchError::TooLarge { limit };
        // A declared length over the cap fails before any byte of the body is read.
        if response
            .content_length()
            .is_some_and(|len| u128::from(len) > limit_u128(limit))
        {
            return Err(too_large);
        }
        let mut body = BytesMut::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| FetchError::from_reqwest(&e, timeout))?
        {
            if body.len().saturating_add(chunk.len()) > limit {
                return Err(too_large);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched::Document {
            body: body.freeze(),
            max_age,
            etag,
            cache_control,
        })
    }
}

fn limit_u128(limit: usize) -> u128 {
    u128::try_from(limit).unwrap_or(u128::MAX)
}

/// Checks that `url` is an `http://` or `https://` URL with a host, without fetching it, so
/// a configuration mistake is reported at startup rather than at the first fetch.
///
/// # Errors
/// [`FetchError::InvalidUrl`] says what is wrong.
pub fn validate_url(url: &str) -> Result<(), FetchError> {
    parse_url(url).map(drop)
}

fn parse_url(url: &str) -> Result<reqwest::Url, FetchError> {
    let parsed =
        reqwest::Url::parse(url).map_err(|e| FetchError::InvalidUrl(format!("{url}: {e}")))?;
    match parsed.scheme() {
        "http" | "https" if parsed.host().is_some() => Ok(parsed),
        _ => Err(FetchError::InvalidUrl(format!(
            "{url}: only http:// and https:// URLs with a host are supported"
        ))),
    }
}

/// Every `Cache-Control` header of a response, joined with `, ` (RFC 9110 §5.3).
fn cache_control(headers: &HeaderMap) -> Option<String> {
    let values: Vec<&str> = headers
        .get_all(CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

/// Whether `source` names an `http://` or `https://` URL (as opposed to a local path).
pub fn is_http_url(source: &str) -> bool {
    let lower = |n: usize| source.get(..n).map(str::to_ascii_lowercase);
    lower(7).as_deref() == Some("http://") || lower(8).as_deref() == Some("https://")
}

/// A JWK Set document read from a file or fetched from a URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// The raw document (not parsed yet).
    pub body: Bytes,
    /// Where it came from.
    pub origin: Origin,
}

/// Where a [`Document`] came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A local file.
    File(PathBuf),
    /// An HTTP(S) response.
    Http {
        /// The response status (always 200 for a document).
        status: u16,
        /// The raw `Cache-Control` header(s).
        cache_control: Option<String>,
        /// `Cache-Control: max-age`, in seconds.
        max_age: Option<u64>,
        /// The `ETag` header.
        etag: Option<String>,
    },
}

/// Why [`fetch_file_or_url`] produced no document.
#[non_exhaustive]
#[derive(Debug)]
pub enum LoadError {
    /// The local file could not be read (a usage error, not a verification outcome).
    File {
        /// The path as given.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The local file is larger than the body cap.
    FileTooLarge {
        /// The path as given.
        path: PathBuf,
        /// The cap, in bytes.
        limit: usize,
    },
    /// The URL could not be fetched.
    Fetch(FetchError),
}

impl LoadError {
    /// The catalog error a verifier answers with, or `None` for a local file that cannot be
    /// read or a malformed URL (configuration mistakes, not verification outcomes).
    pub fn catalog_error(&self) -> Option<jwtgate::Error> {
        match self {
            LoadError::File { .. } | LoadError::Fetch(FetchError::InvalidUrl(_)) => None,
            LoadError::FileTooLarge { .. } => Some(jwtgate::Error::JwksInvalid),
            LoadError::Fetch(err) => Some(err.catalog_error()),
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::File { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            LoadError::FileTooLarge { path, limit } => {
                write!(f, "{} is larger than {limit} bytes", path.display())
            }
            LoadError::Fetch(err) => err.fmt(f),
        }
    }
}

impl core::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            LoadError::File { source, .. } => Some(source),
            LoadError::Fetch(err) => Some(err),
            LoadError::FileTooLarge { .. } => None,
        }
    }
}

impl From<FetchError> for LoadError {
    fn from(err: FetchError) -> Self {
        LoadError::Fetch(err)
    }
}

/// Reads a JWK Set from `source`: fetched when it is an `http(s)://` URL, read from the local
/// file system otherwise. Blocking, with the default [`FetchConfig`]; for command-line tools.
///
/// Must not be called from inside an async runtime (it runs its own, single-threaded).
///
/// # Errors
/// See [`fetch_file_or_url_with`].
pub fn fetch_file_or_url(source: &str) -> Result<Document, LoadError> {
    fetch_file_or_url_with(source, &FetchConfig::default())
}

/// As [`fetch_file_or_url`], with an explicit configuration (its `max_body` caps files too).
///
/// # Errors
/// [`LoadError::File`] if the file cannot be read, [`LoadError::FileTooLarge`] if it is over
/// the cap, [`LoadError::Fetch`] if the URL cannot be fetched.
pub fn fetch_file_or_url_with(source: &str, config: &FetchConfig) -> Result<Document, LoadError> {
    if is_http_url(source) {
        fetch_url_blocking(source, config)
    } else {
        read_file(Path::new(source), config.max_body)
    }
}

fn fetch_url_blocking(url: &str, config: &FetchConfig) -> Result<Document, LoadError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| FetchError::Client(e.to_string()))?;
    let outcome =
        runtime.block_on(async { JwksFetcher::new(config.clone())?.fetch(url, None).await })?;
    match outcome {
        Fetched::Document {
            body,
            max_age,
            etag,
            cache_control,
        } => Ok(Document {
            body,
            origin: Origin::Http {
                status: 200,
                cache_control,
                max_age,
                etag,
            },
        }),
        // Only possible if the server ignores that no `If-None-Match` was sent.
        Fetched::NotModified { .. } => Err(FetchError::Status(304).into()),
    }
}

fn read_file(path: &Path, limit: usize) -> Result<Document, LoadError> {
    let file_error = |source| LoadError::File {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(file_error)?;
    let mut body = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    file.take(cap).read_to_end(&mut body).map_err(file_error)?;
    if body.len() > limit {
        return Err(LoadError::FileTooLarge {
            path: path.to_owned(),
            limit,
        });
    }
    Ok(Document {
        body: Bytes::from(body),
        origin: Origin::File(path.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_or_path() {
        assert!(is_http_url("http://127.0.0.1:8080/jwks.json"));
        assert!(is_http_url("HTTPS://example.com/jwks.json"));
        assert!(!is_http_url("jwks.json"));
        assert!(!is_http_url("./http://x"));
        assert!(!is_http_url("ftp://example.com/jwks.json"));
        assert!(!is_http_url("http:/"));
    }

    #[test]
    fn invalid_urls_are_rejected_before_any_request() {
        assert!(matches!(
            parse_url("http://"),
            Err(FetchError::InvalidUrl(_))
        ));
        assert!(matches!(
            parse_url("file:///etc/passwd"),
            Err(FetchError::InvalidUrl(_))
        ));
        assert!(parse_url("https://example.com/jwks.json").is_ok());
    }

    #[test]
    fn only_an_oversized_body_is_an_invalid_key_set() {
        assert_eq!(
            FetchError::TooLarge { limit: 1 }.catalog_error(),
            jwtgate::Error::JwksInvalid
        );
        assert_eq!(
            FetchError::Status(503).catalog_error(),
            jwtgate::Error::JwksFetchFailed
        );
        assert_eq!(
            FetchError::Timeout(DEFAULT_TIMEOUT).catalog_error(),
            jwtgate::Error::JwksFetchFailed
        );
    }

    #[test]
    fn missing_file_is_not_a_verification_outcome() {
        let err = fetch_file_or_url("/nonexistent/jwtgate/jwks.json").unwrap_err();
        assert!(matches!(err, LoadError::File { .. }));
        assert_eq!(err.catalog_error(), None);
    }
}
