//! aoai-vnet: compiles a topology file into Azure deployment files that put an Azure OpenAI
//! account inside a virtual network. The pipeline: `yaml` (text to a span-aware tree), `syntax`
//! (tree to the syntax tree), `check` (to the `model`), `lower` (to the `ir`), `emit` (to files).

pub mod azure;
pub mod check;
pub mod diag;
pub mod model;
pub mod source;
pub mod syntax;
pub mod yaml;
