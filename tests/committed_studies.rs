//! The committed studies re-compute: `wdlab report` on a copy of each folder writes the
//! committed report.md byte for byte, so every number in it comes from the folder's own
//! results (and a change to the analysis that moves one is seen).

mod common;
use common::*;
use std::path::Path;

/// The committed studies README's Results names, under docs/results.
const STUDIES: [&str; 6] = [
    "quick",
    "full",
    "label-noise",
    "layernorm",
    "momentum",
    "lion",
];

#[test]
fn each_committed_report_re_computes_from_its_folder() {
    let root = Path::new(REPO);
    for folder in STUDIES {
        let committed = root.join("docs/results").join(folder);
        let tmp = tempfile::tempdir().unwrap();
        let copy = tmp.path().join(folder);
        copy_dir(&committed, &copy);
        ok(&run(&["report", s(&copy), "--quiet"]));
        let want = std::fs::read_to_string(committed.join("report.md")).unwrap();
        let got = std::fs::read_to_string(copy.join("report.md")).unwrap();
        assert!(
            want == got,
            "{folder}/report.md is not what `wdlab report` writes from the folder; regenerate it \
             (`wdlab report docs/results/{folder}`)"
        );
    }
}
