//! govern: keeps an AWS Organization in the shape its platform team declared.
//!
//! Data flows one way: `config` (org.toml → Desired) · `discover` (AWS → Actual) · `plan` (pure) ·
//! `render` · `apply`. The pure part (model, config, plan, render, evidence, import) is the
//! `govern-core` crate, which has no AWS SDK; it is re-exported here under the same names. AWS calls
//! live only in `aws` (sessions), `discover`, `apply` and `evidence::sign`.

pub use govern_core::{config, drift, import, model, plan, render, state, time};

pub mod account_name;
pub mod apply;
pub mod aws;
pub mod baselines;
pub mod cli;
pub mod commands;
pub mod connect;
pub mod discover;
pub mod error;
pub mod evidence;
pub mod exit;
pub mod logging;
pub mod root_access;
pub mod security;
pub mod trail;
