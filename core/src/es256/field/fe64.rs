//! The P-256 base field in four 64-bit limbs with u128 products: the 64-bit targets' field.
//!
//! **Variable time, public inputs only: never for signing or secret data** (see the module
//! above). Weakly reduced elements (below `2^256`) in Montgomery form (`x R mod p`,
//! `R = 2^256`), because for this `p` a Montgomery step is cheaper on 64-bit limbs than the
//! Solinas sum: `-p^-1 mod 2^64 = 1`, so the multiplier of each step is the limb itself, and
//! its multiple of `p = 2^256 - 2^224 + 2^192 + 2^96 - 1` is two shifts and one limb product
//! (the Solinas sum, measured here, took a quarter more instructions). A dedicated squaring
//! (10 limb products instead of 16).
// Truncating a u128 or i128 to its low limb is the point of `lo`; every other conversion
// here is a widening `from`.
#![allow(clippy::as_conversions, clippy::cast_possible_truncation)]

/// `p`, little-endian 64-bit limbs.
const P: [u64; 4] = [
    0xffff_ffff_ffff_ffff,
    0x0000_0000_ffff_ffff,
    0x0000_0000_0000_0000,
    0xffff_ffff_0000_0001,
];

/// An element `x` of the P-256 base field: four little-endian 64-bit limbs of a value below
/// `2^256` congruent to `x R` (not necessarily below `p`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fe(pub(super) [u64; 4]);

/// `2^256 - p = 2^224 - 2^192 - 2^96 + 1`: what a carry out of the top limb is worth.
const C: [u64; 4] = [
    0x0000_0000_0000_0001,
    0xffff_ffff_0000_0000,
    0xffff_ffff_ffff_ffff,
    0x0000_0000_ffff_fffe,
];

const HI32: u64 = 0xffff_ffff_0000_0000;

#[inline(always)]
const fn lo(x: u128) -> u64 {
    x as u64
}

#[inline(always)]
const fn hi(x: u128) -> u64 {
    (x >> 64) as u64
}

/// `a + b + carry`: (sum, carry out).
#[inline(always)]
fn adc(a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = u128::from(a) + u128::from(b) + u128::from(carry);
    (lo(t), hi(t))
}

/// `a - b - borrow`: (difference, borrow out as 0 or 1).
#[inline(always)]
fn sbb(a: u64, b: u64, borrow: u64) -> (u64, u64) {
    let t = u128::from(a).wrapping_sub(u128::from(b) + u128::from(borrow));
    (lo(t), hi(t) >> 63)
}

/// `a * b + c + d` (never overflows 128 bits): (low, high).
#[inline(always)]
fn mac(a: u64, b: u64, c: u64, d: u64) -> (u64, u64) {
    let t = u128::from(a) * u128::from(b) + u128::from(c) + u128::from(d);
    (lo(t), hi(t))
}

/// `x + C` (no carry out: callers ensure `x < 2^256 - C`).
#[inline(always)]
fn add_c(x: [u64; 4]) -> [u64; 4] {
    let (r0, c) = adc(x[0], C[0], 0);
    let (r1, c) = adc(x[1], C[1], c);
    let (r2, c) = adc(x[2], C[2], c);
    let (r3, _) = adc(x[3], C[3], c);
    [r0, r1, r2, r3]
}

/// `x - C` (no borrow out: callers ensure `x >= C`).
#[inline(always)]
fn sub_c(x: [u64; 4]) -> [u64; 4] {
    let (r0, b) = sbb(x[0], C[0], 0);
    let (r1, b) = sbb(x[1], C[1], b);
    let (r2, b) = sbb(x[2], C[2], b);
    let (r3, _) = sbb(x[3], C[3], b);
    [r0, r1, r2, r3]
}

