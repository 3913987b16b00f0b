//! README's "Results" is the output of `wdlab summary` over the committed studies, byte for
//! byte: the numbers and verdict words there come from the reports, never from hand.

use std::process::Command;

const START: &str = "<!-- summary:start -->\n";
const END: &str = "<!-- summary:end -->";

/// The folders the README's marker line names: `<!-- wdlab summary DIR... -->`.
fn summary_dirs(readme: &str) -> Vec<String> {
    let line = readme
        .lines()
        .find(|l| l.starts_with("<!-- wdlab summary "))
        .expect("README names the summary's folders in a <!-- wdlab summary DIR... --> line");
    line.trim_start_matches("<!-- wdlab summary ")
        .trim_end_matches("-->")
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

#[test]
fn the_results_section_is_the_summary_of_the_committed_studies() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let dirs = summary_dirs(&readme);
    assert!(dirs.len() >= 5, "every committed study: {dirs:?}");
    let out = Command::new(env!("CARGO_BIN_EXE_wdlab"))
        .arg("summary")
        .args(&dirs)
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let generated = String::from_utf8(out.stdout).unwrap();
    let start = readme
        .find(START)
        .expect("README has the summary:start marker")
        + START.len();
    let end = readme.find(END).expect("README has the summary:end marker");
    let held = &readme[start..end];
    if held != generated {
        let first = held
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        panic!(
            "README's Results differ from `wdlab summary {}` at line {}:\n  README:    {:?}\n  \
             generated: {:?}\nPaste the command's output between the markers.",
            dirs.join(" "),
            first + 1,
            held.lines().nth(first),
            generated.lines().nth(first)
        );
    }
}

#[test]
fn summary_refuses_a_folder_without_results_by_name() {
    let dir = std::env::temp_dir().join("wdlab-summary-empty");
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_wdlab"))
        .args(["summary", dir.to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("holds no results"), "{err}");
    assert!(err.contains("wdlab-summary-empty"), "{err}");
}
