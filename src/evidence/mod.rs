//! Audit evidence: the catalogue, bundles, archives and verification are pure and live in the core
//! crate (re-exported here); the AWS side is signing a bundle's statement with a KMS key (`sign`)
//! and importing the rows into Security Hub (`security_hub`).

pub use govern_core::evidence::*;

pub mod security_hub;
pub mod sign;
