//! `jwtgate verify`: one token against a JWK Set, one JSON verdict on stdout.

use std::ffi::OsString;
use std::io::{self, Read as _};
use std::path::{Path, PathBuf};

use clap::Args;
use jwtgate::{
    CachePolicy, Error, FetchOutcome, Hs256Secret, JwksCache, Policy, UntrustedToken, Verified,
    driver,
};
use jwtgate_std::fetch::{self, Document, FetchConfig, FetchError, LoadError};
use jwtgate_std::{KEY_CAPACITY, unix_now};
use zeroize::Zeroizing;

use crate::{EXIT_OK, EXIT_REJECTED, EXIT_USAGE, Usage, print_line, usage_exit};

/// The longest token accepted, in bytes; longer ones are rejected as malformed.
const MAX_TOKEN_LEN: usize = 256 * 1024;

#[derive(Args, Debug)]
pub(crate) struct VerifyArgs {
    /// The JWK Set: a local file, or an http:// or https:// URL (fetched only when the token
    /// needs it).
    #[arg(long, value_name = "FILE|URL")]
    jwks: String,
    /// Also accept HS256 tokens MACed with the bytes of FILE, exactly as stored (a trailing
    /// newline is part of the key). At least 32 bytes.
    #[arg(long, value_name = "FILE")]
    hs256_secret_file: Option<PathBuf>,
    /// Require this exact `iss`.
    #[arg(long, value_name = "S")]
    iss: Option<String>,
    /// Require this `aud` (or an `aud` array containing it).
    #[arg(long, value_name = "S")]
    aud: Option<String>,
    /// Seconds of clock skew tolerated on `exp` and `nbf`.
    #[arg(long, value_name = "SECS", default_value_t = 0)]
    leeway: u64,
    /// Deepest JSON nesting accepted in the token's header and claims (at most 64).
    #[arg(long, value_name = "N", default_value_t = jwtgate_std::DEFAULT_MAX_DEPTH, value_parser = clap::value_parser!(u8).range(1..=64))]
    max_depth: u8,
    /// Verify as of this time (unix seconds) instead of the system clock.
    #[arg(long, value_name = "UNIX")]
    now: Option<u64>,
    #[command(flatten)]
    algorithms: crate::Algorithms,
    /// The token, or `-` to read it from standard input (one trailing newline is dropped).
    #[arg(value_name = "TOKEN|-")]
    token: OsString,
}

pub(crate) fn run(args: &VerifyArgs) -> u8 {
    match prepare(args) {
        Ok(inputs) => verify_token(args, &inputs),
        Err(usage) => usage_exit(usage),
    }
}

/// Where the key set comes from. Files are read up front (an unreadable file is a usage
/// error); URLs are fetched only when the token needs a key set, as a cache would.
enum KeySource {
    File(Result<Document, LoadError>),
    Url(String),
}

/// Everything read before verification starts.
struct Inputs {
    secret: Option<Zeroizing<Vec<u8>>>,
    algorithms: Option<Vec<jwtgate::Algorithm>>,
    source: KeySource,
    token: Vec<u8>,
}

fn prepare(args: &VerifyArgs) -> Result<Inputs, Usage> {
    let secret = args
        .hs256_secret_file
        .as_deref()
        .map(read_secret)
        .transpose()?;
    let algorithms = args.algorithms.resolve(secret.is_some()).map_err(Usage)?;
    let source = if fetch::is_http_url(&args.jwks) {
        fetch::validate_url(&args.jwks).map_err(|e| Usage(format!("--jwks: {e}")))?;
        KeySource::Url(args.jwks.clone())
    } else {
        match fetch::fetch_file_or_url(&args.jwks) {
            Err(LoadError::File { path, source }) => {
                return Err(Usage(format!(
                    "cannot read JWK Set file {}: {source}",
                    path.display()
                )));
            }
            loaded => KeySource::File(loaded),
        }
    };
    let token = read_token(&args.token)?;
    Ok(Inputs {
        secret,
        algorithms,
        source,
        token,
    })
}

fn read_secret(path: &Path) -> Result<Zeroizing<Vec<u8>>, Usage> {
    let secret = std::fs::read(path).map(Zeroizing::new).map_err(|e| {
        Usage(format!(
            "cannot read HS256 secret file {}: {e}",
            path.display()
        ))
    })?;
    if Hs256Secret::new(&secret).is_err() {
        return Err(Usage(format!(
            "the HS256 secret in {} is {} bytes; at least {} are required \
             (the file's bytes are the key, nothing is trimmed)",
            path.display(),
            secret.len(),
            jwtgate::HS256_MIN_SECRET_LEN
        )));
    }
    Ok(secret)
}

fn read_token(arg: &OsString) -> Result<Vec<u8>, Usage> {
    if arg != "-" {
        return Ok(arg.clone().into_encoded_bytes());
    }
    let mut token = Vec::new();
    let cap = u64::try_from(MAX_TOKEN_LEN)
        .unwrap_or(u64::MAX)
        .saturating_add(2);
    io::stdin()
        .lock()
        .take(cap)
        .read_to_end(&mut token)
        .map_err(|e| Usage(format!("cannot read the token from standard input: {e}")))?;
    // The trailing newline only: anything else is part of what was sent.
    if token.last() == Some(&b'\n') {
        token.pop();
        if token.last() == Some(&b'\r') {
            token.pop();
        }
    }
    Ok(token)
}

