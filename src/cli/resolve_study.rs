//! The study commands' arguments → validated domain values: a preset with the flags that
//! override it ([`study_plan`]), `wdlab sweep`'s grid, `wdlab compare`'s cells, `wdlab map`'s
//! plan, and how their cells run.

use super::resolve::check_data_seed;
use super::study_args::*;
use crate::error::usage;
use crate::map::{axis::Axis, MapSpec};
use crate::optim::{Hyper, Method};
use crate::study::{preset, Execution, Grid, MethodGrid, PresetSpec};

/// The most cells one study may hold: far more than any study trains, few enough that the
/// list of cells is small next to the machine's memory.
const MAX_CELLS: usize = 1_000_000;

/// `--momentum` is SGD's (sgd, sgdw), refused for a study of Adam alone as `wdlab train`
/// refuses it with Adam.
fn check_momentum(a: &StudyArgs, methods: &[Method]) -> anyhow::Result<()> {
    match a.rule.momentum {
        Some(m) if !methods.iter().any(|x| x.takes(Hyper::Momentum)) => {
            let names: Vec<&str> = methods.iter().map(|x| x.name()).collect();
            Err(usage(format!(
                "--momentum {m} does not apply to {}: it is SGD's momentum (sgd, sgdw), and \
                 Adam's momentum is --beta1",
                names.join(", ")
            )))
        }
        _ => Ok(()),
    }
}

/// A study's preset with the flags that override it, and how its cells run.
pub(crate) fn study_plan(a: &StudyArgs) -> anyhow::Result<(PresetSpec, Execution)> {
    let mut spec = preset(a.preset);
    let s = &spec.settings;
    let noise = a.label_noise.label_noise.unwrap_or(s.label_noise());
    check_data_seed(&a.label_noise, noise)?;
    let mut rule = s
        .rule()
        .clone()
        .with_schedule(a.rule.schedule.unwrap_or(s.schedule()))
        .with_wd_scaling(a.rule.wd_scaling.unwrap_or(s.wd_scaling()))
        .with_decay_biases(!a.rule.no_decay_biases);
    if let Some(m) = a.rule.momentum {
        rule = rule.with_hyper(Hyper::Momentum, m)?;
    }
    spec.settings = s
        .rebuild()
        .train_size(a.train_size.train_size.or(s.train_size()))
        .val_size(a.val_size.unwrap_or(s.val_size()))
        .label_noise(noise)
        .data_seed(a.label_noise.data_seed.unwrap_or(s.data_seed()))
        .epochs(a.epochs.unwrap_or(s.epochs()))
        .batch_size(a.batch_size.unwrap_or(s.batch_size()))
        .hidden(a.hidden.hidden.clone().unwrap_or(s.hidden().to_vec()))
        .norm(a.hidden.norm.unwrap_or(s.norm()))
        .rule(rule)
        .build()?;
    spec.eval_every = a.eval_every.unwrap_or(spec.eval_every);
    let how = cell_execution(&a.cells, spec.eval_every)?;
    Ok((spec, how))
}

/// `wdlab sweep`'s grid: the preset's, narrowed to `--methods` (or, without it, to the methods
/// `--grid` names, when it names any), with `--lrs`/`--decays` for every method and `--grid`
/// for one (several `--grid` of one method are merged). Every value counts once.
pub(crate) fn sweep_grid(a: &SweepArgs, spec: &PresetSpec) -> anyhow::Result<Grid> {
    let mut given: Vec<MethodGrid> = Vec::new();
    for g in &a.grids {
        match given.iter_mut().find(|m| m.method == g.method) {
            Some(m) => *m = m.merged(g),
            None => given.push(g.clone()),
        }
    }
    let selected: Vec<Method> = if !a.methods.is_empty() {
        a.methods.clone()
    } else if !given.is_empty() {
        given.iter().map(|g| g.method).collect()
    } else {
        spec.grid.methods.iter().map(|g| g.method).collect()
    };
    if let Some(g) = given.iter().find(|g| !selected.contains(&g.method)) {
        return Err(usage(format!(
            "--grid {}:… names a method that --methods leaves out; add {0} to --methods or drop \
             that --grid",
            g.method
        )));
    }
    let mut methods = Vec::new();
    for &m in &selected {
        let grid = match given.iter().find(|g| g.method == m) {
            Some(g) => g.clone(),
            None => {
                let preset = spec.grid.methods.iter().find(|g| g.method == m);
                let (lrs, decays) =
                    preset.map_or((vec![], vec![]), |g| (g.lrs.clone(), g.decays.clone()));
                MethodGrid::new(
                    m,
                    a.lrs.clone().unwrap_or(lrs),
                    a.decays.clone().unwrap_or(decays),
                )
            }
        };
        if !methods.iter().any(|g: &MethodGrid| g.method == m) {
            methods.push(grid);
        }
    }
    check_momentum(&a.study, &selected)?;
    let per_seed: usize = methods.iter().map(|g| g.lrs.len() * g.decays.len()).sum();
    let seeds = match a.seeds {
        Some(n) => seed_range(n, per_seed)?,
        None => spec.grid.seeds.clone(),
    };
    Ok(Grid { methods, seeds })
}

