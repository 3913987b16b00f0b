//! Every `--flag` README.md and docs/reference.md name is a flag of some `wdlab` command (or
//! of the other tools they show, listed below): docs that name a flag the binary lacks fail.

use std::collections::BTreeSet;
use std::process::Command;

/// Flags of the other tools the docs show: cargo, GNU parallel, Slurm's sbatch, the scripts.
const OTHER_TOOLS: &[&str] = &[
    "--release",
    "--features",
    "--path",
    "--sshlogin",
    "--time",
    "--job-name",
    "--array",
    "--cpus-per-task",
    // scripts/golden_optim.py
    "--lion-only",
];

fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_wdlab"))
        .args(args)
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success(), "wdlab {args:?} --help failed");
    String::from_utf8(out.stdout).unwrap()
}

/// `--name` tokens of `text`.
fn flags(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i + 2 < b.len() {
        let starts = b[i] == b'-'
            && b[i + 1] == b'-'
            && (i == 0 || !b[i - 1].is_ascii_alphanumeric() && b[i - 1] != b'-');
        if starts && b[i + 2].is_ascii_lowercase() {
            let end = (i + 2..b.len())
                .find(|&j| !(b[j].is_ascii_lowercase() || b[j].is_ascii_digit() || b[j] == b'-'))
                .unwrap_or(b.len());
            out.insert(text[i..end].trim_end_matches('-').to_string());
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

#[test]
fn every_flag_the_docs_name_exists() {
    let root = env!("CARGO_MANIFEST_DIR");
    let top = help(&[]);
    let commands: Vec<String> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect();
    assert!(commands.len() >= 10, "{commands:?}");
    let mut known = flags(&top);
    for c in &commands {
        known.extend(flags(&help(&[c])));
    }
    for doc in ["README.md", "docs/reference.md"] {
        let text = std::fs::read_to_string(format!("{root}/{doc}")).unwrap();
        let unknown: Vec<String> = flags(&text)
            .into_iter()
            .filter(|f| !known.contains(f) && !OTHER_TOOLS.contains(&f.as_str()))
            .collect();
        assert!(
            unknown.is_empty(),
            "{doc} names flags no wdlab command has: {unknown:?}"
        );
    }
    // The check itself can fail: a made-up flag is caught.
    assert!(!known.contains("--no-such-flag"));
    assert!(flags("use --no-such-flag here").contains("--no-such-flag"));
}
