//! P-256 point arithmetic in Jacobian coordinates with the a = -3 shortcuts.
//!
//! **Variable time, public inputs only** (see the module above): the formulas branch on the
//! points they are given. Every exceptional case is handled explicitly: an operand at
//! infinity, an addition of a point to itself (H = 0, R = 0: doubling) and of a point to its
//! negation (H = 0, R != 0: infinity).

use super::field::{Affine, Field};

/// `(X : Y : Z)` stands for the affine point `(X / Z^2, Y / Z^3)`; `Z = 0` is infinity.
/// In this target's field unless told otherwise (the tests run both limb widths).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Jacobian<F = super::field::Fe> {
    pub(crate) x: F,
    pub(crate) y: F,
    pub(crate) z: F,
}

fn is_zero<F: Field>(f: &F) -> bool {
    f.is_zero()
}

/// `-p`.
pub(crate) fn negate<F: Field>(p: &Affine<F>) -> Affine<F> {
    Affine {
        x: p.x,
        y: p.y.neg(),
    }
}

impl<F: Field> Jacobian<F> {
    /// The point at infinity (the group identity).
    pub(crate) const INFINITY: Jacobian<F> = Jacobian {
        x: F::ONE,
        y: F::ONE,
        z: F::ZERO,
    };

    pub(crate) const fn from_affine(p: &Affine<F>) -> Jacobian<F> {
        Jacobian {
            x: p.x,
            y: p.y,
            z: F::ONE,
        }
    }

    /// `(X, Y)`: the affine point when `Z = 1` (after [`normalize`]).
    pub(crate) fn xy(&self) -> Affine<F> {
        Affine {
            x: self.x,
            y: self.y,
        }
    }

    pub(crate) fn is_infinity(&self) -> bool {
        is_zero(&self.z)
    }