fn verify_token(args: &VerifyArgs, inputs: &Inputs) -> u8 {
    let Inputs {
        secret,
        algorithms,
        source,
        token,
    } = inputs;
    let mut policy = Policy::new().leeway(args.leeway).max_depth(args.max_depth);
    if let Some(iss) = &args.iss {
        policy = policy.issuer(iss);
    }
    if let Some(aud) = &args.aud {
        policy = policy.audience(aud);
    }
    if let Some(secret) = secret.as_deref().and_then(|s| Hs256Secret::new(s).ok()) {
        policy = policy.hs256(secret);
    }
    let policy = match algorithms {
        Some(algs) => policy.only(algs),
        None => policy,
    };
    let now = args.now.unwrap_or_else(unix_now);

    // Header and payload decode to at most 3/4 of the token: its length is always enough.
    let mut buf = vec![0u8; token.len().min(MAX_TOKEN_LEN)];
    let outcome = check(token, &mut buf, source, &policy, now);
    let line = match &outcome {
        Ok(verified) => valid_json(verified),
        Err(err) => jwtgate_std::error_body(*err),
    };
    if print_line(&line).is_err() {
        return EXIT_USAGE;
    }
    if outcome.is_ok() {
        EXIT_OK
    } else {
        EXIT_REJECTED
    }
}

/// The core's data flow through its driver: the key set is read (or fetched) only if the
/// token needs one, exactly as a server's cache would.
fn check<'b>(
    token: &[u8],
    buf: &'b mut [u8],
    source: &KeySource,
    policy: &Policy<'_>,
    now: u64,
) -> Result<Verified<'b>, Error> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(Error::TokenMalformed);
    }
    let untrusted = UntrustedToken::parse(token, buf)?;
    let mut cache = JwksCache::<KEY_CAPACITY>::new(CachePolicy::DEFAULT);
    // Every document fits: files and bodies are both capped at `max_body`.
    let mut jwks_buf = vec![0u8; FetchConfig::default().max_body];
    let verified =
        driver::verify_blocking(&mut cache, untrusted, policy, now, &mut jwks_buf, |out| {
            match key_set(source) {
                Ok(doc) => match out.get_mut(..doc.body.len()) {
                    Some(dst) => {
                        dst.copy_from_slice(&doc.body);
                        FetchOutcome::Document {
                            len: doc.body.len(),
                            max_age: None,
                        }
                    }
                    None => FetchOutcome::TooLarge,
                },
                Err(outcome) => outcome,
            }
        });
    let overflow = cache.counters().keys_overflow;
    if overflow > 0 {
        eprintln!(
            "jwtgate: warning: the JWK Set has {overflow} more usable keys than the \
             {KEY_CAPACITY} held; they were ignored"
        );
    }
    verified
}

/// The key set document, or what the cache is told instead (the detail goes to stderr, the
/// verdict to stdout).
fn key_set(source: &KeySource) -> Result<Document, FetchOutcome> {
    let failed = |err: &LoadError| match err {
        LoadError::FileTooLarge { .. } | LoadError::Fetch(FetchError::TooLarge { .. }) => {
            FetchOutcome::TooLarge
        }
        _ => FetchOutcome::Failed,
    };
    match source {
        KeySource::File(Ok(doc)) => Ok(doc.clone()),
        KeySource::File(Err(err)) => {
            eprintln!("jwtgate: {err}");
            Err(failed(err))
        }
        KeySource::Url(url) => fetch::fetch_file_or_url(url).map_err(|err| {
            eprintln!("jwtgate: {url}: {err}");
            failed(&err)
        }),
    }
}

fn valid_json(verified: &Verified<'_>) -> String {
    let string = |s: String| serde_json::Value::from(s).to_string();
    let kid = verified
        .kid()
        .map_or_else(|| "null".to_owned(), |kid| string(kid.to_string()));
    format!(
        r#"{{"valid":true,"alg":{},"kid":{kid},"claims":{}}}"#,
        string(verified.alg().name().to_owned()),
        compact(verified.claims().raw()),
    )
}

/// A validated JSON document without its insignificant whitespace: member order, escapes and
/// number notation stay exactly as in the token (no float rounding of `exp`, no reordering).
fn compact(json: &[u8]) -> String {
    let mut out = Vec::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for &b in json {
        if in_string {
            in_string = escaped || b != b'"';
            escaped = !escaped && b == b'\\';
        } else if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            continue;
        } else {
            in_string = b == b'"';
        }
        out.push(b);
    }
    // Only ASCII whitespace was dropped from valid UTF-8.
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::compact;

    #[test]
    fn compact_drops_only_whitespace_outside_strings() {
        assert_eq!(
            compact(b" { \"a b\" : [ 1 , \"x\\\" y\" ] ,\n\t\"c\":\"\\\\\" } "),
            r#"{"a b":[1,"x\" y"],"c":"\\"}"#
        );
    }
}
