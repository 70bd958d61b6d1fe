//! The human plan, shaped like `terraform plan`: `+` create, `~` update, `-` remove, SCP documents as
//! a unified diff of their normalized JSON. Reads only the `Plan`, the same data `--json` prints.

use owo_colors::{OwoColorize, Style as Paint};

use crate::model::escape;
use crate::plan::{Action, Change, FindingKind, Plan, PlannedChange, Target};

use super::columns;
use super::details;
use super::docdiff::{self, Line};
use super::findings;
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
            change(&mut out, plan, c);
        }
    }

    if !plan.unmanaged.is_empty() {
        out.heading("Unmanaged (in AWS, not in org.toml; left alone):", bold());
        let addresses: Vec<String> = plan
            .unmanaged
            .iter()
            .map(|x| plan.label(&x.address))
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
            .map(|x| plan.label(&x.address))
            .collect();
        let rows: Vec<_> = addresses
            .iter()
            .zip(&plan.conflicts)
            .map(|(a, c)| (a.as_str(), c.message.as_str()))
            .collect();
        rows_under(&mut out, &rows, &vec![bang; rows.len()], HEAD.len() + 2);
    }

    if !plan.findings.is_empty() {
        let view = out.style.findings;
        let mut heading = format!(
            "Findings (not changes; govern reports them): {}",
            findings::counts(plan)
        );
        if findings::abridged(plan, view) {
            heading.push_str(" (`--findings all` lists each)");
        }
        out.heading(&heading, bold());
        let rows = findings::rows(plan, view);
        let kind = |k: FindingKind| match k {
            FindingKind::Error => bold().red(),
            FindingKind::NonCompliant => Paint::new().yellow(),
            FindingKind::Skipped => Paint::new().dimmed(),
        };
        let w = rows
            .iter()
            .map(|r| findings::word(r.kind).len())
            .max()
            .unwrap_or(0);
        let prefixes: Vec<_> = rows
            .iter()
            .map(|r| {
                let tag = findings::word(r.kind);
                format!(
                    "{HEAD}{}{:pad$}  ",
                    out.paint(tag, kind(r.kind)),
                    "",
                    pad = w - tag.len()
                )
            })
            .collect();
        let cells: Vec<_> = rows
            .iter()
            .map(|r| (r.about.as_str(), r.message.as_str()))
            .collect();
        rows_under(&mut out, &cells, &prefixes, HEAD.len() + w + 2);
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
        Change::RenameAccount(r) => Some(&r.account_name),
        Change::UpdatePolicy { id, .. }
        | Change::DeletePolicy { id, .. }
        | Change::RenameOu { id, .. } => Some(id),
        Change::Attach { target, .. }
        | Change::Detach { target, .. }
        | Change::SetTags { target, .. } => match target {
            Target::Account { name, id: Some(_) } => Some(name),
            _ => None,
        },
        Change::Member(_)
        | Change::EnablePolicyType { .. }
        | Change::CreateOu { .. }
        | Change::CreatePolicy { .. }
        | Change::CreateAccount { .. }
        | Change::EnableServiceAccess { .. }
        | Change::RootAccess(_)
        | Change::SecurityAdmin(_)
        | Change::Trail(_)
        | Change::RegisterDelegatedAdmin { .. } => None,
    }
}

fn change(out: &mut Out, plan: &Plan, c: &PlannedChange) {
    let sym = out.paint(&c.action.symbol().to_string(), action_paint(c.action));
    let label = plan.label(&c.address);
    // The account's name when the plan knows it, else what the change itself names.
    let hint = match hint(&c.change) {
        Some(h) if plan.name_of(&c.address).is_none() => format!("   ({})", escape(h)),
        _ => String::new(),
    };
    out.line(&format!("{HEAD}{sym} {label}{hint}"));
    for d in details::of(&c.change) {
        let t = match d.action {
            Some(a) => out.paint(&d.text, action_paint(a)),
            None => d.text,
        };
        out.detail(&format!("{}{t}", d.label));
    }
    // Policy documents: the new one whole, or the change as a unified diff.
    let lines = match &c.change {
        Change::CreatePolicy { after, .. } => docdiff::added(&after.document),
        Change::UpdatePolicy { before, after, .. } => {
            docdiff::unified(&before.document, &after.document)
        }
        _ => Vec::new(),
    };
    if !lines.is_empty() {
        out.detail("document:");
        document(out, &lines);
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
