//! Plan → GitHub-flavoured Markdown, for PR comments and job summaries: a heading, a summary table,
//! the changes as a table with their values before → after, policy documents as ```diff blocks
//! (long ones folded), then unmanaged, conflicts and findings; cut to fit a comment when asked.

use std::fmt::Write;

use similar::TextDiff;

use crate::model::PolicyDocument;
use crate::plan::{Action, Change, Plan};

use super::text::summary_line;
use super::{details, findings, Style};

/// Documents longer than this many diff lines fold into a `<details>` block.
const FOLD_LINES: usize = 30;

pub fn markdown(plan: &Plan, style: &Style) -> String {
    let mut out = String::from("## govern plan\n\n");
    body(&mut out, plan, 3, style);
    fit(out, plan, style, "## govern plan\n\n")
}

/// `full` when it fits `style.max_chars`; else the summary and as many change rows as fit, and
/// where the whole plan is. `head` starts the cut version.
pub(crate) fn fit(full: String, plan: &Plan, style: &Style, head: &str) -> String {
    let Some(max) = style.max_chars else {
        return full;
    };
    if full.chars().count() <= max {
        return full;
    }
    let mut out = head.to_string();
    let _ = writeln!(out, "**{}**\n", summary_line(plan));
    let _ = writeln!(
        out,
        "> The whole plan is {} characters, more than the {max} this comment may hold: it is \
         in the job's artifacts (`govern show PLAN.json --format markdown` prints it from the \
         saved plan). Below, the changes without their details.\n",
        full.chars().count()
    );
    if !plan.findings.is_empty() {
        let _ = writeln!(out, "Findings: {}.\n", findings::counts(plan));
    }
    out.push_str("| # | Address | Action |\n|---:|---|---|\n");
    // Room for the last line, which says how many rows did not fit.
    let reserve = 120;
    let mut len = out.chars().count();
    for (i, c) in plan.changes.iter().enumerate() {
        let row = format!(
            "| {} | {} | {} |\n",
            i + 1,
            code(&plan.label(&c.address)),
            action_cell(c.action)
        );
        len += row.chars().count();
        if len + reserve > max {
            let _ = writeln!(
                out,
                "\n… and {} more changes, in the artifact.",
                plan.changes.len() - i
            );
            break;
        }
        out.push_str(&row);
    }
    out
}

/// The plan's sections, their headings at `level` (the drift report nests them one deeper).
pub(crate) fn body(out: &mut String, plan: &Plan, level: usize, style: &Style) {
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
        out.push_str("| # | Address | Action | Before → after |\n|---:|---|---|---|\n");
        for (i, c) in plan.changes.iter().enumerate() {
            let details: Vec<String> = details::of(&c.change)
                .into_iter()
                .map(|d| {
                    cell(&format!(
                        "{}{}",
                        d.label.trim_end(),
                        spaced(&d.text, d.label)
                    ))
                })
                .collect();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                i + 1,
                code(&plan.label(&c.address)),
                action_cell(c.action),
                details.join("<br>")
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
                code(&plan.label(&u.address)),
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
                code(&plan.label(&c.address)),
                cell(&c.message)
            );
        }
    }
    if !plan.findings.is_empty() {
        let _ = writeln!(
            out,
            "\n{h} Findings (not changes): {}\n",
            findings::counts(plan)
        );
        if findings::abridged(plan, style.findings) {
            out.push_str("Summarized: `--findings all` lists each.\n\n");
        }
        let rows = findings::rows(plan, style.findings);
        if !rows.is_empty() {
            out.push_str("| Kind | About | Finding |\n|---|---|---|\n");
            for r in rows {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} |",
                    findings::word(r.kind),
                    code(&r.about),
                    cell(&r.message)
                );
            }
        }
    }
}

/// A detail's value after its label: `label` ends in its own spacing in text; one space here.
fn spaced(text: &str, label: &str) -> String {
    if label.trim().is_empty() {
        text.to_string()
    } else {
        format!(" {text}")
    }
}

