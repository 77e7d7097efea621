//! The P-256 base field in eight 32-bit limbs: the 32-bit targets' field (thumbv7em, wasm32).
//!
//! **Variable time, public inputs only: never for signing or secret data** (see the module
//! above). Weakly reduced elements (below `2^256`), products by operand scanning written as
//! `a * b + c + d` on 32-bit words (the shape LLVM turns into one UMAAL on Cortex-M4, and
//! which cannot overflow 64 bits), a dedicated squaring (36 word products instead of 64),
//! and the word-wise Solinas reduction of FIPS 186-4 D.2.3 in signed 64-bit columns.
// Truncating a u64 or i64 to its low word is the point of `lo`; every other conversion here
// is a widening `from`.
#![allow(clippy::as_conversions, clippy::cast_possible_truncation)]

/// An element of the P-256 base field: eight little-endian 32-bit limbs of a value below
/// `2^256` congruent to it (not necessarily below `p`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fe(pub(super) [u32; 8]);

/// `p`, little-endian 32-bit words.
const P: [u32; 8] = [
    0xffff_ffff,
    0xffff_ffff,
    0xffff_ffff,
    0x0000_0000,
    0x0000_0000,
    0x0000_0000,
    0x0000_0001,
    0xffff_ffff,
];

/// `a * b + c + d` (never overflows 64 bits): (low, high). One UMAAL on Cortex-M4.
#[inline(always)]
fn mac(a: u32, b: u32, c: u32, d: u32) -> (u32, u32) {
    let t = u64::from(a) * u64::from(b) + u64::from(c) + u64::from(d);
    (t as u32, (t >> 32) as u32)
}

/// `a + b + carry`: (sum, carry out).
#[inline(always)]
fn adc(a: u32, b: u32, carry: u32) -> (u32, u32) {
    let t = u64::from(a) + u64::from(b) + u64::from(carry);
    (t as u32, (t >> 32) as u32)
}

/// `a - b - borrow`: (difference, borrow out as 0 or 1).
#[inline(always)]
fn sbb(a: u32, b: u32, borrow: u32) -> (u32, u32) {
    let t = u64::from(a).wrapping_sub(u64::from(b) + u64::from(borrow));
    (t as u32, ((t >> 32) as u32) >> 31)
}

/// The low word of a column sum, and the signed carry into the next.
#[inline(always)]
const fn split(acc: i64) -> (u32, i64) {
    (acc as u32, acc >> 32)
}

/// `x + t 2^256 = x + t (2^224 - 2^192 - 2^96 + 1)` for a small signed `t`, by columns:
/// the result, and what is left above `2^256` (-1, 0 or 1 times `2^256`).
#[inline(always)]
fn fold(x: [u32; 8], t: i64) -> ([u32; 8], i64) {
    let w = |v: u32| i64::from(v);
    let (r0, c) = split(w(x[0]) + t);
    let (r1, c) = split(w(x[1]) + c);
    let (r2, c) = split(w(x[2]) + c);
    let (r3, c) = split(w(x[3]) - t + c);
    let (r4, c) = split(w(x[4]) + c);
    let (r5, c) = split(w(x[5]) + c);
    let (r6, c) = split(w(x[6]) - t + c);
    let (r7, c) = split(w(x[7]) + t + c);
    ([r0, r1, r2, r3, r4, r5, r6, r7], c)
}

/// `x + t 2^256` for a small signed `t`, weakly reduced: one fold, and in the rare case that
/// leaves a carry (a borrow) of one, a second, which cannot.
#[inline(always)]
fn fold_reduced(x: [u32; 8], t: i64) -> Fe {
    let (r, t) = fold(x, t);
    if t == 0 { Fe(r) } else { Fe(fold(r, t).0) }
}

