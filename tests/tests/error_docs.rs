//! Keeps `docs/errors/` and the `jwtgate::Error` catalog in step: one runbook page per code,
//! carrying the HTTP status, retry hint and user message the enum reports, every page naming
//! a real code, and an index listing them all.

use std::fs;
use std::path::{Path, PathBuf};

use jwtgate::Error;

/// The section headings every page has, in this order.
const SECTIONS: [&str; 5] = [
    "## What the User Sees",
    "## What Causes This Error",
    "## Resolution Steps",
    "### For Users",
    "### For Administrators",
];

const STATUS_LABEL: &str = "**HTTP Status:**";
const RETRYABLE_LABEL: &str = "**Retryable:**";

fn docs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/errors")
}

fn yes_no(flag: bool) -> &'static str {
    if flag { "Yes" } else { "No" }
}

/// The lines of a Markdown text with their byte offsets, skipping fenced code blocks (whose
/// `# comment` lines are not headings).
fn prose_lines(text: &str) -> Vec<(usize, &str)> {
    let mut lines = Vec::new();
    let mut offset = 0;
    let mut in_fence = false;
    for raw in text.split_inclusive('\n') {
        let line = raw.trim_end_matches(['\n', '\r']);
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        } else if !in_fence {
            lines.push((offset, line));
        }
        offset += raw.len();
    }
    lines
}

/// The heading level of `line` (`## x` is 2), if it is an ATX heading.
fn heading_level(line: &str) -> Option<usize> {
    let level = line.chars().take_while(|&c| c == '#').count();
    let rest = line.get(level..)?;
    (level > 0 && rest.starts_with(' ')).then_some(level)
}

/// Where the heading line `heading` starts, and the body under it up to the next heading of
/// the same or a higher level.
fn section<'a>(text: &'a str, heading: &str) -> Option<(usize, &'a str)> {
    let lines = prose_lines(text);
    let level = heading_level(heading)?;
    let at = lines
        .iter()
        .position(|(_, line)| line.trim_end() == heading)?;
    let (start, line) = *lines.get(at)?;
    let body_start = start + line.len();
    let end = lines
        .iter()
        .skip(at + 1)
        .find(|(_, l)| heading_level(l).is_some_and(|lv| lv <= level))
        .map_or(text.len(), |(offset, _)| *offset);
    Some((start, text.get(body_start..end)?))
}

/// The first word after `label` on the first line outside code blocks that has it.
fn labelled_value<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    prose_lines(text).into_iter().find_map(|(_, line)| {
        let (_, rest) = line.split_once(label)?;
        rest.split_whitespace().next()
    })
}

/// Everything wrong with the page `name` (its file name, for messages) for `error`.
fn check_page(error: Error, name: &str, text: &str) -> Vec<String> {
    let code = error.code();
    let mut problems = Vec::new();

    let title = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let title_code = title
        .strip_prefix("# ")
        .and_then(|t| t.split_whitespace().next());
    if title_code != Some(code) {
        problems.push(format!(
            "{name}: title line must be `# {code} — <Title>`, found {title:?}"
        ));
    }

    let want_status = error.http_status().to_string();
    match labelled_value(text, STATUS_LABEL) {
        Some(got) if got == want_status => {}
        Some(got) => problems.push(format!(
            "{name}: `{STATUS_LABEL}` is {got:?}, but {code}.http_status() is {want_status}"
        )),
        None => problems.push(format!("{name}: no `{STATUS_LABEL} {want_status}` line")),
    }

    let want_retry = yes_no(error.retryable());
    match labelled_value(text, RETRYABLE_LABEL) {
        Some(got) if got == want_retry => {}
        Some(got) => problems.push(format!(
            "{name}: `{RETRYABLE_LABEL}` is {got:?}, but {code}.retryable() is {want_retry}"
        )),
        None => problems.push(format!("{name}: no `{RETRYABLE_LABEL} {want_retry}` line")),
    }

    let mut last_start = None;
    for heading in SECTIONS {
        match section(text, heading) {
            None => problems.push(format!("{name}: missing section `{heading}`")),
            Some((start, _)) => {
                if last_start.is_some_and(|prev| start < prev) {
                    problems.push(format!(
                        "{name}: section `{heading}` is out of order (expected {SECTIONS:?})"
                    ));
                }
                last_start = Some(start);
            }
        }
    }

    let shown = format!("{} ({code})", error.message());
    if let Some((_, body)) = section(text, SECTIONS[0])
        && !body.contains(&shown)
    {
        problems.push(format!(
            "{name}: section `{}` does not contain the user message {shown:?}",
            SECTIONS[0]
        ));
    }
    problems
}

