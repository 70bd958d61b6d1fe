//! What a plan says besides its changes' content: the kind of a change (with its display symbol)
//! and findings. Here, below the planner, so that baselines can make them without the planner.

use serde::{Deserialize, Serialize};

use super::Address;

/// What a change does, and its display symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Delete,
}

impl Action {
    pub fn symbol(self) -> char {
        match self {
            Action::Create => '+',
            Action::Update => '~',
            Action::Delete => '-',
        }
    }
}

/// Something a reviewer must see that is not a change: an account that could not be read, a
/// resource govern skips (with why), or one that is out of policy and govern will not fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub address: Address,
    pub kind: FindingKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// Could not be read: the plan is incomplete for this address.
    Error,
    /// Out of policy, and govern does not change it (e.g. a secret with no rotation function).
    NonCompliant,
    /// Outside what govern manages, with the reason (an AWS-managed key, an exemption).
    Skipped,
}
