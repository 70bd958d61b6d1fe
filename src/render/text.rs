//! The human plan, shaped like `terraform plan`: `+` create, `~` update, `-` remove, SCP documents as
//! a unified diff of their normalized JSON.

use std::fmt::Write;

use owo_colors::{OwoColorize, Style as Paint};
use similar::{ChangeTag, TextDiff};

use crate::model::PolicyDocument;
use crate::plan::{Action, Change, FindingKind, Plan, PlannedChange};

use super::Style;

pub fn summary_line(plan: &Plan) -> String {
    let s = plan.summary();
    format!(
        "Plan: {} to add, {} to change, {} to remove.",
        s.add, s.change, s.remove
    )
}

struct Out<'a> {
    buf: String,
    style: &'a Style,
}

impl Out<'_> {
    fn paint(&self, text: &str, paint: Paint) -> String {
        if self.style.color {
            text.style(paint).to_string()
        } else {
            text.to_string()
        }
    }
    fn line(&mut self, text: &str) {
        self.buf.push_str(text);
        self.buf.push('\n');
    }
}

fn action_paint(a: Action) -> Paint {
    match a {
        Action::Create => Paint::new().green(),
        Action::Update => Paint::new().yellow(),
        Action::Delete => Paint::new().red(),
    }
}

pub fn text(plan: &Plan, style: &Style) -> String {
    let mut out = Out {
        buf: String::new(),
        style,
    };
    if plan.changes.is_empty() {
        let t = out.paint("No changes.", Paint::new().bold().green());
        out.line(&format!("{t} The organization matches org.toml."));
    } else {
        let t = out.paint(
            "govern will perform the following actions:",
            Paint::new().bold(),
        );
        out.line(&t);
        for c in &plan.changes {
            out.line("");
            change(&mut out, c);
        }
    }

    if !plan.unmanaged.is_empty() {
        out.line("");
        let t = out.paint(
            "Unmanaged (in AWS, not in org.toml; left alone):",
            Paint::new().bold(),
        );
        out.line(&t);
        let w = plan
            .unmanaged
            .iter()
            .map(|u| u.address.chars().count())
            .max()
            .unwrap_or(0);
        for u in &plan.unmanaged {
            out.line(&format!("  {:<w$}  {}", u.address, u.note));
        }
    }

    if !plan.conflicts.is_empty() {
        out.line("");
        let t = out.paint(
            "Conflicts (apply refuses until they are resolved):",
            Paint::new().bold().red(),
        );
        out.line(&t);
        for c in &plan.conflicts {
            let bang = out.paint("!", Paint::new().bold().red());
            out.line(&format!("  {bang} {}", c.address));
            out.line(&format!("      {}", c.message));
        }
    }

    if !plan.findings.is_empty() {
        out.line("");
        let t = out.paint(
            "Findings (not changes; govern reports them):",
            Paint::new().bold(),
        );
        out.line(&t);
        for f in &plan.findings {
            let (tag, paint) = match f.kind {
                FindingKind::Error => ("error", Paint::new().bold().red()),
                FindingKind::NonCompliant => ("non-compliant", Paint::new().yellow()),
                FindingKind::Skipped => ("skipped", Paint::new().dimmed()),
            };
            let tag = out.paint(tag, paint);
            out.line(&format!("  {tag} {}: {}", f.address, f.message));
        }
    }

    if !plan.changes.is_empty() {
        out.line("");
        let t = out.paint(&summary_line(plan), Paint::new().bold());
        out.line(&t);
    }
    out.buf
}

