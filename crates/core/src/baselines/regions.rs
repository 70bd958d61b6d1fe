//! Opt-in regions outside `allowed_regions`: every account's opted-in regions (ListRegions,
//! filtered to ENABLED and ENABLING) are disabled (DisableRegion, 1/s and 6 in flight per account,
//! 50 per organization) unless allowed (`govern::baselines::regions`). Regions enabled by default
//! cannot be disabled: the deny-regions SCP covers them.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{Account, Baseline, BaselineChange, MemberChange};
use crate::control::{Control, Eval};
use crate::model::Finding;
use crate::model::{AccountId, AccountRef, Address, BaselineKind, Desired, MemberState};

pub struct Regions;

/// DisableRegion for an opt-in region outside allowed_regions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisableRegion {
    pub account: AccountId,
    pub region: String,
}

/// The compliance rule: a region the account has opted in to (or is opting in to) must be allowed.
pub fn must_disable(desired: &Desired, region: &str, status: &str) -> bool {
    // ENABLED_BY_DEFAULT regions cannot be disabled: the deny-regions SCP covers them.
    let opted_in = status == "ENABLED" || status == "ENABLING";
    opted_in && !desired.allowed_regions.iter().any(|r| r.as_str() == region)
}

impl Baseline for Regions {
    fn kind(&self) -> BaselineKind {
        BaselineKind::Regions
    }

    fn declared(&self, desired: &Desired) -> bool {
        !desired.allowed_regions.is_empty()
    }

    fn exempt_address(&self, account: &AccountId) -> Address {
        Address::Regions(account.clone())
    }

    fn plan(
        &self,
        cx: &Account<'_>,
        changes: &mut Vec<MemberChange>,
        _findings: &mut Vec<Finding>,
    ) {
        for (region, status) in &cx.state.regions {
            if must_disable(cx.desired, region, status) {
                changes.push(MemberChange::DisableRegion(DisableRegion {
                    account: cx.id.clone(),
                    region: region.clone(),
                }));
            }
        }
    }

    // No evidence control yet: the deny-regions SCP control (GOV.SCP.2) covers regions today.
    fn controls(&self) -> &'static [&'static Control] {
        &[]
    }

    fn evaluate(&self, _eval: &mut Eval<'_>) {}
}

impl BaselineChange for DisableRegion {
    fn address(&self) -> Address {
        Address::Region {
            account: self.account.clone(),
            region: self.region.clone(),
        }
    }

    fn rank(&self) -> u8 {
        11
    }

    fn account(&self) -> AccountRef {
        AccountRef::Id(self.account.clone())
    }

    fn target_kind(&self) -> &'static str {
        "region"
    }

    fn simulate(&self, state: &mut MemberState) -> Result<(), String> {
        state.regions.insert(self.region.clone(), "DISABLED".into());
        Ok(())
    }

    fn fingerprint(&self, state: &MemberState) -> Value {
        json!(state.regions.get(&self.region))
    }

    fn details(&self) -> Vec<String> {
        vec!["opt-in status: ENABLED → DISABLED".into()]
    }
}