/// `x + carry 2^256` for a carry of 0 or 1: adds `carry C` (masked, as a carry is common),
/// then once more in the rare case that carries again (it cannot a third time).
#[inline(always)]
fn fold_carry(x: [u64; 4], carry: u64) -> Fe {
    let m = carry.wrapping_neg();
    let (r0, c) = adc(x[0], carry, 0);
    let (r1, c) = adc(x[1], m & HI32, c);
    let (r2, c) = adc(x[2], m, c);
    let (r3, c) = adc(x[3], m & 0xffff_fffe, c);
    if c == 0 {
        Fe([r0, r1, r2, r3])
    } else {
        Fe(add_c([r0, r1, r2, r3]))
    }
}

/// `x - borrow 2^256` for a borrow of 0 or 1 (see [`fold_carry`]).
#[inline(always)]
fn fold_borrow(x: [u64; 4], borrow: u64) -> Fe {
    let m = borrow.wrapping_neg();
    let (r0, b) = sbb(x[0], borrow, 0);
    let (r1, b) = sbb(x[1], m & HI32, b);
    let (r2, b) = sbb(x[2], m, b);
    let (r3, b) = sbb(x[3], m & 0xffff_fffe, b);
    if b == 0 {
        Fe([r0, r1, r2, r3])
    } else {
        Fe(sub_c([r0, r1, r2, r3]))
    }
}

/// `a * b` as (low, high).
#[inline(always)]
fn wide(a: u64, b: u64) -> (u64, u64) {
    let t = u128::from(a) * u128::from(b);
    (lo(t), hi(t))
}

/// `R^2 mod p`, to bring values into Montgomery form.
const R2: Fe = Fe([
    0x0000_0000_0000_0003,
    0xffff_fffb_ffff_ffff,
    0xffff_ffff_ffff_fffe,
    0x0000_0004_ffff_fffd,
]);

/// Montgomery reduction of a 512-bit product `t < 2^512`: `t R^-1 mod p`, weakly reduced.
///
/// Each of the four steps adds `m p 2^(64 i)` with `m = t_i` (as `-p^-1 = 1 mod 2^64`), which
/// clears limb `i`: `m (2^96 - 1)` from p's two low limbs is `m << 96` less the limb itself,
/// and `m (2^64 - 2^32 + 1)` from its top limb is one limb product. The steps' last carries
/// ride along in `k` (a high half plus one cannot overflow). The result is below
/// `2^256 + p`; a carry out of the top limb is folded back as `C`.
#[inline(always)]
fn reduce(t: [u64; 8]) -> Fe {
    let [t0, t1, t2, t3, t4, t5, t6, t7] = t;
    let (lo, hi) = wide(t0, P[3]);
    let (t1, c) = adc(t1, t0 << 32, 0);
    let (t2, c) = adc(t2, t0 >> 32, c);
    let (t3, c) = adc(t3, lo, c);
    let (t4, k) = adc(t4, hi, c);

    let (lo, hi) = wide(t1, P[3]);
    let (t2, c) = adc(t2, t1 << 32, 0);
    let (t3, c) = adc(t3, t1 >> 32, c);
    let (t4, c) = adc(t4, lo, c);
    let (t5, k) = adc(t5, hi + k, c);

    let (lo, hi) = wide(t2, P[3]);
    let (t3, c) = adc(t3, t2 << 32, 0);
    let (t4, c) = adc(t4, t2 >> 32, c);
    let (t5, c) = adc(t5, lo, c);
    let (t6, k) = adc(t6, hi + k, c);

    let (lo, hi) = wide(t3, P[3]);
    let (t4, c) = adc(t4, t3 << 32, 0);
    let (t5, c) = adc(t5, t3 >> 32, c);
    let (t6, c) = adc(t6, lo, c);
    let (t7, k) = adc(t7, hi + k, c);
    fold_carry([t4, t5, t6, t7], k)
}

impl PartialEq for Fe {
    /// Equality of field elements (not of representations).
    fn eq(&self, other: &Fe) -> bool {
        self.canonical() == other.canonical()
    }
}

impl Eq for Fe {}

