//! Emitters: pure renderings of the IR.

pub mod arm;
