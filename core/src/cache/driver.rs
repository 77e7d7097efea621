//! The driver: the one loop that runs a [`JwksCache`] for a token. Look the key up; if the
//! cache asks, fetch (or wait for another caller's fetch) and look again; check the signature
//! with the key it serves. Every adapter verifies through it.
//!
//! It is written once for every way a cache is held and every way a fetch runs:
//!
//! - **how the cache is held** is a [`CacheCell`]: the cache itself (`&mut`, nothing locked:
//!   the signature is checked in place), a critical-section `SharedCache`, or an adapter's
//!   own lock (the key is copied out and checked after the lock is released);
//! - **how the fetch runs** is a [`Transport`]: a blocking or async closure writing into a
//!   caller buffer ([`fetch_with`]), or an adapter's spawned task that the driver waits on.
//!
//! HS256 tokens never touch the cache, so the secret fallback works during an outage.

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use crate::Error;
use crate::es256::{KeyTable, sealed::Table as _};
use crate::jwk::Key;
use crate::jwks::KeyRef;
use crate::policy::Policy;
use crate::token::{UntrustedToken, Verified};

use super::state::{FetchOutcome, FetchTicket, JwksCache, Lookup, Step};

/// How the driver reaches a cache: the shape of embassy-sync's `RawMutex`, so one loop serves
/// the cache itself, a critical-section static and an adapter's mutex alike.
pub trait CacheCell<const N: usize, T: KeyTable> {
    /// Runs `f` on the cache, holding the lock (if any) only for the call. Never called while
    /// a fetch or a signature check runs.
    fn with<R>(&mut self, f: impl FnOnce(&mut JwksCache<N, T>) -> R) -> R;

    /// Whether `with` holds a lock. If it does, the driver copies the served key out (and
    /// the table's pointer, for a table behind one; an inline table stays behind and the
    /// check takes the table-free path) and checks the signature once the lock is released;
    /// if not, it checks in place with the key's table.
    #[doc(hidden)]
    const LOCKED: bool = true;

    /// Looks the key up and, if one is served, runs `check` with it (see `LOCKED`).
    #[doc(hidden)]
    fn lookup_and_check<R>(
        &mut self,
        lookup: &mut Lookup<'_>,
        now: u64,
        check: impl FnOnce(KeyRef<'_>) -> R,
    ) -> Next<R> {
        if !Self::LOCKED {
            return self.with(|cache| {
                next(cache.lookup(lookup, now), |key, table, set| {
                    check(KeyRef::new(key, table.table_ref(), set))
                })
            });
        }
        self.lookup_copied(lookup, now)
            .map(|(key, table, set)| check(KeyRef::new(&key, table.table_ref(), set)))
    }

    /// Looks the key up and, if one is served, copies it out with its table's detached form
    /// and its set's fingerprint: for a check that runs outside `with` (a locked cell, or a
    /// [`SignatureCheck`] that awaits).
    #[doc(hidden)]
    fn lookup_copied(
        &mut self,
        lookup: &mut Lookup<'_>,
        now: u64,
    ) -> Next<(Key, T::Detached, [u8; 32])> {
        self.with(|cache| {
            next(cache.lookup(lookup, now), |key, table, set| {
                (key.clone(), table.detach(), set)
            })
        })
    }
}

/// The cache itself, borrowed: nothing is locked, so the signature is checked in place with
/// the key's table.
impl<const N: usize, T: KeyTable> CacheCell<N, T> for &mut JwksCache<N, T> {
    const LOCKED: bool = false;

    fn with<R>(&mut self, f: impl FnOnce(&mut JwksCache<N, T>) -> R) -> R {
        f(self)
    }
}

/// What a lookup's step comes to, with `ready` run on a served key, its table and its set's
/// fingerprint.
pub(crate) fn next<'c, T, R>(
    step: Step<'c, T>,
    ready: impl FnOnce(&'c Key, &'c T, [u8; 32]) -> R,
) -> Next<R> {
    match step {
        Step::Ready {
            key, table, set, ..
        } => Next::Ready(ready(key, table, set)),
        Step::Fetch(ticket) => Next::Fetch(ticket),
        Step::Wait => Next::Wait,
        Step::Fail(e) => Next::Fail(e),
    }
}

