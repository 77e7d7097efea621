//! What the verifier accepts: algorithms, issuer, audience, clock leeway, limits.

use core::fmt;

use crate::Error;
use crate::alg::Algorithm;
use crate::claims::Claims;

/// The shortest HS256 secret accepted: RFC 7518 §3.2 asks for a key of at least the hash size.
pub const HS256_MIN_SECRET_LEN: usize = 32;

/// A shared HMAC secret for HS256, at least [`HS256_MIN_SECRET_LEN`] bytes.
///
/// Only ever configured explicitly (the reference system's outage fallback with the legacy
/// JWT secret); never derived from JWK Set material.
#[derive(Clone, Copy)]
pub struct Hs256Secret<'a> {
    bytes: &'a [u8],
}

impl<'a> Hs256Secret<'a> {
    /// Wraps the secret's raw bytes.
    ///
    /// # Errors
    /// [`SecretTooShort`] if it is shorter than [`HS256_MIN_SECRET_LEN`] bytes.
    pub const fn new(bytes: &'a [u8]) -> Result<Self, SecretTooShort> {
        if bytes.len() < HS256_MIN_SECRET_LEN {
            Err(SecretTooShort)
        } else {
            Ok(Hs256Secret { bytes })
        }
    }

    pub(crate) fn bytes(&self) -> &'a [u8] {
        self.bytes
    }
}

impl fmt::Debug for Hs256Secret<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Hs256Secret(..)")
    }
}

/// The HS256 secret was shorter than [`HS256_MIN_SECRET_LEN`] bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecretTooShort;

impl fmt::Display for SecretTooShort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "an HS256 secret must be at least {HS256_MIN_SECRET_LEN} bytes"
        )
    }
}

impl core::error::Error for SecretTooShort {}

/// Verification policy. The algorithm is chosen here, never trusted from the token.
///
/// ```
/// let policy = jwtgate::Policy::new()
///     .issuer("https://example.supabase.co/auth/v1")
///     .audience("authenticated")
///     .leeway(30);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Policy<'a> {
    issuer: Option<&'a str>,
    audience: Option<&'a str>,
    leeway: u64,
    /// The key-set algorithms accepted, one bit each (see `bit`).
    asymmetric: u8,
    hs256: Option<Hs256Secret<'a>>,
    max_depth: u8,
}