/// Reduces a 512-bit product (little-endian words `c0..c15`) modulo `p`:
/// `T + 2 S1 + 2 S2 + S3 + S4 - D1 - D2 - D3 - D4` (FIPS 186-4 D.2.3) summed by word in
/// signed 64-bit columns, the carries propagated once, and what is left above `2^256`
/// (between -4 and 6 times `2^256`) folded back.
#[inline(always)]
fn reduce(c: [u32; 16]) -> Fe {
    let [
        c0,
        c1,
        c2,
        c3,
        c4,
        c5,
        c6,
        c7,
        c8,
        c9,
        c10,
        c11,
        c12,
        c13,
        c14,
        c15,
    ] = c.map(i64::from);
    let (r0, k) = split(c0 + c8 + c9 - c11 - c12 - c13 - c14);
    let (r1, k) = split(c1 + c9 + c10 - c12 - c13 - c14 - c15 + k);
    let (r2, k) = split(c2 + c10 + c11 - c13 - c14 - c15 + k);
    let (r3, k) = split(c3 + 2 * (c11 + c12) + c13 - c15 - c8 - c9 + k);
    let (r4, k) = split(c4 + 2 * (c12 + c13) + c14 - c9 - c10 + k);
    let (r5, k) = split(c5 + 2 * (c13 + c14) + c15 - c10 - c11 + k);
    let (r6, k) = split(c6 + 3 * c14 + 2 * c15 + c13 - c8 - c9 + k);
    let (r7, t) = split(c7 + 3 * c15 + c8 - c10 - c11 - c12 - c13 + k);
    fold_reduced([r0, r1, r2, r3, r4, r5, r6, r7], t)
}

impl PartialEq for Fe {
    /// Equality of field elements (not of representations).
    fn eq(&self, other: &Fe) -> bool {
        self.canonical() == other.canonical()
    }
}

impl Eq for Fe {}

impl Fe {
    pub(crate) const ZERO: Fe = Fe([0; 8]);
    pub(crate) const ONE: Fe = Fe([1, 0, 0, 0, 0, 0, 0, 0]);

    /// The group order `n`.
    pub(crate) const N: Fe = Fe::from_table_limbs(super::N_LIMBS);

    /// An element from the little-endian 64-bit limbs of its canonical value, as
    /// `jwtgate_p256_table`'s tables hold them (stored here as 32-bit words).
    pub(crate) const fn from_table_limbs(l: [u64; 4]) -> Fe {
        Fe([
            l[0] as u32,
            (l[0] >> 32) as u32,
            l[1] as u32,
            (l[1] >> 32) as u32,
            l[2] as u32,
            (l[2] >> 32) as u32,
            l[3] as u32,
            (l[3] >> 32) as u32,
        ])
    }

    /// Any 256-bit big-endian value, as the element it is congruent to.
    pub(crate) fn from_raw_bytes(bytes: &[u8; 32]) -> Fe {
        let mut l = [0u32; 8];
        for (limb, chunk) in l.iter_mut().zip(bytes.rchunks_exact(4)) {
            *limb = u32::from_be_bytes(<[u8; 4]>::try_from(chunk).unwrap_or([0; 4]));
        }
        Fe(l)
    }

    /// The element of 32 big-endian bytes, `None` unless they are below `p`.
    pub(crate) fn from_bytes(bytes: &[u8; 32]) -> Option<Fe> {
        let fe = Fe::from_raw_bytes(bytes);
        (fe.canonical() == fe.0).then_some(fe)
    }

    /// The canonical value (below `p`), big-endian.
    #[cfg(any(test, feature = "_test-hooks"))]
    pub(crate) fn to_bytes(self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (chunk, limb) in out.rchunks_exact_mut(4).zip(self.canonical()) {
            chunk.copy_from_slice(&limb.to_be_bytes());
        }
        out
    }

