//! Per-key ES256 precomputation: the table type of a [`KeySet`](crate::KeySet)'s key slots.
//!
//! The table types are jwtgate's own (the trait is sealed): a table supplies storage, the
//! verification logic stays in this module. An adapter that wants its tables elsewhere (the
//! std adapter shares them between threads through an `Arc`) supplies only the pointer, with
//! [`TablePtr`], and uses [`Boxed`].

use core::fmt;

use super::field::{Affine, Fe};

use super::comb;
use super::ecdsa::verify_with;
use super::key::Es256Key;
use super::point::Jacobian;
use crate::Error;

/// Per-key precomputation for ES256 verification, stored in each key slot of a
/// [`KeySet`](crate::KeySet) and chosen at compile time (the key set's second type
/// parameter): [`NoTable`] (the default), [`SmallTable`], [`LargeTable`], or one of those
/// behind an adapter's pointer ([`Boxed`]).
///
/// A table is built in place, once, when its key enters a key set; verification then only
/// reads it. Sealed: only jwtgate's table types implement it.
pub trait KeyTable: sealed::Table {}

pub(crate) mod sealed {
    use crate::Error;
    use crate::es256::key::Es256Key;
    use crate::es256::table::{KeyTable, TableRef};

    /// The table operations, private to jwtgate (public only to its own tests).
    pub trait Table: Sized {
        /// A table built for no key, for `const` initialisation of key sets.
        const EMPTY: Self;
        /// Bytes of precomputation per key (0 for `NoTable`).
        const BYTES: usize;
        /// What a cache behind a lock copies out of the slot, so that the signature is
        /// checked after the lock is released: a pointer to the table where the table is
        /// behind one, else nothing (the check then takes the table-free path).
        type Detached: KeyTable;
        /// Builds the table for `key`, in place. Slow (up to a few milliseconds): load time.
        fn build(&mut self, key: &Es256Key);
        /// Whether the table holds `key`'s precomputation (a table needing none always does).
        fn is_for(&self, key: &Es256Key) -> bool;
        /// The table, for the signature check.
        fn table_ref(&self) -> TableRef<'_>;
        /// The copy a locked cache takes out of the slot.
        fn detach(&self) -> Self::Detached;
        /// Checks a raw `r || s` signature over `message` with `key`, using the table when it
        /// was built for `key` and the table-free path otherwise.
        fn verify(&self, key: &Es256Key, message: &[u8], signature: &[u8]) -> Result<(), Error> {
            self.table_ref().verify(key, message, signature)
        }
    }
}

/// A table as the signature check sees it: a built comb, or none.
///
/// The comb is a trait object so that only the table types a program names reach its
/// binary: a firmware with [`NoTable`] slots links neither the combs' code nor the base-point
/// tables they read (264 KiB for [`LargeTable`]'s, 52 KiB for [`SmallTable`]'s), which a
/// `match` over every table type would keep alive.
#[allow(unreachable_pub)] // public to jwtgate's own tests (`__testing`)
#[derive(Clone, Copy)]
pub struct TableRef<'t>(Option<&'t dyn Comb>);

/// A per-key comb, as the signature check uses it.
trait Comb {
    /// Whether the comb was built for `key`.
    fn is_for(&self, key: &Es256Key) -> bool;
    /// `u1 * G + u2 * Q` for the comb's key `Q`.
    fn mul(&self, u1: &[u8; 32], u2: &[u8; 32]) -> Jacobian;
}

impl TableRef<'_> {
    /// No precomputation.
    pub(crate) const NONE: TableRef<'static> = TableRef(None);

    /// Whether the table holds `key`'s precomputation (no table always does).
    #[cfg(feature = "_test-hooks")]
    pub(crate) fn is_for(self, key: &Es256Key) -> bool {
        self.0.is_none_or(|comb| comb.is_for(key))
    }

    /// Checks a raw `r || s` signature over `message` with `key`, using the table when it was
    /// built for `key` and the table-free path otherwise.
    pub(crate) fn verify(
        self,
        key: &Es256Key,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        match self.0 {
            Some(comb) if comb.is_for(key) => {
                verify_with(message, signature, |u1, u2| comb.mul(u1, u2))
            }
            _ => key.verify(message, signature),
        }
    }
}

impl fmt::Debug for TableRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "TableRef(comb)"
        } else {
            "TableRef(none)"
        })
    }
}

/// No per-key precomputation: the smallest key slots. About 3.5x the work of [`LargeTable`],
/// still about 4x faster than p256's own verification.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoTable;

impl KeyTable for NoTable {}

impl sealed::Table for NoTable {
    const EMPTY: Self = NoTable;
    const BYTES: usize = 0;
    type Detached = NoTable;
    fn build(&mut self, _key: &Es256Key) {}
    fn is_for(&self, _key: &Es256Key) -> bool {
        true
    }
    fn table_ref(&self) -> TableRef<'_> {
        TableRef::NONE
    }
    fn detach(&self) -> NoTable {
        NoTable
    }
}

