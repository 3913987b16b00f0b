//! wdlab: what weight decay does, and why it is not L2 regularisation for Adam, on MNIST.
//!
//! Data flow: `data` (IDX files) → `train` (an `model::Mlp` stepped by an `optim::WdOptimizer`;
//! on the CPU by `cpu_net`, host buffers and gemm)
//! → `metrics` (CSV/JSON as it goes). `cli` defines the flags, `config` validates them,
//! `commands` runs each subcommand, `device` picks CPU or CUDA, `error` maps failures to exit
//! codes, `plots` draws SVG figures. The study: `sweep` (grids, results.csv, resume, shards),
//! `jobs` (cells side by side on the CPU's cores), `report` (analysis, verdicts, report.md),
//! `study` (presets, equivalence check, reproduce), `compare` (the four variants side by side).

pub mod bench;
pub mod cli;
pub mod commands;
pub mod compare;
pub mod config;
pub mod cpu_net;
pub mod data;
pub mod device;
pub mod error;
pub mod jobs;
pub mod metrics;
pub mod model;
pub mod optim;
pub mod plots;
pub mod population;
pub mod report;
pub mod study;
pub mod sweep;
pub mod train;
pub mod trajectory;
