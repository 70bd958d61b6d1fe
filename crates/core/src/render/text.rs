//! The human plan, shaped like `terraform plan`: `+` create, `~` update, `-` remove, SCP documents as
//! a unified diff of their normalized JSON. Reads only the `Plan`, the same data `--json` prints.

use std::collections::BTreeMap;

use owo_colors::{OwoColorize, Style as Paint};

use crate::plan::{Action, Change, FindingKind, Plan, PlannedChange, Target, MANAGED_BY_KEY};

use super::columns;
use super::docdiff::{self, Line};
use super::Style;

/// `Plan: 2 to add, 1 to change, 0 to remove.`
pub fn summary_line(plan: &Plan) -> String {
    let s = plan.summary();
    format!(
        "Plan: {} to add, {} to change, {} to remove.",
        s.add, s.change, s.remove
    )
}

/// Indent of a change's heading line, and of its details below it.
const HEAD: &str = "  ";
const DETAIL: &str = "      ";
/// SCP document lines sit one step deeper than the `document:` label.
const DOC: &str = "        ";

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
    fn detail(&mut self, text: &str) {
        self.line(&format!("{DETAIL}{text}"));
    }
    fn heading(&mut self, text: &str, paint: Paint) {
        self.line("");
        let t = self.paint(text, paint);
        self.line(&t);
    }
}

fn action_paint(a: Action) -> Paint {
    match a {
        Action::Create => Paint::new().green(),
        Action::Update => Paint::new().yellow(),
        Action::Delete => Paint::new().red(),
    }
}

fn bold() -> Paint {
    Paint::new().bold()
}

pub fn text(plan: &Plan, style: &Style) -> String {
    text_headed(plan, style, "govern will perform the following actions:")
}

/// [`text`] with another heading over the changes (drift reports differences, not actions).
pub fn text_headed(plan: &Plan, style: &Style, heading: &str) -> String {
    let mut out = Out {
        buf: String::new(),
        style,
    };
    if plan.changes.is_empty() {
        let t = out.paint("No changes.", bold().green());
        let why = if plan.is_incomplete() {
            "The plan is incomplete: some accounts could not be read (see Findings)."
        } else if !plan.conflicts.is_empty() {
            "The conflicts below keep the organization from matching org.toml."
        } else {
            "The organization matches org.toml."
        };
        out.line(&format!("{t} {why}"));
    } else {
        let t = out.paint(heading, bold());
        out.line(&t);
        for c in &plan.changes {
            out.line("");
            change(&mut out, c);
        }
    }

    if !plan.unmanaged.is_empty() {
        out.heading("Unmanaged (in AWS, not in org.toml; left alone):", bold());
        let addresses: Vec<String> = plan
            .unmanaged
            .iter()
            .map(|u| u.address.to_string())
            .collect();
        let rows: Vec<_> = addresses
            .iter()
            .zip(&plan.unmanaged)
            .map(|(a, u)| (a.as_str(), u.note.as_str()))
            .collect();
        rows_under(
            &mut out,
            &rows,
            &vec![HEAD.to_string(); rows.len()],
            HEAD.len(),
        );
    }

    if !plan.conflicts.is_empty() {
        out.heading(
            "Conflicts (apply refuses until they are resolved):",
            bold().red(),
        );
        let bang = format!("{HEAD}{} ", out.paint("!", bold().red()));
        let addresses: Vec<String> = plan
            .conflicts
            .iter()
            .map(|c| c.address.to_string())
            .collect();
        let rows: Vec<_> = addresses
            .iter()
            .zip(&plan.conflicts)
            .map(|(a, c)| (a.as_str(), c.message.as_str()))
            .collect();
        rows_under(&mut out, &rows, &vec![bang; rows.len()], HEAD.len() + 2);
    }

    if !plan.findings.is_empty() {
        out.heading("Findings (not changes; govern reports them):", bold());
        let kind = |k: FindingKind| match k {
            FindingKind::Error => ("error", bold().red()),
            FindingKind::NonCompliant => ("non-compliant", Paint::new().yellow()),
            FindingKind::Skipped => ("skipped", Paint::new().dimmed()),
        };
        let w = plan
            .findings
            .iter()
            .map(|f| kind(f.kind).0.len())
            .max()
            .unwrap_or(0);
        let prefixes: Vec<_> = plan
            .findings
            .iter()
            .map(|f| {
                let (tag, paint) = kind(f.kind);
                format!(
                    "{HEAD}{}{:pad$}  ",
                    out.paint(tag, paint),
                    "",
                    pad = w - tag.len()
                )
            })
            .collect();
        let addresses: Vec<String> = plan
            .findings
            .iter()
            .map(|f| f.address.to_string())
            .collect();
        let rows: Vec<_> = addresses
            .iter()
            .zip(&plan.findings)
            .map(|(a, f)| (a.as_str(), f.message.as_str()))
            .collect();
        rows_under(&mut out, &rows, &prefixes, HEAD.len() + w + 2);
    }

    if !plan.changes.is_empty() {
        out.line("");
        let t = out.paint(&summary_line(plan), bold());
        out.line(&t);
    }
    out.buf
}

