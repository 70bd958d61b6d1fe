//! Opt-in regions outside `allowed_regions`: every account's opted-in regions (ListRegions) are
//! disabled (DisableRegion) unless allowed (`govern::baselines::regions`), within AWS's quotas of 6
//! opt-in changes in progress per account and 50 per organization (the rest waits for a later
//! plan); a Region still ENABLING is left until it is enabled. Regions enabled by default cannot be
//! disabled: the deny-regions SCP covers them.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{Account, Baseline, BaselineChange, MemberChange};
use crate::control::{Control, Eval, On, Status};
use crate::model::{AccountId, AccountRef, Address, BaselineKind, Desired, MemberState};
use crate::model::{Finding, FindingKind};

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

    fn plan(&self, cx: &Account<'_>, changes: &mut Vec<MemberChange>, findings: &mut Vec<Finding>) {
        // Opt-in changes already in progress count against the account's quota.
        let mut allowed = ACCOUNT_QUOTA.saturating_sub(in_progress(cx.state));
        for (region, status) in &cx.state.regions {
            if !must_disable(cx.desired, region, status) {
                continue;
            }
            let address = Address::Region {
                account: cx.id.clone(),
                region: region.clone(),
            };
            if status == "ENABLING" {
                // AWS refuses DisableRegion while the Region is being enabled (ConflictException).
                findings.push(Finding {
                    address,
                    kind: FindingKind::NonCompliant,
                    message: "enabling: disable it once enabled".into(),
                });
            } else if allowed == 0 {
                findings.push(Finding {
                    address,
                    kind: FindingKind::NonCompliant,
                    message: deferred(&format!(
                        "{ACCOUNT_QUOTA} Region opt-in changes at once per account"
                    )),
                });
            } else {
                allowed -= 1;
                changes.push(MemberChange::DisableRegion(DisableRegion {
                    account: cx.id.clone(),
                    region: region.clone(),
                }));
            }
        }
    }

    fn controls(&self) -> &'static [&'static Control] {
        &[&OPT_IN_REGIONS]
    }

    /// One row per account: the opt-in Regions it has enabled (or is enabling) outside
    /// allowed_regions, by the same rule the planner disables them by. Regions AWS did not list
    /// (a refused ListRegions, an account not read) are ERROR, never assumed disabled.
    fn evaluate(&self, eval: &mut Eval<'_>) {
        if !self.declared(eval.desired) {
            eval.push(
                &OPT_IN_REGIONS,
                On::org(Address::Capability("org"), String::new()),
                Status::NotApplicable,
                "",
                "org.toml declares no allowed_regions",
            );
            return;
        }
        let expected = format!("no opt-in Region enabled outside {}", eval.regions());
        let ids: Vec<AccountId> = eval.actual.accounts.keys().cloned().collect();
        for id in ids {
            let on = On::account(&id, Address::Regions(id.clone()), eval.account_arn(&id));
            if let Some(reason) = eval.exemption(&id, BaselineKind::Regions) {
                eval.push(
                    &OPT_IN_REGIONS,
                    on,
                    Status::NotApplicable,
                    &expected,
                    reason,
                );
                continue;
            }
            let (status, observed) = match eval.member(&id) {
                Err(e) => e,
                Ok(state) => observe(eval.desired, &id, state),
            };
            eval.push(&OPT_IN_REGIONS, on, status, &expected, observed);
        }
    }
}

// No public anchor checks an account's opt-in Regions (CIS and Security Hub have none; Prowler's
// organizations_scp_check_deny_regions reads the region-deny SCP, which GOV.SCP.2 covers): none cited.
pub const OPT_IN_REGIONS: Control = Control {
    id: "GOV.REGION.1",
    title: "No opt-in Region enabled outside allowed_regions",
    checks: "Every account has no opt-in Region enabled, or being enabled, outside allowed_regions, as the Account API's ListRegions reports it.",
    frameworks: &[],
};

/// GOV.REGION.1's outcome for one account read.
fn observe(desired: &Desired, id: &AccountId, state: &MemberState) -> (Status, String) {
    let whole = Address::Regions(id.clone());
    if let Some(unread) = state.unread.iter().find(|u| u.address == whole) {
        return (
            Status::Error,
            format!("could not be read: {}", unread.reason),
        );
    }
    if state.regions.is_empty() {
        // ListRegions always lists the Regions enabled by default; nothing at all is an answer
        // govern cannot take as "none enabled".
        return (
            Status::Error,
            "ListRegions listed no Region at all: unknown, not taken as compliant".into(),
        );
    }
    let outside: Vec<String> = state
        .regions
        .iter()
        .filter(|(r, s)| must_disable(desired, r, s))
        .map(|(r, s)| format!("{r} ({s})"))
        .collect();
    if !outside.is_empty() {
        return (
            Status::Fail,
            format!("enabled outside allowed_regions: {}", outside.join(", ")),
        );
    }
    let opted_in: Vec<&str> = state
        .regions
        .iter()
        .filter(|(_, s)| *s == "ENABLED" || *s == "ENABLING")
        .map(|(r, _)| r.as_str())
        .collect();
    let observed = if opted_in.is_empty() {
        "no opt-in Region enabled".to_string()
    } else {
        format!(
            "opt-in Regions enabled, all allowed: {}",
            opted_in.join(", ")
        )
    };
    (Status::Pass, observed)
}

/// Region opt-in changes (EnableRegion, DisableRegion) AWS runs at once per account and per
/// organization: "Number of concurrent region-opt requests", counted while the change is in
/// progress (ENABLING or DISABLING, minutes to hours), not while the HTTP request is
/// (https://docs.aws.amazon.com/accounts/latest/reference/quotas.html).
pub const ACCOUNT_QUOTA: usize = 6;
pub const ORGANIZATION_QUOTA: usize = 50;

/// The account's opt-in changes in progress, as read.
pub fn in_progress(state: &MemberState) -> usize {
    state
        .regions
        .values()
        .filter(|s| *s == "ENABLING" || *s == "DISABLING")
        .count()
}

/// The finding's message for a DisableRegion left for a later plan by a quota.
pub fn deferred(quota: &str) -> String {
    format!("not disabled by this plan: AWS runs at most {quota}, counting those in progress; plan again once they finish")
}

/// The finding for a DisableRegion at `address` that the organization's quota leaves for a later
/// plan; `share` names a shard's part of it (`--shard`), none for a whole plan.
pub fn deferred_by_organization(address: Address, share: Option<(&str, usize)>) -> Finding {
    let quota = match share {
        Some((shard, n)) => format!(
            "{ORGANIZATION_QUOTA} Region opt-in changes at once per organization (shard {shard}'s share: {n})"
        ),
        None => format!("{ORGANIZATION_QUOTA} Region opt-in changes at once per organization"),
    };
    Finding {
        address,
        kind: FindingKind::NonCompliant,
        message: deferred(&quota),
    }
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
