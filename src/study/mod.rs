//! The study: many training runs (cells) over a grid of learning rate × decay × seed, in a
//! folder that resumes. Its settings ([`settings`]) and how its cells run ([`execution`]), the
//! grid and its shards ([`grid`]), the results files ([`results`]), the files that make a
//! folder a study ([`folder`]), training the cells ([`run_cells`]), `wdlab sweep` ([`sweep`]),
//! the presets ([`presets`]), the equivalence check ([`equivalence`]) and `wdlab compare`'s
//! runs ([`compare`]).

pub(crate) mod backfill;
pub(crate) mod compare;
pub(crate) mod equivalence;
pub(crate) mod execution;
pub(crate) mod folder;
pub(crate) mod grid;
pub(crate) mod predictions;
pub(crate) mod presets;
pub(crate) mod results;
pub(crate) mod run_cells;
pub(crate) mod settings;
pub(crate) mod sweep;

pub(crate) use compare::{compare, CompareLine};
pub(crate) use equivalence::equivalence;
pub(crate) use execution::{CellBackend, Execution};
pub(crate) use folder::{read_equivalence, write_equivalence, Equivalence, EquivalencePair};
pub(crate) use grid::{Cell, CellKey, Grid, MethodGrid, Shard};
pub(crate) use presets::{preset, Preset, PresetSpec};
pub(crate) use results::{read_results, ResultRow, Status};
pub(crate) use settings::{read_study, Settings};
pub(crate) use sweep::{sweep, sweep_cells};
