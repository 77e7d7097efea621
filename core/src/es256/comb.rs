//! Signed-digit combs: scalar recoding, per-key table construction, and `u1*G + u2*Q` for each
//! table configuration. Variable time, public inputs only (see the module above).
//!
//! A comb with window `w`, `d` rounds and `T` rows writes a scalar as `m = ceil(257 / w)`
//! signed digits `k = sum_j d_j 2^(w j)`, `|d_j| <= 2^(w-1)`, and stores in row `i` the
//! multiples `1..=2^(w-1)` of `B_i = 2^(w d i) P`. Digit `j = i d + t` belongs to row `i` and
//! round `t`, so `k P = sum_t 2^(w t) sum_i d_(i d + t) B_i`: `d - 1` groups of `w` doublings
//! (shared by both scalars) and one mixed addition per non-zero digit. A negative digit adds
//! the negated point, which costs one field negation.

use jwtgate_p256_table::Point;

use super::field::{Affine, Field};
use super::point::{Jacobian, multiples, negate, normalize};

/// A field with `jwtgate_p256_table`'s base-point tables in its own representation.
pub(crate) trait BaseTables: Field + 'static {
    /// w = 8, 33 rows, one round (LargeTable's `G`).
    fn g_w8_d1() -> &'static [[Affine<Self>; 128]; 33];
    /// w = 7, 13 rows, 3 rounds (SmallTable's `G`).
    fn g_w7_d3() -> &'static [[Affine<Self>; 64]; 13];
    /// The width of NoTable's NAF of `u1`, by limb width: 10 on 64-bit targets (a 16 KiB
    /// table, ~23 additions a verify), 8 on 32-bit ones (4 KiB of flash, ~28).
    const G_NAF_WIDTH: usize;
    /// A digit of that NAF: `i8` up to width 8, so 32-bit targets keep the smaller stack.
    type GDigit: Digit;
    /// The odd multiples `1, 3, .., 2^(w-1) - 1` of `G` for that width `w` (NoTable's `G`).
    fn g_naf() -> &'static [Affine<Self>];
}

/// Implements [`BaseTables`] for a field type: `static`s made from the tables' limbs by const
/// evaluation, so they are `.rodata`, never built at run time, and dropped by the linker
/// where unused.
macro_rules! base_tables {
    ($fe:ty, $rows:ident, $w8d1:ident, $w7d3:ident, $naf:ident, $naf_width:literal, $digit:ty) => {
        impl BaseTables for $fe {
            const G_NAF_WIDTH: usize = {
                // A digit type too narrow for the width would drop digits, not fail.
                assert!($naf_width <= <$digit>::BITS);
                $naf_width
            };
            type GDigit = $digit;
            fn g_w8_d1() -> &'static [[Affine<$fe>; 128]; 33] {
                static T: [[Affine<$fe>; 128]; 33] = $rows(&jwtgate_p256_table::$w8d1);
                &T
            }
            fn g_w7_d3() -> &'static [[Affine<$fe>; 64]; 13] {
                static T: [[Affine<$fe>; 64]; 13] = $rows(&jwtgate_p256_table::$w7d3);
                &T
            }
            fn g_naf() -> &'static [Affine<$fe>] {
                const E: usize = 1 << ($naf_width - 2);
                static T: [[Affine<$fe>; E]; 1] = $rows(&jwtgate_p256_table::$naf);
                &T[0]
            }
        }

        /// A table's limbs as field elements.
        // Const evaluation only: an index out of range would fail the build.
        #[allow(clippy::indexing_slicing)]
        const fn $rows<const E: usize, const R: usize>(
            limbs: &[[Point; E]; R],
        ) -> [[Affine<$fe>; E]; R] {
            let mut out = [[Affine::<$fe>::from_table_limbs(&[[0; 4]; 2]); E]; R];
            let mut i = 0;
            while i < R {
                let mut j = 0;
                while j < E {
                    out[i][j] = Affine::<$fe>::from_table_limbs(&limbs[i][j]);
                    j += 1;
                }
                i += 1;
            }
            out
        }
    };
}

#[cfg(any(target_pointer_width = "64", test, feature = "_test-hooks"))]
base_tables!(
    super::field::fe64::Fe,
    rows64,
    G_W8_D1_MONT,
    G_W7_D3_MONT,
    G_NAF10_MONT,
    10,
    i16
);
#[cfg(any(target_pointer_width = "32", test, feature = "_test-hooks"))]
base_tables!(
    super::field::fe32::Fe,
    rows32,
    G_W8_D1_MONT,
    G_W7_D3_MONT,
    G_NAF8_MONT,
    8,
    i8
);

