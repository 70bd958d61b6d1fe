//! govern: keeps an AWS Organization in the shape its platform team declared.
//!
//! Data flows one way: `config` (org.toml → Desired) · `discover` (AWS → Actual) · `plan` (pure) ·
//! `render` · `apply`. AWS calls live only in `discover`, `apply` and `aws`.

pub mod apply;
pub mod aws;
pub mod cli;
pub mod commands;
pub mod config;
pub mod discover;
pub mod error;
pub mod evidence;
pub mod exit;
pub mod import;
pub mod logging;
pub mod model;
pub mod plan;
pub mod render;
