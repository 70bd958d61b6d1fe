//! `report.html`: one self-contained page (inline CSS, no scripts, no external assets) that opens from
//! disk: counts per control and per account, then every row, failing ones first, each linked to the
//! evidence file it was evaluated on.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::controls::{catalogue, Row, Status, ORGANIZATION_FILE};

pub struct Header<'a> {
    pub organization_id: &'a str,
    pub management_account: &'a str,
    pub evaluated_at: &'a str,
    pub govern_version: &'a str,
    /// `manifest.json`'s config_digest and config_git: which configuration was evaluated.
    pub config_digest: Option<&'a str>,
    pub config_git: Option<&'a super::ConfigGit>,
    /// A partial bundle's shard: the page then says it shows that shard's rows only.
    pub shard: Option<crate::plan::Shard>,
    /// How many partial bundles a merged bundle was made of (0: not merged).
    pub merged_from: usize,
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;margin:1em 0;font-size:14px}\
th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}\
th{background:#f3f3f3}td.n{text-align:right}\
.PASS{color:#176f2c}.FAIL{color:#b00020;font-weight:bold}.ERROR{color:#8a4b00;font-weight:bold}\
.NOT_APPLICABLE{color:#666}";

fn count_cells(out: &mut String, c: &BTreeMap<Status, usize>) {
    for s in Status::ALL {
        let n = c.get(&s).copied().unwrap_or(0);
        let _ = write!(
            out,
            "<td class=\"n {}\">{n}</td>",
            if n > 0 { s.as_str() } else { "" }
        );
    }
}

fn status_headers(out: &mut String) {
    for s in Status::ALL {
        let _ = write!(out, "<th>{s}</th>");
    }
}

pub fn render(h: &Header, rows: &[Row]) -> String {
    let mut out = String::new();
    let totals = super::controls::counts(rows);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>govern evidence: {org}</title><style>{STYLE}</style></head><body>\n\
         <h1>Evidence for organization {org}</h1>\n\
         <p>Management account {mgmt}; evaluated at {at} by govern {v}. \
         Hashes of every file are in <a href=\"manifest.json\">manifest.json</a> and \
         <a href=\"SHA256SUMS\">SHA256SUMS</a>; check them with <code>govern evidence verify DIR</code> \
         or <code>sha256sum -c SHA256SUMS</code>.</p>\n",
        org = esc(h.organization_id),
        mgmt = esc(h.management_account),
        at = esc(h.evaluated_at),
        v = esc(h.govern_version),
    );
    if let Some(digest) = h.config_digest {
        let _ = write!(
            out,
            "<p id=\"config\">Configuration evaluated: org.toml and the files it names, in \
             <a href=\"config/org.toml\">config/</a>, config digest <code>{}</code>",
            esc(digest)
        );
        match h.config_git {
            Some(g) => {
                let _ = write!(
                    out,
                    " at git commit <code>{}</code>{}",
                    esc(&g.commit),
                    if g.uncommitted_changes {
                        " with uncommitted changes to those files"
                    } else {
                        ""
                    }
                );
            }
            None => out.push_str(
                " (no git commit: org.toml is in no git repository, or git is not installed)",
            ),
        }
        out.push_str(".</p>\n");
    }
    if let Some(shard) = h.shard {
        let _ = writeln!(
            out,
            "<p id=\"partial\"><strong>Partial bundle: shard {} of {}.</strong> It holds the rows \
             of the member accounts of this shard{}; <code>govern evidence merge</code> makes one \
             bundle of all {} shards.</p>",
            shard.index,
            shard.count,
            if shard.is_first() {
                " and those about the organization"
            } else {
                " only"
            },
            shard.count
        );
    }
    if h.merged_from > 0 {
        let _ = writeln!(
            out,
            "<p id=\"merged\">Merged from {} partial bundles (one per shard), listed with the \
             SHA-256 of their manifests under <code>merged_from</code> in manifest.json.</p>",
            h.merged_from
        );
    }
    let _ = writeln!(
        out,
        "<p id=\"totals\">{} results: {} PASS, {} FAIL, {} ERROR, {} NOT_APPLICABLE.</p>",
        rows.len(),
        totals[&Status::Pass],
        totals[&Status::Fail],
        totals[&Status::Error],
        totals[&Status::NotApplicable],
    );

    out.push_str("<h2>By control</h2>\n<table id=\"by-control\"><tr><th>Control</th><th>Title</th><th>Checks</th><th>Frameworks</th>");
    status_headers(&mut out);
    out.push_str("</tr>\n");
    for c in catalogue() {
        let counts = super::controls::counts(rows.iter().filter(|r| r.control_id == c.id));
        let _ = write!(
            out,
            "<tr id=\"control-{id}\"><td>{id}</td><td>{}</td><td>{}</td><td>{}</td>",
            esc(c.title),
            esc(c.checks),
            esc(&c.frameworks.join("; ")),
            id = esc(c.id),
        );
        count_cells(&mut out, &counts);
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");

    out.push_str("<h2>By account</h2>\n<table id=\"by-account\"><tr><th>Account</th><th>Name</th><th>Evidence</th>");
    status_headers(&mut out);
    out.push_str("</tr>\n");
    // One line per account; organization-level rows (no account) first.
    let mut per_account: BTreeMap<(&str, &str), Vec<&Row>> = BTreeMap::new();
    for r in rows {
        per_account
            .entry((&r.account_id, &r.account_name))
            .or_default()
            .push(r);
    }
    for ((id, name), rs) in &per_account {
        let (shown_id, evidence) = if id.is_empty() {
            ("organization", ORGANIZATION_FILE.to_string())
        } else {
            (*id, format!("state/accounts/{id}.json"))
        };
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td><a href=\"{e}\">{e}</a></td>",
            esc(shown_id),
            esc(name),
            e = esc(&evidence)
        );
        count_cells(&mut out, &super::controls::counts(rs.iter().copied()));
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");

    out.push_str("<h2>Results, failing first</h2>\n<table id=\"rows\"><tr><th>Status</th><th>Control</th><th>Account</th><th>Region</th><th>Resource</th><th>Expected</th><th>Observed</th><th>Evidence</th></tr>\n");
    let mut ordered: Vec<&Row> = rows.iter().collect();
    ordered.sort_by_key(|r| r.status); // stable: keeps catalogue order within a status
    for r in ordered {
        let account = if r.account_id.is_empty() {
            String::new()
        } else {
            format!("{} ({})", r.account_id, r.account_name)
        };
        let _ = writeln!(
            out,
            "<tr class=\"{s}\"><td class=\"{s}\">{s}</td><td><a href=\"#control-{c}\">{c}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><a href=\"{e}\">{e}</a></td></tr>",
            esc(&account),
            esc(&r.region),
            esc(&r.resource),
            esc(&r.expected),
            esc(&r.observed),
            s = r.status.as_str(),
            c = esc(&r.control_id),
            e = esc(&r.evidence),
        );
    }
    out.push_str("</table>\n</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes() {
        assert_eq!(
            super::esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
