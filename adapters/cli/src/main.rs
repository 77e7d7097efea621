//! `jwtgate`: verify a JWT against a JWK Set, or inspect a JWK Set (the runbook's "test the
//! JWKS endpoint" step).
//!
//! Exit codes: 0 valid (or a JWK Set with a usable key), 1 rejected (one JSON object on stdout
//! says why), 2 usage or local I/O error (a message on stderr).

mod serve;

use std::ffi::OsString;
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Args, Parser, Subcommand};
use jwtgate::json::{JsonStr, Value};
use jwtgate::{Error, Hs256Secret, KeySet, Policy, UntrustedToken, Verified};
use jwtgate_std::fetch::{self, Document, FetchError, LoadError, Origin};

/// Keys held from one JWK Set (DESIGN.md: 32 in std, the CLI and Workers).
const KEY_CAPACITY: usize = 32;
/// The longest token accepted, in bytes; longer ones are rejected as malformed.
const MAX_TOKEN_LEN: usize = 256 * 1024;

/// The token was valid / the key set has a usable key.
const EXIT_OK: u8 = 0;
/// The token was rejected / the key set is unusable.
const EXIT_REJECTED: u8 = 1;
/// Bad flags, or a local file that cannot be read.
const EXIT_USAGE: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "jwtgate",
    version,
    about = "Verify JWTs against a JWK Set (ES256; HS256 with an explicit secret)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Verify one token; print one JSON object with the verdict.
    ///
    /// Exit 0: valid. Exit 1: rejected (the JSON carries the error code). Exit 2: usage or
    /// I/O error.
    Verify(VerifyArgs),
    /// List the keys of a JWK Set, whether each is usable, and the fetch's cache headers.
    ///
    /// Exit 0 if at least one key is usable, 1 if none is (or the fetch failed), 2 if a local
    /// file cannot be read.
    Jwks(JwksArgs),
    /// Run a forward-auth server (nginx auth_request, Traefik ForwardAuth, Envoy ext_authz).
    ///
    /// With no --supabase-url/--jwks-url it starts a built-in development issuer on loopback
    /// and prints a ready-to-run curl session.
    Serve(serve::ServeArgs),
}

#[derive(Args, Debug)]
struct VerifyArgs {
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
    /// Verify as of this time (unix seconds) instead of the system clock.
    #[arg(long, value_name = "UNIX")]
    now: Option<u64>,
    /// The token, or `-` to read it from standard input (one trailing newline is dropped).
    #[arg(value_name = "TOKEN|-")]
    token: OsString,
}

#[derive(Args, Debug)]
struct JwksArgs {
    /// The JWK Set: a local file, or an http:// or https:// URL.
    #[arg(value_name = "FILE|URL")]
    source: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Verify(args) => verify(&args),
        Command::Jwks(args) => jwks(&args),
        Command::Serve(args) => return serve::run(args),
    };
    ExitCode::from(code)
}

/// A failure that ends the command with exit 2 and a message on stderr.
struct Usage(String);

fn usage_exit(Usage(message): Usage) -> u8 {
    eprintln!("jwtgate: {message}");
    EXIT_USAGE
}

// ---------------------------------------------------------------------------------------------
// verify

/// Where the key set comes from. Files are read up front (an unreadable file is a usage
/// error); URLs are fetched only when the token needs a key set, as a cache would.
enum KeySource {
    File(Result<Document, LoadError>),
    Url(String),
}

/// Everything read before verification starts.
struct Inputs {
    secret: Option<Vec<u8>>,
    source: KeySource,
    token: Vec<u8>,
}

fn verify(args: &VerifyArgs) -> u8 {
    match prepare(args) {
        Ok(inputs) => verify_token(args, &inputs),
        Err(usage) => usage_exit(usage),
    }
}

fn prepare(args: &VerifyArgs) -> Result<Inputs, Usage> {
    let secret = args
        .hs256_secret_file
        .as_deref()
        .map(read_secret)
        .transpose()?;
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
        source,
        token,
    })
}