/// What one round of a lookup came to (see [`CacheCell`]).
#[doc(hidden)]
#[derive(Debug)]
pub enum Next<R> {
    /// A key was served and checked: the check's result.
    Ready(R),
    /// Fetch with this ticket.
    Fetch(FetchTicket),
    /// Wait for another caller's fetch.
    Wait,
    /// Answer with this error.
    Fail(Error),
}

impl<R> Next<R> {
    /// The same round, with `f` applied to a served key's result.
    pub(crate) fn map<S>(self, f: impl FnOnce(R) -> S) -> Next<S> {
        match self {
            Next::Ready(r) => Next::Ready(f(r)),
            Next::Fetch(ticket) => Next::Fetch(ticket),
            Next::Wait => Next::Wait,
            Next::Fail(e) => Next::Fail(e),
        }
    }
}

/// How fetches run for the driver.
pub trait Transport {
    /// Runs the fetch `ticket` allows and reports it with [`JwksCache::complete`] through
    /// `cell`; or hands the ticket to whatever completes it (a spawned task, so that a caller
    /// going away never strands a ticket) and waits for that. Returns once the fetch is over
    /// or given up on; the driver then looks again.
    fn fetch<const N: usize, T: KeyTable, C: CacheCell<N, T>>(
        &mut self,
        cell: &mut C,
        ticket: FetchTicket,
        now: u64,
    ) -> impl Future<Output = ()>;

    /// Another caller's fetch is in flight and nothing can be served yet. Wait for it and
    /// return `true` (the driver looks again), or return `false` to answer
    /// [`Error::JwksFetchFailed`] now (a caller that cannot wait, such as a blocking one).
    fn wait(&mut self) -> impl Future<Output = bool>;
}

/// A [`Transport`] that runs `fetch` inline: it writes the JWK Set into `buf` and says how it
/// went. It never waits for another caller's fetch.
pub fn fetch_with<F>(buf: &mut [u8], fetch: F) -> impl Transport
where
    F: AsyncFnMut(&mut [u8]) -> FetchOutcome,
{
    FetchWith { buf, fetch }
}

struct FetchWith<'b, F> {
    buf: &'b mut [u8],
    fetch: F,
}

impl<F> Transport for FetchWith<'_, F>
where
    F: AsyncFnMut(&mut [u8]) -> FetchOutcome,
{
    async fn fetch<const N: usize, T: KeyTable, C: CacheCell<N, T>>(
        &mut self,
        cell: &mut C,
        ticket: FetchTicket,
        now: u64,
    ) {
        let outcome = (self.fetch)(self.buf).await;
        // A failure is not final: the next round may still serve stale keys.
        let _ = cell.with(|cache| cache.complete(ticket, now, self.buf, outcome));
    }

    async fn wait(&mut self) -> bool {
        false
    }
}

/// Rounds a lookup may take: the first may fetch or wait, the second decides on that; a
/// third covers a fetch that completed between a look and a wait.
const ROUNDS: usize = 3;

