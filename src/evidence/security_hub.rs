//! `govern evidence --to-security-hub`: the rows as ASFF findings (`govern_core::evidence::asff`),
//! imported with BatchImportFindings, at most 100 a call, each account's findings from that
//! account's own session (the management account's for rows about the organization): AWS takes a
//! finding only from the account it is about (or a Security Hub administrator account). Findings
//! keep stable ids, so a re-run updates them; a resolved one is imported ARCHIVED.

use std::collections::{BTreeMap, HashMap};

use aws_config::SdkConfig;
use aws_sdk_securityhub::error::ProvideErrorMetadata;
use aws_sdk_securityhub::types::{
    AwsSecurityFinding, Compliance, ComplianceStatus, RecordState, Resource, Severity,
    SeverityLabel,
};
use futures::StreamExt;

use crate::aws::MemberSessions;
use crate::model::AccountId;
use govern_core::evidence::asff::{self, Finding};

/// What an import did.
#[derive(Debug, Default)]
pub struct Imported {
    /// Findings Security Hub accepted, and how many of them are ACTIVE.
    pub accepted: usize,
    pub active: usize,
    pub accounts: usize,
    pub calls: usize,
    /// One line per finding or account that was not imported, and why.
    pub failed: Vec<String>,
    /// Accounts where Security Hub is not enabled in the Region (InvalidAccessException): none of
    /// their findings were imported, and one line in `failed` says so.
    pub not_enabled: usize,
}

/// Imports `by_account` (account id → its findings) into Security Hub in `region`, `concurrency`
/// accounts at a time.
pub async fn import(
    members: &MemberSessions,
    region: &str,
    by_account: BTreeMap<String, Vec<Finding>>,
    concurrency: usize,
) -> Imported {
    let partition = members
        .caller_arn()
        .split(':')
        .nth(1)
        .unwrap_or("aws")
        .to_string();
    let results: Vec<Imported> =
        futures::stream::iter(by_account.into_iter().map(|(account, findings)| {
            let partition = partition.clone();
            async move {
                let config = match AccountId::parse(&account) {
                    Ok(id) => members.config(&id).await,
                    Err(e) => Err(e.to_string()),
                };
                match config {
                    Ok(config) => {
                        one_account(&config, &partition, region, &account, &findings).await
                    }
                    Err(why) => Imported {
                        failed: vec![format!(
                            "{account}: {} findings not imported: {why}",
                            findings.len()
                        )],
                        ..Imported::default()
                    },
                }
            }
        }))
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut total = Imported::default();
    for r in results {
        total.accepted += r.accepted;
        total.active += r.active;
        total.accounts += r.accounts;
        total.calls += r.calls;
        total.failed.extend(r.failed);
        total.not_enabled += r.not_enabled;
    }
    total.failed.sort();
    total
}

async fn one_account(
    config: &SdkConfig,
    partition: &str,
    region: &str,
    account: &str,
    findings: &[Finding],
) -> Imported {
    let client = aws_sdk_securityhub::Client::new(&crate::aws::in_region(config, region));
    // The account's own product ARN: findings a customer account imports about itself.
    let product_arn =
        format!("arn:{partition}:securityhub:{region}:{account}:product/{account}/default");
    let mut out = Imported {
        accounts: 1,
        ..Imported::default()
    };
    for (at, batch) in findings.chunks(asff::BATCH).enumerate() {
        let asff: Vec<AwsSecurityFinding> = batch
            .iter()
            .map(|f| to_sdk(f, &product_arn, partition, region))
            .collect();
        out.calls += 1;
        match client
            .batch_import_findings()
            .set_findings(Some(asff))
            .send()
            .await
        {
            Ok(answer) => {
                let refused: Vec<&str> = answer
                    .failed_findings()
                    .iter()
                    .filter_map(|f| f.id())
                    .collect();
                for f in answer.failed_findings() {
                    out.failed.push(format!(
                        "{account}: {}: {} {}",
                        f.id().unwrap_or_default(),
                        f.error_code().unwrap_or_default(),
                        f.error_message().unwrap_or_default()
                    ));
                }
                for f in batch {
                    if !refused.contains(&f.id.as_str()) {
                        out.accepted += 1;
                        if f.record_state == "ACTIVE" {
                            out.active += 1;
                        }
                    }
                }
            }
            // AWS refuses findings from an account that has not enabled Security Hub in the
            // Region: every further batch would be refused the same way, so the account's
            // failure is one line, not one a batch (thousands, across a large organization).
            Err(e) if e.code() == Some("InvalidAccessException") => {
                let left = findings.len() - at * asff::BATCH;
                out.failed.push(format!(
                    "{account}: {left} findings not imported: Security Hub is not enabled in this \
                     account in {region} (InvalidAccessException)"
                ));
                out.not_enabled += 1;
                break;
            }
            Err(e) => out.failed.push(format!(
                "{account}: {} findings not imported: {}",
                batch.len(),
                crate::error::Error::aws("BatchImportFindings", account, e)
            )),
        }
    }
    out
}

fn to_sdk(f: &Finding, product_arn: &str, partition: &str, region: &str) -> AwsSecurityFinding {
    let resource = Resource::builder()
        .r#type(f.resource_type)
        .id(&f.resource_id)
        .partition(partition.into())
        .region(f.resource_region.as_deref().unwrap_or(region))
        .build();
    let fields: HashMap<String, String> = f
        .fields
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    AwsSecurityFinding::builder()
        .schema_version(asff::SCHEMA_VERSION)
        .id(&f.id)
        .product_arn(product_arn)
        .generator_id(&f.generator_id)
        .aws_account_id(&f.account)
        .types(asff::TYPE)
        .created_at(&f.at)
        .updated_at(&f.at)
        .severity(
            Severity::builder()
                .label(SeverityLabel::from(f.severity))
                .original("UNRATED")
                .build(),
        )
        .title(&f.title)
        .description(&f.description)
        .resources(resource)
        .compliance(
            Compliance::builder()
                .status(ComplianceStatus::from(f.compliance))
                .set_related_requirements(Some(f.requirements.clone()))
                .build(),
        )
        .record_state(RecordState::from(f.record_state))
        .set_product_fields(Some(fields))
        .build()
}