/// Policy documents that a change creates or rewrites, as unified diffs of their normalized JSON;
/// a long one folded into `<details>` so the review page stays short.
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
    let _ = writeln!(out, "\n{h} Policy documents");
    for (address, before, after) in docs {
        let old = if before.value().is_null() {
            String::new()
        } else {
            before.pretty() + "\n"
        };
        let new = after.pretty() + "\n";
        let diff = TextDiff::from_lines(&old, &new);
        let mut body = String::new();
        for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
            body.push_str(&hunk.to_string());
        }
        let lines = body.lines().count();
        if lines > FOLD_LINES {
            let _ = writeln!(
                out,
                "\n<details><summary><code>{}</code> ({lines} lines)</summary>\n\n```diff\n{body}```\n\n</details>",
                html(&address.to_string())
            );
        } else {
            let _ = writeln!(
                out,
                "\n{}\n\n```diff\n{body}```",
                code(&address.to_string())
            );
        }
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

/// Text inside HTML (a `<summary>`): Markdown is not read there, so HTML's own escapes.
fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
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
                tags: Default::default(),
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
            account_names: Default::default(),
        };
        let md = markdown(&plan, &Style::plain());
        assert!(md.starts_with("## govern plan\n"), "{md}");
        assert!(md.contains("| Action | Count |"), "{md}");
        assert!(md.contains("| `+` create | 1 |"), "{md}");
        assert!(
            md.contains("| 1 | `ou:Security` | `+` create | parent: root |"),
            "{md}"
        );
        assert!(md.contains("| 2 | `scp:deny-x` | `~` update |  |"), "{md}");
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
            account_names: Default::default(),
        };
        assert!(markdown(&plan, &Style::plain()).contains("**No changes.**"));
    }

    fn moves(n: usize) -> Plan {
        let changes: Vec<PlannedChange> = (0..n)
            .map(|i| {
                let c = Change::MoveAccount {
                    name: format!("app-{i}"),
                    id: crate::model::AccountId::parse(&format!(
                        "{:012}",
                        100_000_000_000u64 + i as u64
                    ))
                    .unwrap(),
                    before: crate::model::Parent::Root,
                    after: crate::model::Parent::Ou(OuPath::parse("Workloads").unwrap()),
                };
                PlannedChange {
                    address: c.address(),
                    action: c.action(),
                    depends_on: vec![],
                    change: c,
                }
            })
            .collect();
        let mut plan = Plan {
            format_version: 1,
            changes,
            unmanaged: vec![],
            conflicts: vec![],
            findings: vec![],
            account_names: Default::default(),
        };
        plan.name_accounts(|id| Some(format!("app-{}", &id.as_str()[9..])));
        plan
    }

    #[test]
    fn changes_show_before_and_after_and_the_account_name() {
        let md = markdown(&moves(1), &Style::plain());
        assert!(
            md.contains(
                "| 1 | `account:100000000000/parent (app-000)` | `~` update | parent: root → ou:Workloads |"
            ),
            "{md}"
        );
    }

    #[test]
    fn a_plan_too_long_for_a_comment_is_cut_to_fit_and_says_where_the_rest_is() {
        let plan = moves(3_000);
        let full = markdown(&plan, &Style::plain());
        assert!(full.chars().count() > 65_536, "the test needs a long plan");
        let style = Style {
            max_chars: Some(65_536),
            ..Style::plain()
        };
        let cut = markdown(&plan, &style);
        assert!(cut.chars().count() <= 65_536, "{}", cut.chars().count());
        assert!(
            cut.starts_with("## govern plan\n\n**Plan: 0 to add, 3000 to change"),
            "{cut}"
        );
        assert!(
            cut.contains("govern show PLAN.json --format markdown"),
            "{cut}"
        );
        assert!(cut.contains("more changes, in the artifact."), "{cut}");
        // A plan that fits is not touched.
        let small = moves(2);
        assert_eq!(markdown(&small, &style), markdown(&small, &Style::plain()));
    }
}
