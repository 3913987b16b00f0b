//! One module per subcommand: resolve the arguments ([`crate::cli::resolve`]), call the
//! library, print what the user asked for. All printing to stdout lives here, through [`say!`]:
//! a write that fails (a full disk) is an error, exit 1; a closed pipe ends the process
//! quietly, as for other command-line tools (main restores SIGPIPE).

/// `println!` that returns an error instead of panicking when standard output cannot be
/// written.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        writeln!(out, $($arg)*)
            .and_then(|()| out.flush())
            .map_err(|e| anyhow::anyhow!("cannot write to standard output: {e}"))
    }};
}

/// [`say!`] without the line end.
macro_rules! say_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        write!(out, $($arg)*)
            .and_then(|()| out.flush())
            .map_err(|e| anyhow::anyhow!("cannot write to standard output: {e}"))
    }};
}

mod bench;
mod compare;
mod map;
mod norms;
mod report;
mod reproduce;
mod shell;
mod summary;
mod sweep;
mod train;
mod trajectory;

use crate::analysis::Analysis;
use crate::cli::Command;

/// Runs one subcommand.
pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Train(args) => train::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Trajectory(args) => trajectory::run(&args),
        Command::Norms(args) => norms::run(&args),
        Command::Compare(args) => compare::run(&args),
        Command::Sweep(args) => sweep::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Reproduce(args) => reproduce::run(&args),
        Command::Summary(args) => summary::run(&args),
        Command::Map(args) => map::run(&args),
        Command::Completions(args) => shell::completions(&args),
        Command::Man => shell::man(),
    }
}

/// The verdict of each claim, as plain text, then where the report is.
fn print_verdicts(analysis: &Analysis, report: &std::path::Path) -> anyhow::Result<()> {
    for (claim, text) in crate::report::verdicts(analysis) {
        say!("{claim}\n  {}\n", text.replace("**", ""))?;
    }
    say!("report: {}", report.display())
}
