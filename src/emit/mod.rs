//! Emitters: pure renderings of the IR.

pub mod arm;
pub mod graph;
pub mod plan;
