//! Arithmetic modulo the group order `n`, for ECDSA verification: parsing `r` and `s`,
//! reducing the hash, `s^-1` and the two products `u1 = e s^-1`, `u2 = r s^-1`.
//!
//! **Variable time, public inputs only: never for signing or secret data** (see the module
//! above). Four 64-bit limbs at every width (a verify does two products and one inversion,
//! so a 32-bit variant would save nothing measurable).
//!
//! `s^-1`: Kaliski's almost-inverse (a binary extended GCD that needs no modular reduction inside the
//! loop) gives `s^-1 2^k mod n` for some `256 <= k <= 512`, with runs of even values shifted
//! out at once; `k` halvings modulo `n` are then done 64 at a time, Montgomery style. It takes
//! a fraction of the time of p256's `invert_vartime`, whose every step goes through
//! constant-time `Choice`s.

/// The group order `n`, little-endian 64-bit limbs.
const N: [u64; 4] = [
    0xf3b9_cac2_fc63_2551,
    0xbce6_faad_a717_9e84,
    0xffff_ffff_ffff_ffff,
    0xffff_ffff_0000_0000,
];

/// `-n^-1 mod 2^64`, for the halvings.
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

type U256 = [u64; 4];
type U320 = [u64; 5];

fn is_zero(a: &U256) -> bool {
    a.iter().all(|&l| l == 0)
}

/// `a >= b`.
fn ge(a: &U256, b: &U256) -> bool {
    for (x, y) in a.iter().rev().zip(b.iter().rev()) {
        if x != y {
            return x > y;
        }
    }
    true
}

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

/// `a >>= t` for `t < 64`.
fn shr_assign(a: &mut U256, t: u32) {
    if t == 0 {
        return;
    }
    let mut carry = 0u64;
    for x in a.iter_mut().rev() {
        let next = *x << (64 - t);
        *x = (*x >> t) | carry;
        carry = next;
    }
}

/// `a <<= t` for `t < 64` (the values stay below `2n`, so nothing leaves the top limb).
fn shl_assign(a: &mut U320, t: u32) {
    if t == 0 {
        return;
    }
    let mut carry = 0u64;
    for x in a.iter_mut() {
        let next = *x >> (64 - t);
        *x = (*x << t) | carry;
        carry = next;
    }
}

/// `a += b`.
fn add_assign(a: &mut U320, b: &U320) {
    let mut carry = false;
    for (x, y) in a.iter_mut().zip(b) {
        let (s, c1) = x.overflowing_add(*y);
        let (s, c2) = s.overflowing_add(u64::from(carry));
        *x = s;
        carry = c1 | c2;
    }
}

/// `a >>= t` for any `t` (whole limbs first).
fn shr_by(a: &mut U256, mut t: u32) {
    while t > 0 {
        let step = t.min(63);
        shr_assign(a, step);
        t -= step;
    }
}

/// `a <<= t` for any `t` that keeps the value in 320 bits.
fn shl_by(a: &mut U320, mut t: u32) {
    while t > 0 {
        let step = t.min(63);
        shl_assign(a, step);
        t -= step;
    }
}

fn trailing_zeros(a: &U256) -> u32 {
    let mut tz = 0;
    for &l in a {
        if l != 0 {
            return tz + l.trailing_zeros();
        }
        tz += 64;
    }
    tz
}

/// `x 2^-t mod n` for `x < 2^256` and `1 <= t <= 64`: adds the multiple of `n` that clears
/// the low `t` bits, then shifts them out. The result is below `2n`; the caller reduces it.
#[allow(clippy::as_conversions, clippy::cast_possible_truncation)] // keeping the low limb
fn halve_by(x: &U320, t: u32) -> U320 {
    let mask = if t == 64 { u64::MAX } else { (1u64 << t) - 1 };
    let m = u128::from(x[0].wrapping_mul(N_NEG_INV) & mask);
    // x + m n, 5 limbs + carry.
    let mut sum = [0u64; 6];
    let mut carry = 0u128;
    for (i, out) in sum.iter_mut().enumerate() {
        let xi = u128::from(x.get(i).copied().unwrap_or(0));
        let ni = u128::from(N.get(i).copied().unwrap_or(0));
        let v = xi + m * ni + carry;
        *out = v as u64;
        carry = v >> 64;
    }
    // Shift right by t.
    let mut out = [0u64; 5];
    for (i, o) in out.iter_mut().enumerate() {
        let lo = sum.get(i).copied().unwrap_or(0);
        let hi = sum.get(i + 1).copied().unwrap_or(0);
        *o = if t == 64 {
            hi
        } else if t == 0 {
            lo
        } else {
            (lo >> t) | (hi << (64 - t))
        };
    }
    out
}

