//! Helpers for the figure tests: a place to write a figure, and checks on what was written.

use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

/// A path for figure `name` in a fresh temporary folder, which is removed with the guard.
pub(super) fn temp_svg(name: &str) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join(format!("{name}.svg"));
    (dir, path)
}

/// Reads and removes a figure, checking that it looks like a complete SVG
/// carrying `title` and that nothing else (no temporary file) was left in its folder.
pub(super) fn take_svg(path: &Path, title: &str) -> String {
    let svg = fs::read_to_string(path).expect("figure written");
    fs::remove_file(path).expect("figure removed");
    let folder = path.parent().expect("figure in a folder");
    let left: Vec<_> = fs::read_dir(folder)
        .expect("folder readable")
        .map(|e| e.expect("folder entry").file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
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

/// How many `tag` elements (`polyline`, `line`, `circle`) of `svg` are stroked in `colour`
/// (as `#RRGGBB`) at `width` pixels.
pub(super) fn count_stroked(svg: &str, tag: &str, colour: &str, width: u32) -> usize {
    svg.split(&format!("<{tag} "))
        .skip(1)
        .filter(|el| {
            let el = el.split('>').next().unwrap_or("");
            el.contains(&format!("stroke=\"{colour}\""))
                && el.contains(&format!("stroke-width=\"{width}\""))
        })
        .count()
}

/// The text of every `<text>` element of `svg`, trimmed, in document order.
pub(super) fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|el| {
            let body = el.split_once('>')?.1;
            Some(body.split("</text>").next()?.trim().to_string())
        })
        .collect()
}