    /// `2 * self`: dbl-2001-b (4M + 4S) with its result `(X', Y', Z')` scaled by `1/2` to
    /// `(X' / 4, Y' / 8, Z' / 2)`, the same point, which turns its multiplications by 2, 4
    /// and 8 into one halving (as libsecp256k1's doubling does): `L = 3/2 (X - Z^2)(X + Z^2)`,
    /// `X3 = L^2 - 2 X Y^2`, `Y3 = L (X Y^2 - X3) - Y^4`, `Z3 = Y Z`.
    pub(crate) fn double(&self) -> Jacobian<F> {
        if self.is_infinity() {
            return Self::INFINITY;
        }
        let delta = self.z.square();
        let gamma = self.y.square();
        let beta = self.x.mul(&gamma);
        // a = -3: (3 X^2 + a Z^4) / 2 = 3/2 (X - Z^2)(X + Z^2)
        let sum = self.x.add(&delta);
        let l = self.x.sub(&delta).mul(&sum.add(&sum.half()));
        let x3 = l.square().sub(&beta.double());
        // Y = 0 (a point of order 2; P-256 has none) gives Z3 = 0: infinity, as it should.
        let z3 = self.y.mul(&self.z);
        let y3 = l.mul(&beta.sub(&x3)).sub(&gamma.square());
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// `self + p` for an affine `p` (mixed addition: 8M + 3S).
    pub(crate) fn add_affine(&self, p: &Affine<F>) -> Jacobian<F> {
        if self.is_infinity() {
            return Self::from_affine(p);
        }
        let z1z1 = self.z.square();
        let u2 = p.x.mul(&z1z1);
        let s2 = p.y.mul(&self.z).mul(&z1z1);
        let h = u2.sub(&self.x);
        let r = s2.sub(&self.y);
        if is_zero(&h) {
            // Same x: the same point (double it) or its negation (the sum is infinity).
            return if is_zero(&r) {
                self.double()
            } else {
                Self::INFINITY
            };
        }
        let hh = h.square();
        let hhh = h.mul(&hh);
        let v = self.x.mul(&hh);
        let x3 = r.square().sub(&hhh).sub(&v.double());
        let y3 = r.mul(&v.sub(&x3)).sub(&self.y.mul(&hhh));
        Jacobian {
            x: x3,
            y: y3,
            z: self.z.mul(&h),
        }
    }

    /// `self + q` for a Jacobian `q` (12M + 4S): the tests' reference for the other
    /// formulas (tables are built by [`multiples`]).
    #[cfg(any(test, feature = "_test-hooks"))]
    pub(crate) fn add(&self, q: &Jacobian<F>) -> Jacobian<F> {
        if self.is_infinity() {
            return *q;
        }
        if q.is_infinity() {
            return *self;
        }
        let z1z1 = self.z.square();
        let z2z2 = q.z.square();
        let u1 = self.x.mul(&z2z2);
        let u2 = q.x.mul(&z1z1);
        let s1 = self.y.mul(&q.z).mul(&z2z2);
        let s2 = q.y.mul(&self.z).mul(&z1z1);
        let h = u2.sub(&u1);
        let r = s2.sub(&s1);
        if is_zero(&h) {
            return if is_zero(&r) {
                self.double()
            } else {
                Self::INFINITY
            };
        }
        let hh = h.square();
        let hhh = h.mul(&hh);
        let v = u1.mul(&hh);
        let x3 = r.square().sub(&hhh).sub(&v.double());
        let y3 = r.mul(&v.sub(&x3)).sub(&s1.mul(&hhh));
        Jacobian {
            x: x3,
            y: y3,
            z: self.z.mul(&q.z).mul(&h),
        }
    }

    /// `(2 self, self)`, both with the double's `Z` (so that [`Jacobian::add_co_z`] can take
    /// them): [`Jacobian::double`], then `self` rescaled by `lambda = Z3 / Z = Y` (2M + 2S
    /// more). `None` if either is infinity (`self` or, for `Y = 0`, its double).
    fn double_co_z(&self) -> Option<(Jacobian<F>, Jacobian<F>)> {
        if self.is_infinity() || is_zero(&self.y) {
            return None;
        }
        let lambda2 = self.y.square();
        let rescaled = Jacobian {
            x: self.x.mul(&lambda2),
            y: lambda2.square(),
            z: self.z.mul(&self.y),
        };
        Some((self.double(), rescaled))
    }

    /// `(self + q, self)` for a `q` with the same `Z`, both with the sum's `Z`: co-Z addition
    /// with update (ZADDU, Goundar, Joye, Miyaji, Rivain and Venelli 2011: 5M + 2S, against
    /// 12M + 4S). `None` at infinity or if the two have the same x (`q = self` or
    /// `q = -self`), which the multiples of a table's point never do.
    fn add_co_z(&self, q: &Jacobian<F>) -> Option<(Jacobian<F>, Jacobian<F>)> {
        let dx = self.x.sub(&q.x);
        if self.is_infinity() || is_zero(&dx) {
            return None;
        }
        let dy = self.y.sub(&q.y);
        let c = dx.square();
        let w1 = self.x.mul(&c);
        let w2 = q.x.mul(&c);
        let a1 = self.y.mul(&w1.sub(&w2));
        let x3 = dy.square().sub(&w1).sub(&w2);
        let y3 = dy.mul(&w1.sub(&x3)).sub(&a1);
        let z3 = self.z.mul(&dx);
        Some((
            Jacobian {
                x: x3,
                y: y3,
                z: z3,
            },
            Jacobian {
                x: w1,
                y: a1,
                z: z3,
            },
        ))
    }

    /// The affine point, or `None` at infinity. One field inversion: not for hot paths.
    #[cfg(feature = "_test-hooks")]
    pub(crate) fn to_affine(self) -> Option<Affine<F>> {
        let zinv = self.z.invert()?;
        let zinv2 = zinv.square();
        Some(Affine {
            x: self.x.mul(&zinv2),
            y: self.y.mul(&zinv2).mul(&zinv),
        })
    }
}

/// Fills `out` with the `out.len()` multiples `p, 3p, 5p, ..` (`odd`) or `p, 2p, 3p, ..`
/// of `p`, each step one co-Z addition, none of them at infinity. Returns `false` if `p` is
/// infinity or a step met that case (never, for a point of the curve and fewer multiples
/// than the group order).
pub(crate) fn multiples<F: Field>(p: &Jacobian<F>, odd: bool, out: &mut [Jacobian<F>]) -> bool {
    let Some((double, p)) = p.double_co_z() else {
        return false;
    };
    let (mut step, mut m) = if odd { (double, p) } else { (p, double) };
    let mut slots = out.iter_mut();
    if !odd {
        // `p, 2p, ..`: `p` first, then the progression from `2p` by `p`.
        if let Some(slot) = slots.next() {
            *slot = p;
        }
    }
    for slot in slots {
        *slot = m;
        // `m + step`, and `step` rescaled to its `Z`, for the next slot.
        let Some((next, rescaled)) = step.add_co_z(&m) else {
            return false;
        };
        (m, step) = (next, rescaled);
    }
    true
}

/// Makes `points` affine in place (`Z = 1`) with one inversion (Montgomery's trick), so
/// that `(X, Y)` of each is the affine point. Returns `false` (leaving them partly
/// converted) if any point is at infinity.
pub(crate) fn normalize<F: Field, const E: usize>(points: &mut [Jacobian<F>; E]) -> bool {
    // before[k] = z_0 * ... * z_(k-1)
    let mut before = [F::ONE; E];
    let mut product = F::ONE;
    for (p, b) in points.iter().zip(before.iter_mut()) {
        *b = product;
        product = product.mul(&p.z);
    }
    // A zero Z anywhere makes the product zero, which has no inverse.
    let Some(mut inv) = product.invert() else {
        return false;
    };
    for (p, b) in points.iter_mut().zip(before.iter()).rev() {
        // inv = 1 / (z_0 * ... * z_k) here.
        let zinv = inv.mul(b);
        inv = inv.mul(&p.z);
        let zinv2 = zinv.square();
        *p = Jacobian {
            x: p.x.mul(&zinv2),
            y: p.y.mul(&zinv2).mul(&zinv),
            z: F::ONE,
        };
    }
    true
}
