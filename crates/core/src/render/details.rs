//! What a change does, before → after, as the lines under its address: one source for the text
//! plan and the Markdown one, so a reviewer sees the same values in a terminal and on a pull
//! request. Policy documents are apart (a diff, rendered by each format its own way).

use std::collections::BTreeMap;

use crate::plan::{Action, Change, MANAGED_BY_KEY};

/// One line: `label` then `text`; `action` colours `text` on a terminal (tags added/removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Detail {
    pub label: &'static str,
    pub text: String,
    pub action: Option<Action>,
}

fn plain(label: &'static str, text: String) -> Detail {
    Detail {
        label,
        text,
        action: None,
    }
}

/// The lines under a change's address, documents aside.
pub(crate) fn of(change: &Change) -> Vec<Detail> {
    let mut out = Vec::new();
    match change {
        Change::EnablePolicyType { .. } => out.push(plain("status: ", "disabled → enabled".into())),
        Change::CreateOu { path, tags: t } => {
            out.push(plain("parent: ", path.parent().to_string()));
            tags(&mut out, &BTreeMap::new(), t);
        }
        Change::SetTags { before, after, .. } => tags(&mut out, before, after),
        Change::RenameOu { from, path, .. } => out.push(plain(
            "name: ",
            format!(
                "{:?} → {:?} ([[moved]]; the OU, its id, its OUs and accounts stay)",
                from.name(),
                path.name()
            ),
        )),
        Change::CreatePolicy { after, .. } => {
            out.push(plain("description: ", format!("{:?}", after.description)));
            tags(&mut out, &BTreeMap::new(), &after.tags);
        }
        Change::UpdatePolicy {
            name,
            from,
            before,
            after,
            ..
        } => {
            if let Some(from) = from {
                out.push(plain(
                    "name: ",
                    format!(
                        "{:?} → {:?} ([[moved]]; the policy and its id stay)",
                        from.as_str(),
                        name.as_str()
                    ),
                ));
            }
            if before.description != after.description {
                out.push(plain(
                    "description: ",
                    format!("{:?} → {:?}", before.description, after.description),
                ));
            }
            tags(&mut out, &before.tags, &after.tags);
        }
        Change::DeletePolicy { before, .. } => {
            out.push(plain(
                "",
                format!(
                    "{MANAGED_BY_KEY} = {}, no longer in org.toml",
                    before
                        .tags
                        .get(MANAGED_BY_KEY)
                        .map(String::as_str)
                        .unwrap_or_default()
                ),
            ));
            out.push(plain("description: ", format!("{:?}", before.description)));
        }
        Change::CreateAccount {
            email,
            parent,
            tags: t,
            account_name,
            ..
        } => {
            if let Some(n) = account_name {
                out.push(plain(
                    "name:   ",
                    format!("\"{}\"", crate::model::escape(n)),
                ));
            }
            out.push(plain("email:  ", email.to_string()));
            out.push(plain("parent: ", parent.to_string()));
            tags(&mut out, &BTreeMap::new(), t);
        }
        Change::MoveAccount { before, after, .. } => {
            out.push(plain("parent: ", format!("{before} → {after}")))
        }
        // The address says it all: which policy, which target (named beside its id); the sign
        // says attach or detach.
        Change::Attach { .. } | Change::Detach { .. } | Change::EnableServiceAccess { .. } => {}
        Change::RegisterDelegatedAdmin {
            account_name,
            account,
            ..
        } => out.push(plain(
            "administrator: ",
            match account {
                Some(id) => format!("account:{id} ({account_name})"),
                None => format!("account:{account_name}"),
            },
        )),
        Change::Trail(t) => {
            for line in t.details() {
                out.push(plain("", line));
            }
        }
        Change::RenameAccount(r) => {
            for line in r.details() {
                out.push(plain("", line));
            }
        }
        Change::RootAccess(r) => {
            for line in r.details() {
                out.push(plain("", line));
            }
        }
        Change::SecurityAdmin(s) => {
            for line in s.details() {
                out.push(plain("", line));
            }
        }
        Change::Member(m) => {
            for line in m.get().details() {
                out.push(plain("", line));
            }
        }
    }
    out
}

/// Tag changes, one a line under a single `tags:` label: `+` added, `~` changed, `-` removed.
fn tags(
    out: &mut Vec<Detail>,
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
) {
    let mut lines = Vec::new();
    for (k, v) in after {
        match before.get(k) {
            None => lines.push((Action::Create, format!("+ {k} = {v:?}"))),
            Some(old) if old != v => {
                lines.push((Action::Update, format!("~ {k} = {old:?} → {v:?}")))
            }
            Some(_) => {}
        }
    }
    for (k, v) in before {
        if !after.contains_key(k) {
            lines.push((Action::Delete, format!("- {k} = {v:?}")));
        }
    }
    for (i, (action, text)) in lines.into_iter().enumerate() {
        out.push(Detail {
            label: if i == 0 { "tags: " } else { "      " },
            text,
            action: Some(action),
        });
    }
}