impl Default for Policy<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a> Policy<'a> {
    /// Every key-set algorithm built in (ES256, and EdDSA and RS256 with their features), no
    /// HS256, no issuer or audience check, no leeway, JSON nesting of at most 16.
    pub const fn new() -> Self {
        Policy {
            issuer: None,
            audience: None,
            leeway: 0,
            asymmetric: built_in(Algorithm::Es256)
                | built_in(Algorithm::EdDsa)
                | built_in(Algorithm::Rs256),
            hs256: None,
            max_depth: 16,
        }
    }

    /// Require `iss` to equal `issuer` exactly.
    pub const fn issuer(mut self, issuer: &'a str) -> Self {
        self.issuer = Some(issuer);
        self
    }

    /// Require `aud` to be `audience`, or an array containing it.
    pub const fn audience(mut self, audience: &'a str) -> Self {
        self.audience = Some(audience);
        self
    }

    /// Seconds of clock skew tolerated on `exp` and `nbf`.
    pub const fn leeway(mut self, seconds: u64) -> Self {
        self.leeway = seconds;
        self
    }

    /// Also accept HS256 tokens MACed with this secret.
    pub const fn hs256(mut self, secret: Hs256Secret<'a>) -> Self {
        self.hs256 = Some(secret);
        self
    }

    /// Accept tokens of the key-set algorithm `alg` or not (every built-in one is accepted
    /// by default; `allow(Algorithm::Es256, false)` alone leaves an HS256-only verifier).
    /// HS256 is enabled by [`hs256`](Self::hs256), never here; an algorithm this build lacks
    /// stays off.
    pub const fn allow(mut self, alg: Algorithm, enabled: bool) -> Self {
        if alg.needs_key_set() {
            if enabled && alg.is_built_in() {
                self.asymmetric |= bit(alg);
            } else {
                self.asymmetric &= !bit(alg);
            }
        }
        self
    }

    /// Accept exactly the algorithms in `algs` (an allow-list, e.g. from a `--alg` flag):
    /// every key-set algorithm not listed is turned off, and HS256 too unless listed (it
    /// still needs [`hs256`](Self::hs256); call this after it).
    pub const fn only(mut self, algs: &[Algorithm]) -> Self {
        let mut listed = 0u8;
        let mut rest = algs;
        while let Some((alg, tail)) = rest.split_first() {
            listed |= bit(*alg);
            rest = tail;
        }
        self = self
            .allow(Algorithm::Es256, listed & bit(Algorithm::Es256) != 0)
            .allow(Algorithm::EdDsa, listed & bit(Algorithm::EdDsa) != 0)
            .allow(Algorithm::Rs256, listed & bit(Algorithm::Rs256) != 0);
        if listed & bit(Algorithm::Hs256) == 0 {
            self.hs256 = None;
        }
        self
    }

    /// Deepest JSON nesting accepted in the header and claims (capped at 64).
    pub const fn max_depth(mut self, depth: u8) -> Self {
        self.max_depth = depth;
        self
    }

    /// The configured issuer.
    pub const fn expected_issuer(&self) -> Option<&'a str> {
        self.issuer
    }

    /// The configured audience.
    pub const fn expected_audience(&self) -> Option<&'a str> {
        self.audience
    }

    pub(crate) const fn json_depth(&self) -> u8 {
        self.max_depth
    }

    pub(crate) fn hs256_secret(&self) -> Option<Hs256Secret<'a>> {
        self.hs256
    }

    pub(crate) const fn leeway_secs(&self) -> u64 {
        self.leeway
    }

    /// Feeds every setting into `hash`: equal digests mean equal policies (for the
    /// verified-token cache, which must forget everything when the policy changes).
    pub(crate) fn fingerprint(&self, hash: &mut sha2::Sha256) {
        use sha2::Digest as _;
        let text = |hash: &mut sha2::Sha256, s: Option<&[u8]>| {
            hash.update([u8::from(s.is_some())]);
            let s = s.unwrap_or_default();
            hash.update(u64::try_from(s.len()).unwrap_or(u64::MAX).to_be_bytes());
            hash.update(s);
        };
        text(hash, self.issuer.map(str::as_bytes));
        text(hash, self.audience.map(str::as_bytes));
        text(hash, self.hs256.map(|s| s.bytes()));
        hash.update(self.leeway.to_be_bytes());
        hash.update([self.asymmetric, self.max_depth]);
    }

    /// Whether tokens of `alg` are accepted.
    pub const fn allows(&self, alg: Algorithm) -> bool {
        match alg {
            Algorithm::Hs256 => self.hs256.is_some(),
            _ => self.asymmetric & bit(alg) != 0,
        }
    }

    /// Applies the time and identity rules to claims whose signature already verified.
    ///
    /// # Errors
    /// [`Error::TokenExpired`], [`Error::TokenNotYetValid`] or [`Error::ClaimInvalid`].
    pub fn check(&self, claims: &Claims<'_>, now: u64) -> Result<(), Error> {
        let now = i128::from(now);
        let leeway = i128::from(self.leeway);
        if now >= i128::from(claims.exp()) + leeway {
            return Err(Error::TokenExpired);
        }
        if claims
            .nbf()
            .is_some_and(|nbf| i128::from(nbf) > now + leeway)
        {
            return Err(Error::TokenNotYetValid);
        }
        if let Some(want) = self.issuer
            && !claims.iss().is_some_and(|iss| iss.eq_str(want))
        {
            return Err(Error::ClaimInvalid);
        }
        if let Some(want) = self.audience
            && !claims.aud().is_some_and(|aud| aud.contains(want))
        {
            return Err(Error::ClaimInvalid);
        }
        Ok(())
    }
}

/// `alg`'s bit in [`Policy`]'s set of accepted key-set algorithms.
const fn bit(alg: Algorithm) -> u8 {
    match alg {
        Algorithm::Es256 => 1,
        Algorithm::Hs256 => 2,
        Algorithm::EdDsa => 4,
        Algorithm::Rs256 => 8,
    }
}

/// `alg`'s bit if this build verifies it.
const fn built_in(alg: Algorithm) -> u8 {
    if alg.is_built_in() { bit(alg) } else { 0 }
}