impl Fe {
    pub(crate) const ZERO: Fe = Fe([0; 4]);
    /// `R mod p`.
    pub(crate) const ONE: Fe = Fe(C);
    /// The group order `n`, as `n R mod p`.
    pub(crate) const N: Fe = Fe([
        0x9ad1_6948_3335_f568,
        0x89b1_0544_63fe_9931,
        0x9c01_66ce_652e_96b7,
        0x9864_8c20_0fe3_0feb,
    ]);

    /// An element from the little-endian limbs of a table entry: Montgomery form (`x R mod
    /// p`), as `jwtgate_p256_table`'s `*_MONT` tables hold them.
    pub(crate) const fn from_table_limbs(l: [u64; 4]) -> Fe {
        Fe(l)
    }

    /// Limbs from big-endian bytes, as they are.
    fn limbs_of(bytes: &[u8; 32]) -> [u64; 4] {
        let mut l = [0u64; 4];
        for (limb, chunk) in l.iter_mut().zip(bytes.rchunks_exact(8)) {
            *limb = u64::from_be_bytes(<[u8; 8]>::try_from(chunk).unwrap_or([0; 8]));
        }
        l
    }

    /// Big-endian bytes of limbs.
    #[cfg(any(test, feature = "_test-hooks"))]
    fn bytes_of(l: [u64; 4]) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (chunk, limb) in out.rchunks_exact_mut(8).zip(l) {
            chunk.copy_from_slice(&limb.to_be_bytes());
        }
        out
    }

    /// Any 256-bit big-endian value, as the element it is congruent to.
    #[cfg(any(test, feature = "_test-hooks"))]
    pub(crate) fn from_raw_bytes(bytes: &[u8; 32]) -> Fe {
        Fe(Fe::limbs_of(bytes)).mul(&R2)
    }

    /// The element of 32 big-endian bytes, `None` unless they are below `p`.
    pub(crate) fn from_bytes(bytes: &[u8; 32]) -> Option<Fe> {
        let l = Fe(Fe::limbs_of(bytes));
        (l.canonical() == l.0).then(|| l.mul(&R2))
    }

    /// The value out of Montgomery form (below `2^256`, not necessarily below `p`).
    #[cfg(any(test, feature = "_test-hooks"))]
    fn value(&self) -> Fe {
        let [a0, a1, a2, a3] = self.0;
        reduce([a0, a1, a2, a3, 0, 0, 0, 0])
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

    /// The canonical limbs: `x - p` if `x >= p` (once in about 2^32 elements), else `x`.
    #[inline(always)]
    fn canonical(&self) -> [u64; 4] {
        let [x0, x1, x2, x3] = self.0;
        let (d0, b) = sbb(x0, P[0], 0);
        let (d1, b) = sbb(x1, P[1], b);
        let (d2, b) = sbb(x2, P[2], b);
        let (d3, b) = sbb(x3, P[3], b);
        if b == 0 { [d0, d1, d2, d3] } else { self.0 }
    }

    /// The canonical value (for the inversion).
    fn limbs64(&self) -> [u64; 4] {
        self.canonical()
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.0 == [0; 4] || self.0 == P
    }

    #[inline(always)]
    pub(crate) fn add(&self, b: &Fe) -> Fe {
        let (a, b) = (self.0, b.0);
        let (r0, c) = adc(a[0], b[0], 0);
        let (r1, c) = adc(a[1], b[1], c);
        let (r2, c) = adc(a[2], b[2], c);
        let (r3, c) = adc(a[3], b[3], c);
        fold_carry([r0, r1, r2, r3], c)
    }

    #[inline(always)]
    pub(crate) fn sub(&self, b: &Fe) -> Fe {
        let (a, b) = (self.0, b.0);
        let (r0, w) = sbb(a[0], b[0], 0);
        let (r1, w) = sbb(a[1], b[1], w);
        let (r2, w) = sbb(a[2], b[2], w);
        let (r3, w) = sbb(a[3], b[3], w);
        fold_borrow([r0, r1, r2, r3], w)
    }

    #[inline(always)]
    pub(crate) fn neg(&self) -> Fe {
        Fe::ZERO.sub(self)
    }

    /// `2 self`, by a shift.
    #[inline(always)]
    pub(crate) fn double(&self) -> Fe {
        let [a0, a1, a2, a3] = self.0;
        fold_carry(
            [
                a0 << 1,
                (a1 << 1) | (a0 >> 63),
                (a2 << 1) | (a1 >> 63),
                (a3 << 1) | (a2 >> 63),
            ],
            a3 >> 63,
        )
    }

    /// `3 self`.
    #[inline(always)]
    pub(crate) fn triple(&self) -> Fe {
        self.double().add(self)
    }

    /// `self / 2`: `self` (made even by adding `p` if odd) shifted right once. The sum is
    /// below `2^257`, so the half is below `2^256`.
    #[inline(always)]
    pub(crate) fn half(&self) -> Fe {
        let [a0, a1, a2, a3] = self.0;
        let m = (a0 & 1).wrapping_neg();
        let (t0, c) = adc(a0, m & P[0], 0);
        let (t1, c) = adc(a1, m & P[1], c);
        let (t2, c) = adc(a2, m & P[2], c);
        let (t3, c) = adc(a3, m & P[3], c);
        Fe([
            (t0 >> 1) | (t1 << 63),
            (t1 >> 1) | (t2 << 63),
            (t2 >> 1) | (t3 << 63),
            (t3 >> 1) | (c << 63),
        ])
    }

    /// `self * b R^-1`, the Montgomery product: 16 limb products (operand scanning), then
    /// [`reduce`].
    #[inline(always)]
    pub(crate) fn mul(&self, b: &Fe) -> Fe {
        let [a0, a1, a2, a3] = self.0;
        let [b0, b1, b2, b3] = b.0;
        let (r0, c) = mac(a0, b0, 0, 0);
        let (r1, c) = mac(a0, b1, 0, c);
        let (r2, c) = mac(a0, b2, 0, c);
        let (r3, r4) = mac(a0, b3, 0, c);

        let (r1, c) = mac(a1, b0, r1, 0);
        let (r2, c) = mac(a1, b1, r2, c);
        let (r3, c) = mac(a1, b2, r3, c);
        let (r4, r5) = mac(a1, b3, r4, c);

        let (r2, c) = mac(a2, b0, r2, 0);
        let (r3, c) = mac(a2, b1, r3, c);
        let (r4, c) = mac(a2, b2, r4, c);
        let (r5, r6) = mac(a2, b3, r5, c);

        let (r3, c) = mac(a3, b0, r3, 0);
        let (r4, c) = mac(a3, b1, r4, c);
        let (r5, c) = mac(a3, b2, r5, c);
        let (r6, r7) = mac(a3, b3, r6, c);
        reduce([r0, r1, r2, r3, r4, r5, r6, r7])
    }

    /// `self^2`: the 6 cross products once, doubled by a shift, plus the 4 squares.
    #[inline(always)]
    pub(crate) fn square(&self) -> Fe {
        let [a0, a1, a2, a3] = self.0;
        let (r1, c) = mac(a0, a1, 0, 0);
        let (r2, c) = mac(a0, a2, 0, c);
        let (r3, r4) = mac(a0, a3, 0, c);
        let (r3, c) = mac(a1, a2, r3, 0);
        let (r4, r5) = mac(a1, a3, r4, c);
        let (r5, r6) = mac(a2, a3, r5, 0);

        let r7 = r6 >> 63;
        let r6 = (r6 << 1) | (r5 >> 63);
        let r5 = (r5 << 1) | (r4 >> 63);
        let r4 = (r4 << 1) | (r3 >> 63);
        let r3 = (r3 << 1) | (r2 >> 63);
        let r2 = (r2 << 1) | (r1 >> 63);
        let r1 = r1 << 1;

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
        let (r7, _) = adc(r7, q1, c);
        reduce([r0, r1, r2, r3, r4, r5, r6, r7])
    }

    super::invert_impl!();
}

super::field_impl!(Fe);
