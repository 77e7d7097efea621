//! The P-256 base field in eight 32-bit limbs: the 32-bit targets' field (thumbv7em, wasm32).
//!
//! **Variable time, public inputs only: never for signing or secret data** (see the module
//! above). Weakly reduced elements (below `2^256`) in Montgomery form (`x R mod p`,
//! `R = 2^256`, the same form and tables as the 64-bit field), products by operand scanning
//! written as `a * b + c + d` on 32-bit words (the shape LLVM turns into one UMAAL on
//! Cortex-M4, and which cannot overflow 64 bits), a dedicated squaring (36 word products
//! instead of 64), and the Montgomery reduction for this `p` summed by column (see
//! [`reduce`]): no multiplications, and no long carry chains, which LLVM interleaves with
//! other work on Cortex-M4 and then spills the carry flag between (MRS/MSR). Measured under
//! QEMU (NoTable verify): 2.78 M instructions with the word-wise Solinas reduction, 2.62 M
//! with this reduction as carry chains, 2.29 M by columns.
// Truncating a u64 or i64 to its low word is the point of `lo`; every other conversion here
// is a widening `from`.
#![allow(clippy::as_conversions, clippy::cast_possible_truncation)]

/// An element `x` of the P-256 base field: eight little-endian 32-bit limbs of a value below
/// `2^256` congruent to `x R` (not necessarily below `p`).
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

/// `2^256 - p = 2^224 - 2^192 - 2^96 + 1` (also `R mod p`): what a carry out of the top
/// word is worth.
const C: [u32; 8] = [
    0x0000_0001,
    0x0000_0000,
    0x0000_0000,
    0xffff_ffff,
    0xffff_ffff,
    0xffff_ffff,
    0xffff_fffe,
    0x0000_0000,
];

/// `R^2 mod p`, to bring values into Montgomery form.
const R2: Fe = Fe([
    0x0000_0003,
    0x0000_0000,
    0xffff_ffff,
    0xffff_fffb,
    0xffff_fffe,
    0xffff_ffff,
    0xffff_fffd,
    0x0000_0004,
]);

/// `x + C` (no carry out: callers ensure `x < 2^256 - C`).
#[inline(always)]
fn add_c(x: [u32; 8]) -> [u32; 8] {
    let mut r = [0u32; 8];
    let mut c = 0;
    for ((r, x), k) in r.iter_mut().zip(x).zip(C) {
        (*r, c) = adc(x, k, c);
    }
    r
}

/// `x - C` (no borrow out: callers ensure `x >= C`).
#[inline(always)]
fn sub_c(x: [u32; 8]) -> [u32; 8] {
    let mut r = [0u32; 8];
    let mut b = 0;
    for ((r, x), k) in r.iter_mut().zip(x).zip(C) {
        (*r, b) = sbb(x, k, b);
    }
    r
}

/// `x + carry 2^256` for a carry of 0 or 1: adds `carry C` (masked, as a carry is common),
/// then once more in the rare case that carries again (it cannot a third time).
#[inline(always)]
fn fold_carry(x: [u32; 8], carry: u32) -> Fe {
    let m = carry.wrapping_neg();
    let (r0, c) = adc(x[0], carry, 0);
    let (r1, c) = adc(x[1], 0, c);
    let (r2, c) = adc(x[2], 0, c);
    let (r3, c) = adc(x[3], m, c);
    let (r4, c) = adc(x[4], m, c);
    let (r5, c) = adc(x[5], m, c);
    let (r6, c) = adc(x[6], m & 0xffff_fffe, c);
    let (r7, c) = adc(x[7], 0, c);
    let r = [r0, r1, r2, r3, r4, r5, r6, r7];
    if c == 0 { Fe(r) } else { Fe(add_c(r)) }
}

