//! Precomputed multiples of the P-256 base point `G`, for jwtgate's variable-time ES256
//! signature verification.
//!
//! **Public inputs only.** These tables serve verification, where every input (key, message,
//! signature) is public. Nothing here may be used for signing or any other secret scalar.
//!
//! The tables are computed by `build.rs` with p256's own arithmetic and written out as
//! `const`s of little-endian limbs in Montgomery form (`G_*_MONT`: `x 2^256 mod p`). They are `const`s, not `static`s: jwtgate turns
//! them, by const evaluation, into `static`s of its own field representation (64-bit or
//! 32-bit limbs, by target), so they sit in `.rodata` (flash on microcontrollers) in the form
//! the arithmetic reads, and are never built at run time. A table a program does not use
//! never reaches its binary.
#![no_std]
#![forbid(unsafe_code)]
// Large `const`s by design: only const evaluation reads them (see above), so no copy of them
// is ever made at run time.
#![allow(clippy::large_const_arrays)]

/// A finite point in affine coordinates: `[x, y]`, each as four little-endian 64-bit limbs of
/// `x 2^256 mod p` (below `p`).
pub type Point = [[u64; 4]; 2];

include!(concat!(env!("OUT_DIR"), "/g_tables.rs"));
