//! `govern validate`: offline checks of org.toml and its policy files; `--format sarif` also writes
//! them as a SARIF log for GitHub code scanning.

use crate::cli::{ValidateArgs, ValidateFormat};
use crate::error::{Error, Result};
use crate::exit;

use super::Context;

pub async fn run(ctx: &Context, args: &ValidateArgs) -> Result<u8> {
    let loaded = ctx.load();
    if args.format == ValidateFormat::Sarif {
        let problems = match &loaded {
            Ok(_) => &[][..],
            Err(e) => &e.problems[..],
        };
        let cwd = std::env::current_dir().map_err(|source| Error::Io {
            context: "reading the working directory".into(),
            source,
        })?;
        let log = crate::config::sarif::log(problems, &cwd, env!("CARGO_PKG_VERSION"));
        println!(
            "{}",
            serde_json::to_string_pretty(&log).expect("JSON values serialize")
        );
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
        return online(ctx, &loaded.desired).await;
    }
    Ok(exit::OK)
}

/// `--online`: every SCP and RCP through IAM Access Analyzer's ValidatePolicy, one request each
/// (and more only when a document's findings run over a page). A document from a file is sent as
/// the file holds it, so a finding's span (line from 1, column from 0) is the file's own line and
/// column; a template's document is reported at its [policies.<name>] table.
async fn online(ctx: &Context, desired: &crate::model::Desired) -> Result<u8> {
    use aws_sdk_accessanalyzer::types::{PolicyType, ValidatePolicyFindingType as T};
    let config = ctx.session.load(desired.home_region.as_str()).await?;
    let analyzer = aws_sdk_accessanalyzer::Client::new(&config);
    let (mut errors, mut others) = (0usize, 0usize);
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
            let severity = match finding.finding_type() {
                T::Error => "error",
                T::SecurityWarning => "security warning",
                T::Warning => "warning",
                T::Suggestion => "suggestion",
                _ => "finding",
            };
            if *finding.finding_type() == T::Error {
                errors += 1;
            } else {
                others += 1;
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
            println!(
                "{at}: {severity}: {}: {details}{}",
                crate::model::escape(finding.issue_code()),
                if link.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", crate::model::escape(link))
                }
            );
        }
    }
    println!("IAM Access Analyzer: {errors} error(s), {others} other finding(s).");
    Ok(if errors > 0 { exit::ERROR } else { exit::OK })
}