    /// The representation as it is (possibly `>= p`), big-endian: for tests.
    #[cfg(any(test, feature = "_test-hooks"))]
    pub(crate) fn raw_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (chunk, limb) in out.rchunks_exact_mut(4).zip(self.0) {
            chunk.copy_from_slice(&limb.to_be_bytes());
        }
        out
    }

    /// The canonical words: `x - p` if `x >= p` (once in about 2^32 elements), else `x`.
    #[inline]
    fn canonical(&self) -> [u32; 8] {
        let x = self.0;
        let mut d = [0u32; 8];
        let mut b = 0;
        for ((d, x), p) in d.iter_mut().zip(x).zip(P) {
            (*d, b) = sbb(x, p, b);
        }
        if b == 0 { d } else { x }
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.0 == [0; 8] || self.0 == P
    }

    #[inline]
    pub(crate) fn add(&self, b: &Fe) -> Fe {
        let (a, b) = (self.0, b.0);
        let (r0, c) = adc(a[0], b[0], 0);
        let (r1, c) = adc(a[1], b[1], c);
        let (r2, c) = adc(a[2], b[2], c);
        let (r3, c) = adc(a[3], b[3], c);
        let (r4, c) = adc(a[4], b[4], c);
        let (r5, c) = adc(a[5], b[5], c);
        let (r6, c) = adc(a[6], b[6], c);
        let (r7, c) = adc(a[7], b[7], c);
        fold_reduced([r0, r1, r2, r3, r4, r5, r6, r7], i64::from(c))
    }

    #[inline]
    pub(crate) fn sub(&self, b: &Fe) -> Fe {
        let (a, b) = (self.0, b.0);
        let (r0, w) = sbb(a[0], b[0], 0);
        let (r1, w) = sbb(a[1], b[1], w);
        let (r2, w) = sbb(a[2], b[2], w);
        let (r3, w) = sbb(a[3], b[3], w);
        let (r4, w) = sbb(a[4], b[4], w);
        let (r5, w) = sbb(a[5], b[5], w);
        let (r6, w) = sbb(a[6], b[6], w);
        let (r7, w) = sbb(a[7], b[7], w);
        fold_reduced([r0, r1, r2, r3, r4, r5, r6, r7], -i64::from(w))
    }

    #[inline]
    pub(crate) fn neg(&self) -> Fe {
        Fe::ZERO.sub(self)
    }

    /// `2 self`.
    #[inline]
    pub(crate) fn double(&self) -> Fe {
        self.mul_small(2)
    }

    /// `k self` for a small `k`: one pass of word products and one fold.
    #[inline]
    fn mul_small(&self, k: u32) -> Fe {
        let a = self.0;
        let mut r = [0u32; 8];
        let mut c = 0;
        for (r, a) in r.iter_mut().zip(a) {
            (*r, c) = mac(a, k, c, 0);
        }
        fold_reduced(r, i64::from(c))
    }

    /// `3 self`.
    #[inline]
    pub(crate) fn triple(&self) -> Fe {
        self.mul_small(3)
    }

    /// `4 self`.
    #[inline]
    pub(crate) fn quadruple(&self) -> Fe {
        self.mul_small(4)
    }

    /// `8 self`.
    #[inline]
    pub(crate) fn octuple(&self) -> Fe {
        self.mul_small(8)
    }

    /// `self * b`: 64 word products (operand scanning, one UMAAL each), then [`reduce`].
    #[inline]
    pub(crate) fn mul(&self, b: &Fe) -> Fe {
        let [a0, a1, a2, a3, a4, a5, a6, a7] = self.0;
        let [b0, b1, b2, b3, b4, b5, b6, b7] = b.0;
        let (r0, c) = mac(a0, b0, 0, 0);
        let (r1, c) = mac(a0, b1, 0, c);
        let (r2, c) = mac(a0, b2, 0, c);
        let (r3, c) = mac(a0, b3, 0, c);
        let (r4, c) = mac(a0, b4, 0, c);
        let (r5, c) = mac(a0, b5, 0, c);
        let (r6, c) = mac(a0, b6, 0, c);
        let (r7, r8) = mac(a0, b7, 0, c);

        let (r1, c) = mac(a1, b0, r1, 0);
        let (r2, c) = mac(a1, b1, r2, c);
        let (r3, c) = mac(a1, b2, r3, c);
        let (r4, c) = mac(a1, b3, r4, c);
        let (r5, c) = mac(a1, b4, r5, c);
        let (r6, c) = mac(a1, b5, r6, c);
        let (r7, c) = mac(a1, b6, r7, c);
        let (r8, r9) = mac(a1, b7, r8, c);

        let (r2, c) = mac(a2, b0, r2, 0);
        let (r3, c) = mac(a2, b1, r3, c);
        let (r4, c) = mac(a2, b2, r4, c);
        let (r5, c) = mac(a2, b3, r5, c);
        let (r6, c) = mac(a2, b4, r6, c);
        let (r7, c) = mac(a2, b5, r7, c);
        let (r8, c) = mac(a2, b6, r8, c);
        let (r9, r10) = mac(a2, b7, r9, c);

        let (r3, c) = mac(a3, b0, r3, 0);
        let (r4, c) = mac(a3, b1, r4, c);
        let (r5, c) = mac(a3, b2, r5, c);
        let (r6, c) = mac(a3, b3, r6, c);
        let (r7, c) = mac(a3, b4, r7, c);
        let (r8, c) = mac(a3, b5, r8, c);
        let (r9, c) = mac(a3, b6, r9, c);
        let (r10, r11) = mac(a3, b7, r10, c);

        let (r4, c) = mac(a4, b0, r4, 0);
        let (r5, c) = mac(a4, b1, r5, c);
        let (r6, c) = mac(a4, b2, r6, c);
        let (r7, c) = mac(a4, b3, r7, c);
        let (r8, c) = mac(a4, b4, r8, c);
        let (r9, c) = mac(a4, b5, r9, c);
        let (r10, c) = mac(a4, b6, r10, c);
        let (r11, r12) = mac(a4, b7, r11, c);

        let (r5, c) = mac(a5, b0, r5, 0);
        let (r6, c) = mac(a5, b1, r6, c);
        let (r7, c) = mac(a5, b2, r7, c);
        let (r8, c) = mac(a5, b3, r8, c);
        let (r9, c) = mac(a5, b4, r9, c);
        let (r10, c) = mac(a5, b5, r10, c);
        let (r11, c) = mac(a5, b6, r11, c);
        let (r12, r13) = mac(a5, b7, r12, c);

        let (r6, c) = mac(a6, b0, r6, 0);
        let (r7, c) = mac(a6, b1, r7, c);
        let (r8, c) = mac(a6, b2, r8, c);
        let (r9, c) = mac(a6, b3, r9, c);
        let (r10, c) = mac(a6, b4, r10, c);
        let (r11, c) = mac(a6, b5, r11, c);
        let (r12, c) = mac(a6, b6, r12, c);
        let (r13, r14) = mac(a6, b7, r13, c);

        let (r7, c) = mac(a7, b0, r7, 0);
        let (r8, c) = mac(a7, b1, r8, c);
        let (r9, c) = mac(a7, b2, r9, c);
        let (r10, c) = mac(a7, b3, r10, c);
        let (r11, c) = mac(a7, b4, r11, c);
        let (r12, c) = mac(a7, b5, r12, c);
        let (r13, c) = mac(a7, b6, r13, c);
        let (r14, r15) = mac(a7, b7, r14, c);

        reduce([
            r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, r12, r13, r14, r15,
        ])
    }

    /// `self^2`: the 28 cross products once, doubled by a shift, plus the 8 squares.
    #[inline]
    pub(crate) fn square(&self) -> Fe {
        let [a0, a1, a2, a3, a4, a5, a6, a7] = self.0;
        let (r1, c) = mac(a0, a1, 0, 0);
        let (r2, c) = mac(a0, a2, 0, c);
        let (r3, c) = mac(a0, a3, 0, c);
        let (r4, c) = mac(a0, a4, 0, c);
        let (r5, c) = mac(a0, a5, 0, c);
        let (r6, c) = mac(a0, a6, 0, c);
        let (r7, r8) = mac(a0, a7, 0, c);

        let (r3, c) = mac(a1, a2, r3, 0);
        let (r4, c) = mac(a1, a3, r4, c);
        let (r5, c) = mac(a1, a4, r5, c);
        let (r6, c) = mac(a1, a5, r6, c);
        let (r7, c) = mac(a1, a6, r7, c);
        let (r8, r9) = mac(a1, a7, r8, c);

        let (r5, c) = mac(a2, a3, r5, 0);
        let (r6, c) = mac(a2, a4, r6, c);
        let (r7, c) = mac(a2, a5, r7, c);
        let (r8, c) = mac(a2, a6, r8, c);
        let (r9, r10) = mac(a2, a7, r9, c);

        let (r7, c) = mac(a3, a4, r7, 0);
        let (r8, c) = mac(a3, a5, r8, c);
        let (r9, c) = mac(a3, a6, r9, c);
        let (r10, r11) = mac(a3, a7, r10, c);

        let (r9, c) = mac(a4, a5, r9, 0);
        let (r10, c) = mac(a4, a6, r10, c);
        let (r11, r12) = mac(a4, a7, r11, c);

        let (r11, c) = mac(a5, a6, r11, 0);
        let (r12, r13) = mac(a5, a7, r12, c);

        let (r13, r14) = mac(a6, a7, r13, 0);

        // Double the cross products.
        let r15 = r14 >> 31;
        let r14 = (r14 << 1) | (r13 >> 31);
        let r13 = (r13 << 1) | (r12 >> 31);
        let r12 = (r12 << 1) | (r11 >> 31);
        let r11 = (r11 << 1) | (r10 >> 31);
        let r10 = (r10 << 1) | (r9 >> 31);
        let r9 = (r9 << 1) | (r8 >> 31);
        let r8 = (r8 << 1) | (r7 >> 31);
        let r7 = (r7 << 1) | (r6 >> 31);
        let r6 = (r6 << 1) | (r5 >> 31);
        let r5 = (r5 << 1) | (r4 >> 31);
        let r4 = (r4 << 1) | (r3 >> 31);
        let r3 = (r3 << 1) | (r2 >> 31);
        let r2 = (r2 << 1) | (r1 >> 31);
        let r1 = r1 << 1;
        // Add the squares.
        let (r0, q) = mac(a0, a0, 0, 0);
        let (r1, c) = adc(r1, q, 0);
        let (q0, q1) = mac(a1, a1, 0, 0);
        let (r2, c) = adc(r2, q0, c);
        let (r3, c) = adc(r3, q1, c);
        let (q0, q1) = mac(a2, a2, 0, 0);
        let (r4, c) = adc(r4, q0, c);
        let (r5, c) = adc(r5, q1, c);
        let (q0, q1) = mac(a3, a3, 0, 0);
        let (r6, c) = adc(r6, q0, c);
        let (r7, c) = adc(r7, q1, c);
        let (q0, q1) = mac(a4, a4, 0, 0);
        let (r8, c) = adc(r8, q0, c);
        let (r9, c) = adc(r9, q1, c);
        let (q0, q1) = mac(a5, a5, 0, 0);
        let (r10, c) = adc(r10, q0, c);
        let (r11, c) = adc(r11, q1, c);
        let (q0, q1) = mac(a6, a6, 0, 0);
        let (r12, c) = adc(r12, q0, c);
        let (r13, c) = adc(r13, q1, c);
        let (q0, q1) = mac(a7, a7, 0, 0);
        let (r14, c) = adc(r14, q0, c);
        let (r15, _) = adc(r15, q1, c);
        reduce([
            r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, r12, r13, r14, r15,
        ])
    }

    super::invert_impl!();
}

super::field_impl!(Fe);