/// Aligned `address  note` rows; `prefixes` (already painted) are `lead` columns wide.
fn rows_under(out: &mut Out, rows: &[(&str, &str)], prefixes: &[String], lead: usize) {
    let blank = " ".repeat(lead);
    for (lines, prefix) in columns::table(rows, lead, out.style.width)
        .into_iter()
        .zip(prefixes)
    {
        for (i, l) in lines.iter().enumerate() {
            let p = if i == 0 { prefix } else { &blank };
            out.line(&format!("{p}{l}"));
        }
    }
}

/// A name shown beside an address that holds only an id.
fn hint(c: &Change) -> Option<&str> {
    match c {
        Change::MoveAccount { name, .. } => Some(name),
        Change::UpdatePolicy { id, .. } | Change::DeletePolicy { id, .. } => Some(id),
        Change::Attach { target, .. } | Change::Detach { target, .. } => match target {
            Target::Account { name, id: Some(_) } => Some(name),
            _ => None,
        },
        Change::Member(_)
        | Change::EnablePolicyType { .. }
        | Change::CreateOu { .. }
        | Change::CreatePolicy { .. }
        | Change::CreateAccount { .. }
        | Change::EnableServiceAccess { .. }
        | Change::RegisterDelegatedAdmin { .. } => None,
    }
}

fn change(out: &mut Out, c: &PlannedChange) {
    let sym = out.paint(&c.action.symbol().to_string(), action_paint(c.action));
    let hint = hint(&c.change)
        .map(|h| format!("   ({h})"))
        .unwrap_or_default();
    out.line(&format!("{HEAD}{sym} {}{hint}", c.address));
    match &c.change {
        Change::EnablePolicyType { .. } => out.detail("status: disabled → enabled"),
        Change::CreateOu { path } => out.detail(&format!("parent: {}", path.parent())),
        Change::CreatePolicy { after, .. } => {
            out.detail(&format!("description: {:?}", after.description));
            tags(out, &BTreeMap::new(), &after.tags);
            out.detail("document:");
            document(out, &docdiff::added(&after.document));
        }
        Change::UpdatePolicy {
            name,
            from,
            before,
            after,
            ..
        } => {
            if let Some(from) = from {
                out.detail(&format!(
                    "name: {:?} → {:?} ([[moved]]; the policy and its id stay)",
                    from.as_str(),
                    name.as_str()
                ));
            }
            if before.description != after.description {
                out.detail(&format!(
                    "description: {:?} → {:?}",
                    before.description, after.description
                ));
            }
            tags(out, &before.tags, &after.tags);
            let diff = docdiff::unified(&before.document, &after.document);
            if !diff.is_empty() {
                out.detail("document:");
                document(out, &diff);
            }
        }
        Change::DeletePolicy { before, .. } => {
            out.detail(&format!(
                "{MANAGED_BY_KEY} = {}, no longer in org.toml",
                before
                    .tags
                    .get(MANAGED_BY_KEY)
                    .map(String::as_str)
                    .unwrap_or_default()
            ));
            out.detail(&format!("description: {:?}", before.description));
        }
        Change::CreateAccount { email, parent, .. } => {
            out.detail(&format!("email:  {email}"));
            out.detail(&format!("parent: {parent}"));
        }
        Change::MoveAccount { before, after, .. } => {
            out.detail(&format!("parent: {before} → {after}"))
        }
        // The address says it all: which SCP, which target; the sign says attach or detach.
        Change::Attach { .. } | Change::Detach { .. } | Change::EnableServiceAccess { .. } => {}
        Change::RegisterDelegatedAdmin {
            account_name,
            account,
            ..
        } => match account {
            Some(id) => out.detail(&format!("administrator: account:{id} ({account_name})")),
            None => out.detail(&format!("administrator: account:{account_name}")),
        },
        Change::Member(m) => {
            for line in m.get().details() {
                out.detail(&line);
            }
        }
    }
}

/// Tag changes, one a line under a single `tags:` label: `+` added, `~` changed, `-` removed.
fn tags(out: &mut Out, before: &BTreeMap<String, String>, after: &BTreeMap<String, String>) {
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
    for (i, (action, l)) in lines.iter().enumerate() {
        let label = if i == 0 { "tags: " } else { "      " };
        let l = out.paint(l, action_paint(*action));
        out.detail(&format!("{label}{l}"));
    }
}

fn document(out: &mut Out, lines: &[Line]) {
    for l in lines {
        let t = match l {
            Line::Hunk(_) => out.paint(&l.plain(), Paint::new().cyan()),
            Line::Context(_) => l.plain(),
            Line::Insert(_) => out.paint(&l.plain(), Paint::new().green()),
            Line::Delete(_) => out.paint(&l.plain(), Paint::new().red()),
        };
        out.line(&format!("{DOC}{t}"));
    }
}
