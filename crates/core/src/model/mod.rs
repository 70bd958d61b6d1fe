//! The shared vocabulary: identifiers, what the file declares, what AWS holds.

mod actual;
mod address;
mod baseline;
mod desired;
mod document;
mod ids;
mod outcome;
mod policy_kind;
mod root_access;
mod security;
mod trail;

pub use actual::*;
pub use address::{AccountRef, Address};
pub use baseline::*;
pub use desired::*;
pub use document::*;
pub use ids::*;
pub use outcome::{Action, Finding, FindingKind};
pub use policy_kind::{Grammar, PolicyKey, PolicyKind, RCP_FULL_AWS_ACCESS};
pub use root_access::{RootAccess, RootFeature, IAM_SERVICE};
pub use security::{Enablement, Security, SecurityService, ServiceSpec, SERVICES};
pub use trail::*;

/// The name of the unattached SCP that is the organization's apply lock (govern::apply::lock):
/// discovery leaves it out of the organization's policies, and org.toml cannot declare it.
pub const LOCK_POLICY: &str = "govern-apply-lock";