/// Seeds `0..n` for a grid of `per_seed` cells per seed, refused (before the list is built)
/// when the study would exceed [`MAX_CELLS`].
fn seed_range(n: usize, per_seed: usize) -> anyhow::Result<Vec<u64>> {
    match n.checked_mul(per_seed.max(1)) {
        Some(cells) if cells <= MAX_CELLS => Ok((0..n as u64).collect()),
        cells => Err(usage(format!(
            "--seeds {n} makes {} cells; a study holds at most {MAX_CELLS}",
            cells.map_or("more than 2⁶⁴".to_string(), |c| c.to_string())
        ))),
    }
}

/// `wdlab compare`'s (method, α, decay) per method: the flag's setting, else the preset's.
pub(crate) fn compare_cells(
    a: &CompareArgs,
    spec: &PresetSpec,
) -> anyhow::Result<Vec<(Method, f64, f64)>> {
    if a.seeds == 0 {
        return Err(usage("--seeds 0 trains nothing; give at least 1"));
    }
    let methods = if a.methods.is_empty() {
        let preset_has = |m: &Method| spec.compare.iter().any(|c| c.0 == *m);
        Method::ALL.into_iter().filter(preset_has).collect()
    } else {
        a.methods.clone()
    };
    seed_range(a.seeds, methods.len())?;
    check_momentum(&a.study, &methods)?;
    methods
        .into_iter()
        .map(|m| {
            let flag = match m {
                Method::Sgd => a.sgd,
                Method::Sgdw => a.sgdw,
                Method::Adam => a.adam,
                Method::Adamw => a.adamw,
                #[allow(unreachable_patterns)] // the methods without a flag of their own
                _ => None,
            };
            let given = a.settings.iter().rev().find(|s| s.0 == m);
            let preset = spec.compare.iter().find(|c| c.0 == m);
            match (given, flag, preset) {
                (Some(&(_, lr, decay)), ..) => Ok((m, lr, decay)),
                (None, Some((lr, decay)), _) => Ok((m, lr, decay)),
                (None, None, Some(&(_, lr, decay))) => Ok((m, lr, decay)),
                (None, None, None) => Err(usage(format!(
                    "the preset has no setting of {m} to compare: give one with --setting \
                     {m}=LR,DECAY, DECAY being its {} coefficient (e.g. --setting {m}={},0)",
                    m.decay_flag(),
                    m.default_lr()
                ))),
            }
        })
        .collect()
}

/// How `wdlab report --equivalence` runs its four training runs.
pub(crate) fn report_execution(a: &ReportArgs) -> anyhow::Result<Execution> {
    Execution::builder(a.data_dir.data_dir.clone(), a.device.device)
        .eval_every(a.eval_every.max(1))
        .quiet(a.quiet.quiet)
        .build()
}

/// How a study's cells run, evaluating every `eval_every` epochs.
fn cell_execution(a: &CellsArgs, eval_every: usize) -> anyhow::Result<Execution> {
    Execution::builder(a.data_dir.data_dir.clone(), a.device.device)
        .eval_every(eval_every)
        .quiet(a.quiet.quiet)
        .cells(a.cells)
        .jobs(a.jobs)
        .build()
}

/// `wdlab map`'s flags, resolved: the map preset with its axis and methods, and how its cells
/// run (each point evaluates every tenth of its run: [`MapSpec::eval_every`]).
pub(crate) fn map_plan(a: &MapArgs) -> anyhow::Result<(MapSpec, Execution)> {
    let mut spec = MapSpec::of(a.preset).with_methods(a.methods.clone())?;
    if let Some(axis) = &a.axis {
        spec = spec.with_axis(axis.clone())?;
    }
    let moved = spec.axis.axis;
    let refuse = |flag: &str| {
        usage(format!(
            "{flag} is what this map moves; give its values with --axis {}=V1,V2,...",
            moved.name()
        ))
    };
    let mut b = spec.base.rebuild();
    if let Some(n) = a.train_size {
        if moved == Axis::TrainSize {
            return Err(refuse("--train-size"));
        }
        b = b.train_size(Some(n));
    }
    if let Some(e) = a.epochs {
        if moved == Axis::Epochs {
            return Err(refuse("--epochs"));
        }
        b = b.epochs(e);
    }
    b = b.val_size(a.val_size.unwrap_or(spec.base.val_size()));
    if let Some(w) = a.hidden {
        b = b.hidden(vec![w]);
    }
    spec.base = b.build()?;
    if let Some(b) = a.refine_budget {
        spec.refine_budget = b;
    }
    let how = cell_execution(&a.cells, 1)?;
    for &v in &spec.axis.values {
        spec.settings_at(v)?;
    }
    Ok((spec, how))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    #[test]
    fn a_study_takes_the_preset_and_the_flags_that_override_it() {
        let plan = |args: &[&str]| match Cli::try_parse_from(
            ["wdlab", "reproduce", "--out", "x"].iter().chain(args),
        )
        .unwrap()
        .command
        {
            Command::Reproduce(a) => study_plan(&a.study),
            _ => unreachable!(),
        };
        let (spec, how) = plan(&["--preset", "full", "--epochs", "7", "--jobs", "1"]).unwrap();
        assert_eq!(spec.settings.train_size(), Some(5000));
        assert_eq!(spec.settings.epochs(), 7);
        assert_eq!(how.jobs(), 1);
        let e = plan(&["--jobs", "0"]).unwrap_err();
        assert!(e.to_string().contains("--jobs 0 runs nothing"), "{e}");
        let e = plan(&["--val-size", "0"]).unwrap_err();
        assert!(e.to_string().contains("--val-size 0"), "{e}");
    }
}
