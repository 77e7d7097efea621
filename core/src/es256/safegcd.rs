//! `a^-1 mod m`, for the group order and for the field prime, by Bernstein and Yang's
//! "safegcd" in its variable-time form (as described for libsecp256k1's `modinv64_var`): batches of 62 division steps computed on the low 64
//! bits only, each giving a 2x2 matrix that is then applied to the full `f, g` (signed
//! 62-bit limbs) and to the Bezout coefficients `d, e` modulo `m`. About a tenth of the
//! instructions of the binary extended GCD, and far fewer unpredictable branches.
//!
//! **Variable time, public inputs only: never for signing or secret data** (see the module
//! above): the number of steps and their branches depend on the value inverted.

// i128 and u64 to i64 truncations keep the low limb, by design.
#![allow(
    clippy::as_conversions,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap
)]
#![allow(clippy::cast_sign_loss, clippy::many_single_char_names)]

/// A 256-bit value as four little-endian 64-bit limbs (the scalars' form too).
pub(super) type U256 = [u64; 4];

/// An odd modulus below `2^256`, in the forms the division steps need.
pub(crate) struct Modulus {
    /// Little-endian 64-bit limbs.
    pub(super) limbs: U256,
    /// Signed 62-bit limbs.
    s62: S62,
    /// `m^-1 mod 2^62`.
    inv62: u64,
}

/// The group order `n` (the scalars' modulus).
pub(crate) const N: Modulus = Modulus {
    limbs: [
        0xf3b9_cac2_fc63_2551,
        0xbce6_faad_a717_9e84,
        0xffff_ffff_ffff_ffff,
        0xffff_ffff_0000_0000,
    ],
    s62: [
        0x33b9_cac2_fc63_2551,
        0x339b_eab6_9c5e_7a13,
        0x3fff_ffff_ffff_fffb,
        0x3fff_ffc0_0000_003f,
        0xff,
    ],
    inv62: 0x332e_3755_11ff_43b1,
};

/// The field prime `p = 2^256 - 2^224 + 2^192 + 2^96 - 1` (the coordinates' modulus).
pub(crate) const P: Modulus = Modulus {
    limbs: [
        0xffff_ffff_ffff_ffff,
        0x0000_0000_ffff_ffff,
        0x0000_0000_0000_0000,
        0xffff_ffff_0000_0001,
    ],
    s62: [
        0x3fff_ffff_ffff_ffff,
        0x0000_0003_ffff_ffff,
        0,
        0x3fff_ffc0_0000_0040,
        0xff,
    ],
    // p = -1 mod 2^96.
    inv62: 0x3fff_ffff_ffff_ffff,
};

pub(super) fn is_zero(a: &U256) -> bool {
    a.iter().all(|&l| l == 0)
}

/// `a >= b`.
pub(super) fn ge(a: &U256, b: &U256) -> bool {
    for (x, y) in a.iter().rev().zip(b.iter().rev()) {
        if x != y {
            return x > y;
        }
    }
    true
}

/// A value as five signed 62-bit limbs (little-endian; all but the top in `0..2^62`
/// once normalised).
type S62 = [i64; 5];

const M62: i64 = (1 << 62) - 1;

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
fn update_de(d: &mut S62, e: &mut S62, t: &Trans, m: &Modulus) {
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
        (m.inv62.wrapping_mul(cd as u64).wrapping_add(md as u64) & M62 as u64) as i64,
    );
    me = me.wrapping_sub(
        (m.inv62.wrapping_mul(ce as u64).wrapping_add(me as u64) & M62 as u64) as i64,
    );
    let (md, me) = (i128::from(md), i128::from(me));
    cd += i128::from(m.s62[0]) * md;
    ce += i128::from(m.s62[0]) * me;
    cd >>= 62;
    ce >>= 62;
    let (dold, eold) = (*d, *e);
    let limbs = dold.iter().zip(eold.iter()).zip(m.s62.iter()).skip(1);
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
fn add_m(d: &mut S62, k: i64, m: &Modulus) {
    let mut c: i128 = 0;
    for (i, (l, &n)) in d.iter_mut().zip(m.s62.iter()).enumerate() {
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
fn ge_m(d: &S62, m: &Modulus) -> bool {
    for (a, b) in d.iter().rev().zip(m.s62.iter().rev()) {
        if a != b {
            return a > b;
        }
    }
    true
}

/// `a^-1 mod n` for `0 < a < n`; `None` for zero (or a value sharing a factor with `n`).
pub(crate) fn inverse(a: &U256, m: &Modulus) -> Option<U256> {
    if is_zero(a) || ge(a, &m.limbs) {
        return None;
    }
    let (mut d, mut e): (S62, S62) = ([0; 5], [1, 0, 0, 0, 0]);
    let (mut f, mut g) = (m.s62, to_s62(a));
    let mut eta: i64 = -1;
    // 256-bit inputs need at most 590 division steps: 10 batches (the bound is slack).
    for _ in 0..20 {
        let (next, t) = divsteps_62(eta, f[0] as u64, g[0] as u64);
        eta = next;
        update_de(&mut d, &mut e, &t, m);
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
    add_m(&mut d, 0, m);
    if negative {
        for l in d.iter_mut() {
            *l = -*l;
        }
        add_m(&mut d, 0, m);
    }
    // d is in (-2n, 2n) now.
    for _ in 0..3 {
        if d[4] < 0 {
            add_m(&mut d, 1, m);
        }
    }
    for _ in 0..3 {
        if ge_m(&d, m) {
            add_m(&mut d, -1, m);
        }
    }
    Some(from_s62(&d))
}
