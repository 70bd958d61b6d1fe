//! `govern validate`: offline checks of org.toml and its policy files; `--format sarif` also writes
//! them (and, with `--online`, Access Analyzer's findings) as a SARIF log for GitHub code scanning.

use crate::cli::{ValidateArgs, ValidateFormat};
use crate::config::sarif::OnlineFinding;
use crate::error::{Error, Result};
use crate::exit;

use super::Context;

pub async fn run(ctx: &Context, args: &ValidateArgs) -> Result<u8> {
    let loaded = ctx.load();
    if args.format == ValidateFormat::Sarif {
        // With `--online`, Access Analyzer's findings join the log (only for a valid file: an
        // invalid one is not sent anywhere).
        let (problems, online) = match &loaded {
            Ok(l) if args.online => (&[][..], Some(findings(ctx, &l.desired).await?)),
            Ok(_) => (&[][..], None),
            Err(e) => (&e.problems[..], None),
        };
        let cwd = std::env::current_dir().map_err(|source| Error::Io {
            context: "reading the working directory".into(),
            source,
        })?;
        let found = online.as_ref().map_or(&[][..], |o| &o.findings[..]);
        let log = crate::config::sarif::log_with(problems, found, &cwd, env!("CARGO_PKG_VERSION"));
        println!(
            "{}",
            serde_json::to_string_pretty(&log).expect("JSON values serialize")
        );
        if let Some(online) = online {
            // The findings also go to stderr as text, as the problems do, for the CI log.
            for line in &online.lines {
                eprintln!("{line}");
            }
            eprintln!("{}", online.summary());
            return Ok(online.exit());
        }
    }
    // The problems go to stderr as text either way (exit 1), so a CI log shows them too.
    let loaded = loaded?;
    if args.format == ValidateFormat::Text {
        let d = &loaded.desired;
        let scps = d
            .policies
            .values()
            .filter(|p| p.kind == crate::model::PolicyKind::ServiceControlPolicy)
            .count();
        // Other kinds are counted apart, so an SCP-only file reads as it did before kinds.
        let others = match d.policies.len() - scps {
            0 => String::new(),
            n => format!(", {n} other {}", if n == 1 { "policy" } else { "policies" }),
        };
        println!(
            "{} is valid: {} SCPs{others}, {} OUs, {} accounts ({} files read).",
            ctx.config.display(),
            scps,
            d.ous.len(),
            d.accounts.len(),
            loaded.files.len()
        );
    }
    if args.online {
        let online = findings(ctx, &loaded.desired).await?;
        for line in &online.lines {
            println!("{line}");
        }
        println!("{}", online.summary());
        return Ok(online.exit());
    }
    Ok(exit::OK)
}

/// What `--online` found: each finding as a SARIF result's input and as the text line it prints.
struct Online {
    findings: Vec<OnlineFinding>,
    lines: Vec<String>,
    errors: usize,
    others: usize,
}

impl Online {
    fn summary(&self) -> String {
        format!(
            "IAM Access Analyzer: {} error(s), {} other finding(s).",
            self.errors, self.others
        )
    }
    /// Errors fail validation; the rest pass.
    fn exit(&self) -> u8 {
        if self.errors > 0 {
            exit::ERROR
        } else {
            exit::OK
        }
    }
}

/// `--online`: every SCP and RCP through IAM Access Analyzer's ValidatePolicy, one request each
/// (and more only when a document's findings run over a page). A document from a file is sent as
/// the file holds it, so a finding's span (line from 1, column from 0) is the file's own line and
/// column; a template's document is reported at its [policies.<name>] table.
async fn findings(ctx: &Context, desired: &crate::model::Desired) -> Result<Online> {
    use aws_sdk_accessanalyzer::types::{PolicyType, ValidatePolicyFindingType as T};
    let config = ctx.session.load(desired.home_region.as_str()).await?;
    let analyzer = aws_sdk_accessanalyzer::Client::new(&config);
    let mut online = Online {
        findings: Vec::new(),
        lines: Vec::new(),
        errors: 0,
        others: 0,
    };
    for (name, p) in &desired.policies {
        let policy_type = match p.kind {
            crate::model::PolicyKind::ServiceControlPolicy => PolicyType::ServiceControlPolicy,
            crate::model::PolicyKind::ResourceControlPolicy => PolicyType::ResourceControlPolicy,
            _ => continue,
        };
        // A template's source is `template <name>`; a file's, its path as org.toml writes it
        // (relative to org.toml's directory), which loading has checked and read already.
        let dir = ctx.config.parent().unwrap_or(std::path::Path::new(""));
        let file = (!p.source.starts_with("template ")).then(|| dir.join(&p.source));
        let text = match &file {
            Some(path) => std::fs::read_to_string(path).map_err(|source| Error::Io {
                context: format!("reading {}", path.display()),
                source,
            })?,
            None => p.document.minified(),
        };
        let on = format!("{}:{name}", p.kind.prefix());
        let pages: Vec<_> = analyzer
            .validate_policy()
            .policy_document(text)
            .policy_type(policy_type)
            .into_paginator()
            .send()
            .collect::<std::result::Result<Vec<_>, _>>()
            .await
            .map_err(|e| Error::aws("ValidatePolicy", &on, e))?;
        for finding in pages.iter().flat_map(|page| page.findings()) {
            // The text's word, and SARIF's level (which has no "security warning").
            let (severity, level) = match finding.finding_type() {
                T::Error => ("error", "error"),
                T::SecurityWarning => ("security warning", "warning"),
                T::Warning => ("warning", "warning"),
                T::Suggestion => ("suggestion", "note"),
                _ => ("finding", "note"),
            };
            if *finding.finding_type() == T::Error {
                online.errors += 1;
            } else {
                online.others += 1;
            }
            let span = finding
                .locations()
                .first()
                .and_then(|l| l.span())
                .and_then(|s| s.start())
                .map(|p| (p.line(), p.column() + 1));
            let at = match (&file, span) {
                (Some(path), Some((line, column))) => format!("{}:{line}:{column}", path.display()),
                (Some(path), None) => path.display().to_string(),
                (None, _) => format!("{} (policies.{name}, {})", ctx.config.display(), p.source),
            };
            let details = crate::model::escape(finding.finding_details());
            let link = finding.learn_more_link();
            let code = crate::model::escape(finding.issue_code()).into_owned();
            online.lines.push(format!(
                "{at}: {severity}: {code}: {details}{}",
                if link.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", crate::model::escape(link))
                }
            ));
            online.findings.push(OnlineFinding {
                file: file.clone().unwrap_or_else(|| ctx.config.clone()),
                line: file.as_ref().and(span).map(|(line, _)| line as usize),
                column: file.as_ref().and(span).map(|(_, column)| column as usize),
                level,
                code,
                message: match &file {
                    Some(_) => details.into_owned(),
                    None => format!("{details} (policies.{name}, {})", p.source),
                },
                link: (!link.is_empty()).then(|| crate::model::escape(link).into_owned()),
            });
        }
    }
    Ok(online)
}
