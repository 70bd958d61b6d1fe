//! Member-account baselines: what every active account of the organization must have, declared in
//! org.toml or not. Each baseline is one module here (its compliance rule, its plan, its changes with
//! their order, address, simulation, fingerprint and rendering, its evidence control) and one module
//! in the `govern` crate (`govern::baselines`: what it reads in an account and how it writes).
//!
//! The engine (planner, simulation, saved plans, `--target`, renderers, evidence) iterates
//! [`REGISTRY`] and dispatches [`MemberChange`]; adding a baseline is a module, a line in each of
//! the two, and its tests and docs (docs/architecture.md).

pub mod contacts;
pub mod kms;
pub mod regions;
pub mod secrets;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::control::{Control, Eval};
use crate::model::{AccountId, AccountRef, Actual, Address, BaselineKind, Desired, MemberState};
use crate::model::{Action, Finding};

/// One baseline's behaviour over the whole organization.
pub trait Baseline: Sync {
    /// Its key in `[exemptions."<id>"]`.
    fn kind(&self) -> BaselineKind;
    /// Whether org.toml manages it at all; when not, nothing of it is planned.
    fn declared(&self, desired: &Desired) -> bool;
    /// Where a whole-account exemption from it is reported.
    fn exempt_address(&self, account: &AccountId) -> Address;
    /// The changes and findings for one account read from inside (or, for what the Account API
    /// serves, from the management account).
    fn plan(&self, cx: &Account<'_>, changes: &mut Vec<MemberChange>, findings: &mut Vec<Finding>);
    /// For an account this plan creates (nothing read yet): what one apply must set so that the
    /// next plan is empty.
    fn plan_new(&self, _desired: &Desired, _name: &str, _changes: &mut Vec<MemberChange>) {}
    /// Its evidence controls, in catalogue order.
    fn controls(&self) -> &'static [&'static Control];
    /// Its evidence rows.
    fn evaluate(&self, eval: &mut Eval<'_>);
}

/// Every baseline, in the order the planner reports their findings.
pub static REGISTRY: &[&dyn Baseline] = &[
    &contacts::Contacts,
    &kms::Kms,
    &secrets::Secrets,
    &regions::Regions,
];

/// One account, as a baseline plans it.
pub struct Account<'a> {
    pub desired: &'a Desired,
    pub actual: &'a Actual,
    pub id: &'a AccountId,
    /// Its name in AWS.
    pub name: &'a str,
    pub state: &'a MemberState,
    /// The account's name in org.toml, when it is declared there.
    pub declared_as: Option<&'a str>,
}

/// A change a baseline makes: serialized flat, `{"type": "put_contact", …}`, like every change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum MemberChange {
    PutContact(contacts::PutContact),
    DisableRegion(regions::DisableRegion),
    EnableKeyRotation(kms::EnableKeyRotation),
    SetSecretRotation(secrets::SetSecretRotation),
}

impl MemberChange {
    pub fn get(&self) -> &dyn BaselineChange {
        match self {
            MemberChange::PutContact(c) => c,
            MemberChange::DisableRegion(c) => c,
            MemberChange::EnableKeyRotation(c) => c,
            MemberChange::SetSecretRotation(c) => c,
        }
    }
}

/// What the engine needs of one kind of baseline change.
pub trait BaselineChange {
    fn address(&self) -> Address;
    fn action(&self) -> Action {
        Action::Update
    }
    /// Where it runs among all changes (organization changes rank 0–9).
    fn rank(&self) -> u8;
    /// The account it is in: by id, or by name for an account the plan creates.
    fn account(&self) -> AccountRef;
    /// Its `--target kind:` name.
    fn target_kind(&self) -> &'static str;
    /// Applies it to the account's state in memory, as AWS would.
    fn simulate(&self, state: &mut MemberState) -> Result<(), String>;
    /// The slice of the account's state it was computed from (saved-plan fingerprints).
    fn fingerprint(&self, state: &MemberState) -> Value;
    /// The plan's detail lines under its address.
    fn details(&self) -> Vec<String>;
}

pub(crate) fn skipped(findings: &mut Vec<Finding>, address: Address, reason: &str) {
    findings.push(Finding {
        address,
        kind: crate::model::FindingKind::Skipped,
        message: format!("exempt: {reason}"),
    });
}
