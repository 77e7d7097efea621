//! [`SharedCache`]: a [`JwksCache`] that can live in a `static` and be used from interrupt
//! handlers and tasks alike, locked with `critical-section`.
//!
//! The library never picks a critical-section implementation: firmware enables one (e.g.
//! `cortex-m/critical-section-single-core`), tests enable `critical-section/std`. Critical
//! sections stay short: the driver copies the key out (about 144 bytes) and both the
//! signature check and the fetch run with interrupts enabled.

use core::cell::RefCell;

use critical_section::Mutex;

use crate::es256::{KeyTable, NoTable};
use crate::jwks::KeyRef;

use super::driver::{CacheCell, Next, next};
use super::policy::CachePolicy;
use super::state::{JwksCache, Lookup};

/// A JWKS cache for a `static`, verified through with the [driver](crate::driver):
/// `driver::verify_blocking(&KEYS, ..)`, holding the lock only to decide and to install a
/// fetched set, never across the fetch or the signature check.
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

    /// The cache as a [`CacheCell`] that also copies the selected key's table into `table`
    /// (caller-owned storage: a `static`, or the stack for a [`SmallTable`]) inside the
    /// critical section, so that the signature is checked with it after the section ends.
    /// The copy (13 KiB for a [`SmallTable`]) is the price of keeping interrupts enabled
    /// during the signature check; `&SharedCache` itself copies only the key (about 160
    /// bytes) and checks on the table-free path.
    ///
    /// [`SmallTable`]: crate::SmallTable
    pub fn copying_into<'s>(&'s self, table: &'s mut T) -> impl CacheCell<N, T> + 's
    where
        T: Clone,
    {
        CopyInto {
            shared: self,
            table,
        }
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
        self.shared
            .with(|cache| {
                next(cache.lookup(lookup, now), |key, table, set| {
                    storage.clone_from(table);
                    (key.clone(), set)
                })
            })
            .map(|(key, set)| check(KeyRef::new(&key, self.table.table_ref(), set)))
    }
}
