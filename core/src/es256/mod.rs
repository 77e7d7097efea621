//! Fast ES256 (ECDSA over P-256 with SHA-256) signature verification.
//!
//! # Public inputs only: never use these routines for signing
//!
//! Everything in this module runs in **variable time**: the field arithmetic branches on rare
//! carries, the point formulas branch on their operands, the scalar inversion is a
//! variable-time GCD (safegcd's division steps), and the combs pick table rows by the digits
//! of the scalars. That is safe here and only here, because ECDSA *verification* handles
//! nothing secret: the public key, the signed message and the signature are all public.
//! These routines must never be used for signing, key generation, key agreement or any other
//! computation on a secret scalar; they would leak it through timing.
//!
//! # How
//!
//! A verifier knows its keys before the tokens arrive, so the work that depends only on the
//! key can be done once, when the key enters a key set (its [`KeyTable`]), rather than for
//! every token. `u1*G + u2*Q` is computed with signed-digit combs: for `G` from tables generated
//! at build time (`jwtgate-p256-table`, in `.rodata`/flash), for `Q` from the key's own table:
//!
//! | table | per key | `u2*Q` | `u1*G` (static) |
//! |---|---:|---|---|
//! | [`LargeTable`] | 270,336 B (264 KiB) | w = 8, 33 rows, no doublings | w = 8, 33 rows (264 KiB) |
//! | [`SmallTable`] | 13,312 B (13 KiB) | w = 5, 13 rows, 15 doublings | w = 7, 13 rows (52 KiB) |
//! | [`NoTable`] | 0 | width-5 NAF, ~256 doublings | width-10 NAF, 256 odd multiples (16 KiB; 32-bit targets: width 8, 64, 4 KiB) |
//!
//! Points are in Jacobian coordinates with the a = -3 doubling; table points are affine (and
//! `NoTable`'s odd multiples of `Q` are made affine with one inversion per verify), so every
//! addition is mixed (8M + 3S). Inversions (`s^-1`, and the field's) are variable-time
//! safegcd (`safegcd`), and the
//! final check compares `X == r Z^2` (and `(r + n) Z^2` when `r + n < p`) instead of inverting
//! `Z`. The field (`field`: Montgomery form, 4 x 64-bit limbs on 64-bit targets, 8 x 32-bit
//! on 32-bit ones) and the arithmetic modulo `n` (`scalar`) are jwtgate's own, and so is the
//! check that a JWK's point is on the curve: p256 serves only as the tests' reference.

mod comb;
mod ecdsa;
mod field;
mod key;
mod point;
mod safegcd;
mod scalar;
mod table;

pub use self::key::Es256Key;
pub(crate) use self::table::TableRef;
pub(crate) use self::table::sealed;
pub use self::table::{Boxed, KeyTable, LargeTable, NoTable, SmallTable, TablePtr};

#[cfg(feature = "_test-hooks")]
pub(crate) mod testing;
