//! What the user sees while training: each run's epoch bar ([`Progress`]) and, for a sweep, a
//! bar over cells with a line per finished cell ([`SweepBoard`]). Bars are drawn only on a
//! terminal and never with `--quiet`; all of it goes to standard error.

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Write};

/// How a run shows its progress.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    /// No bars and no per-epoch lines.
    pub(crate) quiet: bool,
    /// Prefix of bars and lines (the method, or a sweep cell).
    pub(crate) label: String,
    /// Draw the epoch bar inside this group (a sweep draws its bar over cells above it).
    pub(crate) multi: Option<MultiProgress>,
}

impl Progress {
    /// No bars, no lines (benchmarks, tests, nested runs).
    pub fn silent() -> Self {
        Progress {
            quiet: true,
            ..Progress::default()
        }
    }

    pub(crate) fn epoch_bar(&self, epoch: usize, epochs: usize, steps: usize) -> ProgressBar {
        if self.quiet || !std::io::stderr().is_terminal() {
            return ProgressBar::hidden();
        }
        let bar = match &self.multi {
            Some(m) => m.add(ProgressBar::new(steps as u64)),
            None => ProgressBar::new(steps as u64),
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix} epoch {msg} [{bar:30}] {pos}/{len} steps, {per_sec}, eta {eta}",
            )
            .expect("a valid template")
            .progress_chars("=> "),
        );
        bar.set_prefix(self.label.clone());
        bar.set_message(format!("{epoch}/{epochs}"));
        bar
    }
}

/// A sweep's display: a bar over cells (with an ETA) above each cell's epoch bar, and one
/// line per finished cell.
pub(crate) struct SweepBoard {
    pub(crate) multi: MultiProgress,
    bar: ProgressBar,
    quiet: bool,
    drawn: bool,
}

impl SweepBoard {
    pub(crate) fn new(total: usize, quiet: bool) -> Self {
        let multi = MultiProgress::new();
        let drawn = !quiet && std::io::stderr().is_terminal();
        let bar = if drawn {
            multi.add(ProgressBar::new(total as u64))
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template(
                "cells [{bar:30}] {pos}/{len} ({elapsed} so far, eta {eta}) {msg}",
            )
            .expect("a valid template")
            .progress_chars("=> "),
        );
        SweepBoard {
            multi,
            bar,
            quiet,
            drawn,
        }
    }

    /// Prints a line above the bars, or on standard error when there are none (like the bars,
    /// it reports progress; what a command prints as its result goes to standard output).
    pub(crate) fn println(&self, line: &str) {
        if self.quiet {
            return;
        }
        if self.drawn {
            let _ = self.multi.println(line);
        } else {
            // A progress line that cannot be written is not worth stopping a sweep for.
            let _ = writeln!(std::io::stderr(), "{line}");
        }
    }

    /// One more cell finished: advance the bar and print its line.
    pub(crate) fn cell_done(&self, line: &str) {
        self.bar.inc(1);
        self.println(line);
    }

    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Drop for SweepBoard {
    /// A sweep that ends with an error (or Ctrl-C) leaves no bar drawn mid-line.
    fn drop(&mut self) {
        self.bar.finish_and_clear();
        let _ = self.multi.clear();
    }
}
