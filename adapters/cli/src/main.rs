//! `jwtgate`: verify a JWT against a JWK Set, inspect a JWK Set (the runbook's "test the
//! JWKS endpoint" step), or run a forward-auth server. One file per subcommand.
//!
//! Exit codes: 0 valid (or a JWK Set with a usable key), 1 rejected (one JSON object on stdout
//! says why), 2 usage or local I/O error (a message on stderr).

mod jwks;
mod serve;
mod verify;

use std::io::{self, Write as _};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    about = "Verify JWTs against a JWK Set (ES256, EdDSA, RS256; HS256 with an explicit secret)"
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
    Verify(verify::VerifyArgs),
    /// List the keys of a JWK Set, whether each is usable, and the fetch's cache headers.
    ///
    /// Exit 0 if at least one key is usable, 1 if none is (or the fetch failed), 2 if a local
    /// file cannot be read.
    Jwks(jwks::JwksArgs),
    /// Run a forward-auth server (nginx auth_request, Traefik ForwardAuth, Envoy ext_authz).
    ///
    /// With no --supabase-url/--jwks-url it starts a built-in development issuer on loopback
    /// and prints a ready-to-run curl session.
    Serve(serve::ServeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Verify(args) => verify::run(&args),
        Command::Jwks(args) => jwks::run(&args),
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

fn print_line(line: &str) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{line}")?;
    stdout.flush()
}

/// The `--alg` allow-list, shared by `verify` and `serve`: the algorithms accepted, from
/// those this binary has built in.
#[derive(clap::Args, Debug, Clone)]
struct Algorithms {
    /// Accept only these algorithms (comma-separated: ES256, EdDSA, RS256, HS256).
    /// [default: every one built in; HS256 only with --hs256-secret-file]
    #[arg(long = "alg", value_name = "ALG,..", value_delimiter = ',', value_parser = built_in_algorithm)]
    algs: Option<Vec<jwtgate::Algorithm>>,
}

impl Algorithms {
    /// The allow-list for a policy (`None`: the core's default, every algorithm built in and
    /// HS256 only with a secret), checked against the secret: HS256 listed without one is a
    /// usage error.
    fn resolve(&self, has_hs256_secret: bool) -> Result<Option<Vec<jwtgate::Algorithm>>, String> {
        match &self.algs {
            Some(algs) if algs.contains(&jwtgate::Algorithm::Hs256) && !has_hs256_secret => {
                Err("--alg HS256 needs --hs256-secret-file".to_owned())
            }
            algs => Ok(algs.clone()),
        }
    }
}

/// One `--alg` name: exact, and built into this binary.
fn built_in_algorithm(name: &str) -> Result<jwtgate::Algorithm, String> {
    let alg: jwtgate::Algorithm = name.parse().map_err(|e| format!("{e}"))?;
    if alg.is_built_in() {
        Ok(alg)
    } else {
        Err(format!("{name} is not built into this jwtgate"))
    }
}
