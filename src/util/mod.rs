//! Small helpers every layer uses: the one atomic file write ([`fs`]), number formatting for
//! tables, labels and file names ([`fmt`]), reading wdlab's CSV rows ([`csv`]), and the
//! statistics the analysis rests on ([`stats`]).

pub mod csv;
pub mod fmt;
pub mod fs;
pub mod stats;
