//! Rotation of Secrets Manager secrets in every allowed region of every account
//! (`[key_rotation] secret_max_rotation_days`, exemptions by secret ARN). Read with ListSecrets
//! (metadata only: never a value); set with RotateSecret and RotateImmediately=false
//! (`govern::baselines::secrets`).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{Account, Baseline, BaselineChange, MemberChange};
use crate::control::{Control, Eval, On, Status};
use crate::model::{
    AccountId, AccountRef, Address, BaselineKind, Desired, KeyRotation, MemberState, SecretInfo,
};
use crate::model::{Finding, FindingKind};

pub struct Secrets;

/// RotateSecret with new RotationRules and RotateImmediately=false (the value is never read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetSecretRotation {
    pub account: AccountId,
    pub region: String,
    pub secret_arn: String,
    pub name: String,
    pub before_enabled: bool,
    pub before_days: Option<u32>,
    pub days: u32,
    /// The secret's rotation function, named again so RotateSecret keeps it; empty for managed
    /// rotation.
    pub function: String,
    /// The service that manages the secret's rotation (OwningService): RotateSecret then names no
    /// function.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_by: Option<String>,
    /// The secret's rotation window (Duration), sent again so the change keeps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
    /// Write the schedule as ScheduleExpression `rate(N days)` (the secret has a schedule
    /// expression, or a window, which starts by one) instead of AutomaticallyAfterDays.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub as_schedule: bool,
}

impl SetSecretRotation {
    /// The ScheduleExpression RotateSecret sends when [`SetSecretRotation::as_schedule`].
    pub fn schedule(&self) -> String {
        format!("rate({} days)", self.days)
    }
}

/// The compliance rule, for the planner and the evidence alike: rotation on, at most every
/// `secret_max_rotation_days`.
pub fn compliant(rot: &KeyRotation, secret: &SecretInfo) -> bool {
    secret.rotation_enabled
        && secret
            .rotation_days
            .is_some_and(|d| d <= rot.secret_max_rotation_days)
}

/// Whether the secret has a rotation function (without one, govern cannot turn rotation on).
pub fn has_function(secret: &SecretInfo) -> bool {
    secret
        .rotation_lambda
        .as_deref()
        .is_some_and(|f| !f.is_empty())
}

/// The service managing the secret's rotation when it has no rotation function of its own
/// (managed rotation: https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_managed.html).
pub fn managed_by(secret: &SecretInfo) -> Option<&str> {
    secret
        .owning_service
        .as_deref()
        .filter(|s| !s.is_empty() && !has_function(secret))
}

// Security Hub SecretsManager.1 (rotation on) and SecretsManager.4 (maxDaysSinceRotation, default 90);
// Prowler secretsmanager_automatic_rotation_enabled and secretsmanager_secret_rotated_periodically;
// PCI DSS 4.0.1 8.6.3 and 8.3.9.
pub const SECRET_ROTATION: Control = Control {
    id: "GOV.SECRETS.1",
    title: "Secrets rotation on within the maximum",
    checks: "Every Secrets Manager secret, in each allowed region of each account, has automatic rotation on with an interval no longer than secret_max_rotation_days.",
    frameworks: &[
        "AWS Security Hub SecretsManager.1",
        "AWS Security Hub SecretsManager.4",
        "PCI DSS 4.0.1 8.6.3",
        "PCI DSS 4.0.1 8.3.9",
    ],
};

impl Baseline for Secrets {
    fn kind(&self) -> BaselineKind {
        BaselineKind::Secrets
    }

    fn declared(&self, desired: &Desired) -> bool {
        desired.baselines.key_rotation.is_some()
    }

    fn exempt_address(&self, account: &AccountId) -> Address {
        Address::Secrets(account.clone())
    }

    fn plan(&self, cx: &Account<'_>, changes: &mut Vec<MemberChange>, findings: &mut Vec<Finding>) {
        let Some(rot) = &cx.desired.baselines.key_rotation else {
            return;
        };
        for secret in &cx.state.secrets {
            let address = Address::Secret {
                account: cx.id.clone(),
                region: secret.region.clone(),
                name: secret.name.clone(),
            };
            if let Some(reason) = rot.exempt_secrets.get(&secret.arn) {
                super::skipped(findings, address, reason);
                continue;
            }
            if let Some(primary) = secret.replica_of() {
                // AWS refuses changes to a replica in its own Region; the primary's rotation is
                // the replica's.
                findings.push(Finding {
                    address,
                    kind: FindingKind::Skipped,
                    message: format!(
                        "replica of the secret in {primary}: its rotation is set on the primary"
                    ),
                });
                continue;
            }
            let managed_by = managed_by(secret);
            if !has_function(secret) && managed_by.is_none() {
                findings.push(Finding {
                    address,
                    kind: FindingKind::NonCompliant,
                    message: "no rotation function: rotation cannot be turned on until the secret has one (govern never invents a function)".into(),
                });
                continue;
            }
            if !compliant(rot, secret) {
                changes.push(MemberChange::SetSecretRotation(SetSecretRotation {
                    account: cx.id.clone(),
                    region: secret.region.clone(),
                    secret_arn: secret.arn.clone(),
                    name: secret.name.clone(),
                    before_enabled: secret.rotation_enabled,
                    before_days: secret.rotation_days,
                    days: rot.secret_max_rotation_days,
                    function: secret.rotation_lambda.clone().unwrap_or_default(),
                    managed_by: managed_by.map(str::to_string),
                    window: secret.window.clone(),
                    as_schedule: secret.schedule.is_some() || secret.window.is_some(),
                }));
            }
        }
    }

