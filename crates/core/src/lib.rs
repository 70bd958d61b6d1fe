//! govern's pure part: everything that needs no AWS SDK, in a crate that cannot depend on one, so
//! the planner cannot reach AWS by accident (as kube-rs keeps kube-core free of a client).
//!
//! Data flows one way: `config` (org.toml → Desired) · `plan` ((Desired, Actual) → Plan, pure) ·
//! `render` (Plan → text, JSON, Markdown) · `evidence` (Desired × Actual → controls and bundles).
//! `model` is the vocabulary they share; `state` the digests and records kept between runs.
//! Discovery, apply and sessions (the AWS side) live in the `govern` crate.

pub mod account_name;
pub mod baselines;
pub mod config;
pub mod control;
pub mod drift;
pub mod evidence;
pub mod import;
pub mod model;
pub mod plan;
pub mod render;
pub mod root_access;
pub mod security;
pub mod snapshot;
pub mod state;
pub mod time;
pub mod trail;