const ZERO_POINT: Affine = Affine {
    x: Fe::ZERO,
    y: Fe::ZERO,
};

/// The table's first entry, `1 * Q`: it says which key the table is for.
fn first<const E: usize>(rows: &[[Affine; E]]) -> Option<&Affine> {
    rows.first().and_then(|row| row.first())
}

fn built_for<const E: usize>(rows: &[[Affine; E]], key: &Es256Key) -> bool {
    key.affine().is_some_and(|q| first(rows) == Some(&q))
}

fn build<const E: usize>(rows: &mut [[Affine; E]], key: &Es256Key, shift: usize) {
    let built = key
        .affine()
        .is_some_and(|q| comb::build_rows(rows, &q, shift));
    if !built {
        // Never for a valid key; a table that failed is marked unbuilt (verify falls back).
        if let Some(p) = rows.first_mut().and_then(|row| row.first_mut()) {
            *p = ZERO_POINT;
        }
    }
}

/// Declares a per-key comb table: `$entries` points per row, `$rows` rows built with `$shift`
/// doublings between them, multiplied with `comb::$mul`. The two tables differ only there.
macro_rules! comb_table {
    ($(#[$doc:meta])* $name:ident, $entries:literal, $rows:literal, $shift:literal, $mul:ident) => {
        $(#[$doc])*
        pub struct $name {
            pub(super) rows: [[Affine; $entries]; $rows],
        }

        // `clone_from` copies in place: a table never passes through the stack by value.
        impl Clone for $name {
            fn clone(&self) -> Self {
                $name { rows: self.rows }
            }
            fn clone_from(&mut self, source: &Self) {
                self.rows = source.rows;
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("built", &(first(&self.rows) != Some(&ZERO_POINT)))
                    .finish()
            }
        }

        impl KeyTable for $name {}

        impl Comb for $name {
            fn is_for(&self, key: &Es256Key) -> bool {
                built_for(&self.rows, key)
            }
            fn mul(&self, u1: &[u8; 32], u2: &[u8; 32]) -> Jacobian {
                comb::$mul(u1, u2, &self.rows)
            }
        }

        impl sealed::Table for $name {
            const EMPTY: Self = $name {
                rows: [[ZERO_POINT; $entries]; $rows],
            };
            const BYTES: usize = size_of::<$name>();
            // Copying the table out per request would cost more than the check saves.
            type Detached = NoTable;
            fn build(&mut self, key: &Es256Key) {
                build(&mut self.rows, key, $shift);
            }
            fn is_for(&self, key: &Es256Key) -> bool {
                built_for(&self.rows, key)
            }
            fn table_ref(&self) -> TableRef<'_> {
                TableRef(Some(self))
            }
            fn detach(&self) -> NoTable {
                NoTable
            }
        }
    };
}

comb_table!(
    /// A 13,312-byte (13 KiB) comb per key: about 1.5x the work of [`LargeTable`].
    SmallTable, 16, 13, 20, mul_small
);

comb_table!(
    /// A 270,336-byte (264 KiB) comb per key: the fastest verification, for servers.
    LargeTable, 128, 33, 8, mul_large
);

/// A pointer to a table kept outside its key slot, supplied by an adapter (the std adapter's
/// is an `Arc<LargeTable>`): the slot then holds the pointer, so a cache behind a lock copies
/// a pointer out per request instead of a table. Storage only: [`Boxed`] builds the table in
/// place and checks signatures with it.
pub trait TablePtr: Clone {
    /// The table pointed to.
    type Table: KeyTable;
    /// A new pointer to `table` (an unbuilt one, which the core then builds in place); it
    /// may allocate.
    fn new(table: Self::Table) -> Self;
    /// The table.
    fn get(&self) -> &Self::Table;
    /// The table, mutably, while this pointer is its only owner (to build it in place).
    fn get_mut(&mut self) -> Option<&mut Self::Table>;
}

/// A table behind an adapter's pointer `P` (see [`TablePtr`]).
#[derive(Clone, Debug)]
pub struct Boxed<P>(Option<P>);

impl<P: TablePtr> KeyTable for Boxed<P> {}

impl<P: TablePtr> sealed::Table for Boxed<P> {
    const EMPTY: Self = Boxed(None);
    const BYTES: usize = <P::Table as sealed::Table>::BYTES;
    type Detached = Boxed<P>;

    fn build(&mut self, key: &Es256Key) {
        let mut table = P::new(<P::Table as sealed::Table>::EMPTY);
        if let Some(t) = table.get_mut() {
            t.build(key);
        }
        self.0 = Some(table);
    }

    fn is_for(&self, key: &Es256Key) -> bool {
        self.0.as_ref().is_some_and(|t| t.get().is_for(key))
    }

    fn table_ref(&self) -> TableRef<'_> {
        self.0
            .as_ref()
            .map_or(TableRef::NONE, |t| t.get().table_ref())
    }

    fn detach(&self) -> Self {
        self.clone()
    }
}
