//! Montgomery arithmetic modulo an RSA public modulus, on fixed-size limb arrays.
//!
//! # Public inputs only: never use these routines with secret data
//!
//! Everything here runs in **variable time** (loop bounds follow the modulus length, the
//! final subtraction is conditional). That is safe for RSA signature *verification*, where
//! the modulus, the exponent and the signature are all public; it must never be used for
//! signing, decryption or any computation on a private key.
//!
//! Limbs are the target's word: `u64` with `u128` products on 64-bit targets, `u32` with
//! `u64` products on 32-bit ones (Cortex-M's UMULL/UMAAL, wasm32), so one implementation
//! serves both. Products are computed in full and then reduced (separated operand scanning),
//! and squaring computes each cross product once.

/// A limb and the double-width type its products fit in.
#[cfg(target_pointer_width = "64")]
pub(crate) type Limb = u64;
#[cfg(target_pointer_width = "64")]
type Wide = u128;
#[cfg(not(target_pointer_width = "64"))]
pub(crate) type Limb = u32;
#[cfg(not(target_pointer_width = "64"))]
type Wide = u64;

/// Bits per limb.
// `u32 -> usize` is lossless on every target with these limbs.
#[allow(clippy::as_conversions)]
pub(crate) const LIMB_BITS: usize = Limb::BITS as usize;
/// Bytes per limb.
pub(crate) const LIMB_BYTES: usize = LIMB_BITS / 8;
/// The largest modulus, in bits.
pub(crate) const MAX_BITS: usize = 4096;
/// Limbs of the largest modulus.
pub(crate) const MAX_LIMBS: usize = MAX_BITS / LIMB_BITS;

/// A number of up to [`MAX_LIMBS`] limbs, least significant first; limbs past the modulus's
/// length are zero.
pub(crate) type Uint = [Limb; MAX_LIMBS];

/// `a * b + c + d`, as (low, high): never overflows.
#[inline(always)]
fn mac(a: Limb, b: Limb, c: Limb, d: Limb) -> (Limb, Limb) {
    let t = Wide::from(a) * Wide::from(b) + Wide::from(c) + Wide::from(d);
    // Truncation is the point: the low and the high limb.
    #[allow(clippy::cast_possible_truncation, clippy::as_conversions)]
    (t as Limb, (t >> LIMB_BITS) as Limb)
}

/// An odd modulus with what Montgomery multiplication needs.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Modulus {
    /// The modulus `n`.
    n: Uint,
    /// `R^2 mod n` for `R = 2^(LIMB_BITS * len)`: turns a number into Montgomery form.
    rr: Uint,
    /// `-n^-1 mod 2^LIMB_BITS`.
    n0inv: Limb,
    /// Limbs in use.
    len: usize,
}

impl core::fmt::Debug for Modulus {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Modulus")
            .field("bits", &self.bits())
            .finish_non_exhaustive()
    }
}

impl Modulus {
    /// `n` from its limbs (`len` of them, the top one non-zero); `None` unless odd.
    pub(crate) fn new(n: Uint, len: usize) -> Option<Modulus> {
        let n0 = *n.first()?;
        if n0 & 1 == 0 || len == 0 || len > MAX_LIMBS || n.get(len - 1) == Some(&0) {
            return None;
        }
        // Newton's iteration for n0^-1 mod 2^LIMB_BITS: each step doubles the correct bits.
        let mut inv: Limb = 1;
        for _ in 0..LIMB_BITS.trailing_zeros() {
            inv = inv
                .wrapping_mul(2u32.into())
                .wrapping_sub(n0.wrapping_mul(inv).wrapping_mul(inv));
        }
        let mut m = Modulus {
            n,
            rr: [0; MAX_LIMBS],
            n0inv: inv.wrapping_neg(),
            len,
        };
        m.rr = m.r_squared();
        Some(m)
    }

    /// Bits of the modulus.
    pub(crate) fn bits(&self) -> usize {
        let top = self.n.get(self.len.saturating_sub(1)).copied().unwrap_or(0);
        self.len * LIMB_BITS - usize::try_from(top.leading_zeros()).unwrap_or(0)
    }

    /// The modulus's limbs.
    pub(crate) fn n(&self) -> &Uint {
        &self.n
    }

    /// `R^2 mod n`, by doubling `R mod n` `LIMB_BITS * len` times: once per key, at load.
    fn r_squared(&self) -> Uint {
        // R mod n = 2^(bits) * 2^(R bits - bits) mod n: start from 2^(bits - 1) (< n) and double.
        let bits = self.bits();
        let mut x: Uint = [0; MAX_LIMBS];
        let top = bits - 1;
        if let Some(limb) = x.get_mut(top / LIMB_BITS) {
            *limb = 1 << (top % LIMB_BITS);
        }
        for _ in top..2 * self.len * LIMB_BITS {
            let carry = shl1(x.get_mut(..self.len).unwrap_or_default());
            if carry || !less(&x, &self.n, self.len) {
                sub_assign(&mut x, &self.n, self.len);
            }
        }
        x
    }

