//! [`CachePolicy`]: how long keys are trusted, and how hard an outage may push the issuer.

/// Cache policy, in seconds. [`CachePolicy::DEFAULT`] is the recommended setting;
/// [`CachePolicy::REFERENCE`] reproduces the reference system exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CachePolicy {
    /// How long a fetched set is fresh, unless the response's `max-age` says otherwise.
    pub ttl: u64,
    /// Use the response's `Cache-Control: max-age`, clamped to `[min_ttl, max_ttl]`, instead
    /// of `ttl` when present. An explicitly configured ttl turns this off.
    pub honor_max_age: bool,
    /// Lower clamp for `max-age`.
    pub min_ttl: u64,
    /// Upper clamp for `max-age`.
    pub max_ttl: u64,
    /// How long past its ttl a set keeps verifying while refreshes fail.
    pub stale_if_error: u64,
    /// After a failed fetch, how long no new fetch starts and misses fail fast.
    pub failure_cooldown: u64,
    /// Least time between two refetches caused by an unknown `kid`.
    /// `u64::MAX` disables unknown-kid refetches.
    pub unknown_kid_min_interval: u64,
    /// How long before expiry [`driver::refresh`](crate::driver::refresh) starts a background refresh
    /// (at most half the set's ttl, so short ttls do not refresh continuously).
    pub refresh_ahead: u64,
    /// A fetch not completed after this long is presumed abandoned; a new one may start.
    pub fetch_abandon_after: u64,
}

impl CachePolicy {
    /// ttl 600 s (or max-age clamped to [60 s, 86 400 s]), stale-if-error 3600 s, failure
    /// cooldown 5 s, unknown-kid refetch at most every 30 s, refresh 60 s ahead of expiry.
    ///
    /// Supabase advises caching its JWKS no longer than 10-20 minutes so that rotated and
    /// revoked keys take effect; 10 minutes fresh plus an hour of stale-if-error keeps that
    /// promise while the issuer is up and rides out an hour-long outage when it is not.
    pub const DEFAULT: CachePolicy = CachePolicy {
        ttl: 600,
        honor_max_age: true,
        min_ttl: 60,
        max_ttl: 86_400,
        stale_if_error: 3_600,
        failure_cooldown: 5,
        unknown_kid_min_interval: 30,
        refresh_ahead: 60,
        fetch_abandon_after: 60,
    };

    /// The reference system, exactly: keys cached for 1 hour whatever the response says, one
    /// fetch attempt per cache miss (no cooldown), no stale keys once the hour is over, no
    /// refetch for an unknown `kid`, no background refresh.
    pub const REFERENCE: CachePolicy = CachePolicy {
        ttl: 3_600,
        honor_max_age: false,
        min_ttl: 60,
        max_ttl: 86_400,
        stale_if_error: 0,
        failure_cooldown: 0,
        unknown_kid_min_interval: u64::MAX,
        refresh_ahead: 0,
        fetch_abandon_after: 60,
    };

    /// The ttl a response with this `max-age` earns.
    pub fn effective_ttl(&self, max_age: Option<u64>) -> u64 {
        match max_age {
            Some(age) if self.honor_max_age => {
                age.clamp(self.min_ttl, self.max_ttl.max(self.min_ttl))
            }
            _ => self.ttl,
        }
    }
}

impl Default for CachePolicy {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The `max-age` directive of a `Cache-Control` header value, in seconds: the one reading of
/// that header every HTTP adapter shares.
///
/// Directive names are case-insensitive and the value may be quoted; a value too large for
/// `u64` saturates (the cache clamps it anyway). `s-maxage` is not `max-age`, and a value
/// that is not all digits is no directive at all.
///
/// ```
/// use jwtgate::cache_control_max_age as max_age;
/// assert_eq!(max_age(b"public, max-age=600, stale-while-revalidate=30"), Some(600));
/// assert_eq!(max_age(b"no-store"), None);
/// ```
pub fn cache_control_max_age(value: &[u8]) -> Option<u64> {
    value.split(|&b| b == b',').find_map(|directive| {
        let eq = directive.iter().position(|&b| b == b'=')?;
        let (name, value) = (directive.get(..eq)?, directive.get(eq + 1..)?);
        if !name.trim_ascii().eq_ignore_ascii_case(b"max-age") {
            return None;
        }
        let value = value.trim_ascii();
        let value = value
            .strip_prefix(b"\"")
            .and_then(|v| v.strip_suffix(b"\""))
            .unwrap_or(value);
        if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(value.iter().fold(0u64, |n, &d| {
            n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
        }))
    })
}

#[cfg(test)]
mod tests {
    use super::cache_control_max_age as max_age;

    #[test]
    fn max_age_directives() {
        assert_eq!(max_age(b"max-age=600"), Some(600));
        assert_eq!(max_age(b"public, MAX-AGE = 60 "), Some(60));
        assert_eq!(max_age(b"max-age=\"30\""), Some(30));
        assert_eq!(max_age(b"s-maxage=10, max-age=20"), Some(20));
        assert_eq!(max_age(b"no-cache, max-age=0"), Some(0));
        assert_eq!(max_age(b"max-age=99999999999999999999999"), Some(u64::MAX));
        assert_eq!(max_age(b"max-age=-1"), None);
        assert_eq!(max_age(b"max-age=1e3"), None);
        assert_eq!(max_age(b"max-age="), None);
        assert_eq!(max_age(b"max-age=\""), None);
        assert_eq!(max_age(b"s-maxage=10"), None);
        assert_eq!(max_age(b""), None);
    }
}
