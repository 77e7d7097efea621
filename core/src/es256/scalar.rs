//! Arithmetic modulo the group order `n`, for ECDSA verification: parsing `r` and `s`,
//! reducing the hash, `s^-1` and the two products `u1 = e s^-1`, `u2 = r s^-1`.
//!
//! **Variable time, public inputs only: never for signing or secret data** (see the module
//! above). Four 64-bit limbs at every width (a verify does two products and one inversion,
//! so a 32-bit variant would save nothing measurable).
//!
//! `s^-1`: Bernstein and Yang's safegcd in its variable-time form (see [`safegcd`]), which
//! replaced a Kaliski almost-inverse (binary extended GCD): about a tenth of its instructions,
//! and a fraction of the time of p256's `invert_vartime`, whose every step goes through
//! constant-time `Choice`s. Products are Montgomery's, and `s^-1` comes out in Montgomery
//! form, so `u1` and `u2` are one product each.

/// The group order `n`, little-endian 64-bit limbs.
const N: [u64; 4] = [
    0xf3b9_cac2_fc63_2551,
    0xbce6_faad_a717_9e84,
    0xffff_ffff_ffff_ffff,
    0xffff_ffff_0000_0000,
];

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

type U256 = [u64; 4];

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

/// `a^-1 mod n` for `0 < a < n`, as little-endian limbs; `None` for `a = 0`.
#[cfg(feature = "_test-hooks")]
pub(crate) fn invert(a: &U256) -> Option<U256> {
    safegcd::inverse(a)
}