/// A 256-bit big-endian scalar as little-endian limbs, with zero limbs past the top so that
/// windows may read beyond bit 255.
fn limbs(k: &[u8; 32]) -> [u64; 6] {
    let mut out = [0u64; 6];
    for (limb, chunk) in out.iter_mut().zip(k.rchunks_exact(8)) {
        *limb = u64::from_be_bytes(<[u8; 8]>::try_from(chunk).unwrap_or([0; 8]));
    }
    out
}

/// Bits `start..start + w` of `l` (`w <= 32`).
fn window(l: &[u64; 6], start: usize, w: usize) -> u32 {
    let (index, shift) = (start / 64, start % 64);
    let low = l.get(index).copied().unwrap_or(0) >> shift;
    let high = match shift {
        0 => 0,
        _ => l.get(index + 1).copied().unwrap_or(0) << (64 - shift),
    };
    let mask = (1u64 << w) - 1;
    u32::try_from((low | high) & mask).unwrap_or(0)
}

/// The `M` signed base-`2^w` digits of `k`, each in `-2^(w-1)..2^(w-1)` (so an `i8` holds
/// them up to `w = 8`).
/// `M * w` must be at least 257 so the last carry has a digit to land in.
pub(crate) fn recode_signed<const M: usize>(k: &[u8; 32], w: usize) -> [i8; M] {
    let l = limbs(k);
    let full = 1i32 << w;
    let mut digits = [0i8; M];
    let mut carry = 0i32;
    for (j, digit) in digits.iter_mut().enumerate() {
        let mut v = i32::try_from(window(&l, j * w, w)).unwrap_or(0) + carry;
        carry = i32::from(v >= full / 2);
        v -= carry * full;
        *digit = i8::try_from(v).unwrap_or(0);
    }
    digits
}

/// Positions a NAF of a 256-bit scalar can use, at any width: a digit is negative (and
/// carries `w` positions up) only if its window reaches a set bit, at most bit 255, so the
/// last carry lands at bit 256 at most.
pub(crate) const NAF_LEN: usize = 257;

/// A NAF digit type, wide enough for the widths it is used at (`i8` to 8, `i16` to 16;
/// `base_tables!` checks its pairing at compile time).
pub(crate) trait Digit: Copy + Default + TryFrom<i32> + Into<i16> {}
impl Digit for i8 {}
impl Digit for i16 {}

/// The width-`w` non-adjacent form of `k` (`2 <= w <= D::BITS`, so that `D` holds
/// `2^(w-1) - 1`): digits odd in `-(2^(w-1) - 1)..=2^(w-1) - 1` or zero, any two non-zero
/// digits at least `w` positions apart.
pub(crate) fn recode_wnaf<D: Digit>(k: &[u8; 32], w: usize) -> [D; NAF_LEN] {
    let l = limbs(k);
    let mut naf = [D::default(); NAF_LEN];
    let mut pos = 0;
    let mut carry = 0u32;
    while pos < NAF_LEN {
        let v = window(&l, pos, w) + carry;
        if v & 1 == 0 {
            // An even window with a carry means bit `pos` is set: the carry moves up a bit.
            pos += 1;
            continue;
        }
        let digit = i32::try_from(v).unwrap_or(0);
        let (digit, next) = if digit < 1 << (w - 1) {
            (digit, 0)
        } else {
            (digit - (1 << w), 1)
        };
        if let Some(slot) = naf.get_mut(pos) {
            *slot = D::try_from(digit).unwrap_or_default();
        }
        carry = next;
        pos += w;
    }
    naf
}

/// `acc += digit * row[..]` (`row[k]` is `(k + 1) B`).
fn add_digit<F: Field, const E: usize>(acc: &mut Jacobian<F>, row: &[Affine<F>; E], digit: i8) {
    let Some(index) = usize::from(digit.unsigned_abs()).checked_sub(1) else {
        return;
    };
    if let Some(p) = row.get(index) {
        *acc = acc.add_affine(&signed(*p, digit));
    }
}

/// `acc += sum_i digits[i d + t] * B_i`: round `t` of a comb with `d` rounds.
fn add_round<F: Field, const E: usize>(
    acc: &mut Jacobian<F>,
    rows: &[[Affine<F>; E]],
    digits: &[i8],
    d: usize,
    t: usize,
) {
    for (i, row) in rows.iter().enumerate() {
        if let Some(&digit) = digits.get(i * d + t) {
            add_digit(acc, row, digit);
        }
    }
}

/// Large configuration: `u1*G + u2*Q` with one-round combs (no doublings), both at w = 8:
/// `G`'s static 264 KiB and the key's own 264 KiB: 33 + 33 mixed additions at most (the
/// 33rd digits are 0 or 1). Q at w = 7 (148 KiB, 37 additions) took 1.04x the instructions.
///
/// Adding the points in pairs in affine coordinates with one shared inversion (5M + 1S a
/// pair instead of 8M + 3S) was measured here and saved nothing: the inversion and the
/// gathering ate the difference.
pub(crate) fn mul_large<F: BaseTables>(
    u1: &[u8; 32],
    u2: &[u8; 32],
    q: &[[Affine<F>; 128]; 33],
) -> Jacobian<F> {
    let g_digits = recode_signed::<33>(u1, 8);
    let q_digits = recode_signed::<33>(u2, 8);
    let mut acc = Jacobian::<F>::INFINITY;
    add_round(&mut acc, F::g_w8_d1(), &g_digits, 1, 0);
    add_round(&mut acc, q, &q_digits, 1, 0);
    acc
}

