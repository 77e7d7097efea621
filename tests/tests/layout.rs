//! The module layout: no module imports a module that imports it back, in the core and in
//! every adapter. Read from the source tree, so a new import cycle fails here, not in review.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The crates whose modules are checked, relative to the workspace root.
const CRATES: &[&str] = &[
    "core/src",
    "adapters/std/src",
    "adapters/cli/src",
    "adapters/embedded/src",
];

/// A module's path inside its crate: `[]` for the root, `["cache", "driver"]`...
type ModPath = Vec<String>;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// Every `.rs` file below `dir` with its module path.
fn modules(src: &Path) -> BTreeMap<ModPath, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).unwrap();
            let mut segments: ModPath = rel
                .with_extension("")
                .iter()
                .map(|s| s.to_str().unwrap().to_owned())
                .collect();
            if matches!(
                segments.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                segments.pop();
            }
            out.insert(segments, std::fs::read_to_string(&path).unwrap());
        }
    }
    out
}

/// The source without comments, string literals (a doc example's `crate::` is no import)
/// and inline `mod tests { .. }` blocks (test code; its `super::` is the file itself).
fn code_only(source: &str) -> String {
    let code = strip_comments_and_strings(source);
    match code.find("mod tests {") {
        Some(start) => {
            let body = &code[start + "mod tests {".len()..];
            let end = start + "mod tests {".len() + matching_brace(body) + 1;
            format!("{}{}", &code[..start], code.get(end..).unwrap_or_default())
        }
        None => code,
    }
}

fn strip_comments_and_strings(source: &str) -> String {
    let mut out = String::new();
    for line in source.lines() {
        let line = line.split("//").next().unwrap_or_default();
        let mut in_str = false;
        let mut prev = ' ';
        for c in line.chars() {
            if c == '"' && prev != '\\' && prev != '\'' {
                in_str = !in_str;
            } else if !in_str {
                out.push(c);
            }
            prev = c;
        }
        out.push('\n');
    }
    out
}

/// The paths `code` names after `crate::`, `super::` or `self::`, each resolved from module
/// `here` to an absolute module path (possibly ending in an item name).
fn referenced_paths(code: &str, here: &ModPath, is_dir_module: bool) -> Vec<ModPath> {
    let mut out = Vec::new();
    for anchor in ["crate::", "super::", "self::"] {
        let mut rest = code;
        while let Some(at) = rest.find(anchor) {
            let before = rest[..at].chars().last();
            let after = &rest[at + anchor.len()..];
            rest = after;
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            // `self` and `super` are relative to the module's own path.
            let base: ModPath = match anchor {
                "crate::" => Vec::new(),
                "self::" => here.clone(),
                _ => {
                    let mut b = here.clone();
                    b.pop();
                    b
                }
            };
            let _ = is_dir_module;
            for tail in expand(after) {
                let mut path = base.clone();
                path.extend(tail);
                out.push(path);
            }
        }
    }
    out
}

/// `a::b::{c, d::e}` -> `[[a, b, c], [a, b, d, e]]`, reading only as far as the path goes.
fn expand(text: &str) -> Vec<ModPath> {
    let mut prefix = Vec::new();
    let mut rest = text;
    loop {
        let ident: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if ident.is_empty() {
            if let Some(group) = rest.strip_prefix('{') {
                let end = matching_brace(group);
                return split_top(&group[..end])
                    .into_iter()
                    .flat_map(|item| {
                        let item = item.trim().trim_start_matches("self::");
                        expand(item).into_iter().map(|tail| {
                            let mut p = prefix.clone();
                            p.extend(tail);
                            p
                        })
                    })
                    .collect();
            }
            return vec![prefix];
        }
        rest = &rest[ident.len()..];
        if ident != "self" {
            prefix.push(ident);
        }
        match rest.strip_prefix("::") {
            Some(r) => rest = r,
            None => return vec![prefix],
        }
    }
}

fn matching_brace(text: &str) -> usize {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return i,
            '}' => depth -= 1,
            _ => {}
        }
    }
    text.len()
}

fn split_top(text: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0usize, 0);
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// The names the crate root re-exports, with the module each comes from.
fn root_reexports(root: &str) -> BTreeMap<String, ModPath> {
    let mut out = BTreeMap::new();
    let code = code_only(root);
    for stmt in code.split(';') {
        let stmt = stmt.trim();
        let Some(path) = stmt
            .strip_prefix("pub use ")
            .or_else(|| stmt.strip_prefix("pub(crate) use "))
        else {
            continue;
        };
        for full in expand(path.trim_start_matches("crate::")) {
            if let Some(name) = full.last() {
                out.insert(name.clone(), full[..full.len() - 1].to_vec());
            }
        }
    }
    out
}

/// The file (module) a referenced path lands in: its longest prefix that is a module, with
/// names re-exported by the crate root followed to where they come from.
fn resolve(
    path: &ModPath,
    modules: &BTreeMap<ModPath, String>,
    root: &BTreeMap<String, ModPath>,
) -> Option<ModPath> {
    let mut path = path.clone();
    if path.len() == 1
        && !modules.contains_key(&path)
        && let Some(source) = root.get(&path[0])
    {
        path = source.clone();
    }
    (0..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| modules.contains_key(p))
}

fn import_graph(src: &Path) -> BTreeSet<(ModPath, ModPath)> {
    let modules = modules(src);
    let root_file = modules.get(&Vec::new()).expect("a crate root");
    let root = root_reexports(root_file);
    let mut edges = BTreeSet::new();
    for (here, source) in &modules {
        for path in referenced_paths(&code_only(source), here, false) {
            if let Some(target) = resolve(&path, &modules, &root)
                && &target != here
            {
                edges.insert((here.clone(), target));
            }
        }
    }
    edges
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let root = workspace_root();
    let mut cycles = Vec::new();
    for krate in CRATES {
        let edges = import_graph(&root.join(krate));
        assert!(!edges.is_empty(), "{krate}: the import graph looks empty");
        for (a, b) in &edges {
            if a < b && edges.contains(&(b.clone(), a.clone())) {
                cycles.push(format!("{krate}: {} <-> {}", a.join("::"), b.join("::")));
            }
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_checker_sees_a_cycle() {
    let modules: BTreeMap<ModPath, String> = [
        (vec![], "mod a; mod b; pub use a::A;".to_owned()),
        (
            vec!["a".to_owned()],
            "use crate::b::B; pub struct A;".to_owned(),
        ),
        (
            vec!["b".to_owned()],
            "use crate::A; pub struct B;".to_owned(),
        ),
    ]
    .into_iter()
    .collect();
    let root = root_reexports(&modules[&Vec::new()]);
    let a = vec!["a".to_owned()];
    let b = vec!["b".to_owned()];
    let refs_a = referenced_paths(&code_only(&modules[&a]), &a, false);
    let refs_b = referenced_paths(&code_only(&modules[&b]), &b, false);
    assert!(
        refs_a
            .iter()
            .any(|p| resolve(p, &modules, &root) == Some(b.clone()))
    );
    assert!(
        refs_b
            .iter()
            .any(|p| resolve(p, &modules, &root) == Some(a.clone()))
    );
    let grouped = expand("x::{y, z::{w, self}}");
    assert_eq!(
        grouped,
        vec![
            vec!["x".to_owned(), "y".to_owned()],
            vec!["x".to_owned(), "z".to_owned(), "w".to_owned()],
            vec!["x".to_owned(), "z".to_owned()],
        ]
    );
}