fn change(out: &mut Out, c: &PlannedChange) {
    let sym = out.paint(&c.action.symbol().to_string(), action_paint(c.action));
    let extra = match &c.change {
        Change::MoveAccount { name, .. } => format!("   ({name})"),
        _ => String::new(),
    };
    out.line(&format!("  {sym} {}{extra}", c.address));
    match &c.change {
        Change::EnableScpPolicyType => {
            out.line("      policy type: SERVICE_CONTROL_POLICY disabled → enabled")
        }
        Change::CreateOu { path } => out.line(&format!("      parent: {}", path.parent())),
        Change::CreatePolicy { after, .. } => {
            out.line(&format!("      description: {:?}", after.description));
            tags(out, &Default::default(), &after.tags);
            out.line("      document:");
            for l in after.document.pretty().lines() {
                let l = out.paint(&format!("+ {l}"), Paint::new().green());
                out.line(&format!("        {l}"));
            }
        }
        Change::UpdatePolicy { before, after, .. } => {
            if before.description != after.description {
                out.line(&format!(
                    "      description: {:?} → {:?}",
                    before.description, after.description
                ));
            }
            tags(out, &before.tags, &after.tags);
            if before.document != after.document {
                out.line("      document:");
                document_diff(out, &before.document, &after.document);
            }
        }
        Change::CreateAccount { email, parent, .. } => {
            out.line(&format!("      email:  {email}"));
            out.line(&format!("      parent: {parent}"));
        }
        Change::MoveAccount { before, after, .. } => {
            out.line(&format!("      parent: {before} → {after}"))
        }
        Change::Attach { .. } | Change::Detach { .. } | Change::EnableServiceAccess { .. } => {}
        Change::RegisterDelegatedAdmin {
            account_name,
            account,
            ..
        } => match account {
            Some(id) => out.line(&format!(
                "      administrator: account:{id} ({account_name})"
            )),
            None => out.line(&format!("      administrator: account:{account_name}")),
        },
        Change::PutContact { before, after, .. } => {
            let empty = |f: &str| {
                if f.is_empty() {
                    "(unset)".to_string()
                } else {
                    format!("{f:?}")
                }
            };
            let fields = |c: &crate::model::Contact| {
                [
                    ("name", c.name.clone()),
                    ("title", c.title.clone()),
                    ("email", c.email.clone()),
                    ("phone", c.phone.clone()),
                ]
            };
            let old = before.as_ref().map(fields);
            for (i, (field, new)) in fields(after).into_iter().enumerate() {
                let was = old.as_ref().map(|o| o[i].1.clone()).unwrap_or_default();
                if was != new {
                    out.line(&format!("      {field}: {} → {:?}", empty(&was), new));
                }
            }
        }
        Change::EnableKeyRotation {
            before_enabled,
            before_period_days,
            period_days,
            ..
        } => {
            let was = match (before_enabled, before_period_days) {
                (false, _) => "off".to_string(),
                (true, Some(p)) => format!("every {p} days"),
                (true, None) => "on, period not reported".to_string(),
            };
            out.line(&format!("      rotation: {was} → every {period_days} days"));
        }
        Change::SetSecretRotation {
            before_enabled,
            before_days,
            days,
            ..
        } => {
            let was = match (before_enabled, before_days) {
                (false, _) => "off".to_string(),
                (true, Some(d)) => format!("every {d} days"),
                (true, None) => "on, schedule not in days".to_string(),
            };
            out.line(&format!(
                "      rotation: {was} → every {days} days (not rotated now)"
            ));
        }
        Change::DisableRegion { .. } => out.line("      opt-in status: ENABLED → DISABLED"),
    }
}

fn tags(
    out: &mut Out,
    before: &std::collections::BTreeMap<String, String>,
    after: &std::collections::BTreeMap<String, String>,
) {
    for (k, v) in after {
        if before.get(k) != Some(v) {
            let l = out.paint(&format!("+ {k} = {v:?}"), Paint::new().green());
            out.line(&format!("      tags: {l}"));
        }
    }
}

fn document_diff(out: &mut Out, before: &PolicyDocument, after: &PolicyDocument) {
    let (a, b) = (before.pretty(), after.pretty());
    let diff = TextDiff::from_lines(&a, &b);
    for group in diff.grouped_ops(3) {
        let (first, last) = (group.first().unwrap(), group.last().unwrap());
        let (o, n) = (first.old_range().start, first.new_range().start);
        let (ol, nl) = (last.old_range().end - o, last.new_range().end - n);
        let mut header = String::new();
        let _ = write!(header, "@@ -{},{} +{},{} @@", o + 1, ol, n + 1, nl);
        let h = out.paint(&header, Paint::new().cyan());
        out.line(&format!("        {h}"));
        for op in group {
            for change in diff.iter_changes(&op) {
                let (sign, paint) = match change.tag() {
                    ChangeTag::Delete => ('-', Paint::new().red()),
                    ChangeTag::Insert => ('+', Paint::new().green()),
                    ChangeTag::Equal => (' ', Paint::new()),
                };
                let text = change.value().trim_end_matches('\n');
                let l = out.paint(&format!("{sign} {text}"), paint);
                out.line(&format!("        {l}"));
            }
        }
    }
}
