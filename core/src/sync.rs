//! [`SharedCache`]: a [`JwksCache`] that can live in a `static` and be used from interrupt
//! handlers and tasks alike, locked with `critical-section`.
//!
//! The library never picks a critical-section implementation: firmware enables one (e.g.
//! `cortex-m/critical-section-single-core`), tests enable `critical-section/std`. Critical
//! sections stay short: the key is copied out (about 160 bytes) and both the signature check
//! and the fetch run with interrupts enabled.

use core::cell::RefCell;

use critical_section::Mutex;

use crate::Error;
use crate::cache::{CachePolicy, FetchOutcome, JwksCache, Step};
use crate::es256::{KeyTable, NoTable};
use crate::jwks::KeyRef;
use crate::policy::Policy;
use crate::token::{UntrustedToken, Verified};

/// A JWKS cache for a `static`.
///
/// ```
/// # #[cfg(feature = "critical-section")] {
/// static KEYS: jwtgate::SharedCache<4> = jwtgate::SharedCache::new(jwtgate::CachePolicy::DEFAULT);
/// # }
/// ```
pub struct SharedCache<const N: usize, T: KeyTable = NoTable> {
    inner: Mutex<RefCell<JwksCache<N, T>>>,
}

impl<const N: usize, T: KeyTable> SharedCache<N, T> {
    /// A cold cache, usable in a `static` initializer.
    pub const fn new(policy: CachePolicy) -> Self {
        SharedCache {
            inner: Mutex::new(RefCell::new(JwksCache::new(policy))),
        }
    }

    /// Runs `f` on the cache inside a critical section (keep it short).
    pub fn with<R>(&self, f: impl FnOnce(&mut JwksCache<N, T>) -> R) -> R {
        critical_section::with(|cs| f(&mut self.inner.borrow_ref_mut(cs)))
    }

    /// Verifies a token like [`JwksCache::verify_blocking`], holding the lock only to decide
    /// and to install a fetched set, never across the fetch or the signature check.
    ///
    /// Only the key (about 160 bytes) is copied out, so with a [`KeyTable`] this checks the
    /// signature on the table-free path; [`SharedCache::verify_blocking_in`] uses the table.
    ///
    /// # Errors
    /// The catalog error for whatever check failed.
    pub fn verify_blocking<'b>(
        &self,
        token: UntrustedToken<'_, 'b>,
        policy: &Policy<'_>,
        now: u64,
        jwks_buf: &mut [u8],
        fetch: impl FnMut(&mut [u8]) -> Result<(usize, Option<u64>), ()>,
    ) -> Result<Verified<'b>, Error> {
        self.verify_inner(token, policy, now, jwks_buf, None, |_, _| {}, fetch)
    }

    /// Like [`SharedCache::verify_blocking`], but also copies the selected key's table into
    /// `table` (caller-owned storage: a `static`, or the stack for a [`SmallTable`]) inside
    /// the critical section, and checks the signature with it after the section ends. The
    /// copy (8.5 KiB for a [`SmallTable`]) is the price of keeping interrupts enabled during
    /// the signature check.
    ///
    /// [`SmallTable`]: crate::SmallTable
    ///
    /// # Errors
    /// The catalog error for whatever check failed.
    pub fn verify_blocking_in<'b>(
        &self,
        token: UntrustedToken<'_, 'b>,
        policy: &Policy<'_>,
        now: u64,
        jwks_buf: &mut [u8],
        table: &mut T,
        fetch: impl FnMut(&mut [u8]) -> Result<(usize, Option<u64>), ()>,
    ) -> Result<Verified<'b>, Error>
    where
        T: Clone,
    {
        self.verify_inner(
            token,
            policy,
            now,
            jwks_buf,
            Some(table),
            T::clone_from,
            fetch,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn verify_inner<'b>(
        &self,
        token: UntrustedToken<'_, 'b>,
        policy: &Policy<'_>,
        now: u64,
        jwks_buf: &mut [u8],
        mut table: Option<&mut T>,
        copy: impl Fn(&mut T, &T),
        mut fetch: impl FnMut(&mut [u8]) -> Result<(usize, Option<u64>), ()>,
    ) -> Result<Verified<'b>, Error> {
        if !token.needs_key_set() || !policy.allows(token.alg()) {
            return token.verify_with(None, policy, now);
        }
        for attempt in 0..2 {
            let decision = self.with(|cache| {
                // After this caller's own fetch the lookup never fetches again (one per miss).
                let step = if attempt == 0 {
                    cache.step(now, token.kid(), token.alg())
                } else {
                    cache.step_again(now, token.kid(), token.alg())
                };
                match step {
                    Step::Ready { key, .. } => {
                        if let Some(table) = table.as_deref_mut() {
                            copy(table, key.table());
                        }
                        Ok(Ok(key.clone()))
                    }
                    Step::Fetch(ticket) => Ok(Err(ticket)),
                    Step::Wait => Err(Error::JwksFetchFailed),
                    Step::Fail(e) => Err(e),
                }
            })?;
            match decision {
                Ok(key) => {
                    return match table {
                        Some(table) => {
                            token.verify_with_table(Some(KeyRef::new(&key, table)), policy, now)
                        }
                        None => token.verify_with(Some(&key), policy, now),
                    };
                }
                Err(ticket) => {
                    let fetched = fetch(jwks_buf);
                    let outcome = FetchOutcome::from_callback(jwks_buf, fetched);
                    // A failure is not final: the next step may still serve stale keys.
                    let _ = self.with(|cache| cache.complete(ticket, now, outcome));
                }
            }
        }
        Err(Error::JwksFetchFailed)
    }
}
