//! The Grafana dashboard queries only metrics the verifier really exports.

#![allow(clippy::unwrap_used, clippy::panic)]

use jwtgate_std::{Verifier, VerifierConfig};

#[test]
fn dashboard_queries_exported_metrics() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../dashboards/jwtgate.json");
    let dashboard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let exported = Verifier::new(VerifierConfig::new("http://127.0.0.1:9/jwks.json"))
        .unwrap()
        .encode_metrics();
    let mut queried = 0;
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"].as_str().unwrap();
            let mut rest = expr;
            while let Some(at) = rest.find("jwtgate_") {
                let name: String = rest[at..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                let line_start = exported.lines().any(|l| {
                    l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} "))
                });
                assert!(
                    line_start,
                    "panel {:?} queries {name}, which /metrics does not export",
                    panel["title"]
                );
                queried += 1;
                rest = &rest[at + name.len()..];
            }
        }
    }
    assert!(queried >= 10, "only {queried} metric references found");
    for title in [
        "Cache hit rate",
        "JWKS fetches by result",
        "Stale serves and cooldown rejections",
        "Verification outcomes by code",
        "Verification latency",
        "Verified-token cache hit rate",
    ] {
        assert!(
            dashboard["panels"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["title"] == title),
            "no panel {title}"
        );
    }
}

/// Every panel has a whole-number place on Grafana's 24-column grid, and none overlap.
#[test]
fn dashboard_panels_tile_the_grid() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../dashboards/jwtgate.json");
    let dashboard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut cells = std::collections::HashMap::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        let title = panel["title"].as_str().unwrap();
        let place = ["x", "y", "w", "h"].map(|k| {
            panel["gridPos"][k]
                .as_u64()
                .unwrap_or_else(|| panic!("panel {title:?}: gridPos.{k} is not a whole number"))
        });
        let [x, y, w, h] = place;
        assert!(
            w > 0 && h > 0 && x + w <= 24,
            "panel {title:?} at {place:?}"
        );
        for cx in x..x + w {
            for cy in y..y + h {
                if let Some(other) = cells.insert((cx, cy), title) {
                    panic!("panels {other:?} and {title:?} overlap at ({cx}, {cy})");
                }
            }
        }
    }
}
