//! Rotation of customer-managed KMS keys in every allowed region of every account
//! (`[key_rotation] kms_rotation_period_days`, exemptions by key ARN). Read with ListKeys,
//! DescribeKey and GetKeyRotationStatus; set with EnableKeyRotation and RotationPeriodInDays
//! (`govern::baselines::kms`).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{Account, Baseline, BaselineChange, MemberChange};
use crate::control::{Control, Eval, On, Status};
use crate::model::{
    AccountId, AccountRef, Address, BaselineKind, Desired, KeyRotation, KmsKey, MemberState,
};
use crate::model::{Finding, FindingKind};

pub struct Kms;

/// The rotation period AWS uses when EnableKeyRotation is called without one (import suggests it
/// when nothing rotates yet). A period GetKeyRotationStatus did not return is unknown, never this.
pub const DEFAULT_KMS_ROTATION_DAYS: u32 = 365;

/// EnableKeyRotation with RotationPeriodInDays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnableKeyRotation {
    pub account: AccountId,
    pub region: String,
    pub key_id: String,
    pub key_arn: String,
    pub before_enabled: bool,
    pub before_period_days: Option<u32>,
    pub period_days: u32,
}

/// Why a key's rotation is not govern's to manage, if it is not. Rotation applies only to enabled,
/// customer-managed, symmetric encryption keys with AWS-generated key material.
pub fn skip_reason(key: &KmsKey) -> Option<String> {
    if key.manager != "CUSTOMER" {
        return Some("AWS-managed key: AWS rotates it every year".into());
    }
    if key.is_replica() {
        // A replica shares its primary's rotation, which KMS synchronizes; it cannot be set on
        // the replica (https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-keys-overview.html).
        let primary = key.primary_region.as_deref().unwrap_or("another Region");
        return Some(format!(
            "Multi-Region replica key: its rotation follows the primary key in {primary}, where govern sets it"
        ));
    }
    if key.state == "PendingDeletion" || key.state == "PendingReplicaDeletion" {
        return Some("pending deletion".into());
    }
    if key.state != "Enabled" {
        return Some(format!(
            "key state is {}: rotation applies to enabled keys",
            key.state
        ));
    }
    if key.spec != "SYMMETRIC_DEFAULT" {
        return Some(format!(
            "{} key: automatic rotation applies to symmetric encryption keys only",
            key.spec
        ));
    }
    if key.origin != "AWS_KMS" {
        return Some(format!(
            "key material origin {}: automatic rotation needs AWS-generated material",
            key.origin
        ));
    }
    None
}

/// The compliance rule, for the planner and the evidence alike.
pub enum Verdict {
    /// Exempted by ARN in `[key_rotation]`, with the reason given.
    Exempt(String),
    /// Not govern's to manage ([`skip_reason`]).
    NotManaged(String),
    /// Rotation on, at most every `max` days.
    Compliant { period: u32 },
    /// Rotation off.
    Off,
    /// Rotation on, less often than `max` (or at a period not reported).
    TooLong { period: Option<u32> },
}

pub fn verdict(rot: &KeyRotation, key: &KmsKey) -> Verdict {
    if let Some(reason) = rot.exempt_keys.get(&key.arn) {
        return Verdict::Exempt(reason.clone());
    }
    if let Some(reason) = skip_reason(key) {
        return Verdict::NotManaged(reason);
    }
    let enabled = key.rotation_enabled.unwrap_or(false);
    // A period the API did not return is unknown: the key may rotate every 730 days.
    match (enabled, key.rotation_period_days) {
        (false, _) => Verdict::Off,
        (true, Some(p)) if p <= rot.kms_rotation_period_days => Verdict::Compliant { period: p },
        (true, period) => Verdict::TooLong { period },
    }
}

// CIS AWS Foundations 3.8 (v1.5/v2.0), 3.6 (v3.0/v4.0.1/v5.0); Security Hub KMS.4; Prowler
// kms_cmk_rotation_enabled; PCI DSS 4.0.1 3.7.4; ISO/IEC 27001:2022 A.8.24.
pub const KMS_ROTATION: Control = Control {
    id: "GOV.KMS.1",
    title: "KMS customer-managed key rotation on within the period",
    checks: "Every enabled customer-managed symmetric KMS key with AWS-generated material, in each allowed region of each account, has automatic rotation on with a period no longer than kms_rotation_period_days.",
    frameworks: &[
        "CIS AWS Foundations 3.8 (v1.5/v2.0)",
        "CIS AWS Foundations 3.6 (v3.0/v4.0.1/v5.0)",
        "AWS Security Hub KMS.4",
        "PCI DSS 4.0.1 3.7.4",
        "ISO/IEC 27001:2022 A.8.24",
    ],
};

impl Baseline for Kms {
    fn kind(&self) -> BaselineKind {
        BaselineKind::Kms
    }

    fn declared(&self, desired: &Desired) -> bool {
        desired.baselines.key_rotation.is_some()
    }

    fn exempt_address(&self, account: &AccountId) -> Address {
        Address::Keys(account.clone())
    }

