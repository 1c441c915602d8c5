//! Emitters: pure renderings of the IR.

pub mod arm;
pub mod bicep;
pub mod graph;
pub mod limits;
pub mod plan;