/// `x - borrow 2^256` for a borrow of 0 or 1 (see [`fold_carry`]).
#[inline(always)]
fn fold_borrow(x: [u32; 8], borrow: u32) -> Fe {
    let m = borrow.wrapping_neg();
    let (r0, b) = sbb(x[0], borrow, 0);
    let (r1, b) = sbb(x[1], 0, b);
    let (r2, b) = sbb(x[2], 0, b);
    let (r3, b) = sbb(x[3], m, b);
    let (r4, b) = sbb(x[4], m, b);
    let (r5, b) = sbb(x[5], m, b);
    let (r6, b) = sbb(x[6], m & 0xffff_fffe, b);
    let (r7, b) = sbb(x[7], 0, b);
    let r = [r0, r1, r2, r3, r4, r5, r6, r7];
    if b == 0 { Fe(r) } else { Fe(sub_c(r)) }
}

/// The high word of `m (2^32 - 1)`: `m - 1`, or 0 for `m = 0`.
#[inline(always)]
fn hi(m: u32) -> u32 {
    m.saturating_sub(1)
}

/// A column sum's low word, and its carry into the next column.
#[inline(always)]
const fn split(acc: u64) -> (u32, u64) {
    (acc as u32, acc >> 32)
}

/// Montgomery reduction of a 512-bit product (little-endian words): `t R^-1 mod p`, weakly
/// reduced.
///
/// For this `p`, `-p^-1 = 1 mod 2^32`, so step `i` adds `m_i p 2^(32 i)` with `m_i` the word
/// it clears, and `m p = m (2^96 + 2^192) + m (2^32 - 1) 2^224 - m`: `+m_i` at words `i + 3`
/// and `i + 6`, the low and high words of `m_i (2^32 - 1)` (`-m_i` and `m_i - 1`) at words
/// `i + 7` and `i + 8`, and `-m_i` at word `i`, which leaves it zero. Summed by column in
/// 64-bit accumulators, word after word (each `m_i` is the low word of its column): short
/// add-with-carry pairs, never a long carry chain for LLVM to interleave and spill the flags
/// of. The result is below `2^256 + p`; a carry out of the top word is folded back as `C`.
#[inline(always)]
fn reduce(t: [u32; 16]) -> Fe {
    let [
        t0,
        t1,
        t2,
        t3,
        t4,
        t5,
        t6,
        t7,
        t8,
        t9,
        t10,
        t11,
        t12,
        t13,
        t14,
        t15,
    ] = t;
    let w = u64::from;
    let (m0, k) = split(w(t0));
    let (m1, k) = split(k + w(t1));
    let (m2, k) = split(k + w(t2));
    let (m3, k) = split(k + w(t3) + w(m0));
    let (m4, k) = split(k + w(t4) + w(m1));
    let (m5, k) = split(k + w(t5) + w(m2));
    let (m6, k) = split(k + w(t6) + w(m3) + w(m0));
    let (m7, k) = split(k + w(t7) + w(m4) + w(m1) + w(m0.wrapping_neg()));
    let (r0, k) = split(k + w(t8) + w(m5) + w(m2) + w(m1.wrapping_neg()) + w(hi(m0)));
    let (r1, k) = split(k + w(t9) + w(m6) + w(m3) + w(m2.wrapping_neg()) + w(hi(m1)));
    let (r2, k) = split(k + w(t10) + w(m7) + w(m4) + w(m3.wrapping_neg()) + w(hi(m2)));
    let (r3, k) = split(k + w(t11) + w(m5) + w(m4.wrapping_neg()) + w(hi(m3)));
    let (r4, k) = split(k + w(t12) + w(m6) + w(m5.wrapping_neg()) + w(hi(m4)));
    let (r5, k) = split(k + w(t13) + w(m7) + w(m6.wrapping_neg()) + w(hi(m5)));
    let (r6, k) = split(k + w(t14) + w(m7.wrapping_neg()) + w(hi(m6)));
    let (r7, k) = split(k + w(t15) + w(hi(m7)));
    fold_carry([r0, r1, r2, r3, r4, r5, r6, r7], k as u32)
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
    /// `R mod p`.
    pub(crate) const ONE: Fe = Fe(C);
    /// The group order `n`, as `n R mod p`.
    pub(crate) const N: Fe = Fe([
        0x3335_f568,
        0x9ad1_6948,
        0x63fe_9931,
        0x89b1_0544,
        0x652e_96b7,
        0x9c01_66ce,
        0x0fe3_0feb,
        0x9864_8c20,
    ]);

    /// An element from the little-endian 64-bit limbs of a table entry in Montgomery form
    /// (`x R mod p`), as `jwtgate_p256_table`'s `*_MONT` tables hold them (stored here as
    /// 32-bit words).
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

    /// Words from big-endian bytes, as they are.
    fn words_of(bytes: &[u8; 32]) -> [u32; 8] {
        let mut l = [0u32; 8];
        for (limb, chunk) in l.iter_mut().zip(bytes.rchunks_exact(4)) {
            *limb = u32::from_be_bytes(<[u8; 4]>::try_from(chunk).unwrap_or([0; 4]));
        }
        l
    }

    /// Big-endian bytes of words.
    #[cfg(any(test, feature = "_test-hooks"))]
    fn bytes_of(l: [u32; 8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (chunk, limb) in out.rchunks_exact_mut(4).zip(l) {
            chunk.copy_from_slice(&limb.to_be_bytes());
        }
        out
    }

    /// Any 256-bit big-endian value, as the element it is congruent to.
    #[cfg(any(test, feature = "_test-hooks"))]
    pub(crate) fn from_raw_bytes(bytes: &[u8; 32]) -> Fe {
        Fe(Fe::words_of(bytes)).mul(&R2)
    }

    /// The element of 32 big-endian bytes, `None` unless they are below `p`.
    pub(crate) fn from_bytes(bytes: &[u8; 32]) -> Option<Fe> {
        let l = Fe(Fe::words_of(bytes));
        (l.canonical() == l.0).then(|| l.mul(&R2))
    }

    /// The value out of Montgomery form (below `2^256`, not necessarily below `p`).
    #[cfg(any(test, feature = "_test-hooks"))]
    fn value(&self) -> Fe {
        let [a0, a1, a2, a3, a4, a5, a6, a7] = self.0;
        reduce([a0, a1, a2, a3, a4, a5, a6, a7, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    /// The canonical value (below `p`), big-endian.
    #[cfg(any(test, feature = "_test-hooks"))]
    pub(crate) fn to_bytes(self) -> [u8; 32] {
        Fe::bytes_of(self.value().canonical())
    }

    /// A value below `2^256` congruent to the element (possibly `>= p`), big-endian: for
    /// tests.
    #[cfg(any(test, feature = "_test-hooks"))]
    pub(crate) fn raw_bytes(&self) -> [u8; 32] {
        Fe::bytes_of(self.value().0)
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

    /// The canonical value as little-endian 64-bit limbs (for the inversion).
    fn limbs64(&self) -> [u64; 4] {
        let w = self.canonical().map(u64::from);
        [
            w[0] | (w[1] << 32),
            w[2] | (w[3] << 32),
            w[4] | (w[5] << 32),
            w[6] | (w[7] << 32),
        ]
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
        fold_carry([r0, r1, r2, r3, r4, r5, r6, r7], c)
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
        fold_borrow([r0, r1, r2, r3, r4, r5, r6, r7], w)
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
        // + c 2^256 = c C (c < k <= 3): one more pass, then the carry it may leave.
        let t = c;
        let mut c = 0;
        for (r, k) in r.iter_mut().zip(C) {
            (*r, c) = mac(t, k, *r, c);
        }
        fold_carry(r, c)
    }

    /// `3 self`.
    #[inline]
    pub(crate) fn triple(&self) -> Fe {
        self.mul_small(3)
    }

    /// `self / 2`: `self` (made even by adding `p` if odd) shifted right once. The sum is
    /// below `2^257`, so the half is below `2^256`.
    #[inline]
    pub(crate) fn half(&self) -> Fe {
        let m = (self.0[0] & 1).wrapping_neg();
        let mut t = [0u32; 8];
        let mut c = 0;
        for ((t, a), p) in t.iter_mut().zip(self.0).zip(P) {
            (*t, c) = adc(a, m & p, c);
        }
        // Shifted right from the top word down: each takes its upper neighbour's low bit, the
        // top word the carry.
        let mut high = c;
        for t in t.iter_mut().rev() {
            (*t, high) = ((*t >> 1) | (high << 31), *t);
        }
        Fe(t)
    }

    /// `self * b R^-1`, the Montgomery product: 64 word products (operand scanning, one UMAAL
    /// each), then [`reduce`].
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
