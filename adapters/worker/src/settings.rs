//! [`Config`]: what a Worker verifies against, read from its environment variables (wrangler
//! `[vars]`), so the policy is set per deployment without a rebuild.

use jwtgate::CachePolicy;

/// Keys a Worker's cache holds (Azure AD publishes about 10, Supabase 1-3).
pub const KEY_CAPACITY: usize = 32;

/// The longest token accepted, in bytes.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// Default fetch timeout, in seconds.
pub const DEFAULT_FETCH_TIMEOUT: u64 = 5;

/// Where fetched JWK Sets are kept for the isolates that start after this one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Persist {
    /// The Workers Cache API (`caches.default`): nothing to bind. It is per data center.
    Cache,
    /// A KV namespace, by binding name: global, eventually consistent.
    Kv(String),
    /// Nowhere: every cold isolate fetches.
    Off,
}

/// What a Worker checks tokens against, and how it keeps keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The JWK Set URL.
    pub jwks_url: String,
    /// Required `iss`, if any.
    pub issuer: Option<String>,
    /// Required `aud`, if any.
    pub audience: Option<String>,
    /// Seconds of clock skew tolerated on `exp`/`nbf`.
    pub leeway: u64,
    /// The cache policy.
    pub cache: CachePolicy,
    /// How long a JWKS fetch may take, in seconds.
    pub fetch_timeout: u64,
    /// Where fetched sets are persisted.
    pub persist: Persist,
}

/// Why the environment does not make a [`Config`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// Neither `JWTGATE_JWKS_URL` nor `SUPABASE_URL` is set.
    NoJwksUrl,
    /// A variable is set to something it cannot mean.
    Invalid {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
    },
}

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ConfigError::NoJwksUrl => f.write_str("set JWTGATE_JWKS_URL (or SUPABASE_URL)"),
            ConfigError::Invalid { name, value } => write!(f, "{name}={value:?} is not valid"),
        }
    }
}

impl core::error::Error for ConfigError {}

impl Config {
    /// The configuration for a JWKS URL: the default policy, no claim checks, persisted in
    /// the Cache API.
    pub fn new(jwks_url: impl Into<String>) -> Self {
        Config {
            jwks_url: jwks_url.into(),
            issuer: None,
            audience: None,
            leeway: 0,
            cache: CachePolicy {
                fetch_abandon_after: DEFAULT_FETCH_TIMEOUT + 5,
                ..CachePolicy::DEFAULT
            },
            fetch_timeout: DEFAULT_FETCH_TIMEOUT,
            persist: Persist::Cache,
        }
    }

