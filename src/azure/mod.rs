//! Azure facts, each in one place with its source. Nothing else in the crate hard-codes an API
//! version, a zone name, a region, a naming rule or a Bastion rule.

pub mod api_versions;
pub mod arm;
pub mod bastion_rules;
pub mod clouds;
pub mod diagnostics;
pub mod images;
pub mod limits;
pub mod locks;
pub mod models;
pub mod naming;
pub mod network;
pub mod openai_api;
pub mod regions;
pub mod roles;
pub mod skus;
pub mod vm;
pub mod whatif_noise;
