//! Centralized root access for member accounts (`[root_access]`), an organization-wide capability:
//! what the file wants of IAM's two organization features, the change that sets one, its place in
//! the plan, and its evidence control. The AWS side (ListOrganizationsFeatures, the Enable/Disable
//! calls) is `govern::root_access`.
//!
//! Both features need trusted access for `iam.amazonaws.com` in Organizations first (IAM API
//! reference, EnableOrganizationsRootCredentialsManagement and EnableOrganizationsRootSessions:
//! "Before you enable ... Enable trusted access for AWS Identity and Access Management"); the
//! features themselves are independent of each other (each call names only that prerequisite), so
//! any combination of the two is valid.

use serde::{Deserialize, Serialize};

use crate::control::{Control, Eval, On, Status};
use crate::model::{Action, Actual, Address, Desired, RootFeature, IAM_SERVICE};

/// Enables or disables one feature (IAM EnableOrganizationsRootCredentialsManagement /
/// EnableOrganizationsRootSessions, or their Disable counterparts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootAccessChange {
    pub feature: RootFeature,
    pub enabled: bool,
}

/// Where root access changes run: after trusted access (rank 8), beside delegated administrators.
pub const RANK: u8 = 9;

impl RootAccessChange {
    pub fn address(&self) -> Address {
        Address::RootAccess(self.feature)
    }

    /// Turning a feature on adds it; turning it off removes it.
    pub fn action(&self) -> Action {
        if self.enabled {
            Action::Create
        } else {
            Action::Delete
        }
    }

    /// The IAM operation apply calls.
    pub fn operation(&self) -> &'static str {
        match (self.feature, self.enabled) {
            (RootFeature::RootCredentialsManagement, true) => {
                "EnableOrganizationsRootCredentialsManagement"
            }
            (RootFeature::RootCredentialsManagement, false) => {
                "DisableOrganizationsRootCredentialsManagement"
            }
            (RootFeature::RootSessions, true) => "EnableOrganizationsRootSessions",
            (RootFeature::RootSessions, false) => "DisableOrganizationsRootSessions",
        }
    }

    /// The lines under the change in text and Markdown plans.
    pub fn details(&self) -> Vec<String> {
        let (before, after) = if self.enabled {
            ("off", "on")
        } else {
            ("on", "off")
        };
        vec![
            format!("feature: {} {before} → {after}", self.feature.api_name()),
            format!("call:    iam:{}", self.operation()),
        ]
    }

    /// The part of AWS this change was planned against, for a saved plan's fingerprint.
    pub fn fingerprint(&self, actual: &Actual) -> serde_json::Value {
        serde_json::json!({
            "enabled": enabled(actual, self.feature),
            "trusted_access": actual.service_access.contains(IAM_SERVICE),
        })
    }

    /// The simulation: what AWS holds after this change.
    pub fn simulate(&self, actual: &mut Actual) {
        let features = actual.root_features.get_or_insert_with(Default::default);
        if self.enabled {
            features.insert(self.feature);
        } else {
            features.remove(&self.feature);
        }
    }
}

/// Whether AWS has `feature` on (not read, or trusted access off: off).
pub fn enabled(actual: &Actual, feature: RootFeature) -> bool {
    actual
        .root_features
        .as_ref()
        .is_some_and(|f| f.contains(&feature))
}

/// What one plan must do for `[root_access]`: whether trusted access for IAM must be turned on
/// first, and each feature whose state differs from the declared one. A feature declared off needs
/// no trusted access: with trusted access off, IAM has every feature off already.
pub fn changes(desired: &Desired, actual: &Actual) -> (bool, Vec<RootAccessChange>) {
    let Some(want) = desired.baselines.root_access.as_ref() else {
        return (false, Vec::new());
    };
    let needs_access = want.any_on() && !actual.service_access.contains(IAM_SERVICE);
    let changes = RootFeature::ALL
        .into_iter()
        .filter_map(|feature| {
            let on = want.wants(feature)?;
            (on != enabled(actual, feature)).then_some(RootAccessChange {
                feature,
                enabled: on,
            })
        })
        .collect();
    (needs_access, changes)
}

/// What `govern import` writes: both features as they are, when at least one is on (with none on,
/// nothing was decided, and the table is left out). With a feature on, trusted access for IAM is
/// on too (IAM reads no feature without it), so the plan of the imported file is empty.
pub fn import(actual: &Actual) -> Option<crate::model::RootAccess> {
    let on = actual.root_features.as_ref()?;
    if on.is_empty() {
        return None;
    }
    Some(crate::model::RootAccess {
        credentials_management: Some(on.contains(&RootFeature::RootCredentialsManagement)),
        root_sessions: Some(on.contains(&RootFeature::RootSessions)),
    })
}

// CIS AWS Foundations 1.4 (v1.5, v2.0, v3.0, v4.0.1: "Ensure no 'root' user account access key
// exists") and Security Hub IAM.4 check the root user's credentials in each account; centralized
// root credentials management is how an organization removes and keeps out member accounts' root
// credentials, so this control supports them. Prowler iam_root_credentials_management_enabled
// checks exactly the RootCredentialsManagement feature.
pub const ROOT_ACCESS: Control = Control {
    id: "GOV.ROOT.1",
    title: "Centralized root access as declared",
    checks: "Trusted access for IAM is on when a feature is declared on, and IAM's organization features RootCredentialsManagement and RootSessions are each on or off as [root_access] declares.",
    frameworks: &[
        "CIS AWS Foundations 1.4 (supports)",
        "AWS Security Hub IAM.4 (supports)",
        "Prowler iam_root_credentials_management_enabled",
    ],
};

/// One row per declared feature, or one not-applicable row.
pub fn evaluate(e: &mut Eval<'_>) {
    let Some(want) = e.desired.baselines.root_access.clone() else {
        e.push(
            &ROOT_ACCESS,
            On::org(Address::Capability("org"), String::new()),
            Status::NotApplicable,
            "",
            "org.toml has no [root_access]",
        );
        return;
    };
    let access = e.actual.service_access.contains(IAM_SERVICE);
    if want.any_on() {
        let (status, observed) = if access {
            (Status::Pass, "enabled")
        } else {
            (Status::Fail, "not enabled")
        };
        e.push(
            &ROOT_ACCESS,
            On::org(
                Address::ServiceAccess(IAM_SERVICE.to_string()),
                String::new(),
            ),
            status,
            "trusted access enabled",
            observed,
        );
    }
    for feature in RootFeature::ALL {
        let Some(on) = want.wants(feature) else {
            continue;
        };
        let have = enabled(e.actual, feature);
        let word = |b: bool| if b { "on" } else { "off" };
        let observed = match &e.actual.root_features {
            None => "not read".to_string(),
            Some(_) => format!("{} {}", feature.api_name(), word(have)),
        };
        let status = if e.actual.root_features.is_none() {
            Status::Error
        } else if have == on {
            Status::Pass
        } else {
            Status::Fail
        };
        e.push(
            &ROOT_ACCESS,
            On::org(Address::RootAccess(feature), String::new()),
            status,
            format!("{} {}", feature.api_name(), word(on)),
            observed,
        );
    }
}
