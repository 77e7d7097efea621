//! [`ServerTable`]: per-key ES256 tables the verifier's threads share through an `Arc`.
//!
//! A warm verify picks its key under the lock and checks the signature after releasing it;
//! with a table in the key slot that would mean copying 264 KiB out per request. Here the slot
//! holds an `Arc` instead, so a request clones a pointer (no allocation) and verifies against
//! the table while a refresh may already be installing the next set. The core builds the
//! table and checks signatures with it; this file only supplies the pointer.

use std::sync::Arc;

use jwtgate::{Boxed, KeyTable, LargeTable, TablePtr};

/// A key table behind an `Arc`: allocated when its key enters the set, then shared.
#[derive(Debug)]
pub struct ArcTable<T>(Arc<T>);

// A pointer copy, whatever `T` is.
impl<T> Clone for ArcTable<T> {
    fn clone(&self) -> Self {
        ArcTable(Arc::clone(&self.0))
    }
}

impl<T: KeyTable> TablePtr for ArcTable<T> {
    type Table = T;

    fn new(table: T) -> Self {
        #[cfg(feature = "_test-hooks")]
        hooks::on_table_build();
        ArcTable(Arc::new(table))
    }

    fn get(&self) -> &T {
        &self.0
    }

    fn get_mut(&mut self) -> Option<&mut T> {
        Arc::get_mut(&mut self.0)
    }
}

/// The table the std verifier uses: [`LargeTable`], 264 KiB per key behind an `Arc`, the
/// fastest verify.
pub type ServerTable = Boxed<ArcTable<LargeTable>>;

/// Hooks for jwtgate-std's own tests (private feature `_test-hooks`): not part of the API.
#[cfg(feature = "_test-hooks")]
#[doc(hidden)]
pub mod hooks {
    use std::sync::Mutex;

    type Hook = Box<dyn Fn() + Send + Sync>;

    static ON_BUILD: Mutex<Option<Hook>> = Mutex::new(None);

    /// Runs `hook` each time a key's table is built (replacing any earlier hook).
    pub fn set_on_table_build(hook: impl Fn() + Send + Sync + 'static) {
        *ON_BUILD
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Box::new(hook));
    }

    pub(super) fn on_table_build() {
        let hook = ON_BUILD
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(hook) = hook.as_ref() {
            hook();
        }
    }
}