/// Small configuration: `Q` at w = 5 with 4 rounds (13 rows, 13 KiB a key), `G` at w = 7
/// with 3 rounds (13 rows, 52 KiB static), sharing 15 doublings: 52 + 37 mixed additions at
/// most. (Until 2026-12-02: `Q` at w = 4 (8.5 KiB) and `G` at w = 6 (30 KiB), 65 + 43
/// additions and 12 doublings, 1.07x the instructions.)
pub(crate) fn mul_small<F: BaseTables>(
    u1: &[u8; 32],
    u2: &[u8; 32],
    q: &[[Affine<F>; 16]; 13],
) -> Jacobian<F> {
    let g_digits = recode_signed::<37>(u1, 7);
    let q_digits = recode_signed::<52>(u2, 5);
    let mut acc = Jacobian::<F>::INFINITY;
    for pos in (0..=15).rev() {
        // Doubling infinity is free, so the first pass costs nothing.
        acc = acc.double();
        if pos % 5 == 0 {
            add_round(&mut acc, q, &q_digits, 4, pos / 5);
        }
        if pos % 7 == 0 {
            add_round(&mut acc, F::g_w7_d3(), &g_digits, 3, pos / 7);
        }
    }
    acc
}

/// No per-key table: `Q` by a width-5 NAF over its 8 odd multiples, computed here and made
/// affine with one inversion so that every addition is mixed, and `G` by a width-10 NAF over
/// 256 static odd multiples on 64-bit targets (16 KiB, ~23 additions; width 8 took ~28 and
/// 2.2 % more instructions, width 12's 64 KiB saved another 0.7 %) or a width-8 NAF over 64
/// on 32-bit ones (4 KiB of flash; a one-row w = 7 comb of that size took 37), both riding
/// the same ~256 doublings.
pub(crate) fn mul_none<F: BaseTables>(u1: &[u8; 32], u2: &[u8; 32], q: &Affine<F>) -> Jacobian<F> {
    let g_naf = recode_wnaf::<F::GDigit>(u1, F::G_NAF_WIDTH);
    let q_naf = recode_wnaf::<i8>(u2, 5);
    let mut q_odd = [Jacobian::<F>::INFINITY; 8];
    // `k Q` is never infinity for `k < n` and a point of the curve: never taken.
    if !multiples(&Jacobian::from_affine(q), true, &mut q_odd) || !normalize(&mut q_odd) {
        return Jacobian::INFINITY;
    }
    let g_odd = F::g_naf();
    let mut acc = Jacobian::<F>::INFINITY;
    for (&q_digit, &g_digit) in q_naf.iter().zip(&g_naf).rev() {
        acc = acc.double();
        if let Some(p) = odd_index(q_digit).and_then(|i| q_odd.get(i)) {
            acc = acc.add_affine(&signed(p.xy(), q_digit));
        }
        if let Some(p) = odd_index(g_digit).and_then(|i| g_odd.get(i)) {
            acc = acc.add_affine(&signed(*p, g_digit));
        }
    }
    acc
}

/// Where `|digit| P` sits among the odd multiples `[P, 3P, 5P, ..]`; `None` for a zero digit.
fn odd_index(digit: impl Into<i16>) -> Option<usize> {
    let digit: i16 = digit.into();
    Some(usize::from(digit.unsigned_abs()).checked_sub(1)? / 2)
}

/// `p`, negated for a negative digit.
fn signed<F: Field>(p: Affine<F>, digit: impl Into<i16>) -> Affine<F> {
    let digit: i16 = digit.into();
    if digit < 0 { negate(&p) } else { p }
}

/// Fills `rows` with the comb table of `q`: row `i` holds `1..=E` times `2^(shift i) q`.
/// Returns `false` if a point came out at infinity (never, for a valid key).
pub(crate) fn build_rows<F: Field, const E: usize>(
    rows: &mut [[Affine<F>; E]],
    q: &Affine<F>,
    shift: usize,
) -> bool {
    let mut base = Jacobian::from_affine(q);
    let mut jacobian = [Jacobian::<F>::INFINITY; E];
    for row in rows.iter_mut() {
        if !multiples(&base, false, &mut jacobian) || !normalize(&mut jacobian) {
            return false;
        }
        for (entry, point) in row.iter_mut().zip(&jacobian) {
            *entry = point.xy();
        }
        for _ in 0..shift {
            base = base.double();
        }
    }
    true
}
