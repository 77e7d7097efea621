//! `jwtgate jwks`: every key of a JWK Set with the verdict verification would reach (from the
//! core's `inspect`), and the fetch's cache headers: the runbook's "test the JWKS endpoint"
//! step.

use core::fmt::Write as _;

use clap::Args;
use jwtgate::{Error, JsonStr, Verdict};
use jwtgate_std::KEY_CAPACITY;
use jwtgate_std::fetch::{self, FetchError, LoadError, Origin};

use crate::{EXIT_OK, EXIT_REJECTED, EXIT_USAGE, Usage, print_line, usage_exit};

#[derive(Args, Debug)]
pub(crate) struct JwksArgs {
    /// The JWK Set: a local file, or an http:// or https:// URL.
    #[arg(value_name = "FILE|URL")]
    source: String,
}

pub(crate) fn run(args: &JwksArgs) -> u8 {
    let mut report = String::new();
    let code = report_on(&args.source, &mut report);
    if !report.is_empty() && print_line(report.trim_end()).is_err() {
        return EXIT_USAGE;
    }
    code
}

fn report_on(source: &str, out: &mut String) -> u8 {
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
            if let LoadError::Fetch(
                FetchError::Status(status) | FetchError::Redirect { status, .. },
            ) = &err
            {
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

    let reports = match jwtgate::inspect::<KEY_CAPACITY>(&doc.body) {
        Ok(reports) => reports,
        Err(err) => {
            let _ = writeln!(
                out,
                "error: not a JWK Set (a JSON object with a \"keys\" array): {}",
                err.code()
            );
            return EXIT_REJECTED;
        }
    };
    let mut usable = 0usize;
    let mut lines = Vec::new();
    for (index, key) in reports.enumerate() {
        let verdict = match key.verdict {
            Verdict::Usable => {
                usable += 1;
                "usable".to_owned()
            }
            Verdict::AmbiguousKid => {
                "usable, but its kid is not unique: tokens naming it are rejected".to_owned()
            }
            Verdict::OverCapacity => {
                format!("usable, but beyond the {KEY_CAPACITY}-key capacity: ignored")
            }
            Verdict::Unusable(why) => format!("unusable: {}", why.reason()),
            _ => "unusable".to_owned(),
        };
        let kid = match key.kid {
            Some(kid) => format!("{:?}", kid.to_string()),
            None if key.kid_is_string => "(none)".to_owned(),
            None => "(not a string)".to_owned(),
        };
        let curve = key
            .crv
            .map(|c| format!("/{}", shown(c)))
            .unwrap_or_default();
        lines.push(format!(
            "  [{index}] kid={kid} {}{curve} alg={} {verdict}",
            key.kty.map_or_else(|| "-".to_owned(), shown),
            key.alg.map_or_else(|| "-".to_owned(), shown),
        ));
    }
    let _ = writeln!(out, "keys: {} ({usable} usable)", lines.len());
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
    if usable == 0 {
        let _ = writeln!(
            out,
            "error: no usable key: verification would fail with {}",
            Error::KeyNotFound.code()
        );
        EXIT_REJECTED
    } else {
        EXIT_OK
    }
}

/// A string member for display: decoded, with control characters escaped so a hostile set
/// cannot drive the terminal.
fn shown(s: JsonStr<'_>) -> String {
    s.chars().flat_map(char::escape_debug).collect()
}