    fn plan(&self, cx: &Account<'_>, changes: &mut Vec<MemberChange>, findings: &mut Vec<Finding>) {
        let Some(rot) = &cx.desired.baselines.key_rotation else {
            return;
        };
        for key in &cx.state.keys {
            let address = Address::Key {
                account: cx.id.clone(),
                region: key.region.clone(),
                key_id: key.id.clone(),
            };
            match verdict(rot, key) {
                Verdict::Exempt(reason) => super::skipped(findings, address, &reason),
                Verdict::NotManaged(reason) => findings.push(Finding {
                    address,
                    kind: FindingKind::Skipped,
                    message: reason,
                }),
                Verdict::Compliant { .. } => {}
                Verdict::Off | Verdict::TooLong { .. } => {
                    changes.push(MemberChange::EnableKeyRotation(EnableKeyRotation {
                        account: cx.id.clone(),
                        region: key.region.clone(),
                        key_id: key.id.clone(),
                        key_arn: key.arn.clone(),
                        before_enabled: key.rotation_enabled.unwrap_or(false),
                        before_period_days: key.rotation_period_days,
                        period_days: rot.kms_rotation_period_days,
                    }))
                }
            }
        }
    }

    fn controls(&self) -> &'static [&'static Control] {
        &[&KMS_ROTATION]
    }

    fn evaluate(&self, eval: &mut Eval<'_>) {
        let Some(rot) = eval.desired.baselines.key_rotation.clone() else {
            eval.push(
                &KMS_ROTATION,
                On::org(Address::Capability("kms"), String::new()),
                Status::NotApplicable,
                "",
                "org.toml has no [key_rotation]",
            );
            return;
        };
        let max = rot.kms_rotation_period_days;
        let expected = format!("rotation on, every {max} days or less");
        let ids: Vec<AccountId> = eval.actual.accounts.keys().cloned().collect();
        let regions = eval.regions();
        for id in ids {
            let Some(state) = eval.inside(
                &KMS_ROTATION,
                &id,
                BaselineKind::Kms,
                Address::Keys(id.clone()),
                &expected,
                |s| {
                    (s.keys.is_empty() && !s.unread.iter().any(unread_keys))
                        .then(|| format!("no KMS keys in {regions}"))
                },
            ) else {
                continue;
            };
            // Keys (or a region's key list) AWS would not let govern read: not evaluated.
            for u in state.unread.iter().filter(|u| unread_keys(u)) {
                let region = match &u.address {
                    Address::Key { region, .. } => Some(region.clone()),
                    _ => None,
                };
                let on = On {
                    account: Some(id.clone()),
                    region,
                    resource: u.address.clone(),
                    arn: String::new(),
                };
                eval.push(
                    &KMS_ROTATION,
                    on,
                    Status::Error,
                    &expected,
                    u.reason.clone(),
                );
            }
            for key in &state.keys {
                let on = On {
                    account: Some(id.clone()),
                    region: Some(key.region.clone()),
                    resource: Address::Key {
                        account: id.clone(),
                        region: key.region.clone(),
                        key_id: key.id.clone(),
                    },
                    arn: key.arn.clone(),
                };
                let (status, observed) = match verdict(&rot, key) {
                    Verdict::Exempt(r) => (Status::NotApplicable, format!("exempt: {r}")),
                    Verdict::NotManaged(r) => (Status::NotApplicable, r),
                    Verdict::Off => (Status::Fail, "rotation off".to_string()),
                    Verdict::Compliant { period } => {
                        (Status::Pass, format!("rotation on, every {period} days"))
                    }
                    Verdict::TooLong { period: Some(p) } => {
                        (Status::Fail, format!("rotation on, every {p} days"))
                    }
                    Verdict::TooLong { period: None } => {
                        (Status::Fail, "rotation on, period unknown".into())
                    }
                };
                eval.push(&KMS_ROTATION, on, status, &expected, observed);
            }
        }
    }
}

/// A refused read of keys: one key, or a region's key list.
fn unread_keys(u: &crate::model::Unread) -> bool {
    u.refused && u.baselines.contains(&BaselineKind::Kms)
}

impl BaselineChange for EnableKeyRotation {
    fn address(&self) -> Address {
        Address::Key {
            account: self.account.clone(),
            region: self.region.clone(),
            key_id: self.key_id.clone(),
        }
    }

    fn rank(&self) -> u8 {
        12
    }

    fn account(&self) -> AccountRef {
        AccountRef::Id(self.account.clone())
    }

    fn target_kind(&self) -> &'static str {
        "kms"
    }

    fn simulate(&self, state: &mut MemberState) -> Result<(), String> {
        let key = state
            .keys
            .iter_mut()
            .find(|k| k.id == self.key_id && k.region == self.region)
            .ok_or_else(|| "no such key".to_string())?;
        key.rotation_enabled = Some(true);
        key.rotation_period_days = Some(self.period_days);
        Ok(())
    }

    fn fingerprint(&self, state: &MemberState) -> Value {
        json!(state
            .keys
            .iter()
            .find(|k| k.region == self.region && k.id == self.key_id))
    }

    fn details(&self) -> Vec<String> {
        let was = match (self.before_enabled, self.before_period_days) {
            (false, _) => "off".to_string(),
            (true, Some(p)) => format!("every {p} days"),
            (true, None) => "on, period not reported".to_string(),
        };
        vec![format!("rotation: {was} → every {} days", self.period_days)]
    }
}