    fn controls(&self) -> &'static [&'static Control] {
        &[&SECRET_ROTATION]
    }

    fn evaluate(&self, eval: &mut Eval<'_>) {
        let Some(rot) = eval.desired.baselines.key_rotation.clone() else {
            eval.push(
                &SECRET_ROTATION,
                On::org(Address::Capability("secret"), String::new()),
                Status::NotApplicable,
                "",
                "org.toml has no [key_rotation]",
            );
            return;
        };
        let max = rot.secret_max_rotation_days;
        let expected = format!("rotation on, every {max} days or less");
        let ids: Vec<AccountId> = eval.actual.accounts.keys().cloned().collect();
        let regions = eval.regions();
        for id in ids {
            let Some(state) = eval.inside(
                &SECRET_ROTATION,
                &id,
                BaselineKind::Secrets,
                Address::Secrets(id.clone()),
                &expected,
                |s| {
                    s.secrets
                        .is_empty()
                        .then(|| format!("no secrets in {regions}"))
                },
            ) else {
                continue;
            };
            for s in &state.secrets {
                let on = On {
                    account: Some(id.clone()),
                    region: Some(s.region.clone()),
                    resource: Address::Secret {
                        account: id.clone(),
                        region: s.region.clone(),
                        name: s.name.clone(),
                    },
                    arn: s.arn.clone(),
                };
                let (status, observed) = if let Some(r) = rot.exempt_secrets.get(&s.arn) {
                    (Status::NotApplicable, format!("exempt: {r}"))
                } else if let Some(primary) = s.replica_of() {
                    (
                        Status::NotApplicable,
                        format!("replica of the secret in {primary}, evaluated there"),
                    )
                } else if compliant(&rot, s) {
                    let d = s.rotation_days.unwrap_or_default();
                    (Status::Pass, format!("rotation on, every {d} days"))
                } else {
                    let function = if s.rotation_lambda.is_some() || managed_by(s).is_some() {
                        ""
                    } else {
                        ", no rotation function"
                    };
                    match (s.rotation_enabled, s.rotation_days) {
                        (true, Some(d)) => (
                            Status::Fail,
                            format!("rotation on, every {d} days{function}"),
                        ),
                        (true, None) => (
                            Status::Fail,
                            format!("rotation on, interval unknown{function}"),
                        ),
                        (false, _) => (Status::Fail, format!("rotation off{function}")),
                    }
                };
                eval.push(&SECRET_ROTATION, on, status, &expected, observed);
            }
        }
    }
}

impl BaselineChange for SetSecretRotation {
    fn address(&self) -> Address {
        Address::Secret {
            account: self.account.clone(),
            region: self.region.clone(),
            name: self.name.clone(),
        }
    }

    fn rank(&self) -> u8 {
        13
    }

    fn account(&self) -> AccountRef {
        AccountRef::Id(self.account.clone())
    }

    fn target_kind(&self) -> &'static str {
        "secret"
    }

    fn simulate(&self, state: &mut MemberState) -> Result<(), String> {
        let s = state
            .secrets
            .iter_mut()
            .find(|s| s.arn == self.secret_arn)
            .ok_or_else(|| "no such secret".to_string())?;
        s.rotation_enabled = true;
        s.rotation_days = Some(self.days);
        if self.as_schedule {
            s.schedule = Some(self.schedule());
        }
        Ok(())
    }

    fn fingerprint(&self, state: &MemberState) -> Value {
        json!(state
            .secrets
            .iter()
            .find(|s| s.region == self.region && s.arn == self.secret_arn))
    }

    fn details(&self) -> Vec<String> {
        let was = match (self.before_enabled, self.before_days) {
            (false, _) => "off".to_string(),
            (true, Some(d)) => format!("every {d} days"),
            (true, None) => "on, schedule not in days".to_string(),
        };
        let mut how = String::new();
        if let Some(service) = &self.managed_by {
            how.push_str(&format!(", managed by {service}"));
        }
        if let Some(window) = &self.window {
            how.push_str(&format!(", keeps its {window} window"));
        }
        vec![format!(
            "rotation: {was} → every {} days (not rotated now{how})",
            self.days
        )]
    }
}