/// Everything wrong with the index for `error`.
fn check_index_row(error: Error, index: &str) -> Vec<String> {
    let code = error.code();
    let link = format!("[{code}]({code}.md)");
    let Some(row) = prose_lines(index)
        .into_iter()
        .map(|(_, line)| line.trim())
        .find(|line| line.starts_with('|') && line.contains(&link))
    else {
        return vec![format!("README.md: no table row with the link `{link}`")];
    };
    let cells: Vec<&str> = row.split('|').map(str::trim).collect();
    let mut problems = Vec::new();
    let status = error.http_status().to_string();
    if !cells.contains(&status.as_str()) {
        problems.push(format!(
            "README.md: row for {code} lacks the HTTP status cell `{status}`: {row}"
        ));
    }
    let retry = yes_no(error.retryable());
    if !cells.contains(&retry) {
        problems.push(format!(
            "README.md: row for {code} lacks the retryable cell `{retry}`: {row}"
        ));
    }
    problems
}

fn report(problems: &[String]) -> String {
    format!(
        "{} problem(s) in {}:\n  {}",
        problems.len(),
        docs_dir().display(),
        problems.join("\n  ")
    )
}

#[test]
fn every_code_has_a_matching_page() {
    let mut problems = Vec::new();
    for error in Error::ALL {
        let name = format!("{}.md", error.code());
        match fs::read_to_string(docs_dir().join(&name)) {
            Ok(text) => problems.extend(check_page(error, &name, &text)),
            Err(e) => problems.push(format!("{name}: cannot read the page ({e})")),
        }
    }
    assert!(problems.is_empty(), "{}", report(&problems));
}

#[test]
fn every_page_names_a_code() {
    let entries = fs::read_dir(docs_dir())
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", docs_dir().display()));
    let mut problems = Vec::new();
    let mut pages = 0;
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.extension().is_none_or(|ext| ext != "md") {
            continue;
        }
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        if name == "README.md" {
            continue;
        }
        pages += 1;
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if Error::from_code(stem).is_none() {
            problems.push(format!(
                "{name}: `{stem}` is not a jwtgate::Error code (Error::from_code returned None)"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", report(&problems));
    assert_eq!(
        pages,
        Error::ALL.len(),
        "expected one page per code in {}",
        docs_dir().display()
    );
}

#[test]
fn index_lists_every_code() {
    let index = fs::read_to_string(docs_dir().join("README.md"))
        .unwrap_or_else(|e| panic!("README.md: cannot read the index ({e})"));
    let problems: Vec<String> = Error::ALL
        .into_iter()
        .flat_map(|error| check_index_row(error, &index))
        .collect();
    assert!(problems.is_empty(), "{}", report(&problems));
}

/// The checker itself: a page that drifts from the enum is caught, and named.
#[test]
fn checker_catches_drift() {
    let error = Error::JwksFetchFailed;
    let name = "ERR_AUTH_JWKS_FETCH_FAILED.md";
    let good = format!(
        "# {code} — Auth JWKS Fetch Failed\n\n**HTTP Status:** 503 · **Retryable:** Yes\n\n\
         ## What the User Sees\n\n{msg} ({code})\n\n## What Causes This Error\n\n\
         ```sh\n# not a heading\n```\n\n## Resolution Steps\n\n### For Users\n\n1. Wait.\n\n\
         ### For Administrators\n\n1. `jwtgate jwks <URL>`\n",
        code = error.code(),
        msg = error.message(),
    );
    assert_eq!(check_page(error, name, &good), Vec::<String>::new());

    let cases = [
        (
            "**HTTP Status:** 503",
            "**HTTP Status:** 401",
            "HTTP Status",
        ),
        ("**Retryable:** Yes", "**Retryable:** No", "Retryable"),
        (
            "# ERR_AUTH_JWKS_FETCH_FAILED",
            "# ERR_AUTH_JWKS_INVALID",
            "title",
        ),
        ("### For Users", "### For People", "For Users"),
        ("temporarily unavailable.", "unavailable.", "user message"),
    ];
    for (from, to, what) in cases {
        let bad = good.replacen(from, to, 1);
        let problems = check_page(error, name, &bad);
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with(name) && p.contains(what)),
            "replacing {from:?} with {to:?} should report {what:?}, got {problems:?}"
        );
    }

    // The message must sit under its own heading, not elsewhere on the page.
    let moved = good.replacen(
        "## What the User Sees\n\n",
        "## What the User Sees\n\n## X\n\n",
        1,
    );
    assert!(!check_page(error, name, &moved).is_empty());

    let index = format!("| [{0}]({0}.md) | 503 | Yes | x |\n", error.code());
    assert!(check_index_row(error, &index).is_empty());
    assert!(!check_index_row(error, &index.replace("503", "401")).is_empty());
    assert!(!check_index_row(Error::TokenMissing, &index).is_empty());
}
