//! The P-256 base field, `p = 2^256 - 2^224 + 2^192 + 2^96 - 1`, built for ES256
//! verification.
//!
//! **Variable time, public inputs only.** These routines branch on (rare) carries, and
//! nothing here was written to hide its operands: they are for signature *verification*,
//! where the key, the message and the signature are all public. They must never be used for
//! signing, key generation, key agreement or any computation on secret data.
//!
//! # Representation
//!
//! An element is held as an integer below `2^256` ("weakly reduced": both `x` and `x + p`
//! may stand for the same residue when `x + p < 2^256`), in little-endian limbs. Additions
//! and subtractions fold their carry back at once (`2^256 = 2^224 - 2^192 - 2^96 + 1 mod
//! p`); elements are brought below `p` only to be compared or encoded. Products are reduced
//! in Montgomery form (`x 2^256 mod p`, the same at both widths, so one set of base-point
//! tables serves both): for this `p`, `-p^-1` is 1 modulo `2^64` and `2^32`, so a step's
//! multiplier is the limb itself, and its multiple of `p` is two shifts and one limb product
//! (64-bit) or four word additions (32-bit). The Solinas reduction (FIPS 186-4 D.2.3) was
//! implemented and measured first at both widths and lost: a quarter more instructions per
//! product on x86-64, and on Cortex-M4 (QEMU, NoTable) 2.78 M instructions per verify against
//! 2.29 M with the Montgomery columns.
//!
//! # Limb width
//!
//! One implementation per limb width, chosen by `target_pointer_width`: [`fe64`] (4 x u64,
//! u128 products) on 64-bit targets, [`fe32`] (8 x u32, products in the shape of UMULL /
//! UMAAL) on 32-bit ones (thumbv7em, wasm32). Both are compiled and tested on every host
//! (the one not in use only under `cfg(test)` or the private `_test-hooks` feature).

// The width a target does not use is compiled only for tests, which use less of it.
#[cfg(any(target_pointer_width = "32", test, feature = "_test-hooks"))]
#[cfg_attr(not(target_pointer_width = "32"), allow(dead_code))]
pub(crate) mod fe32;
#[cfg(any(target_pointer_width = "64", test, feature = "_test-hooks"))]
#[cfg_attr(target_pointer_width = "32", allow(dead_code))]
pub(crate) mod fe64;

/// The field element of this target's limb width.
#[cfg(not(target_pointer_width = "64"))]
pub(crate) use fe32::Fe;
/// The field element of this target's limb width.
#[cfg(target_pointer_width = "64")]
pub(crate) use fe64::Fe;

/// A finite point in affine coordinates (in this target's field unless told otherwise).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Affine<F = Fe> {
    pub(crate) x: F,
    pub(crate) y: F,
}

/// The field operations the point formulas, combs and the final check use, implemented by
/// both limb widths (the formulas are generic, so the tests run the whole verification at
/// either width; a build for a target uses only its own).
pub(crate) trait Field: Copy + PartialEq + core::fmt::Debug {
    const ZERO: Self;
    const ONE: Self;
    /// The group order `n` (below `p`) as a field element, for the final check.
    const N: Self;
    /// The element of 32 big-endian bytes, `None` unless they are below `p`.
    fn from_bytes(bytes: &[u8; 32]) -> Option<Self>;
    /// Any 256-bit big-endian value, as the element it is congruent to.
    #[cfg(any(test, feature = "_test-hooks"))]
    fn from_raw_bytes(bytes: &[u8; 32]) -> Self;
    /// The canonical value, big-endian.
    #[cfg(any(test, feature = "_test-hooks"))]
    fn to_bytes(self) -> [u8; 32];
    /// The representation as it is (possibly `>= p`), big-endian.
    #[cfg(any(test, feature = "_test-hooks"))]
    fn raw_bytes(&self) -> [u8; 32];
    fn add(&self, b: &Self) -> Self;
    fn sub(&self, b: &Self) -> Self;
    fn neg(&self) -> Self;
    fn double(&self) -> Self;
    fn triple(&self) -> Self;
    /// `self / 2`.
    fn half(&self) -> Self;
    fn mul(&self, b: &Self) -> Self;
    fn square(&self) -> Self;
    fn invert(&self) -> Option<Self>;
    fn is_zero(&self) -> bool;
}