/// Reduces `x < 2^257` below `n`.
fn reduce(x: &U320) -> U256 {
    let mut low = [x[0], x[1], x[2], x[3]];
    let mut high = x[4];
    while high != 0 || ge(&low, &N) {
        let borrow = {
            let mut borrow = false;
            for (a, b) in low.iter_mut().zip(&N) {
                let (d, b1) = a.overflowing_sub(*b);
                let (d, b2) = d.overflowing_sub(u64::from(borrow));
                *a = d;
                borrow = b1 | b2;
            }
            borrow
        };
        high -= u64::from(borrow);
    }
    low
}

/// `a^-1 mod n` for `0 < a < n`, as little-endian limbs; `None` for `a = 0`.
#[cfg(feature = "_test-hooks")]
pub(crate) fn invert(a: &U256) -> Option<U256> {
    invert_mont(a).map(|x| mont_mul(&x, &[1, 0, 0, 0]))
}

/// `a^-1 2^256 mod n` (the inverse in Montgomery form, ready for [`mont_mul`]) for
/// `0 < a < n`; `None` for `a = 0`.
pub(crate) fn invert_mont(a: &U256) -> Option<U256> {
    if is_zero(a) {
        return None;
    }
    // Invariants: n = u s + v r;  a r = -u 2^k,  a s = v 2^k  (mod n).
    let (mut u, mut v) = (N, *a);
    let (mut r, mut s): (U320, U320) = ([0; 5], [1, 0, 0, 0, 0]);
    let mut k = 0u32;
    // Make v odd (u = n is odd): v even steps double r, which is still 0.
    let t = trailing_zeros(&v);
    shr_by(&mut v, t);
    k += t;
    // Each round is one of Kaliski's subtraction steps followed by all the halving steps it
    // makes possible, done as one shift.
    loop {
        if u == v {
            // Both are gcd(a, n) = 1: the last step empties v.
            add_assign(&mut s, &r);
            shl_assign(&mut r, 1);
            k += 1;
            break;
        }
        if ge(&u, &v) {
            sub_assign(&mut u, &v);
            let t = trailing_zeros(&u);
            shr_by(&mut u, t);
            add_assign(&mut r, &s);
            shl_by(&mut s, t);
            k += t;
        } else {
            sub_assign(&mut v, &u);
            let t = trailing_zeros(&v);
            shr_by(&mut v, t);
            add_assign(&mut s, &r);
            shl_by(&mut r, t);
            k += t;
        }
        if k > 1024 {
            return None; // unreachable for 0 < a < n: the loop ends by k = 512
        }
    }
    if u != [1, 0, 0, 0] {
        return None; // a shares a factor with n (a >= n or a multiple of it)
    }
    // a r = -2^k (mod n): a^-1 2^256 = -r 2^(256 - k), and 256 <= k <= 512.
    let Some(mut k) = k.checked_sub(256) else {
        return None; // unreachable: the almost-inverse has k >= bits(n)
    };
    let r = reduce(&r);
    let mut x: U320 = [0; 5];
    if !is_zero(&r) {
        let mut neg = N;
        sub_assign(&mut neg, &r);
        x = [neg[0], neg[1], neg[2], neg[3], 0];
    }
    while k > 0 {
        let t = k.min(64);
        x = halve_by(&x, t);
        // Keep x below 2^256 for the next round.
        let reduced = reduce(&x);
        x = [reduced[0], reduced[1], reduced[2], reduced[3], 0];
        k -= t;
    }
    Some(reduce(&x))
}

/// `R^2 mod n` (`R = 2^256`), to bring values into Montgomery form.
#[cfg(feature = "_test-hooks")]
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
