//! What a control is and the context it is evaluated in: the vocabulary the evidence catalogue
//! (`crate::evidence::controls`) and every baseline's control (`crate::baselines`) share. Pure.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{
    AccountId, Actual, Address, BaselineKind, Desired, Member, MemberState, Parent, TargetKey,
};

/// A row's outcome (Prowler PASS/FAIL/MANUAL, Security Hub PASSED/FAILED/NOT_AVAILABLE, Audit
/// Manager Compliant/Non-compliant/Inconclusive map onto these; ERROR is "could not be read").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Fail,
    Error,
    Pass,
    NotApplicable,
}

impl Status {
    pub const ALL: [Status; 4] = [Self::Fail, Self::Error, Self::Pass, Self::NotApplicable];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "PASS",
            Self::Fail => "FAIL",
            Self::NotApplicable => "NOT_APPLICABLE",
            Self::Error => "ERROR",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One control of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Control {
    pub id: &'static str,
    pub title: &'static str,
    /// What it checks, in one sentence.
    pub checks: &'static str,
    pub frameworks: &'static [&'static str],
}

/// One control evaluated on one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub control_id: String,
    pub title: String,
    pub frameworks: Vec<String>,
    /// Empty for organization-level resources (the root, OUs, trusted access).
    pub account_id: String,
    pub account_name: String,
    /// Where the row's account sits: `root` or `ou:<path>`, as in plans; empty for
    /// organization-level rows (and in bundles written before govern recorded it).
    #[serde(default)]
    pub ou_path: String,
    /// The id of that root or OU (`r-…`, `ou-…`), where AWS has it.
    #[serde(default)]
    pub ou_id: String,
    /// `global` for resources that are not regional.
    pub region: String,
    /// govern's address of the resource (the same string as in plans).
    pub resource: String,
    /// The resource's ARN where it has one.
    pub resource_arn: String,
    pub status: Status,
    pub expected: String,
    pub observed: String,
    /// The bundle file holding the state this row was evaluated on.
    pub evidence: String,
    pub evaluated_at: String,
}

pub const ORGANIZATION_FILE: &str = "state/organization.json";

pub fn account_file(id: &AccountId) -> String {
    format!("state/accounts/{id}.json")
}

/// Declared account name → id of the existing account it matches (by id, else by email), as the
/// planner resolves them.
fn declared_ids(desired: &Desired, actual: &Actual) -> BTreeMap<String, AccountId> {
    desired
        .accounts
        .iter()
        .filter_map(|(name, a)| {
            let id = match &a.id {
                Some(id) => actual.accounts.contains_key(id).then(|| id.clone()),
                None => actual
                    .account_by_email(a.email.as_str())
                    .map(|(id, _)| id.clone()),
            }?;
            Some((name.clone(), id))
        })
        .collect()
}

/// The evaluation under way: what baselines' `evaluate` add their rows to.
pub struct Eval<'a> {
    pub desired: &'a Desired,
    pub actual: &'a Actual,
    pub(crate) at: &'a str,
    pub(crate) rows: Vec<Row>,
    /// Declared account name → id of the existing account it matches.
    pub declared: BTreeMap<String, AccountId>,
}

/// What a row is about, besides the control and its outcome.
pub struct On {
    pub account: Option<AccountId>,
    pub region: Option<String>,
    pub resource: Address,
    pub arn: String,
}

impl On {
    pub fn org(resource: Address, arn: String) -> On {
        On {
            account: None,
            region: None,
            resource,
            arn,
        }
    }
    pub fn account(id: &AccountId, resource: Address, arn: String) -> On {
        On {
            account: Some(id.clone()),
            region: None,
            resource,
            arn,
        }
    }
}

