//! Plan → GitHub-flavoured Markdown, for PR comments and job summaries: a heading, a summary table,
//! the changes as a table, SCP documents as ```diff blocks, then unmanaged, conflicts and findings.

use std::fmt::Write;

use similar::TextDiff;

use crate::model::PolicyDocument;
use crate::plan::{Action, Change, FindingKind, Plan};

use super::text::summary_line;

pub fn markdown(plan: &Plan) -> String {
    let mut out = String::from("## govern plan\n\n");
    body(&mut out, plan, 3);
    out
}

/// The plan's sections, their headings at `level` (the drift report nests them one deeper).
pub(crate) fn body(out: &mut String, plan: &Plan, level: usize) {
    let h = "#".repeat(level);
    if plan.changes.is_empty() {
        out.push_str("**No changes.** The organization matches org.toml.\n");
    } else {
        let s = plan.summary();
        let _ = writeln!(out, "**{}**\n", summary_line(plan));
        out.push_str("| Action | Count |\n|---|---:|\n");
        for (action, n) in [
            (Action::Create, s.add),
            (Action::Update, s.change),
            (Action::Delete, s.remove),
        ] {
            let _ = writeln!(out, "| {} | {n} |", action_cell(action));
        }
        let _ = writeln!(out, "\n{h} Changes\n");
        out.push_str("| # | Address | Action |\n|---:|---|---|\n");
        for (i, c) in plan.changes.iter().enumerate() {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                i + 1,
                code(&c.address.to_string()),
                action_cell(c.action)
            );
        }
        documents(out, plan, &h);
    }

    if !plan.unmanaged.is_empty() {
        let _ = writeln!(
            out,
            "\n{h} Unmanaged (in AWS, not in org.toml; left alone)\n"
        );
        out.push_str("| Address | Note |\n|---|---|\n");
        for u in &plan.unmanaged {
            let _ = writeln!(
                out,
                "| {} | {} |",
                code(&u.address.to_string()),
                cell(&u.note)
            );
        }
    }
    if !plan.conflicts.is_empty() {
        let _ = writeln!(
            out,
            "\n{h} Conflicts (apply refuses until they are resolved)\n"
        );
        out.push_str("| Address | Conflict |\n|---|---|\n");
        for c in &plan.conflicts {
            let _ = writeln!(
                out,
                "| {} | {} |",
                code(&c.address.to_string()),
                cell(&c.message)
            );
        }
    }
    if !plan.findings.is_empty() {
        let _ = writeln!(out, "\n{h} Findings (not changes)\n");
        out.push_str("| Kind | Address | Finding |\n|---|---|---|\n");
        for f in &plan.findings {
            let kind = match f.kind {
                FindingKind::Error => "error",
                FindingKind::NonCompliant => "non-compliant",
                FindingKind::Skipped => "skipped",
            };
            let _ = writeln!(
                out,
                "| {kind} | {} | {} |",
                code(&f.address.to_string()),
                cell(&f.message)
            );
        }
    }
}

/// SCP documents that a change creates or rewrites, as unified diffs of their normalized JSON.
fn documents(out: &mut String, plan: &Plan, h: &str) {
    let empty = PolicyDocument::from_value(serde_json::Value::Null);
    let docs: Vec<_> = plan
        .changes
        .iter()
        .filter_map(|c| match &c.change {
            Change::CreatePolicy { after, .. } => Some((&c.address, &empty, &after.document)),
            Change::UpdatePolicy { before, after, .. } if before.document != after.document => {
                Some((&c.address, &before.document, &after.document))
            }
            _ => None,
        })
        .collect();
    if docs.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{h} SCP documents");
    for (address, before, after) in docs {
        let old = if before.value().is_null() {
            String::new()
        } else {
            before.pretty() + "\n"
        };
        let new = after.pretty() + "\n";
        let diff = TextDiff::from_lines(&old, &new);
        let _ = writeln!(out, "\n{}\n\n```diff", code(&address.to_string()));
        for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
            out.push_str(&hunk.to_string());
        }
        out.push_str("```\n");
    }
}

fn action_cell(a: Action) -> String {
    let word = match a {
        Action::Create => "create",
        Action::Update => "update",
        Action::Delete => "delete",
    };
    format!("`{}` {word}", a.symbol())
}

/// A table cell: pipes escaped, lines joined.
pub(crate) fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\r', '\n'], " ")
}

/// An address as inline code in a table cell (backticks inside would end the span).
pub(crate) fn code(text: &str) -> String {
    format!("`{}`", cell(&text.replace('`', "'")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{OuPath, PolicyKind, PolicyName};
    use crate::plan::{PlannedChange, PolicyState, Unmanaged};

    fn doc(action: &str) -> PolicyDocument {
        PolicyDocument::parse(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"{action}","Resource":"*"}}]}}"#
        ))
        .unwrap()
    }

    fn state(action: &str) -> PolicyState {
        PolicyState {
            description: "d".into(),
            document: doc(action),
            tags: Default::default(),
        }
    }

    #[test]
    fn renders_tables_and_document_diffs() {
        let name = PolicyName::parse("deny-x").unwrap();
        let changes = vec![
            Change::CreateOu {
                path: OuPath::parse("Security").unwrap(),
            },
            Change::UpdatePolicy {
                kind: PolicyKind::ServiceControlPolicy,
                name: name.clone(),
                from: None,
                id: "p-1".into(),
                before: state("s3:*"),
                after: state("ec2:*"),
            },
        ];
        let plan = Plan {
            format_version: 1,
            changes: changes
                .into_iter()
                .map(|c| PlannedChange {
                    address: c.address(),
                    action: c.action(),
                    depends_on: vec![],
                    change: c,
                })
                .collect(),
            unmanaged: vec![Unmanaged {
                address: "ou:Sandbox".parse().unwrap(),
                note: "OU not declared | kept".into(),
            }],
            conflicts: vec![],
            findings: vec![],
        };
        let md = markdown(&plan);
        assert!(md.starts_with("## govern plan\n"), "{md}");
        assert!(md.contains("| Action | Count |"), "{md}");
        assert!(md.contains("| `+` create | 1 |"), "{md}");
        assert!(md.contains("| 1 | `ou:Security` | `+` create |"), "{md}");
        assert!(md.contains("| 2 | `scp:deny-x` | `~` update |"), "{md}");
        assert!(md.contains("```diff\n@@"), "{md}");
        assert!(md.contains("-      \"Action\": \"s3:*\","), "{md}");
        assert!(md.contains("+      \"Action\": \"ec2:*\","), "{md}");
        assert!(md.contains("OU not declared \\| kept"), "{md}");
    }

    #[test]
    fn an_empty_plan_says_so() {
        let plan = Plan {
            format_version: 1,
            changes: vec![],
            unmanaged: vec![],
            conflicts: vec![],
            findings: vec![],
        };
        assert!(markdown(&plan).contains("**No changes.**"));
    }
}
