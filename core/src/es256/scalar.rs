//! Arithmetic modulo the group order `n`, for ECDSA verification: parsing `r` and `s`,
//! reducing the hash, `s^-1` and the two products `u1 = e s^-1`, `u2 = r s^-1`.
//!
//! **Variable time, public inputs only: never for signing or secret data** (see the module
//! above). Four 64-bit limbs at every width (a verify does two products and one inversion,
//! so a 32-bit variant would save nothing measurable).
//!
//! `s^-1`: Bernstein and Yang's safegcd in its variable-time form (see `safegcd`), which
//! replaced a Kaliski almost-inverse (binary extended GCD): about a tenth of its instructions,
//! and a fraction of the time of p256's `invert_vartime`, whose every step goes through
//! constant-time `Choice`s. Products are Montgomery's, and `s^-1` comes out in Montgomery
//! form, so `u1` and `u2` are one product each.

use super::safegcd::{self, U256, ge, is_zero};

/// The group order `n`, little-endian 64-bit limbs.
const N: U256 = safegcd::N.limbs;

/// `-n^-1 mod 2^64`, for Montgomery's products.
const N_NEG_INV: u64 = {
    // Newton's iteration doubles the correct low bits: 1 -> 2 -> ... -> 64 after 6 rounds
    // (n is odd, so n itself is correct to 3 bits to start with).
    let mut inv = N[0];
    let mut i = 0;
    while i < 5 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(N[0].wrapping_mul(inv)));
        i += 1;
    }
    inv.wrapping_neg()
};

/// `a -= b` (no borrow out: callers ensure `a >= b`).
fn sub_assign(a: &mut U256, b: &U256) {
    let mut borrow = false;
    for (x, y) in a.iter_mut().zip(b) {
        let (d, b1) = x.overflowing_sub(*y);
        let (d, b2) = d.overflowing_sub(u64::from(borrow));
        *x = d;
        borrow = b1 | b2;
    }
}

/// `a^-1 mod n` for `0 < a < n`, as little-endian limbs; `None` for `a = 0`.
#[cfg(feature = "_test-hooks")]
pub(crate) fn invert(a: &U256) -> Option<U256> {
    safegcd::inverse(a, &safegcd::N)
}

/// `a^-1 2^256 mod n` (the inverse in Montgomery form, ready for [`mont_mul`]) for
/// `0 < a < n`; `None` for `a = 0`.
pub(crate) fn invert_mont(a: &U256) -> Option<U256> {
    safegcd::inverse(a, &safegcd::N).map(|x| mont_mul(&x, &R2))
}

/// `R^2 mod n` (`R = 2^256`), to bring values into Montgomery form.
const R2: U256 = [
    0x8324_4c95_be79_eea2,
    0x4699_799c_49bd_6fa6,
    0x2845_b239_2b6b_ec59,
    0x66e1_2d94_f3d9_5620,
];

/// `a * b + c + d` (never overflows): (low, high).
#[inline(always)]
#[allow(clippy::as_conversions, clippy::cast_possible_truncation)] // the low and high limbs
fn mac(a: u64, b: u64, c: u64, d: u64) -> (u64, u64) {
    let t = u128::from(a) * u128::from(b) + u128::from(c) + u128::from(d);
    (t as u64, (t >> 64) as u64)
}

/// `t += x * y`, a four-limb `y`, into a six-limb accumulator.
fn mul_add(t: [u64; 6], x: u64, y: &U256) -> [u64; 6] {
    let [t0, t1, t2, t3, t4, t5] = t;
    let [y0, y1, y2, y3] = *y;
    let (t0, c) = mac(x, y0, t0, 0);
    let (t1, c) = mac(x, y1, t1, c);
    let (t2, c) = mac(x, y2, t2, c);
    let (t3, c) = mac(x, y3, t3, c);
    let (t4, c) = mac(1, t4, c, 0);
    [t0, t1, t2, t3, t4, t5.wrapping_add(c)]
}

/// `a b 2^-256 mod n` for `a, b < n` (Montgomery's product, interleaved): below `n`.
pub(crate) fn mont_mul(a: &U256, b: &U256) -> U256 {
    let mut t = [0u64; 6];
    for &ai in a {
        t = mul_add(t, ai, b);
        // Add the multiple of n that clears the low limb, then drop it.
        let m = t[0].wrapping_mul(N_NEG_INV);
        let [_, t1, t2, t3, t4, t5] = mul_add(t, m, &N);
        t = [t1, t2, t3, t4, t5, 0];
    }
    let [t0, t1, t2, t3, t4, _] = t;
    // t < 2n: one subtraction at most.
    let mut x = [t0, t1, t2, t3];
    if t4 != 0 || ge(&x, &N) {
        sub_assign(&mut x, &N);
    }
    x
}

/// `a b mod n` for `a, b < n`.
#[cfg(feature = "_test-hooks")]
pub(crate) fn mul(a: &U256, b: &U256) -> U256 {
    mont_mul(&mont_mul(a, b), &R2)
}

/// A scalar in `1..n` from 32 big-endian bytes, or `None`.
pub(crate) fn nonzero(bytes: &[u8; 32]) -> Option<U256> {
    let x = limbs(bytes);
    (!is_zero(&x) && !ge(&x, &N)).then_some(x)
}

/// Any 256-bit big-endian value modulo `n` (a value below `2^256` is below `2n`).
pub(crate) fn reduce_bytes(bytes: &[u8; 32]) -> U256 {
    let mut x = limbs(bytes);
    if ge(&x, &N) {
        sub_assign(&mut x, &N);
    }
    x
}

/// Big-endian bytes to little-endian limbs.
pub(crate) fn limbs(bytes: &[u8; 32]) -> U256 {
    let mut out = [0u64; 4];
    for (limb, chunk) in out.iter_mut().zip(bytes.rchunks_exact(8)) {
        *limb = u64::from_be_bytes(<[u8; 8]>::try_from(chunk).unwrap_or([0; 8]));
    }
    out
}

/// Little-endian limbs to big-endian bytes.
pub(crate) fn bytes(limbs: &U256) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (chunk, limb) in out.rchunks_exact_mut(8).zip(limbs) {
        chunk.copy_from_slice(&limb.to_be_bytes());
    }
    out
}