fn read_secret(path: &Path) -> Result<Vec<u8>, Usage> {
    let secret = std::fs::read(path).map_err(|e| {
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
        source,
        token,
    } = inputs;
    let mut policy = Policy::new().leeway(args.leeway);
    if let Some(iss) = &args.iss {
        policy = policy.issuer(iss);
    }
    if let Some(aud) = &args.aud {
        policy = policy.audience(aud);
    }
    if let Some(secret) = secret.as_deref().and_then(|s| Hs256Secret::new(s).ok()) {
        policy = policy.hs256(secret);
    }
    let now = args.now.unwrap_or_else(unix_now);

    // Header and payload decode to at most 3/4 of the token: its length is always enough.
    let mut buf = vec![0u8; token.len().min(MAX_TOKEN_LEN)];
    let mut keys = KeySet::<KEY_CAPACITY>::new();
    let outcome = check(token, &mut buf, &mut keys, source, &policy, now);
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

/// The core's data flow: parse, then (only if the token needs one) the key set, then verify.
fn check<'b>(
    token: &[u8],
    buf: &'b mut [u8],
    keys: &mut KeySet<KEY_CAPACITY>,
    source: &KeySource,
    policy: &Policy<'_>,
    now: u64,
) -> Result<Verified<'b>, Error> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(Error::TokenMalformed);
    }
    let untrusted = UntrustedToken::parse(token, buf)?;
    if !policy.allows(untrusted.alg()) {
        return Err(Error::AlgNotAllowed);
    }
    if untrusted.needs_key_set() {
        let report = keys.load(&key_set(source)?.body)?;
        if report.overflow > 0 {
            eprintln!(
                "jwtgate: warning: the JWK Set has {} more usable keys than the {KEY_CAPACITY} \
                 held; they were ignored",
                report.overflow
            );
        }
    }
    untrusted.verify(keys, policy, now)
}

/// The key set document, or the catalog error a verifier answers with (its detail goes to
/// stderr, the verdict to stdout).
fn key_set(source: &KeySource) -> Result<Document, Error> {
    match source {
        KeySource::File(Ok(doc)) => Ok(doc.clone()),
        KeySource::File(Err(err)) => {
            eprintln!("jwtgate: {err}");
            Err(err.catalog_error().unwrap_or(Error::JwksInvalid))
        }
        KeySource::Url(url) => fetch::fetch_file_or_url(url).map_err(|err| {
            eprintln!("jwtgate: {url}: {err}");
            err.catalog_error().unwrap_or(Error::JwksFetchFailed)
        }),
    }
}

fn valid_json(verified: &Verified<'_>) -> String {
    let mut out = String::from("{\"valid\":true,\"alg\":");
    out.push_str(&json_string(verified.alg().name()));
    out.push_str(",\"kid\":");
    match verified.kid() {
        Some(kid) => push_json_str(&mut out, kid),
        None => out.push_str("null"),
    }
    out.push_str(",\"claims\":");
    push_json(&mut out, Value::Object(verified.claims().object()));
    out.push('}');
    out
}

fn json_string(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// A string from a validated document, re-emitted with its escapes as written.
fn push_json_str(out: &mut String, s: JsonStr<'_>) {
    out.push('"');
    out.push_str(s.raw());
    out.push('"');
}

/// Re-emits a validated JSON value compactly: member order, escapes and number notation stay
/// exactly as in the token (no float rounding of `exp`, no reordering).
fn push_json(out: &mut String, value: Value<'_>) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(n.raw()),
        Value::String(s) => push_json_str(out, s),
        Value::Array(a) => {
            out.push('[');
            for (i, element) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_json(out, element);
            }
            out.push(']');
        }
        Value::Object(o) => {
            out.push('{');
            for (i, (name, member)) in o.members().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_json_str(out, name);
                out.push(':');
                push_json(out, member);
            }
            out.push('}');
        }
    }
}

fn print_line(line: &str) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{line}")?;
    stdout.flush()
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

// ---------------------------------------------------------------------------------------------
// jwks

fn jwks(args: &JwksArgs) -> u8 {
    let mut report = String::new();
    let code = jwks_report(&args.source, &mut report);
    if !report.is_empty() && print_line(report.trim_end()).is_err() {
        return EXIT_USAGE;
    }
    code
}