/// Verifies `token` through the cache in `cell`, fetching with `transport` when the cache
/// asks for it, at time `now` (unix seconds).
///
/// ```
/// # const JWKS: &[u8] = br#"{"keys":[{"kty":"EC","crv":"P-256",
/// #   "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
/// #   "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"#;
/// # const TOKEN: &[u8] = b"eyJhbGciOiJFUzI1NiJ9\
/// # .eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ\
/// # .DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
/// # let now = 1_300_819_000;
/// use jwtgate::{CachePolicy, FetchOutcome, JwksCache, Policy, UntrustedToken, driver};
///
/// let mut cache = JwksCache::<4>::new(CachePolicy::DEFAULT);
/// let mut jwks_buf = [0u8; 2048];
/// // An async HTTP GET of the JWK Set into `buf` goes in the closure.
/// let mut fetch = driver::fetch_with(&mut jwks_buf, async |buf: &mut [u8]| {
///     buf[..JWKS.len()].copy_from_slice(JWKS);
///     FetchOutcome::Document { len: JWKS.len(), max_age: None }
/// });
/// let mut token_buf = [0u8; 1024];
/// let token = UntrustedToken::parse(TOKEN, &mut token_buf)?;
/// let policy = Policy::new();
/// let verifying = driver::verify(&mut cache, &mut fetch, token, &policy, now);
/// // Any executor runs it; this fetch never suspends, so one poll completes it.
/// let waker = core::task::Waker::noop();
/// let polled = core::pin::pin!(verifying).poll(&mut core::task::Context::from_waker(waker));
/// let core::task::Poll::Ready(verified) = polled else { unreachable!() };
/// assert!(verified?.claims().iss().is_some_and(|iss| iss.eq_str("joe")));
/// # use core::future::Future as _;
/// # Ok::<(), jwtgate::Error>(())
/// ```
///
/// # Errors
/// The catalog error for whatever check failed; [`Error::JwksFetchFailed`] (or
/// [`Error::JwksInvalid`]) when keys are needed and none can be had.
pub async fn verify<'b, const N: usize, T, C, X>(
    mut cell: C,
    transport: &mut X,
    token: UntrustedToken<'_, 'b>,
    policy: &Policy<'_>,
    now: u64,
) -> Result<Verified<'b>, Error>
where
    T: KeyTable,
    C: CacheCell<N, T>,
    X: Transport,
{
    if !token.needs_key_set() || !policy.allows(token.alg()) {
        return token.verify_key(None, policy, now);
    }
    let mut lookup = Lookup::new(token.kid(), token.alg());
    served(&mut cell, transport, &mut lookup, now, |cell, lookup| {
        let check = |key: KeyRef<'_>| token.clone().verify_key(Some(key), policy, now);
        cell.lookup_and_check(lookup, now, check)
    })
    .await?
}

/// A signature check by the platform's own cryptography, for [`verify_checking`]: where
/// native code beats jwtgate's (in a Cloudflare Worker, WebCrypto runs natively and
/// jwtgate runs as wasm).
///
/// The core still does everything else: it parses the token, selects the key (of the
/// token's `alg`'s type, checked), and after the check parses the claims and applies the
/// policy. An implementation answers only whether `signature` is valid over `message` under
/// `key`; for keys it does not handle it returns [`KeyRef::verify`], jwtgate's own check.
pub trait SignatureCheck {
    /// `Ok(())` only if the platform verified `signature` (as in the JWS: raw `r || s` for
    /// ES256) over `message` with `key`; [`Error::SignatureInvalid`] otherwise.
    fn check(
        &mut self,
        key: KeyRef<'_>,
        message: &[u8],
        signature: &[u8],
    ) -> impl Future<Output = Result<(), Error>>;
}

/// [`verify`], with the signature checked by `check` instead of jwtgate's own code. The key
/// is copied out of the cell first, so nothing is held while the check awaits. HS256 tokens
/// are checked by the core, as in `verify`.
///
/// # Errors
/// As [`verify`].
pub async fn verify_checking<'b, const N: usize, T, C, X, S>(
    mut cell: C,
    transport: &mut X,
    check: &mut S,
    token: UntrustedToken<'_, 'b>,
    policy: &Policy<'_>,
    now: u64,
) -> Result<Verified<'b>, Error>
where
    T: KeyTable,
    C: CacheCell<N, T>,
    X: Transport,
    S: SignatureCheck,
{
    if !token.needs_key_set() || !policy.allows(token.alg()) {
        return token.verify_key(None, policy, now);
    }
    let mut lookup = Lookup::new(token.kid(), token.alg());
    let (key, table, set) = served(&mut cell, transport, &mut lookup, now, |cell, lookup| {
        cell.lookup_copied(lookup, now)
    })
    .await?;
    let key = KeyRef::new(&key, table.table_ref(), set);
    let signature = token.signature_for(Some(key), policy)?;
    check.check(key, token.signing_input(), signature).await?;
    token.accept(Some(key), policy, now)
}

