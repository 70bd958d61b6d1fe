//! `--target`: narrow a plan to some resources, like `terraform plan -target`. Pure: a filter over
//! the plan, keeping every change a kept change depends on so that apply order still holds.

use std::collections::BTreeSet;

use super::change::{Change, Plan, Target};
use crate::model::{AccountRef, Address};

/// One `--target` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetFilter {
    /// `kind:<kind>`: every change of one kind.
    Kind(String),
    /// An address or the start of one: `ou:Workloads`, `scp:deny-leave-org`, `account:111122223333`.
    Address(String),
}

/// The kinds `kind:` accepts, in the order help lists them.
pub const KINDS: &[&str] = &[
    "ou",
    "scp",
    "attachment",
    "account",
    "contact",
    "kms",
    "secret",
    "region",
    "logging",
    "root-access",
    "security",
    "trail",
];

impl TargetFilter {
    pub fn parse(s: &str) -> Result<Self, String> {
        if let Some(k) = s.strip_prefix("kind:") {
            return if KINDS.contains(&k) {
                Ok(Self::Kind(k.to_string()))
            } else {
                Err(format!(
                    "--target kind:{k} is not a kind govern knows; kinds: {}",
                    KINDS.join(", ")
                ))
            };
        }
        let known = [
            "ou:", "scp:", "account:", "kms:", "secret:", "attach:", "org:", "root",
        ];
        if known.iter().any(|p| s.starts_with(p)) {
            Ok(Self::Address(s.to_string()))
        } else {
            Err(format!(
                "--target `{s}` is neither an address (ou:…, scp:…, account:…, kms:…, secret:…, attach:…, org:…, root) nor kind:<kind>"
            ))
        }
    }

    fn matches(&self, change: &Change) -> bool {
        match self {
            Self::Kind(k) => kind(change) == k,
            Self::Address(t) => parts(change).iter().any(|p| under(p, t)),
        }
    }

    /// Whether a finding about `address` concerns what this filter selects: the address or its
    /// account for an address filter, the kind of thing for `kind:`.
    fn matches_address(&self, address: &Address) -> bool {
        match self {
            Self::Kind(k) => address_kind(address) == Some(k.as_str()),
            Self::Address(t) => {
                under(address, t)
                    || address
                        .account_in()
                        .is_some_and(|id| under(&Address::account(id), t))
            }
        }
    }
}

/// `address` is `t` or inside it.
fn under(address: &Address, t: &str) -> bool {
    let p = address.to_string();
    p == *t || p.starts_with(&format!("{t}/"))
}

/// The `kind:` a finding's address belongs to (as [`kind`] for changes).
fn address_kind(address: &Address) -> Option<&'static str> {
    Some(match address {
        Address::Ou(_) => "ou",
        Address::Policy { .. } => "scp",
        Address::PolicyType(_) | Address::Attachment { .. } | Address::Root => "attachment",
        Address::Account(_) | Address::AccountParent(_) => "account",
        Address::Contact { .. } | Address::Contacts(_) => "contact",
        Address::Key { .. } | Address::Keys(_) => "kms",
        Address::Secret { .. } | Address::Secrets(_) => "secret",
        Address::Region { .. } | Address::Regions(_) => "region",
        Address::ServiceAccess(_) | Address::DelegatedAdmin(_) => "logging",
        Address::RootAccess(_) => "root-access",
        Address::SecurityAdmin { .. } => "security",
        Address::Trail(_) => "trail",
        // An OU's or an account's tags are of its kind.
        Address::Tags(target) => return address_kind(target),
        Address::InForce { .. } | Address::Capability(_) => return None,
    })
}

fn kind(change: &Change) -> &'static str {
    match change {
        Change::CreateOu { .. } | Change::RenameOu { .. } => "ou",
        Change::CreatePolicy { .. } | Change::UpdatePolicy { .. } | Change::DeletePolicy { .. } => {
            "scp"
        }
        Change::EnablePolicyType { .. } | Change::Attach { .. } | Change::Detach { .. } => {
            "attachment"
        }
        Change::CreateAccount { .. } | Change::MoveAccount { .. } | Change::RenameAccount(_) => {
            "account"
        }
        Change::SetTags { target, .. } => match target {
            Target::Ou { .. } => "ou",
            Target::Root | Target::Account { .. } => "account",
        },
        Change::Member(m) => m.get().target_kind(),
        Change::EnableServiceAccess { .. } | Change::RegisterDelegatedAdmin { .. } => "logging",
        Change::RootAccess(_) => "root-access",
        Change::SecurityAdmin(_) => "security",
        Change::Trail(_) => "trail",
    }
}

/// The addresses a change answers to: its own, and what it acts on (an attachment answers to its
/// policy and its target; a key, secret, region, contact, move or delegation to its account). The
/// match names every kind of change, so a new one cannot escape `--target account:ID` unnoticed.
fn parts(change: &Change) -> Vec<Address> {
    let mut out = vec![change.address()];
    match change {
        Change::Attach {
            kind,
            policy,
            target,
        }
        | Change::Detach {
            kind,
            policy,
            target,
        } => {
            out.push(Address::Policy {
                kind: *kind,
                name: policy.clone(),
            });
            out.push(target.address());
        }
        Change::MoveAccount { id: account, .. } => out.push(Address::account(account)),
        Change::SetTags { target, .. } => out.push(target.address()),
        // `--target ou:<old path>` finds it too.
        Change::RenameOu { from, .. } => out.push(Address::Ou(from.clone())),
        Change::Member(m) => out.push(Address::Account(m.get().account())),
        Change::RegisterDelegatedAdmin {
            account,
            account_name,
            ..
        } => out.push(Address::Account(match account {
            Some(id) => AccountRef::Id(id.clone()),
            None => AccountRef::Name(account_name.clone()),
        })),
        Change::SecurityAdmin(s) => {
            out.push(s.scope());
            out.push(Address::Account(match &s.account {
                Some(id) => AccountRef::Id(id.clone()),
                None => AccountRef::Name(s.account_name.clone()),
            }));
        }
        // Their own address is all they answer to.
        Change::EnablePolicyType { .. }
        | Change::CreateOu { .. }
        | Change::CreatePolicy { .. }
        | Change::UpdatePolicy { .. }
        | Change::DeletePolicy { .. }
        | Change::CreateAccount { .. }
        | Change::RenameAccount(_)
        | Change::EnableServiceAccess { .. }
        | Change::RootAccess(_)
        | Change::Trail(_) => {}
    }
    out
}

/// The plan with only the changes the filters match, plus what those depend on, and the findings
/// about what the filters select (a targeted plan is not drowned by the rest's findings). No
/// filters: the plan unchanged. Unmanaged items and conflicts are kept: conflicts stop apply.
pub fn narrow(mut plan: Plan, filters: &[TargetFilter]) -> Plan {
    if filters.is_empty() {
        return plan;
    }
    let mut keep: BTreeSet<Address> = plan
        .changes
        .iter()
        .filter(|c| filters.iter().any(|f| f.matches(&c.change)))
        .map(|c| c.address.clone())
        .collect();
    // Dependencies come earlier in the plan: one backward pass closes the set.
    for c in plan.changes.iter().rev() {
        if keep.contains(&c.address) {
            keep.extend(c.depends_on.iter().cloned());
        }
    }
    plan.changes.retain(|c| keep.contains(&c.address));
    plan.findings
        .retain(|f| filters.iter().any(|t| t.matches_address(&f.address)));
    plan
}
