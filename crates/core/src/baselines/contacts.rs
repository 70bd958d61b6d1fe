//! Alternate contacts (security, operations, billing) of every account: org-wide defaults in
//! `[contacts.<type>]`, replaced per account by `[accounts.<name>.contacts.<type>]`. Read and set
//! through the Account API from inside the account (its own quotas), or from the management account
//! with `AccountId` when the member role is refused (`govern::baselines::contacts`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{Account, Baseline, BaselineChange, MemberChange};
use crate::control::{Control, Eval, On, Status};
use crate::model::Finding;
use crate::model::{
    AccountId, AccountRef, Address, BaselineKind, Contact, ContactType, Desired, MemberState,
};

pub struct Contacts;

/// PutAlternateContact, from inside the account's own session. `account` is None for an account
/// this plan creates (it has no contacts yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutContact {
    pub account: Option<AccountId>,
    pub account_name: String,
    pub contact_type: ContactType,
    pub before: Option<Contact>,
    pub after: Contact,
}

/// The compliance rule, for the planner and the evidence alike: the contact an account must have
/// of type `t` — its own override, else the org-wide one; None when org.toml declares neither.
pub fn wanted<'a>(
    desired: &'a Desired,
    overrides: Option<&'a BTreeMap<ContactType, Contact>>,
    t: ContactType,
) -> Option<&'a Contact> {
    overrides
        .and_then(|o| o.get(&t))
        .or_else(|| desired.baselines.contacts.get(&t))
}

fn plan_account(
    desired: &Desired,
    (account, account_name): (Option<AccountId>, String),
    state: &MemberState,
    overrides: Option<&BTreeMap<ContactType, Contact>>,
    changes: &mut Vec<MemberChange>,
) {
    for t in ContactType::ALL {
        let Some(want) = wanted(desired, overrides, t) else {
            continue;
        };
        let have = state.contacts.get(&t);
        if have != Some(want) {
            changes.push(MemberChange::PutContact(PutContact {
                account: account.clone(),
                account_name: account_name.clone(),
                contact_type: t,
                before: have.cloned(),
                after: want.clone(),
            }));
        }
    }
}

// CIS AWS Foundations 1.2 (v1.5, v2.0, v3.0, v4.0.1, v5.0); Security Hub Account.1; Prowler
// account_security_contact_information_is_registered (MANUAL in Prowler); ISO/IEC 27001:2022 A.5.5;
// PCI DSS 4.0 A1.2.3.1. CIS 1.1 / Prowler account_maintain_current_contact_details for "matching".
pub const CONTACT_SECURITY: Control = Control {
    id: "GOV.CONTACT.1",
    title: "Security contact registered and matching",
    checks: "Every account has a security alternate contact registered, equal to the one org.toml declares for it.",
    frameworks: &[
        "CIS AWS Foundations 1.2",
        "CIS AWS Foundations 1.1",
        "AWS Security Hub Account.1",
        "ISO/IEC 27001:2022 A.5.5",
        "PCI DSS 4.0 A1.2.3.1",
    ],
};

// CIS AWS Foundations 1.1 (all versions); Prowler account_maintain_current_contact_details.
pub const CONTACT_OPERATIONS: Control = Control {
    id: "GOV.CONTACT.2",
    title: "Operations contact registered and matching",
    checks: "Every account has an operations alternate contact registered, equal to the one org.toml declares for it.",
    frameworks: &["CIS AWS Foundations 1.1"],
};

// CIS AWS Foundations 1.1 (all versions); Prowler account_maintain_current_contact_details.
pub const CONTACT_BILLING: Control = Control {
    id: "GOV.CONTACT.3",
    title: "Billing contact registered and matching",
    checks: "Every account has a billing alternate contact registered, equal to the one org.toml declares for it.",
    frameworks: &["CIS AWS Foundations 1.1"],
};

impl Baseline for Contacts {
    fn kind(&self) -> BaselineKind {
        BaselineKind::Contacts
    }

    // An exemption is reported even where no contact is declared, as it always was.
    fn declared(&self, _desired: &Desired) -> bool {
        true
    }

    fn exempt_address(&self, account: &AccountId) -> Address {
        Address::Contacts(account.clone())
    }

    fn plan(
        &self,
        cx: &Account<'_>,
        changes: &mut Vec<MemberChange>,
        _findings: &mut Vec<Finding>,
    ) {
        let overrides = cx
            .declared_as
            .and_then(|n| cx.desired.accounts.get(n))
            .map(|a| &a.contacts);
        let target = (Some(cx.id.clone()), cx.name.to_string());
        plan_account(cx.desired, target, cx.state, overrides, changes);
    }

