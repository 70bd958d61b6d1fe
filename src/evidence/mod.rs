//! Audit evidence: the catalogue, bundles, archives and verification are pure and live in the core
//! crate (re-exported here); signing a bundle's statement with a KMS key is the one AWS call.

pub use govern_core::evidence::*;

pub mod sign;