/// `a^-1 2^256 mod n` (the inverse in Montgomery form, ready for [`mont_mul`]) for
/// `0 < a < n`; `None` for `a = 0`.
pub(crate) fn invert_mont(a: &U256) -> Option<U256> {
    safegcd::inverse(a).map(|x| mont_mul(&x, &R2))
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

/// `a^-1 mod n` by Bernstein and Yang's "safegcd" in its variable-time form (as described
/// for libsecp256k1's `modinv64_var`): batches of 62 division steps computed on the low 64
/// bits only, each giving a 2x2 matrix that is then applied to the full `f, g` (signed
/// 62-bit limbs) and to the Bezout coefficients `d, e` modulo `n`. About a tenth of the
/// instructions of the binary extended GCD, and far fewer unpredictable branches.
mod safegcd {
    // i128 and u64 to i64 truncations keep the low limb, by design.
    #![allow(
        clippy::as_conversions,
        clippy::cast_possible_truncation,
        clippy::cast_possible_wrap
    )]
    #![allow(clippy::cast_sign_loss, clippy::many_single_char_names)]

    use super::{N, U256, is_zero};

    /// A value as five signed 62-bit limbs (little-endian; all but the top in `0..2^62`
    /// once normalised).
    type S62 = [i64; 5];

    const M62: i64 = (1 << 62) - 1;

    /// `n` in signed 62-bit limbs.
    const N62: S62 = [
        0x33b9_cac2_fc63_2551,
        0x339b_eab6_9c5e_7a13,
        0x3fff_ffff_ffff_fffb,
        0x3fff_ffc0_0000_003f,
        0xff,
    ];

    /// `n^-1 mod 2^62`.
    const N_INV62: u64 = 0x332e_3755_11ff_43b1;

    /// The transition matrix of 62 division steps: `[f, g] 2^62 = [[u, v], [q, r]] [f, g]`.
    struct Trans {
        u: i64,
        v: i64,
        q: i64,
        r: i64,
    }

    fn to_s62(a: &U256) -> S62 {
        let [a0, a1, a2, a3] = *a;
        let m = M62 as u64;
        [
            (a0 & m) as i64,
            (((a0 >> 62) | (a1 << 2)) & m) as i64,
            (((a1 >> 60) | (a2 << 4)) & m) as i64,
            (((a2 >> 58) | (a3 << 6)) & m) as i64,
            (a3 >> 56) as i64,
        ]
    }

    /// For a normalised `0 <= d < n`.
    fn from_s62(d: &S62) -> U256 {
        let [d0, d1, d2, d3, d4] = d.map(|l| l as u64);
        [
            d0 | (d1 << 62),
            (d1 >> 2) | (d2 << 60),
            (d2 >> 4) | (d3 << 58),
            (d3 >> 6) | (d4 << 56),
        ]
    }

    /// 62 division steps on the low bits of `f` (odd) and `g`, skipping runs of zeros and
    /// cancelling up to 4 or 6 bits of `g` at once; returns the new `eta` (`-delta`).
    fn divsteps_62(mut eta: i64, f0: u64, g0: u64) -> (i64, Trans) {
        let (mut u, mut v, mut q, mut r) = (1u64, 0u64, 0u64, 1u64);
        let (mut f, mut g) = (f0, g0);
        let mut i: u32 = 62;
        loop {
            let zeros = (g | (u64::MAX << i)).trailing_zeros();
            g >>= zeros;
            u <<= zeros;
            v <<= zeros;
            eta -= i64::from(zeros);
            i -= zeros;
            if i == 0 {
                break;
            }
            // f and g are odd here.
            let w = if eta < 0 {
                eta = -eta;
                (f, g) = (g, f.wrapping_neg());
                (u, q) = (q, u.wrapping_neg());
                (v, r) = (r, v.wrapping_neg());
                let limit = (eta + 1).min(i64::from(i)) as u32;
                let m = (u64::MAX >> (64 - limit)) & 63;
                f.wrapping_mul(g)
                    .wrapping_mul(f.wrapping_mul(f).wrapping_sub(2))
                    & m
            } else {
                let limit = (eta + 1).min(i64::from(i)) as u32;
                let m = (u64::MAX >> (64 - limit)) & 15;
                let w = f.wrapping_add((f.wrapping_add(1) & 4) << 1);
                w.wrapping_neg().wrapping_mul(g) & m
            };
            g = g.wrapping_add(f.wrapping_mul(w));
            q = q.wrapping_add(u.wrapping_mul(w));
            r = r.wrapping_add(v.wrapping_mul(w));
        }
        (
            eta,
            Trans {
                u: u as i64,
                v: v as i64,
                q: q as i64,
                r: r as i64,
            },
        )
    }

    /// `[f, g] <- [[u, v], [q, r]] [f, g] / 2^62` (exact).
    fn update_fg(f: &mut S62, g: &mut S62, t: &Trans) {
        let (u, v, q, r) = (
            i128::from(t.u),
            i128::from(t.v),
            i128::from(t.q),
            i128::from(t.r),
        );
        let mut cf: i128 = 0;
        let mut cg: i128 = 0;
        let (fo, go) = (*f, *g);
        for (k, (&fi, &gi)) in fo.iter().zip(go.iter()).enumerate() {
            let (fi, gi) = (i128::from(fi), i128::from(gi));
            cf += u * fi + v * gi;
            cg += q * fi + r * gi;
            // Limb k of the sum lands in limb k - 1 (the division by 2^62; limb 0 is zero).
            if let Some(prev) = k.checked_sub(1)
                && let (Some(fp), Some(gp)) = (f.get_mut(prev), g.get_mut(prev))
            {
                *fp = (cf & i128::from(M62)) as i64;
                *gp = (cg & i128::from(M62)) as i64;
            }
            cf >>= 62;
            cg >>= 62;
        }
        f[4] = cf as i64;
        g[4] = cg as i64;
    }

    /// `[d, e] <- [[u, v], [q, r]] [d, e] / 2^62 mod n`, adding the multiples of `n` that
    /// make the division exact and keep both in `(-2n, n)`.
    fn update_de(d: &mut S62, e: &mut S62, t: &Trans) {
        let sd = d[4] >> 63;
        let se = e[4] >> 63;
        let mut md = (t.u & sd).wrapping_add(t.v & se);
        let mut me = (t.q & sd).wrapping_add(t.r & se);
        let (u, v, q, r) = (
            i128::from(t.u),
            i128::from(t.v),
            i128::from(t.q),
            i128::from(t.r),
        );
        let (d0, e0) = (i128::from(d[0]), i128::from(e[0]));
        let mut cd = u * d0 + v * e0;
        let mut ce = q * d0 + r * e0;
        md = md.wrapping_sub(
            (N_INV62.wrapping_mul(cd as u64).wrapping_add(md as u64) & M62 as u64) as i64,
        );
        me = me.wrapping_sub(
            (N_INV62.wrapping_mul(ce as u64).wrapping_add(me as u64) & M62 as u64) as i64,
        );
        let (md, me) = (i128::from(md), i128::from(me));
        cd += i128::from(N62[0]) * md;
        ce += i128::from(N62[0]) * me;
        cd >>= 62;
        ce >>= 62;
        let (dold, eold) = (*d, *e);
        let limbs = dold.iter().zip(eold.iter()).zip(N62.iter()).skip(1);
        for (k, ((&di, &ei), &ni)) in limbs.enumerate() {
            let (di, ei, ni) = (i128::from(di), i128::from(ei), i128::from(ni));
            cd += u * di + v * ei + ni * md;
            ce += q * di + r * ei + ni * me;
            // Limb k + 1 of the sum lands in limb k (the division by 2^62).
            if let (Some(dk), Some(ek)) = (d.get_mut(k), e.get_mut(k)) {
                *dk = (cd & i128::from(M62)) as i64;
                *ek = (ce & i128::from(M62)) as i64;
            }
            cd >>= 62;
            ce >>= 62;
        }
        d[4] = cd as i64;
        e[4] = ce as i64;
    }

    /// `d + k n`, carries propagated (limbs 0..4 in `0..2^62`, the sign in the top one).
    fn add_n(d: &mut S62, k: i64) {
        let mut c: i128 = 0;
        for (i, (l, &n)) in d.iter_mut().zip(N62.iter()).enumerate() {
            c += i128::from(*l) + i128::from(k) * i128::from(n);
            if i == 4 {
                *l = c as i64;
            } else {
                *l = (c & i128::from(M62)) as i64;
                c >>= 62;
            }
        }
    }

    /// `d >= n` for a normalised, non-negative `d`.
    fn ge_n(d: &S62) -> bool {
        for (a, b) in d.iter().rev().zip(N62.iter().rev()) {
            if a != b {
                return a > b;
            }
        }
        true
    }

    /// `a^-1 mod n` for `0 < a < n`; `None` for zero (or a value sharing a factor with `n`).
    pub(super) fn inverse(a: &U256) -> Option<U256> {
        if is_zero(a) || !super::ge(&N, a) || *a == N {
            return None;
        }
        let (mut d, mut e): (S62, S62) = ([0; 5], [1, 0, 0, 0, 0]);
        let (mut f, mut g) = (N62, to_s62(a));
        let mut eta: i64 = -1;
        // 256-bit inputs need at most 590 division steps: 10 batches (the bound is slack).
        for _ in 0..20 {
            let (next, t) = divsteps_62(eta, f[0] as u64, g[0] as u64);
            eta = next;
            update_de(&mut d, &mut e, &t);
            update_fg(&mut f, &mut g, &t);
            if g == [0; 5] {
                break;
            }
        }
        if g != [0; 5] {
            return None;
        }
        // f = gcd = +-1; d = f a^-1.
        let minus_one = [M62, M62, M62, M62, -1];
        let negative = match f {
            [1, 0, 0, 0, 0] => false,
            x if x == minus_one => true,
            _ => return None,
        };
        add_n(&mut d, 0);
        if negative {
            for l in d.iter_mut() {
                *l = -*l;
            }
            add_n(&mut d, 0);
        }
        // d is in (-2n, 2n) now.
        for _ in 0..3 {
            if d[4] < 0 {
                add_n(&mut d, 1);
            }
        }
        for _ in 0..3 {
            if ge_n(&d) {
                add_n(&mut d, -1);
            }
        }
        Some(from_s62(&d))
    }
}
