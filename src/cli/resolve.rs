//! Arguments → validated domain values: defaults applied, flags that do not belong to the
//! chosen method refused, and every value checked by the domain type's own constructor, so
//! the commands receive only values they can trust.

use super::args::*;
use super::study_args::*;
use crate::error::usage;
use crate::map::{axis::Axis, MapSpec};
use crate::norms::NormsTraining;
use crate::optim::{DecayKind, Hyper, Method, OptimConfig};
use crate::study::{preset, Execution, Grid, MethodGrid, PresetSpec};
use crate::train::{DataConfig, RunConfig, TrainConfig};
use crate::trajectory::{
    surface_defaults, Point, Quadratic, Surface, SurfaceKind, TrajectoryConfig,
};

/// The hidden widths of a command that trains outside a study.
const DEFAULT_HIDDEN: [usize; 1] = [1024];

/// `wdlab train`'s flags, resolved.
pub(crate) fn train_config(a: &TrainArgs) -> anyhow::Result<TrainConfig> {
    check_data_seed(&a.label_noise, a.label_noise.label_noise.unwrap_or(0.0))?;
    let data = if a.hub {
        DataConfig::from_hub(a.val_size, a.train_size.train_size)?
    } else {
        DataConfig::from_dir(&a.data_dir.data_dir, a.val_size, a.train_size.train_size)
    }
    .with_label_noise(
        a.label_noise.label_noise.unwrap_or(0.0),
        a.label_noise.data_seed.unwrap_or(0),
    )?;
    let run = RunConfig::builder()
        .epochs(a.epochs)
        .batch_size(a.batch_size)
        .hidden(hidden(&a.hidden))
        .norm(a.hidden.norm.unwrap_or_default())
        .seed(a.seed)
        .device(a.device.device)
        .eval_every(a.eval_every)
        .build()?;
    Ok(TrainConfig::new(optim_config(&a.optim)?, run, data)
        .writing(a.out.clone(), a.save.clone())
        .quiet(a.quiet.quiet))
}

/// `--data-seed` picks the labels that label noise replaces; without noise it would be a
/// setting that changes nothing yet splits one study in two.
fn check_data_seed(a: &LabelNoiseArg, noise: f64) -> anyhow::Result<()> {
    match a.data_seed {
        Some(seed) if noise == 0.0 => Err(usage(format!(
            "--data-seed {seed} picks which training labels --label-noise replaces, and there is \
             no label noise here: drop --data-seed, or add --label-noise P"
        ))),
        _ => Ok(()),
    }
}

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

fn hidden(a: &HiddenArg) -> Vec<usize> {
    a.hidden.clone().unwrap_or(DEFAULT_HIDDEN.to_vec())
}

