//! `wdlab completions SHELL` and `wdlab man`: the shell completions and the man page, made
//! from the same flag definitions as `--help` (as ripgrep and hyperfine ship theirs).

use crate::cli::{Cli, CompletionsArgs};
use clap::CommandFactory;

/// Writes the completion script for `args.shell` to standard output.
pub(crate) fn completions(args: &CompletionsArgs) -> anyhow::Result<()> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "wdlab", &mut out);
    say_raw!("{}", String::from_utf8_lossy(&out))
}

/// Writes the man page (roff) to standard output: `wdlab man > wdlab.1`.
pub(crate) fn man() -> anyhow::Result<()> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    say_raw!("{}", String::from_utf8_lossy(&out))
}