    /// `a * b / R mod n` (Montgomery product), fully reduced. `a, b < n`.
    pub(crate) fn mul(&self, a: &Uint, b: &Uint) -> Uint {
        let mut t: [Limb; 2 * MAX_LIMBS + 1] = [0; 2 * MAX_LIMBS + 1];
        let len = self.len;
        for (i, &ai) in a.iter().take(len).enumerate() {
            let Some(row) = t.get_mut(i..i + len + 1) else {
                break;
            };
            let mut carry = 0;
            for (tj, &bj) in row.iter_mut().zip(b.iter().take(len)) {
                (*tj, carry) = mac(ai, bj, *tj, carry);
            }
            if let Some(top) = row.last_mut() {
                *top = carry;
            }
        }
        self.reduce(&mut t)
    }

    /// `a^2 / R mod n`, fully reduced: the cross products once, doubled, plus the squares.
    pub(crate) fn square(&self, a: &Uint) -> Uint {
        let mut t: [Limb; 2 * MAX_LIMBS + 1] = [0; 2 * MAX_LIMBS + 1];
        let len = self.len;
        let a = a.get(..len).unwrap_or_default();
        for (i, &ai) in a.iter().enumerate() {
            let Some(row) = t.get_mut(2 * i + 1..i + len + 1) else {
                continue;
            };
            let mut carry = 0;
            for (tj, &aj) in row.iter_mut().zip(a.iter().skip(i + 1)) {
                (*tj, carry) = mac(ai, aj, *tj, carry);
            }
            if let Some(top) = t.get_mut(i + len) {
                *top = carry;
            }
        }
        // Double the cross products (nothing shifts out: they are below a^2 / 2), then add
        // the squares on the diagonal.
        shl1(t.get_mut(..2 * len).unwrap_or_default());
        let mut carry = 0;
        for (i, &ai) in a.iter().enumerate() {
            let Some([lo, hi]) = t
                .get_mut(2 * i..2 * i + 2)
                .and_then(|p| <&mut [Limb; 2]>::try_from(p).ok())
            else {
                break;
            };
            let (l, h) = mac(ai, ai, *lo, carry);
            *lo = l;
            let (h2, c2) = mac(1, *hi, h, 0);
            *hi = h2;
            carry = c2;
        }
        self.reduce(&mut t)
    }

    /// Montgomery reduction of a double-length `t < n * R`: `t / R mod n`, fully reduced.
    fn reduce(&self, t: &mut [Limb; 2 * MAX_LIMBS + 1]) -> Uint {
        let len = self.len;
        let n = self.n.get(..len).unwrap_or_default();
        let mut carry_out = 0;
        for i in 0..len {
            let Some(window) = t.get_mut(i..) else {
                break;
            };
            let u = window
                .first()
                .copied()
                .unwrap_or(0)
                .wrapping_mul(self.n0inv);
            let mut carry = 0;
            for (tj, &nj) in window.iter_mut().zip(n) {
                (*tj, carry) = mac(u, nj, *tj, carry);
            }
            // Propagate into t[i + len], with the carry out of earlier rows.
            if let Some(tl) = window.get_mut(len) {
                let (s, c1) = tl.overflowing_add(carry);
                let (s, c2) = s.overflowing_add(carry_out);
                *tl = s;
                carry_out = Limb::from(c1) + Limb::from(c2);
            }
        }
        let mut out: Uint = [0; MAX_LIMBS];
        for (o, &v) in out.iter_mut().zip(t.iter().skip(len).take(len)) {
            *o = v;
        }
        if carry_out != 0 || !less(&out, &self.n, len) {
            sub_assign(&mut out, &self.n, len);
        }
        out
    }

    /// `s^65537 mod n` for `s < n`: the RSA public operation with e = 65537, as 16
    /// squarings and two multiplications (the last one by `s` itself also leaves
    /// Montgomery form).
    pub(crate) fn pow_65537(&self, s: &Uint) -> Uint {
        let s_mont = self.mul(s, &self.rr);
        let mut x = s_mont;
        for _ in 0..16 {
            x = self.square(&x);
        }
        self.mul(&x, s)
    }
}

/// `a < b` over the first `len` limbs.
pub(crate) fn less(a: &Uint, b: &Uint, len: usize) -> bool {
    for (x, y) in a.iter().take(len).zip(b.iter().take(len)).rev() {
        if x != y {
            return x < y;
        }
    }
    false
}

/// `a -= b` over the first `len` limbs (the borrow out is dropped: callers ensure `a >= b`
/// or that it cancels a carry out of `a`).
fn sub_assign(a: &mut Uint, b: &Uint, len: usize) {
    let mut borrow = false;
    for (x, &y) in a.iter_mut().zip(b.iter()).take(len) {
        let (d, b1) = x.overflowing_sub(y);
        let (d, b2) = d.overflowing_sub(Limb::from(borrow));
        *x = d;
        borrow = b1 || b2;
    }
}

/// `a <<= 1`; returns the bit shifted out.
fn shl1(a: &mut [Limb]) -> bool {
    let mut top = 0;
    for limb in a.iter_mut() {
        let next = *limb >> (LIMB_BITS - 1);
        *limb = (*limb << 1) | top;
        top = next;
    }
    top != 0
}

/// The big-endian bytes of a number into limbs (`bytes.len() <= MAX_LIMBS * LIMB_BYTES`).
pub(crate) fn from_be_bytes(bytes: &[u8]) -> Uint {
    let mut out: Uint = [0; MAX_LIMBS];
    for (limb, chunk) in out.iter_mut().zip(bytes.rchunks(LIMB_BYTES)) {
        *limb = chunk
            .iter()
            .fold(0, |acc: Limb, &b| (acc << 8) | Limb::from(b));
    }
    out
}