/// The optimiser flags, refusing those that do not belong to the method.
fn optim_config(a: &OptimArgs) -> anyhow::Result<OptimConfig> {
    let m = a.optimizer;
    let misplaced = |flag: &str, value: Option<f64>, allowed: bool, hint: &str| {
        if value.is_some() && !allowed {
            Err(usage(format!(
                "{flag} does not apply to --optimizer {m}; {hint}"
            )))
        } else {
            Ok(())
        }
    };
    let partner = m.partner();
    let (l2, wd) = match m.decay_kind() {
        DecayKind::L2 => (true, false),
        DecayKind::Decoupled => (false, true),
    };
    let hint = format!("use {partner} for {}", partner.decay_flag());
    misplaced(
        "--l2",
        a.l2,
        l2,
        &format!("the decoupled methods take --wd λ' ({hint}, an L2 penalty)"),
    )?;
    misplaced(
        "--wd",
        a.wd,
        wd,
        &format!("the L2 methods take an L2 penalty --l2 λ ({hint}, decoupled decay)"),
    )?;
    let mut b = OptimConfig::builder(m);
    for (h, v) in a.hypers() {
        let takes: Vec<&str> = m.def().hypers().iter().map(|h| h.flag()).collect();
        let hint = match h {
            Hyper::Momentum if m.takes(Hyper::Beta1) => {
                format!("{}'s momentum is --beta1", m.def().direction_name())
            }
            _ if m.takes(Hyper::Momentum) => "SGD's momentum is --momentum".to_string(),
            _ => format!("{m} takes {}", takes.join(", ")),
        };
        misplaced(h.flag(), v, m.takes(h), &hint)?;
        if let Some(v) = v {
            b = b.hyper(h, v);
        }
    }
    if let Some(lr) = a.lr {
        b = b.lr(lr);
    }
    if let Some(d) = a.l2.or(a.wd) {
        b = b.decay(d);
    }
    if let Some(s) = a.rule.wd_scaling {
        b = b.wd_scaling(s);
    }
    if let Some(s) = a.rule.schedule {
        b = b.schedule(s);
    }
    b.decay_biases(!a.rule.no_decay_biases).build()
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

/// The most cells one study may hold: far more than any study trains, few enough that the
/// list of cells is small next to the machine's memory.
const MAX_CELLS: usize = 1_000_000;

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

/// `wdlab trajectory`'s flags, with each surface's defaults.
pub(crate) fn trajectory_config(a: &TrajectoryArgs) -> anyhow::Result<TrajectoryConfig> {
    let (start, lr, steps, lambdas) = surface_defaults(a.surface);
    let surface = match a.surface {
        SurfaceKind::Quadratic => {
            let d = Quadratic::default();
            Surface::Quadratic(Quadratic {
                minimum: pair("--minimum", &a.minimum, d.minimum)?,
                curvatures: pair("--curvatures", &a.curvatures, d.curvatures)?,
                rotation_deg: a.rotation.unwrap_or(d.rotation_deg),
            })
        }
        other => {
            let quadratic_flags = [
                ("--minimum", a.minimum.is_some()),
                ("--curvatures", a.curvatures.is_some()),
                ("--rotation", a.rotation.is_some()),
            ];
            if let Some((flag, _)) = quadratic_flags.iter().find(|(_, given)| *given) {
                return Err(usage(format!(
                    "{flag} sets the quadratic; it does not apply to --surface {}",
                    other.name()
                )));
            }
            Surface::default_of(other)
        }
    };
    TrajectoryConfig::new(
        surface,
        pair("--start", &a.start, start)?,
        a.lr.unwrap_or(lr),
        a.steps.unwrap_or(steps),
        a.decays.as_deref().unwrap_or(&lambdas),
    )
}

/// Two comma-separated numbers, or `default` when the flag is not given.
fn pair(flag: &str, given: &Option<Vec<f64>>, default: Point) -> anyhow::Result<Point> {
    match given.as_deref() {
        None => Ok(default),
        Some(&[x, y]) => Ok([x, y]),
        Some(v) => Err(usage(format!(
            "{flag} takes two comma-separated numbers (e.g. {flag} 2,1), got {}",
            v.len()
        ))),
    }
}

/// The runs `wdlab norms --train` trains (None without --train).
pub(crate) fn norms_training(a: &NormsArgs) -> anyhow::Result<Option<NormsTraining>> {
    if !a.train {
        return Ok(None);
    }
    let optims = a
        .decays
        .iter()
        .map(|&d| {
            let b = OptimConfig::builder(a.optimizer).decay(d);
            let b = match a.lr {
                Some(lr) => b.lr(lr),
                None => b,
            };
            // The message names --l2/--wd; here the flag is --decays.
            b.build().map_err(|e| usage(format!("--decays {d}: {e}")))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let train_size = a.train_size.train_size.unwrap_or(5000);
    Ok(Some(NormsTraining {
        optims,
        run: RunConfig::builder()
            .epochs(a.epochs)
            .batch_size(a.batch_size)
            .hidden(hidden(&a.hidden))
            .norm(a.hidden.norm.unwrap_or_default())
            .seed(a.seed)
            .device(a.device.device)
            .build()?,
        data: DataConfig::from_dir(&a.data_dir.data_dir, 0, Some(train_size)),
        out: a.out.clone(),
        force: a.force,
        quiet: a.quiet.quiet,
    }))
}

/// `wdlab bench`'s run (its epochs, the smallest batch size to check) and data.
pub(crate) fn bench_plan(a: &BenchArgs) -> anyhow::Result<(RunConfig, DataConfig)> {
    let smallest_batch = a.batch_sizes.iter().copied().min().unwrap_or(0);
    let run = RunConfig::builder()
        .epochs(a.epochs)
        .batch_size(smallest_batch)
        .hidden(hidden(&a.hidden))
        .norm(a.hidden.norm.unwrap_or_default())
        .device(a.device.device)
        .build()?;
    if a.population == Some(0) {
        return Err(usage("--population N needs N ≥ 1 (6 times a 6×6 grid)"));
    }
    let data = DataConfig::from_dir(&a.data_dir.data_dir, 0, a.train_size.train_size);
    Ok((run, data))
}

/// How `wdlab report --equivalence` runs its four training runs.
pub(crate) fn report_execution(a: &ReportArgs) -> anyhow::Result<Execution> {
    Execution::new(
        a.data_dir.data_dir.clone(),
        a.device.device,
        a.eval_every.max(1),
        a.quiet.quiet,
        None,
        None,
    )
}

/// How a study's cells run, evaluating every `eval_every` epochs.
fn cell_execution(a: &CellsArgs, eval_every: usize) -> anyhow::Result<Execution> {
    Execution::new(
        a.data_dir.data_dir.clone(),
        a.device.device,
        eval_every,
        a.quiet.quiet,
        a.cells,
        a.jobs,
    )
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

    /// The command `wdlab COMMAND ARGS` parses to.
    fn parse(command: &[&str], args: &[&str]) -> Command {
        let argv = ["wdlab"].iter().chain(command).chain(args);
        Cli::try_parse_from(argv).unwrap().command
    }

    #[test]
    fn trajectory_takes_negative_pairs_and_keeps_quadratic_flags_to_the_quadratic() {
        let resolve = |args: &[&str]| match parse(&["trajectory", "--out", "x"], args) {
            Command::Trajectory(a) => trajectory_config(&a),
            _ => unreachable!(),
        };
        let cfg = resolve(&["--start", "-1,-2", "--minimum", "-3,1", "--rotation", "-45"]).unwrap();
        assert_eq!(cfg.start, [-1.0, -2.0]);
        match cfg.surface {
            Surface::Quadratic(q) => {
                assert_eq!(q.minimum, [-3.0, 1.0]);
                assert_eq!(q.rotation_deg, -45.0);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(resolve(&[]).unwrap().lambdas, vec![0.0, 0.3, 3.0]);
        for (bad, says) in [
            (
                &["--surface", "two-basin", "--minimum", "1,1"][..],
                "does not apply to --surface two-basin",
            ),
            (
                &["--start", "1,2,3"],
                "--start takes two comma-separated numbers",
            ),
            (&["--steps", "0"], "--steps 0 takes no step"),
            (&["--decays", "0.1,-1"], "every λ must be zero or positive"),
        ] {
            let e = resolve(bad).unwrap_err();
            assert_eq!(
                crate::error::exit_code(&e),
                crate::error::exit::USAGE,
                "{bad:?}: {e}"
            );
            assert!(e.to_string().contains(says), "{bad:?}: {e}");
        }
    }

    #[test]
    fn train_defaults_follow_the_method() {
        let cfg = |args: &[&str]| match parse(&["train"], args) {
            Command::Train(a) => train_config(&a),
            _ => unreachable!(),
        };
        let sgdw = cfg(&["--optimizer", "sgdw"]).unwrap();
        assert_eq!((sgdw.optim().lr(), sgdw.optim().decay()), (0.1, 1e-4));
        let adam = cfg(&["--optimizer", "adam"]).unwrap();
        assert_eq!((adam.optim().lr(), adam.optim().decay()), (1e-3, 0.0));
        assert_eq!(adam.run().hidden(), vec![1024]);
        let e = cfg(&["--optimizer", "adam", "--momentum", "0.9"]).unwrap_err();
        assert!(e.to_string().contains("Adam's momentum is --beta1"), "{e}");
    }

    #[test]
    fn a_study_takes_the_preset_and_the_flags_that_override_it() {
        let plan = |args: &[&str]| match parse(&["reproduce", "--out", "x"], args) {
            Command::Reproduce(a) => study_plan(&a.study),
            _ => unreachable!(),
        };
        let (spec, how) = plan(&["--preset", "full", "--epochs", "7", "--jobs", "1"]).unwrap();
        assert_eq!(spec.settings.train_size(), Some(5000));
        assert_eq!(spec.settings.epochs(), 7);
        assert_eq!(how.jobs, 1);
        let e = plan(&["--jobs", "0"]).unwrap_err();
        assert!(e.to_string().contains("--jobs 0 runs nothing"), "{e}");
        let e = plan(&["--val-size", "0"]).unwrap_err();
        assert!(e.to_string().contains("--val-size 0"), "{e}");
    }
}
