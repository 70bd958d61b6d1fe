//! Secrets in one region of one account (`govern_core::baselines::secrets` for the rule).
//!
//! ListSecrets returns rotation settings with the metadata: one call a page of 100, and never the
//! value (GetSecretValue is not called anywhere; a test counts it).

use super::{note, At, Refusal};
use crate::aws::in_region;
use crate::error::{Error, Result};
use crate::model::SecretInfo;
use govern_core::baselines::secrets::SetSecretRotation;

pub async fn read(
    sm: &aws_sdk_secretsmanager::Client,
    region: &str,
    out: &mut Vec<SecretInfo>,
) -> std::result::Result<(), Refusal> {
    let mut pages = sm.list_secrets().max_results(100).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| Refusal::of("ListSecrets", e))?;
        for s in page.secret_list() {
            let rules = s.rotation_rules();
            let schedule = rules
                .and_then(|r| r.schedule_expression())
                .filter(|e| !e.is_empty());
            let days = interval(schedule, rules.and_then(|r| r.automatically_after_days()));
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
                schedule: schedule.map(str::to_string),
                window: rules
                    .and_then(|r| r.duration())
                    .filter(|d| !d.is_empty())
                    .map(str::to_string),
                owning_service: s
                    .owning_service()
                    .filter(|o| !o.is_empty())
                    .map(str::to_string),
                primary_region: s
                    .primary_region()
                    .filter(|p| !p.is_empty())
                    .map(str::to_string),
            });
        }
    }
    Ok(())
}

/// The rotation interval in days: the ScheduleExpression's when there is one (AWS recomputes
/// AutomaticallyAfterDays from it only after each rotation, so that is stale until then; a cron
/// schedule has no simple interval and reads as unknown), else AutomaticallyAfterDays.
fn interval(schedule: Option<&str>, after_days: Option<i64>) -> Option<u32> {
    match schedule {
        Some(expr) => rate_days(expr),
        None => after_days.and_then(|d| u32::try_from(d).ok()),
    }
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
    // The rules replace the secret's as a whole: the window (Duration) is sent again, and starts
    // by a ScheduleExpression (AWS: "The window starts according to the ScheduleExpression").
    let rules = aws_sdk_secretsmanager::types::RotationRulesType::builder();
    let rules = if c.as_schedule {
        rules
            .schedule_expression(c.schedule())
            .set_duration(c.window.clone())
    } else {
        rules.automatically_after_days(i64::from(c.days))
    };
    // Managed rotation (OwningService) has no function to name.
    let function = (c.managed_by.is_none() && !c.function.is_empty()).then(|| c.function.clone());
    aws_sdk_secretsmanager::Client::new(&in_region(&config, &c.region))
        .rotate_secret()
        .secret_id(&c.secret_arn)
        .set_rotation_lambda_arn(function)
        .rotation_rules(rules.build())
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
    fn a_schedule_expression_is_the_schedule() {
        // AutomaticallyAfterDays is stale once a schedule is set, until the next rotation.
        assert_eq!(super::interval(Some("rate(30 days)"), Some(365)), Some(30));
        assert_eq!(
            super::interval(Some("cron(0 16 1,15 * ? *)"), Some(14)),
            None
        );
        assert_eq!(super::interval(None, Some(14)), Some(14));
    }

    #[test]
    fn rate_expressions() {
        assert_eq!(super::rate_days("rate(30 days)"), Some(30));
        assert_eq!(super::rate_days("rate(1 day)"), Some(1));
        assert_eq!(super::rate_days("rate(36 hours)"), Some(2));
        assert_eq!(super::rate_days("cron(0 16 1,15 * ? *)"), None);
    }
}
