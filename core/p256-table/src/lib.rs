//! Precomputed multiples of the P-256 base point `G`, for jwtgate's variable-time ES256
//! signature verification.
//!
//! **Public inputs only.** These tables serve verification, where every input (key, message,
//! signature) is public. Nothing here may be used for signing or any other secret scalar.
//!
//! The tables are computed by `build.rs` with p256's own arithmetic and evaluated into
//! `static`s at compile time, so they sit in `.rodata` (flash on microcontrollers) and are
//! never built at run time. A `static` the final binary does not use is dropped by the linker.
#![no_std]
#![forbid(unsafe_code)]
// Each table is one `static` built by const evaluation from its limbs: far more steps than the
// lint's default budget, by design (it is bounded and runs once per build of this crate).
#![allow(long_running_const_eval)]

pub use p256::FieldElement;

/// A finite point in affine coordinates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Affine {
    /// x
    pub x: FieldElement,
    /// y
    pub y: FieldElement,
}

/// `2^64` in the field.
const TWO_64: FieldElement = FieldElement::from_u64(1 << 63).double();
const TWO_128: FieldElement = TWO_64.multiply(&TWO_64);
const TWO_192: FieldElement = TWO_128.multiply(&TWO_64);

/// A field element from four little-endian 64-bit limbs of its canonical value (`< p`).
pub const fn field_from_limbs(l: [u64; 4]) -> FieldElement {
    FieldElement::from_u64(l[0])
        .add(&FieldElement::from_u64(l[1]).multiply(&TWO_64))
        .add(&FieldElement::from_u64(l[2]).multiply(&TWO_128))
        .add(&FieldElement::from_u64(l[3]).multiply(&TWO_192))
}

impl Affine {
    /// A point from the little-endian limbs of its canonical coordinates. Not checked to be on
    /// the curve: for generated constants.
    pub const fn from_limbs(x: [u64; 4], y: [u64; 4]) -> Affine {
        Affine {
            x: field_from_limbs(x),
            y: field_from_limbs(y),
        }
    }
}

include!(concat!(env!("OUT_DIR"), "/g_tables.rs"));
