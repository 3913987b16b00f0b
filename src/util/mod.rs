//! Small helpers every layer uses: the one atomic file write ([`fs`]), number formatting for
//! tables, labels and file names ([`fmt`]), reading wdlab's CSV rows ([`csv`]), the
//! statistics the analysis rests on ([`stats`]), and what /proc says ([`sys`]).

pub(crate) mod csv;
pub(crate) mod fmt;
pub(crate) mod fs;
pub(crate) mod interrupt;
pub(crate) mod stats;
pub(crate) mod sys;
