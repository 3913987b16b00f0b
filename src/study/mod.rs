//! The study: many training runs (cells) over a grid of learning rate × decay × seed, in a
//! folder that resumes. Its settings ([`settings`]) and how its cells run ([`execution`]), the
//! grid and its shards ([`grid`]), the results files ([`results`]), the files that make a
//! folder a study ([`folder`]), training the cells ([`run_cells`]), `wdlab sweep` ([`sweep`]),
//! the presets ([`presets`]), the equivalence check ([`equivalence`]) and `wdlab compare`'s
//! runs ([`compare`]).

pub mod compare;
pub mod equivalence;
pub mod execution;
pub mod folder;
pub mod grid;
pub mod presets;
pub mod results;
pub mod run_cells;
pub mod settings;
pub mod sweep;

pub use compare::{compare, CompareLine};
pub use equivalence::{equivalence, matching_decoupled};
pub use execution::{CellBackend, Execution};
pub use folder::{
    claim_study_dir, read_equivalence, read_study, write_equivalence, Equivalence, EquivalencePair,
};
pub use grid::{Cell, CellKey, Grid, MethodGrid, Shard};
pub use presets::{preset, Preset, PresetSpec};
pub use results::{read_results, ResultRow, Status, RESULTS_HEADER};
pub use run_cells::{run_cells, CellSink};
pub use settings::Settings;
pub use sweep::{sweep, SweepSummary};