fn jwks_report(source: &str, out: &mut String) -> u8 {
    use core::fmt::Write as _;

    let _ = writeln!(out, "source: {source}");
    let doc = match fetch::fetch_file_or_url(source) {
        Ok(doc) => doc,
        // Usage errors print nothing on stdout.
        Err(LoadError::File { path, source }) => {
            out.clear();
            return usage_exit(Usage(format!("cannot read {}: {source}", path.display())));
        }
        Err(LoadError::Fetch(err @ FetchError::InvalidUrl(_))) => {
            out.clear();
            return usage_exit(Usage(err.to_string()));
        }
        Err(err) => {
            if let LoadError::Fetch(FetchError::Status(status)) = &err {
                let _ = writeln!(out, "http status: {status}");
            }
            let _ = writeln!(out, "error: {err}");
            if let Some(code) = err.catalog_error() {
                let _ = writeln!(out, "verification would fail with {}", code.code());
            }
            return EXIT_REJECTED;
        }
    };
    match &doc.origin {
        Origin::File(_) => {
            let _ = writeln!(out, "kind: local file");
        }
        Origin::Http {
            status,
            cache_control,
            max_age,
            etag,
        } => {
            let _ = writeln!(out, "http status: {status}");
            let _ = writeln!(
                out,
                "cache-control: {}",
                cache_control.as_deref().unwrap_or("(none)")
            );
            match max_age {
                Some(secs) => {
                    let _ = writeln!(out, "max-age: {secs} s");
                }
                None => {
                    let _ = writeln!(out, "max-age: (none)");
                }
            }
            let _ = writeln!(out, "etag: {}", etag.as_deref().unwrap_or("(none)"));
        }
    }
    let _ = writeln!(out, "size: {} bytes", doc.body.len());

    let entries = match jwtgate::inspect(&doc.body) {
        Ok(entries) => entries,
        Err(err) => {
            let _ = writeln!(
                out,
                "error: not a JWK Set (a JSON object with a \"keys\" array): {}",
                err.code()
            );
            return EXIT_REJECTED;
        }
    };
    let entries: Vec<_> = entries.collect();
    let usable_kids: Vec<Option<String>> = entries
        .iter()
        .filter_map(|(_, key)| key.as_ref().ok().map(|k| k.kid().map(str::to_owned)))
        .collect();
    let mut usable = 0usize;
    let mut lines = Vec::new();
    for (index, (jwk, verdict)) in entries.iter().enumerate() {
        let member = |name: &str| describe_member(*jwk, name);
        let kty = member("kty");
        let curve = match jwk.as_object().and_then(|o| o.get("crv")) {
            Some(_) => format!("/{}", member("crv")),
            None => String::new(),
        };
        let verdict = match verdict {
            Ok(key) => {
                usable += 1;
                let duplicates = usable_kids
                    .iter()
                    .filter(|k| k.as_deref() == key.kid())
                    .count();
                if usable > KEY_CAPACITY {
                    format!("usable, but beyond the {KEY_CAPACITY}-key capacity: ignored")
                } else if key.kid().is_some() && duplicates > 1 {
                    "usable, but its kid is not unique: tokens naming it are rejected".to_owned()
                } else {
                    "usable".to_owned()
                }
            }
            Err(why) => format!("unusable: {}", why.reason()),
        };
        lines.push(format!(
            "  [{index}] kid={} {kty}{curve} alg={} {verdict}",
            describe_kid(*jwk),
            member("alg")
        ));
    }
    let _ = writeln!(out, "keys: {} ({usable} usable)", entries.len());
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
    if usable == 0 {
        let _ = writeln!(
            out,
            "error: no usable key: verification would fail with {}",
            Error::JwksInvalid.code()
        );
        EXIT_REJECTED
    } else {
        EXIT_OK
    }
}

/// A string member for display: decoded, `-` when absent.
fn describe_member(jwk: Value<'_>, name: &str) -> String {
    match jwk.as_object().and_then(|o| o.get(name)) {
        None => "-".to_owned(),
        Some(Value::String(s)) => s.chars().flat_map(char::escape_debug).collect(),
        Some(_) => "(not a string)".to_owned(),
    }
}

/// The `kid` quoted, with control characters escaped so a hostile set cannot drive the
/// terminal.
fn describe_kid(jwk: Value<'_>) -> String {
    match jwk.as_object().and_then(|o| o.get("kid")) {
        None => "(none)".to_owned(),
        Some(Value::String(s)) => format!("{:?}", s.chars().collect::<String>()),
        Some(_) => "(not a string)".to_owned(),
    }
}