    /// Reads the configuration through `var` (a Worker's `env.var`):
    ///
    /// | variable | meaning | default |
    /// |---|---|---|
    /// | `JWTGATE_JWKS_URL` | JWK Set URL | from `SUPABASE_URL` |
    /// | `SUPABASE_URL` | derives the JWKS URL, `iss` and `aud` (as `jwtgate serve`) | |
    /// | `JWTGATE_ISSUER`, `JWTGATE_AUDIENCE` | required `iss` / `aud` | none |
    /// | `JWTGATE_LEEWAY` | clock skew, s | 0 |
    /// | `JWTGATE_TTL` | ttl, s; set, it wins over the response's max-age | 600 or max-age |
    /// | `JWTGATE_STALE_IF_ERROR` | s | 3600 |
    /// | `JWTGATE_FAILURE_COOLDOWN` | s | 5 |
    /// | `JWTGATE_UNKNOWN_KID_INTERVAL` | s | 30 |
    /// | `JWTGATE_FETCH_TIMEOUT` | s | 5 |
    /// | `JWTGATE_PERSIST` | `cache`, `kv:BINDING` or `off` | `cache` |
    ///
    /// # Errors
    /// [`ConfigError`] for a missing JWKS URL or a value that is not a number of seconds.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let mut config = match (var("JWTGATE_JWKS_URL"), var("SUPABASE_URL")) {
            (Some(url), _) => Config::new(url),
            (None, Some(base)) => {
                let base = base.trim_end_matches('/');
                Config {
                    issuer: Some(format!("{base}/auth/v1")),
                    audience: Some("authenticated".to_owned()),
                    ..Config::new(format!("{base}/auth/v1/.well-known/jwks.json"))
                }
            }
            (None, None) => return Err(ConfigError::NoJwksUrl),
        };
        if let Some(iss) = var("JWTGATE_ISSUER") {
            config.issuer = Some(iss);
        }
        if let Some(aud) = var("JWTGATE_AUDIENCE") {
            config.audience = Some(aud);
        }
        let secs = |name: &'static str| -> Result<Option<u64>, ConfigError> {
            var(name)
                .map(|value| {
                    value
                        .trim()
                        .parse::<u64>()
                        .map_err(|_| ConfigError::Invalid { name, value })
                })
                .transpose()
        };
        config.leeway = secs("JWTGATE_LEEWAY")?.unwrap_or(0);
        let policy = &mut config.cache;
        if let Some(ttl) = secs("JWTGATE_TTL")? {
            policy.ttl = ttl;
            policy.honor_max_age = false;
        }
        if let Some(s) = secs("JWTGATE_STALE_IF_ERROR")? {
            policy.stale_if_error = s;
        }
        if let Some(s) = secs("JWTGATE_FAILURE_COOLDOWN")? {
            policy.failure_cooldown = s;
        }
        if let Some(s) = secs("JWTGATE_UNKNOWN_KID_INTERVAL")? {
            policy.unknown_kid_min_interval = s;
        }
        if let Some(s) = secs("JWTGATE_FETCH_TIMEOUT")?.filter(|&s| s > 0) {
            config.fetch_timeout = s;
        }
        config.cache.fetch_abandon_after = config.fetch_timeout.saturating_add(5);
        config.persist = match var("JWTGATE_PERSIST").as_deref().map(str::trim) {
            None | Some("cache") => Persist::Cache,
            Some("off") => Persist::Off,
            Some(kv) => match kv.strip_prefix("kv:").filter(|b| !b.is_empty()) {
                Some(binding) => Persist::Kv(binding.to_owned()),
                None => {
                    return Err(ConfigError::Invalid {
                        name: "JWTGATE_PERSIST",
                        value: kv.to_owned(),
                    });
                }
            },
        };
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn defaults_are_the_core_defaults() {
        let c = Config::from_vars(vars(&[("JWTGATE_JWKS_URL", "https://i.example/jwks")])).unwrap();
        assert_eq!(c.jwks_url, "https://i.example/jwks");
        assert_eq!((c.issuer, c.audience, c.leeway), (None, None, 0));
        assert_eq!(
            c.cache,
            CachePolicy {
                fetch_abandon_after: 10,
                ..CachePolicy::DEFAULT
            }
        );
        assert_eq!((c.fetch_timeout, c.persist), (5, Persist::Cache));
    }

    #[test]
    fn knobs_are_read_and_an_explicit_ttl_wins_over_max_age() {
        let c = Config::from_vars(vars(&[
            ("JWTGATE_JWKS_URL", "http://127.0.0.1:1/jwks"),
            ("JWTGATE_TTL", "4"),
            ("JWTGATE_STALE_IF_ERROR", " 8 "),
            ("JWTGATE_FAILURE_COOLDOWN", "2"),
            ("JWTGATE_UNKNOWN_KID_INTERVAL", "3"),
            ("JWTGATE_FETCH_TIMEOUT", "1"),
            ("JWTGATE_LEEWAY", "0"),
            ("JWTGATE_PERSIST", "kv:JWKS"),
        ]))
        .unwrap();
        let p = c.cache;
        assert_eq!(
            (p.ttl, p.honor_max_age, p.stale_if_error, p.failure_cooldown),
            (4, false, 8, 2)
        );
        assert_eq!((p.unknown_kid_min_interval, p.fetch_abandon_after), (3, 6));
        assert_eq!(
            (c.fetch_timeout, c.persist),
            (1, Persist::Kv("JWKS".into()))
        );
    }

    #[test]
    fn supabase_url_derives_url_issuer_and_audience() {
        let c = Config::from_vars(vars(&[("SUPABASE_URL", "https://abc.supabase.co/")])).unwrap();
        assert_eq!(
            c.jwks_url,
            "https://abc.supabase.co/auth/v1/.well-known/jwks.json"
        );
        assert_eq!(c.issuer.as_deref(), Some("https://abc.supabase.co/auth/v1"));
        assert_eq!(c.audience.as_deref(), Some("authenticated"));
        let c = Config::from_vars(vars(&[
            ("SUPABASE_URL", "https://abc.supabase.co"),
            ("JWTGATE_AUDIENCE", "other"),
        ]))
        .unwrap();
        assert_eq!(c.audience.as_deref(), Some("other"));
    }

    #[test]
    fn refuses_what_it_cannot_mean() {
        assert_eq!(Config::from_vars(vars(&[])), Err(ConfigError::NoJwksUrl));
        let url = ("JWTGATE_JWKS_URL", "https://i.example/jwks");
        for (name, value) in [
            ("JWTGATE_TTL", "10m"),
            ("JWTGATE_STALE_IF_ERROR", "-1"),
            ("JWTGATE_PERSIST", "kv:"),
            ("JWTGATE_PERSIST", "r2"),
        ] {
            let err = Config::from_vars(vars(&[url, (name, value)])).unwrap_err();
            assert!(
                matches!(&err, ConfigError::Invalid { name: n, .. } if *n == name),
                "{name}={value}: {err:?}"
            );
        }
        let c = Config::from_vars(vars(&[url, ("JWTGATE_PERSIST", "off")])).unwrap();
        assert_eq!(c.persist, Persist::Off);
    }
}
