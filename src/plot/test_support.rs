//! Helpers for the figure tests: a place to write a figure, and checks on what was written.

use std::fs;
use std::path::{Path, PathBuf};

/// A fresh path in the system temp dir, unique per process and test.
pub(super) fn temp_svg(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("wdlab-plots-{}-{name}.svg", std::process::id()))
}

/// Reads and removes a figure, checking that it looks like a complete SVG
/// carrying `title` and that no temporary file was left behind.
pub(super) fn take_svg(path: &Path, title: &str) -> String {
    let svg = fs::read_to_string(path).expect("figure written");
    fs::remove_file(path).expect("figure removed");
    assert!(
        !path.with_extension("svg.tmp").exists(),
        "temporary file left behind"
    );
    let body = match svg.trim_start().strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").expect("xml header closes").1,
        None => svg.as_str(),
    };
    assert!(
        body.trim_start().starts_with("<svg"),
        "not an SVG: {}",
        &svg[..svg.len().min(80)]
    );
    assert!(svg.trim_end().ends_with("</svg>"), "SVG not closed");
    assert!(svg.contains(title), "title {title:?} missing");
    svg
}