/// The one loop: runs `look` until it serves, fetching or waiting as the cache asks.
async fn served<const N: usize, T, C, X, R>(
    cell: &mut C,
    transport: &mut X,
    lookup: &mut Lookup<'_>,
    now: u64,
    mut look: impl FnMut(&mut C, &mut Lookup<'_>) -> Next<R>,
) -> Result<R, Error>
where
    T: KeyTable,
    C: CacheCell<N, T>,
    X: Transport,
{
    for _ in 0..ROUNDS {
        match look(cell, lookup) {
            Next::Ready(served) => return Ok(served),
            Next::Fail(e) => return Err(e),
            Next::Fetch(ticket) => transport.fetch(cell, ticket, now).await,
            Next::Wait => {
                if !transport.wait().await {
                    return Err(Error::JwksFetchFailed);
                }
            }
        }
    }
    Err(cell.with(|cache| cache.last_failure()))
}

/// A background refresh: fetches now with `transport` if the cache wants one (cold, within
/// `refresh_ahead` of expiry, or expired) and no fetch is in flight or cooling down. Returns
/// whether a fetch ran. Adapters with a background task call it so that requests never wait.
pub async fn refresh<const N: usize, T, C, X>(mut cell: C, transport: &mut X, now: u64) -> bool
where
    T: KeyTable,
    C: CacheCell<N, T>,
    X: Transport,
{
    match cell.with(|cache| cache.poll_refresh(now)) {
        Some(ticket) => {
            transport.fetch(&mut cell, ticket, now).await;
            true
        }
        None => false,
    }
}

/// [`verify`] with a blocking `fetch`: for single-threaded callers (firmware main loops,
/// CLIs). `fetch` writes the JWK Set into the buffer it is given (`jwks_buf`) and says how it
/// went: [`FetchOutcome::Document`] with the document's length, or why not. The driver's
/// future never suspends, so it completes at once.
///
/// The cell is the cache itself (`&mut cache`), a `&SharedCache` in a `static`, or
/// `SharedCache::copying_into` for a shared cache with tables.
///
/// ```
/// # const JWKS: &[u8] = br#"{"keys":[{"kty":"EC","crv":"P-256",
/// #   "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
/// #   "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"#;
/// # const TOKEN: &[u8] = b"eyJhbGciOiJFUzI1NiJ9\
/// # .eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ\
/// # .DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
/// # let now = 1_300_819_000;
/// use jwtgate::{CachePolicy, FetchOutcome, JwksCache, Policy, UntrustedToken, driver};
///
/// let mut cache = JwksCache::<4>::new(CachePolicy::DEFAULT);
/// let (mut jwks_buf, mut token_buf) = ([0u8; 2048], [0u8; 1024]);
/// let token = UntrustedToken::parse(TOKEN, &mut token_buf)?;
/// let policy = Policy::new();
/// let verified = driver::verify_blocking(&mut cache, token, &policy, now, &mut jwks_buf, |buf| {
///     // A blocking HTTP GET of the JWK Set into `buf` goes here.
///     buf[..JWKS.len()].copy_from_slice(JWKS);
///     FetchOutcome::Document { len: JWKS.len(), max_age: None }
/// })?;
/// assert!(verified.claims().iss().is_some_and(|iss| iss.eq_str("joe")));
/// # Ok::<(), jwtgate::Error>(())
/// ```
///
/// # Errors
/// As [`verify`].
pub fn verify_blocking<'b, const N: usize, T: KeyTable>(
    cell: impl CacheCell<N, T>,
    token: UntrustedToken<'_, 'b>,
    policy: &Policy<'_>,
    now: u64,
    jwks_buf: &mut [u8],
    mut fetch: impl FnMut(&mut [u8]) -> FetchOutcome,
) -> Result<Verified<'b>, Error> {
    let mut transport = fetch_with(jwks_buf, async |buf: &mut [u8]| fetch(buf));
    let verifying = pin!(verify(cell, &mut transport, token, policy, now));
    match verifying.poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(result) => result,
        Poll::Pending => Err(Error::JwksFetchFailed),
    }
}
