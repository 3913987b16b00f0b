//! The committed regime maps re-compute: `wdlab map --report-only` on a copy of each folder
//! writes the committed map.md byte for byte, and README's "Where the coupling appears" holds
//! each map's verdict lines as map.md words them.

mod common;
use common::*;
use std::path::Path;

/// The committed maps: (folder under docs/results, map preset).
const MAPS: [(&str, &str); 3] = [
    ("map-epochs", "epochs"),
    ("map-label-noise", "label-noise"),
    ("map-train-size", "train-size"),
];

/// The bullet lines of map.md's "Verdict" section.
fn verdict_lines(md: &str) -> Vec<&str> {
    md.lines()
        .skip_while(|l| *l != "## Verdict")
        .skip(1)
        .take_while(|l| !l.starts_with("## ") && !l.starts_with("SGDW needs"))
        .filter(|l| l.starts_with("- "))
        .collect()
}

#[test]
fn each_committed_map_re_computes_from_its_points() {
    let root = Path::new(REPO);
    for (folder, preset) in MAPS {
        let committed = root.join("docs/results").join(folder);
        let tmp = tempfile::tempdir().unwrap();
        let copy = tmp.path().join(folder);
        copy_dir(&committed, &copy);
        ok(&run(&[
            "map",
            "--preset",
            preset,
            "--out",
            s(&copy),
            "--report-only",
            "--quiet",
        ]));
        let want = std::fs::read_to_string(committed.join("map.md")).unwrap();
        let got = std::fs::read_to_string(copy.join("map.md")).unwrap();
        assert!(
            want == got,
            "{folder}/map.md is not what `wdlab map --preset {preset} --report-only` writes; \
             regenerate it"
        );
    }
}

#[test]
fn readme_holds_every_maps_verdict() {
    let root = Path::new(REPO);
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    for (folder, _) in MAPS {
        let md =
            std::fs::read_to_string(root.join("docs/results").join(folder).join("map.md")).unwrap();
        let lines = verdict_lines(&md);
        assert!(lines.len() >= 3, "{folder}: {lines:?}");
        for l in lines {
            assert!(
                readme.contains(l),
                "README lacks {folder}'s verdict line: {l}"
            );
        }
    }
}