impl<'a> Eval<'a> {
    pub fn new(desired: &'a Desired, actual: &'a Actual, evaluated_at: &'a str) -> Eval<'a> {
        Eval {
            desired,
            actual,
            at: evaluated_at,
            rows: Vec::new(),
            declared: declared_ids(desired, actual),
        }
    }

    /// The rows pushed so far.
    pub fn into_rows(self) -> Vec<Row> {
        self.rows
    }

    pub fn push(
        &mut self,
        control: &Control,
        on: On,
        status: Status,
        expected: impl Into<String>,
        observed: impl Into<String>,
    ) {
        let (account_id, account_name, evidence) = match &on.account {
            Some(id) => (
                id.to_string(),
                self.actual
                    .accounts
                    .get(id)
                    .map(|a| a.name.clone())
                    .unwrap_or_default(),
                account_file(id),
            ),
            None => (String::new(), String::new(), ORGANIZATION_FILE.to_string()),
        };
        let parent = on
            .account
            .as_ref()
            .and_then(|id| self.actual.accounts.get(id))
            .map(|a| &a.parent);
        let (ou_path, ou_id) = match parent {
            None => (String::new(), String::new()),
            Some(Parent::Root) => ("root".to_string(), self.actual.root_id.clone()),
            Some(p @ Parent::Ou(path)) => (
                p.to_string(),
                self.actual
                    .ous
                    .get(path)
                    .map(|o| o.id.clone())
                    .unwrap_or_default(),
            ),
        };
        self.rows.push(Row {
            control_id: control.id.to_string(),
            title: control.title.to_string(),
            frameworks: control.frameworks.iter().map(|s| s.to_string()).collect(),
            account_id,
            account_name,
            ou_path,
            ou_id,
            region: on.region.unwrap_or_else(|| "global".into()),
            resource: on.resource.to_string(),
            resource_arn: on.arn,
            status,
            expected: expected.into(),
            observed: observed.into(),
            evidence,
            evaluated_at: self.at.to_string(),
        });
    }

    pub fn org_arn(&self, kind: &str, id: &str) -> String {
        format!(
            "arn:aws:organizations::{}:{kind}/{}/{id}",
            self.actual.management_account, self.actual.organization_id
        )
    }

    pub fn account_arn(&self, id: &AccountId) -> String {
        self.org_arn("account", id.as_str())
    }

    pub fn target_arn(&self, target: &TargetKey) -> String {
        match target {
            TargetKey::Root => self.org_arn("root", &self.actual.root_id),
            TargetKey::Ou(p) => match self.actual.ous.get(p) {
                Some(ou) => self.org_arn("ou", &ou.id),
                None => String::new(),
            },
            TargetKey::Account(id) => self.account_arn(id),
        }
    }

    pub fn member(&self, id: &AccountId) -> Result<&MemberState, (Status, String)> {
        match self.actual.members.get(id) {
            Some(Member::Read(s)) => Ok(s),
            Some(Member::Skipped { reason }) => Err((Status::NotApplicable, reason.clone())),
            Some(Member::Failed { reason, .. }) => {
                Err((Status::Error, format!("could not be read: {reason}")))
            }
            None => Err((Status::Error, "not read".into())),
        }
    }

    /// The account's state as read from inside it: keys and secrets are not readable from the
    /// management account, so an account read that way is an error for those controls.
    pub fn member_inside(&self, id: &AccountId) -> Result<&MemberState, (Status, String)> {
        let state = self.member(id)?;
        match &state.via_management {
            Some(reason) => Err((Status::Error, format!("could not be read: {reason}"))),
            None => Ok(state),
        }
    }

    pub fn exemption(&self, id: &AccountId, kind: BaselineKind) -> Option<String> {
        self.desired
            .baselines
            .exemptions
            .get(id)
            .and_then(|e| e.get(&kind))
            .map(|r| format!("exempt: {r}"))
    }

    /// The allowed regions, as a list for messages.
    pub fn regions(&self) -> String {
        self.desired
            .allowed_regions
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The rows of a control over what was read inside `id` (keys, secrets): when the account is
    /// exempt from `kind`, could not be read from inside, or has nothing for the control (`none`
    /// says what), one row for the whole account (`whole`) and None; else its state, to evaluate
    /// resource by resource.
    pub fn inside(
        &mut self,
        control: &Control,
        id: &AccountId,
        kind: BaselineKind,
        whole: Address,
        expected: &str,
        none: impl Fn(&MemberState) -> Option<String>,
    ) -> Option<MemberState> {
        let on = || On::account(id, whole.clone(), String::new());
        if let Some(reason) = self.exemption(id, kind) {
            self.push(control, on(), Status::NotApplicable, expected, reason);
            return None;
        }
        let state = match self.member_inside(id) {
            Ok(s) => s.clone(),
            Err((status, why)) => {
                self.push(control, on(), status, expected, why);
                return None;
            }
        };
        if let Some(why) = none(&state) {
            self.push(control, on(), Status::NotApplicable, expected, why);
            return None;
        }
        Some(state)
    }
}
