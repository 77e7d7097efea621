//! [`SharedCache`]: a [`JwksCache`] that can live in a `static` and be used from interrupt
//! handlers and tasks alike, locked with `critical-section`.
//!
//! The library never picks a critical-section implementation: firmware enables one (e.g.
//! `cortex-m/critical-section-single-core`), tests enable `critical-section/std`. Critical
//! sections stay short: the driver copies the key out (about 160 bytes) and both the
//! signature check and the fetch run with interrupts enabled.

use core::cell::RefCell;

use critical_section::Mutex;

use crate::Error;
use crate::es256::{KeyTable, NoTable};
use crate::jwks::KeyRef;
use crate::policy::Policy;
use crate::token::{UntrustedToken, Verified};

use super::driver::{self, CacheCell, Next, fetch_with, run_blocking};
use super::policy::CachePolicy;
use super::state::{FetchOutcome, JwksCache, Lookup, Step};

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
        mut fetch: impl FnMut(&mut [u8]) -> FetchOutcome,
    ) -> Result<Verified<'b>, Error> {
        let mut transport = fetch_with(jwks_buf, async |buf: &mut [u8]| fetch(buf));
        run_blocking(driver::verify(
            &mut &*self,
            &mut transport,
            token,
            policy,
            now,
        ))
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
        mut fetch: impl FnMut(&mut [u8]) -> FetchOutcome,
    ) -> Result<Verified<'b>, Error>
    where
        T: Clone,
    {
        let mut transport = fetch_with(jwks_buf, async |buf: &mut [u8]| fetch(buf));
        let mut cell = CopyInto {
            shared: self,
            table,
        };
        run_blocking(driver::verify(
            &mut cell,
            &mut transport,
            token,
            policy,
            now,
        ))
    }
}

/// The shared cache, as the driver holds it: the default copies the key out.
impl<const N: usize, T: KeyTable> CacheCell<N, T> for &SharedCache<N, T> {
    fn with<R>(&mut self, f: impl FnOnce(&mut JwksCache<N, T>) -> R) -> R {
        SharedCache::with(self, f)
    }
}

/// The shared cache with caller storage for the selected key's table.
struct CopyInto<'s, const N: usize, T: KeyTable> {
    shared: &'s SharedCache<N, T>,
    table: &'s mut T,
}

impl<const N: usize, T: KeyTable + Clone> CacheCell<N, T> for CopyInto<'_, N, T> {
    fn with<R>(&mut self, f: impl FnOnce(&mut JwksCache<N, T>) -> R) -> R {
        self.shared.with(f)
    }

    fn lookup_and_check<R>(
        &mut self,
        lookup: &mut Lookup<'_>,
        now: u64,
        check: impl FnOnce(KeyRef<'_>) -> R,
    ) -> Next<R> {
        let storage = &mut *self.table;
        let next = self.shared.with(|cache| match cache.lookup(lookup, now) {
            Step::Ready {
                key, table, set, ..
            } => {
                storage.clone_from(table);
                Next::Ready((key.clone(), set))
            }
            Step::Fetch(ticket) => Next::Fetch(ticket),
            Step::Wait => Next::Wait,
            Step::Fail(e) => Next::Fail(e),
        });
        match next {
            Next::Ready((key, set)) => {
                Next::Ready(check(KeyRef::new(&key, self.table.table_ref(), set)))
            }
            Next::Fetch(ticket) => Next::Fetch(ticket),
            Next::Wait => Next::Wait,
            Next::Fail(e) => Next::Fail(e),
        }
    }
}