    // Accounts this plan creates start with no contacts: plan theirs now, so one apply converges
    // and nothing is changed that the reviewed plan did not show.
    fn plan_new(&self, desired: &Desired, name: &str, changes: &mut Vec<MemberChange>) {
        let overrides = desired.accounts.get(name).map(|a| &a.contacts);
        let target = (None, name.to_string());
        plan_account(desired, target, &MemberState::default(), overrides, changes);
    }

    fn controls(&self) -> &'static [&'static Control] {
        &[&CONTACT_SECURITY, &CONTACT_OPERATIONS, &CONTACT_BILLING]
    }

    fn evaluate(&self, eval: &mut Eval<'_>) {
        for t in ContactType::ALL {
            evaluate_type(eval, t);
        }
    }
}

fn evaluate_type(eval: &mut Eval<'_>, t: ContactType) {
    let control = match t {
        ContactType::Security => CONTACT_SECURITY,
        ContactType::Operations => CONTACT_OPERATIONS,
        ContactType::Billing => CONTACT_BILLING,
    };
    let desired = eval.desired;
    let overrides: BTreeMap<AccountId, &BTreeMap<ContactType, Contact>> = desired
        .accounts
        .iter()
        .filter_map(|(name, a)| Some((eval.declared.get(name)?.clone(), &a.contacts)))
        .collect();
    let ids: Vec<AccountId> = eval.actual.accounts.keys().cloned().collect();
    for id in ids {
        let on = On::account(
            &id,
            Address::Contact {
                account: AccountRef::Id(id.clone()),
                contact_type: t,
            },
            eval.account_arn(&id),
        );
        let Some(want) = wanted(desired, overrides.get(&id).copied(), t) else {
            eval.push(
                &control,
                on,
                Status::NotApplicable,
                "",
                format!("org.toml declares no {t} contact"),
            );
            continue;
        };
        let expected = show(want);
        if let Some(reason) = eval.exemption(&id, BaselineKind::Contacts) {
            eval.push(&control, on, Status::NotApplicable, expected, reason);
            continue;
        }
        let (status, observed) = match eval.member(&id) {
            Ok(state) => match state.contacts.get(&t) {
                None => (Status::Fail, "not registered".to_string()),
                Some(have) if have == want => (Status::Pass, show(have)),
                Some(have) => (Status::Fail, show(have)),
            },
            Err(e) => e,
        };
        eval.push(&control, on, status, expected, observed);
    }
}

fn show(c: &Contact) -> String {
    format!("{} <{}>, {}, {}", c.name, c.email, c.title, c.phone)
}

impl BaselineChange for PutContact {
    fn address(&self) -> Address {
        Address::Contact {
            account: self.account(),
            contact_type: self.contact_type,
        }
    }

    fn rank(&self) -> u8 {
        10
    }

    fn account(&self) -> AccountRef {
        match &self.account {
            Some(id) => AccountRef::Id(id.clone()),
            None => AccountRef::Name(self.account_name.clone()),
        }
    }

    fn target_kind(&self) -> &'static str {
        "contact"
    }

    fn simulate(&self, state: &mut MemberState) -> Result<(), String> {
        state.contacts.insert(self.contact_type, self.after.clone());
        Ok(())
    }

    fn fingerprint(&self, state: &MemberState) -> Value {
        json!(state.contacts.get(&self.contact_type))
    }

    /// The fields that change, old → new.
    fn details(&self) -> Vec<String> {
        let fields = |c: &Contact| {
            [
                ("name", c.name.clone()),
                ("title", c.title.clone()),
                ("email", c.email.clone()),
                ("phone", c.phone.clone()),
            ]
        };
        let shown = |v: &str| {
            if v.is_empty() {
                "(unset)".to_string()
            } else {
                format!("{v:?}")
            }
        };
        let old = self.before.as_ref().map(fields);
        let mut out = Vec::new();
        for (i, (field, new)) in fields(&self.after).into_iter().enumerate() {
            let was = old.as_ref().map(|o| o[i].1.clone()).unwrap_or_default();
            if was != new {
                let pad = 5 - field.len();
                out.push(format!(
                    "{field}:{:pad$} {} → {}",
                    "",
                    shown(&was),
                    shown(&new)
                ));
            }
        }
        out
    }
}