/// Implements [`Field`] by the inherent methods of the same names.
macro_rules! field_impl {
    ($fe:ty) => {
        impl $crate::es256::field::Field for $fe {
            const ZERO: Self = <$fe>::ZERO;
            const ONE: Self = <$fe>::ONE;
            const N: Self = <$fe>::N;
            #[inline(always)]
            fn from_bytes(bytes: &[u8; 32]) -> Option<Self> {
                <$fe>::from_bytes(bytes)
            }
            #[cfg(any(test, feature = "_test-hooks"))]
            fn from_raw_bytes(bytes: &[u8; 32]) -> Self {
                <$fe>::from_raw_bytes(bytes)
            }
            #[cfg(any(test, feature = "_test-hooks"))]
            fn to_bytes(self) -> [u8; 32] {
                <$fe>::to_bytes(self)
            }
            #[cfg(any(test, feature = "_test-hooks"))]
            fn raw_bytes(&self) -> [u8; 32] {
                <$fe>::raw_bytes(self)
            }
            #[inline(always)]
            fn add(&self, b: &Self) -> Self {
                <$fe>::add(self, b)
            }
            #[inline(always)]
            fn sub(&self, b: &Self) -> Self {
                <$fe>::sub(self, b)
            }
            #[inline(always)]
            fn neg(&self) -> Self {
                <$fe>::neg(self)
            }
            #[inline(always)]
            fn double(&self) -> Self {
                <$fe>::double(self)
            }
            #[inline(always)]
            fn triple(&self) -> Self {
                <$fe>::triple(self)
            }
            #[inline(always)]
            fn half(&self) -> Self {
                <$fe>::half(self)
            }
            #[inline(always)]
            fn mul(&self, b: &Self) -> Self {
                <$fe>::mul(self, b)
            }
            #[inline(always)]
            fn square(&self) -> Self {
                <$fe>::square(self)
            }
            #[inline(always)]
            fn invert(&self) -> Option<Self> {
                <$fe>::invert(self)
            }
            #[inline(always)]
            fn is_zero(&self) -> bool {
                <$fe>::is_zero(self)
            }
        }

        impl $crate::es256::field::Affine<$fe> {
            /// A point from a table entry's limbs (see `from_table_limbs`; not checked to be
            /// on the curve: for generated constants).
            pub(crate) const fn from_table_limbs(xy: &[[u64; 4]; 2]) -> Self {
                $crate::es256::field::Affine {
                    x: <$fe>::from_table_limbs(xy[0]),
                    y: <$fe>::from_table_limbs(xy[1]),
                }
            }
        }
    };
}
pub(crate) use field_impl;

/// `self^-1` by the variable-time safegcd inversion modulo `p` (public inputs only, as
/// everything here), from the canonical value as 64-bit limbs (`limbs64`).
macro_rules! invert_impl {
    () => {
        /// `self^-1`, `None` for zero.
        pub(crate) fn invert(&self) -> Option<Self> {
            let inv = $crate::es256::safegcd::inverse(&self.limbs64(), &$crate::es256::safegcd::P)?;
            // `self` holds `a R`, so `inv` is `a^-1 R^-1`: two products by `R^2` make `a^-1 R`.
            Some(Self::from_table_limbs(inv).mul(&R2).mul(&R2))
        }
    };
}
pub(crate) use invert_impl;

#[cfg(test)]
mod tests {
    use super::{Field, fe32, fe64};

    /// Deterministic 256-bit values (splitmix64), with the edges mixed in.
    fn values() -> impl Iterator<Item = [u8; 32]> {
        let mut state = 0x6a77_7467_6174_6531u64;
        let mut next = move || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        let mut p = [0xffu8; 32];
        p[4..8].copy_from_slice(&[0, 0, 0, 1]);
        p[8..20].fill(0);
        let edges = [[0u8; 32], [0xff; 32], p, {
            let mut one = [0u8; 32];
            one[31] = 1;
            one
        }];
        edges.into_iter().chain((0..200).map(move |_| {
            let mut v = [0u8; 32];
            for chunk in v.chunks_mut(8) {
                chunk.copy_from_slice(&next().to_le_bytes());
            }
            v
        }))
    }

    fn ops<F: Field>(a: &[u8; 32], b: &[u8; 32]) -> [[u8; 32]; 11] {
        let (x, y) = (F::from_raw_bytes(a), F::from_raw_bytes(b));
        [
            x.add(&y).to_bytes(),
            x.sub(&y).to_bytes(),
            x.neg().to_bytes(),
            x.double().to_bytes(),
            x.triple().to_bytes(),
            x.half().to_bytes(),
            x.half().double().to_bytes(),
            x.mul(&y).to_bytes(),
            x.square().to_bytes(),
            x.invert().map_or([0; 32], |i| i.mul(&x).to_bytes()),
            // The raw form stands for the same element.
            F::from_raw_bytes(&x.mul(&y).raw_bytes()).to_bytes(),
        ]
    }

    /// The two widths agree with each other (the tests crate checks both against p256).
    #[test]
    fn both_widths_agree() {
        for (a, b) in values().zip(values().skip(1)) {
            assert_eq!(ops::<fe64::Fe>(&a, &b), ops::<fe32::Fe>(&a, &b));
        }
    }
}
