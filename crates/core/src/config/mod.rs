//! org.toml → [`Desired`](crate::model::Desired). Knows TOML and files, nothing of AWS.
//!
//! - `raw`: the file's tables and values with their spans (syntax, unknown keys, types);
//! - `validate` and `policies`: what they mean (ids, references, duplicates, limits);
//! - `baselines` and `contacts`: the member-account baselines (contacts, key rotation, logging,
//!   exemptions);
//! - `files`: reading them as untrusted names: plain files, size caps, inside the directory;
//! - `fmt`: `govern fmt`, tables in canonical order;
//! - `include`: accounts, OUs and exemptions in files of their own (`include = ["accounts/*.toml"]`);
//! - `policy_file`: policy JSON files of every kind; `grammar`: each kind's document rules;
//!   `templates`: generated SCPs;
//! - `error`: problems that name file, line, column and key;
//! - `schema`: the JSON Schema of org.toml for editors (docs/org.schema.json);
//! - `sarif`: problems as a SARIF 2.1.0 log (`govern validate --format sarif`).

mod baselines;
mod contacts;
pub mod delegated;
mod error;
pub mod files;
pub mod fmt;
pub mod grammar;
mod include;
mod load;
mod policies;
pub mod policy_file;
mod problems;
mod raw;
pub mod sarif;
pub mod schema;
mod security;
mod tags;
pub mod templates;
pub mod trail;
mod validate;

pub use error::{ConfigError, Problem};
pub use load::{config_files, load, load_with, Loaded, Options};
pub use policies::MAX_DESCRIPTION;
pub use validate::{DEFAULT_MEMBER_ROLE, MAX_ACCOUNT_NAME};
