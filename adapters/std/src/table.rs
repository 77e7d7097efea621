//! [`SharedTable`]: a per-key ES256 table the verifier's threads share through an `Arc`.
//!
//! A warm verify picks its key under the lock and checks the signature after releasing it;
//! with a table in the key slot that would mean copying 86 KiB out per request. Here the slot
//! holds an `Arc` instead, so a request clones a pointer (no allocation) and verifies against
//! the table while a refresh may already be installing the next set.

use std::sync::Arc;

use jwtgate::{Error, Es256Key, KeyTable, LargeTable};

/// A key table behind an `Arc`: built (allocated) when its key enters the set, then shared.
#[derive(Clone, Debug)]
pub struct SharedTable<T>(Option<Arc<T>>);

/// The table the std verifier uses: [`LargeTable`], 86 KiB per key, the fastest verify.
pub type ServerTable = SharedTable<LargeTable>;

impl<T: KeyTable> KeyTable for SharedTable<T> {
    const EMPTY: Self = SharedTable(None);
    const BYTES: usize = T::BYTES;

    fn build(&mut self, key: &Es256Key) {
        // Built in place on the heap; only the `Arc` moves.
        let mut table = Arc::new(T::EMPTY);
        if let Some(t) = Arc::get_mut(&mut table) {
            t.build(key);
        }
        self.0 = Some(table);
    }

    fn is_for(&self, key: &Es256Key) -> bool {
        self.0.as_ref().is_some_and(|t| t.is_for(key))
    }

    fn verify(&self, key: &Es256Key, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        match &self.0 {
            Some(table) => table.verify(key, message, signature),
            None => key.verify(message, signature),
        }
    }
}
