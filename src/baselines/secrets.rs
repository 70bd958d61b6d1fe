//! Secrets in one region of one account (`govern_core::baselines::secrets` for the rule).
//!
//! ListSecrets returns rotation settings with the metadata: one call a page of 100, and never the
//! value (GetSecretValue is not called anywhere; a test counts it).

use super::{note, why, At};
use crate::aws::in_region;
use crate::error::{Error, Result};
use crate::model::SecretInfo;
use govern_core::baselines::secrets::SetSecretRotation;

pub async fn read(
    sm: &aws_sdk_secretsmanager::Client,
    region: &str,
    out: &mut Vec<SecretInfo>,
) -> std::result::Result<(), String> {
    let mut pages = sm.list_secrets().max_results(100).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| why("ListSecrets", e))?;
        for s in page.secret_list() {
            let rules = s.rotation_rules();
            let days = rules
                .and_then(|r| r.automatically_after_days())
                .and_then(|d| u32::try_from(d).ok())
                .or_else(|| {
                    rules
                        .and_then(|r| r.schedule_expression())
                        .and_then(rate_days)
                });
            out.push(SecretInfo {
                region: region.to_string(),
                arn: s.arn().unwrap_or_default().to_string(),
                name: s.name().unwrap_or_default().to_string(),
                rotation_enabled: s.rotation_enabled().unwrap_or(false),
                rotation_days: days,
                // ListSecrets can answer "" for "no function"; that is none.
                rotation_lambda: s
                    .rotation_lambda_arn()
                    .filter(|f| !f.is_empty())
                    .map(str::to_string),
            });
        }
    }
    Ok(())
}

/// `rate(10 days)` → 10. Cron schedules have no simple interval and read as unknown.
fn rate_days(expr: &str) -> Option<u32> {
    let inner = expr.strip_prefix("rate(")?.strip_suffix(')')?;
    let (n, unit) = inner.split_once(' ')?;
    let n: u32 = n.parse().ok()?;
    match unit {
        "day" | "days" => Some(n),
        "hour" | "hours" => Some(n.div_ceil(24)),
        _ => None,
    }
}

/// RotateSecret with new rules, inside the account.
pub async fn write(
    c: &SetSecretRotation,
    at: &At<'_>,
    on: &str,
    rids: &mut Vec<String>,
) -> Result<()> {
    let config = at.inside().await?;
    aws_sdk_secretsmanager::Client::new(&in_region(&config, &c.region))
        .rotate_secret()
        .secret_id(&c.secret_arn)
        .rotation_lambda_arn(&c.function)
        .rotation_rules(
            aws_sdk_secretsmanager::types::RotationRulesType::builder()
                .automatically_after_days(i64::from(c.days))
                .build(),
        )
        // Changing the schedule must not rotate now: that would change the value under running
        // applications outside their own deploys.
        .rotate_immediately(false)
        .send()
        .await
        .inspect(|o| note(rids, o))
        .map_err(|e| Error::aws("RotateSecret", on, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn rate_expressions() {
        assert_eq!(super::rate_days("rate(30 days)"), Some(30));
        assert_eq!(super::rate_days("rate(1 day)"), Some(1));
        assert_eq!(super::rate_days("rate(36 hours)"), Some(2));
        assert_eq!(super::rate_days("cron(0 16 1,15 * ? *)"), None);
    }
}
