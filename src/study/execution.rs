//! How a study's cells are run — none of it changes a result: where the data is, which
//! device, how often to evaluate, whether to draw bars, how cells are grouped and how many
//! train side by side. The defaults follow the device.

use crate::device::DeviceSpec;
use crate::jobs::{check_jobs, default_jobs};
use std::path::PathBuf;

/// How cells are run, checked when built ([`Execution::builder`]).
#[derive(Debug, Clone)]
pub(crate) struct Execution {
    data_dir: PathBuf,
    device: DeviceSpec,
    eval_every: usize,
    quiet: bool,
    cells: CellBackend,
    /// Cells (or populations) trained side by side, each on its share of the cores
    /// ([`crate::jobs`]); 1 on a GPU.
    jobs: usize,
}

/// An [`Execution`] being built: the device's defaults where a value is not given.
#[derive(Debug, Clone)]
pub(crate) struct ExecutionBuilder {
    data_dir: PathBuf,
    device: DeviceSpec,
    eval_every: usize,
    quiet: bool,
    cells: Option<CellBackend>,
    jobs: Option<usize>,
}

impl ExecutionBuilder {
    pub(crate) fn eval_every(self, eval_every: usize) -> Self {
        ExecutionBuilder { eval_every, ..self }
    }

    pub(crate) fn quiet(self, quiet: bool) -> Self {
        ExecutionBuilder { quiet, ..self }
    }

    /// The cell backend (None: the device's default).
    pub(crate) fn cells(self, cells: Option<CellBackend>) -> Self {
        ExecutionBuilder { cells, ..self }
    }

    /// Cells side by side (None: the device's default).
    pub(crate) fn jobs(self, jobs: Option<usize>) -> Self {
        ExecutionBuilder { jobs, ..self }
    }

    /// Refuses an evaluation interval of 0 and `--jobs` the device cannot run.
    pub(crate) fn build(self) -> anyhow::Result<Execution> {
        if self.eval_every == 0 {
            return Err(crate::error::usage(
                "--eval-every must be at least 1 (1 evaluates after every epoch)",
            ));
        }
        let device = self.device;
        let jobs = self.jobs.unwrap_or_else(|| default_jobs(device));
        check_jobs(jobs, device)?;
        Ok(Execution {
            data_dir: self.data_dir,
            device,
            eval_every: self.eval_every,
            quiet: self.quiet,
            cells: self
                .cells
                .unwrap_or_else(|| CellBackend::default_for(device)),
            jobs,
        })
    }
}

impl Execution {
    /// Cells on `device` with the data in `data_dir`, evaluated every epoch, progress shown,
    /// the device's backend and jobs unless set.
    pub(crate) fn builder(data_dir: PathBuf, device: DeviceSpec) -> ExecutionBuilder {
        ExecutionBuilder {
            data_dir,
            device,
            eval_every: 1,
            quiet: false,
            cells: None,
            jobs: None,
        }
    }

    /// The same, evaluating every `eval_every` epochs (at least 1) and after the last.
    pub(crate) fn with_eval_every(&self, eval_every: usize) -> Execution {
        Execution {
            eval_every: eval_every.max(1),
            ..self.clone()
        }
    }

    pub(crate) fn data_dir(&self) -> &std::path::Path {
        &self.data_dir
    }

    pub(crate) fn device(&self) -> DeviceSpec {
        self.device
    }

    pub(crate) fn eval_every(&self) -> usize {
        self.eval_every
    }

    pub(crate) fn quiet(&self) -> bool {
        self.quiet
    }

    pub(crate) fn cells(&self) -> CellBackend {
        self.cells
    }

    pub(crate) fn jobs(&self) -> usize {
        self.jobs
    }
}

/// How [`super::run_cells`] trains a group of cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CellBackend {
    /// One run after another.
    Single,
    /// The cells of one method and seed as one batched model ([`crate::train::train_population`]).
    Population,
}

impl CellBackend {
    pub(crate) const ALL: [CellBackend; 2] = [CellBackend::Single, CellBackend::Population];

    pub(crate) fn name(self) -> &'static str {
        match self {
            CellBackend::Single => "single",
            CellBackend::Population => "population",
        }
    }

    /// Population on a GPU (where it fills the device); single runs on the CPU, where a
    /// population does the same arithmetic per cell and loses the cache that each single run's
    /// state stays in (BENCHMARKS.md measures both).
    pub(crate) fn default_for(device: DeviceSpec) -> Self {
        match device {
            DeviceSpec::Cpu => CellBackend::Single,
            DeviceSpec::Cuda(_) => CellBackend::Population,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_the_first_gpu_gets_the_same_device_and_defaults() {
        let defaults = |spelling: &str| {
            let device = DeviceSpec::from_spelling(spelling).unwrap();
            let cells = CellBackend::default_for(device);
            (device, cells, default_jobs(device))
        };
        let gpu = defaults("gpu");
        assert_eq!(gpu, (DeviceSpec::Cuda(0), CellBackend::Population, 1));
        for spelling in ["CUDA", "cuda:0", " Cuda:0 ", "GPU"] {
            assert_eq!(defaults(spelling), gpu, "{spelling}");
        }
        let cpu = defaults("CPU");
        assert_eq!(cpu.0, DeviceSpec::Cpu);
        assert_eq!(cpu.1, CellBackend::Single);
        assert_eq!(cpu.2, crate::jobs::cores());
    }

    #[test]
    fn an_execution_takes_the_device_s_defaults_and_refuses_what_cannot_run() {
        let how = Execution::builder("data/mnist".into(), DeviceSpec::Cpu)
            .build()
            .unwrap();
        assert_eq!(
            (how.cells(), how.jobs(), how.eval_every()),
            (CellBackend::Single, crate::jobs::cores(), 1)
        );
        assert_eq!(how.with_eval_every(5).eval_every(), 5);
        let e = Execution::builder("data/mnist".into(), DeviceSpec::Cpu)
            .eval_every(0)
            .build()
            .unwrap_err();
        assert_eq!(crate::error::exit_code(&e), 2);
        assert!(
            e.to_string().contains("--eval-every must be at least 1"),
            "{e}"
        );
        let e = Execution::builder("data/mnist".into(), DeviceSpec::Cpu)
            .jobs(Some(0))
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("--jobs 0"), "{e}");
    }
}
