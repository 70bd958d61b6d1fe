//! Findings as people read them: in full, or summarized so that a two-change plan is not drowned by
//! a hundred "AWS-managed key" lines (`--findings all|summary|none`). JSON always carries them all.

use std::collections::BTreeMap;

use crate::model::{Address, Finding, FindingKind};
use crate::plan::Plan;

/// How many findings text and Markdown show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FindingsView {
    /// Every finding on its own row.
    All,
    /// Every error on its own row; the rest grouped by kind and reason, with a count.
    #[default]
    Summary,
    /// None, only their count by kind.
    None,
}

/// One row: its kind, what it is about (an address, or `N keys`), and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub kind: FindingKind,
    pub about: String,
    pub message: String,
}

pub(crate) fn word(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::Error => "error",
        FindingKind::NonCompliant => "non-compliant",
        FindingKind::Skipped => "skipped",
    }
}

/// The rows `view` shows, errors first, then by kind, then the largest groups first.
pub(crate) fn rows(plan: &Plan, view: FindingsView) -> Vec<Row> {
    let single = |f: &Finding| Row {
        kind: f.kind,
        about: plan.label(&f.address),
        message: f.message.clone(),
    };
    match view {
        FindingsView::None => Vec::new(),
        FindingsView::All => plan.findings.iter().map(single).collect(),
        FindingsView::Summary => {
            let mut out: Vec<Row> = plan
                .findings
                .iter()
                .filter(|f| f.kind == FindingKind::Error)
                .map(single)
                .collect();
            // (kind, what, reason) → the findings in it, in plan order.
            let mut groups: BTreeMap<(FindingKind, &str, &str), Vec<&Finding>> = BTreeMap::new();
            for f in plan
                .findings
                .iter()
                .filter(|f| f.kind != FindingKind::Error)
            {
                groups
                    .entry((f.kind, noun(&f.address), f.message.as_str()))
                    .or_default()
                    .push(f);
            }
            let mut grouped: Vec<_> = groups.into_iter().collect();
            grouped.sort_by(|((ka, _, ma), a), ((kb, _, mb), b)| {
                ka.cmp(kb).then(b.len().cmp(&a.len())).then(ma.cmp(mb))
            });
            for ((kind, what, message), members) in grouped {
                if let [one] = members.as_slice() {
                    out.push(single(one));
                } else {
                    out.push(Row {
                        kind,
                        about: format!("{} {what}s", members.len()),
                        message: message.to_string(),
                    });
                }
            }
            out
        }
    }
}

/// `2 errors, 140 skipped, 3 non-compliant`: the count of each kind present.
pub(crate) fn counts(plan: &Plan) -> String {
    let mut n: BTreeMap<FindingKind, usize> = BTreeMap::new();
    for f in &plan.findings {
        *n.entry(f.kind).or_default() += 1;
    }
    n.into_iter()
        .map(|(k, n)| match k {
            FindingKind::Error if n != 1 => format!("{n} errors"),
            k => format!("{n} {}", word(k)),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether `view` leaves some finding out of its own row (so the heading says how to see them).
pub(crate) fn abridged(plan: &Plan, view: FindingsView) -> bool {
    match view {
        FindingsView::All => false,
        FindingsView::None => !plan.findings.is_empty(),
        FindingsView::Summary => rows(plan, view).len() < plan.findings.len(),
    }
}

/// What a finding is about, as a noun that takes an `s`.
fn noun(address: &Address) -> &'static str {
    match address {
        Address::Key { .. } | Address::Keys(_) => "key",
        Address::Secret { .. } | Address::Secrets(_) => "secret",
        Address::Region { .. } | Address::Regions(_) => "region",
        Address::Contact { .. } | Address::Contacts(_) => "contact",
        Address::Account(_) | Address::AccountParent(_) => "account",
        Address::Ou(_) => "OU",
        Address::Policy { .. } | Address::InForce { .. } => "policy",
        Address::Attachment { .. } => "attachment",
        Address::Tags(_) => "tag set",
        Address::Root
        | Address::PolicyType(_)
        | Address::ServiceAccess(_)
        | Address::DelegatedAdmin(_)
        | Address::RootAccess(_)
        | Address::SecurityAdmin { .. }
        | Address::Trail(_)
        | Address::Capability(_) => "item",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AccountId;

    fn key(account: &str, id: &str) -> Address {
        Address::Key {
            account: AccountId::parse(account).unwrap(),
            region: "us-east-1".into(),
            key_id: id.into(),
        }
    }

    fn plan(findings: Vec<Finding>) -> Plan {
        let mut p = Plan {
            format_version: 1,
            changes: vec![],
            unmanaged: vec![],
            conflicts: vec![],
            findings,
            account_names: Default::default(),
        };
        p.account_names
            .insert(AccountId::parse("111122223333").unwrap(), "prod".into());
        p
    }

    fn f(address: Address, kind: FindingKind, message: &str) -> Finding {
        Finding {
            address,
            kind,
            message: message.into(),
        }
    }

    #[test]
    fn the_summary_groups_by_kind_and_reason_and_keeps_every_error() {
        let managed = "AWS-managed key: AWS rotates it";
        let p = plan(vec![
            f(key("111122223333", "k1"), FindingKind::Skipped, managed),
            f(
                key("111122223333", "k2"),
                FindingKind::Error,
                "AccessDeniedException",
            ),
            f(key("444455556666", "k3"), FindingKind::Skipped, managed),
            f(key("444455556666", "k4"), FindingKind::Skipped, managed),
            f(
                key("444455556666", "k5"),
                FindingKind::NonCompliant,
                "other",
            ),
        ]);
        let summary = rows(&p, FindingsView::Summary);
        let shown: Vec<(FindingKind, &str, &str)> = summary
            .iter()
            .map(|r| (r.kind, r.about.as_str(), r.message.as_str()))
            .collect();
        assert_eq!(
            shown,
            vec![
                (
                    FindingKind::Error,
                    "kms:111122223333/us-east-1/k2 (prod)",
                    "AccessDeniedException"
                ),
                (
                    FindingKind::NonCompliant,
                    "kms:444455556666/us-east-1/k5",
                    "other"
                ),
                (FindingKind::Skipped, "3 keys", managed),
            ]
        );
        assert!(abridged(&p, FindingsView::Summary));
        assert!(!abridged(&p, FindingsView::All));
        assert_eq!(rows(&p, FindingsView::All).len(), 5);
        assert!(rows(&p, FindingsView::None).is_empty());
        assert_eq!(counts(&p), "1 error, 1 non-compliant, 3 skipped");
    }
}
