//! The member-account baselines: `[contacts]`, `[key_rotation]`, `[logging]` and `[exemptions]`,
//! turned into [`Baselines`]. Every problem is reported; the result counts only when there are none.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::RangeInclusive;

use super::policies::Regions;
use super::problems::{key_path, Problems, Source};
use super::raw::{
    Entry, List, RawExemption, RawFile, RawKeyRotation, RawLogging, RawRootAccess, Sp,
};
use crate::model::{AccountId, BaselineKind, Baselines, KeyRotation, Logging, RootAccess};

/// EnableKeyRotation's RotationPeriodInDays.
const KMS_DAYS: RangeInclusive<i64> = 90..=2560;
/// RotateSecret's AutomaticallyAfterDays.
const SECRET_DAYS: RangeInclusive<i64> = 1..=1000;
const SERVICE_SUFFIX: &str = ".amazonaws.com";

pub(crate) fn baselines(
    src: &Source,
    raw: &RawFile,
    allowed_regions: &Regions,
    problems: &mut Problems,
) -> Baselines {
    Baselines {
        contacts: super::contacts::contacts(src, &raw.contacts, &[], problems),
        key_rotation: raw
            .key_rotation
            .as_ref()
            .and_then(|e| key_rotation(src, e, allowed_regions, problems)),
        logging: raw
            .logging
            .as_ref()
            .and_then(|e| logging(src, e, raw, problems)),
        root_access: raw
            .root_access
            .as_ref()
            .and_then(|e| root_access(src, e, problems)),
        security: raw
            .security
            .as_ref()
            .and_then(|e| super::security::security(src, e, raw, problems)),
        trail: super::trail::trail(src, raw, allowed_regions, problems),
        exemptions: exemptions(src, &raw.exemptions, problems),
    }
}

/// `[root_access]`. The two features are independent in IAM (each needs only trusted access for
/// IAM, which the plan turns on first), so every combination is valid; a table that declares
/// neither manages nothing and is a mistake.
fn root_access(
    src: &Source,
    entry: &Entry<RawRootAccess>,
    problems: &mut Problems,
) -> Option<RootAccess> {
    let r = &entry.body;
    let out = RootAccess {
        credentials_management: r.credentials_management.as_ref().map(|v| v.value),
        root_sessions: r.root_sessions.as_ref().map(|v| v.value),
    };
    if out.credentials_management.is_none() && out.root_sessions.is_none() {
        if r.has_keys {
            return None; // its keys' problems are reported already
        }
        problems.push(
            src.problem(
                &entry.key_span,
                "root_access",
                "[root_access] declares neither credentials_management nor root_sessions, so it manages nothing",
            )
            .with_help(
                "add credentials_management = true and/or root_sessions = true (false turns a feature off), or remove [root_access]",
            ),
        );
        return None;
    }
    Some(out)
}

fn key_rotation(
    src: &Source,
    entry: &Entry<RawKeyRotation>,
    allowed_regions: &Regions,
    problems: &mut Problems,
) -> Option<KeyRotation> {
    let before = problems.len();
    let r = &entry.body;
    if matches!(allowed_regions, Regions::Absent) {
        problems.push(
            src.problem(
                &entry.key_span,
                "key_rotation",
                "[key_rotation] needs allowed_regions in [organization]: the KMS and Secrets Manager checks run in every allowed region",
            )
            .with_help("add allowed_regions = [\"<home region>\", …] to [organization]"),
        );
    }
    let mut days = |v: &Option<Sp<i64>>, key: &str, range: RangeInclusive<i64>, api: &str| {
        let v = v.as_ref()?;
        if range.contains(&v.value) {
            return u32::try_from(v.value).ok();
        }
        problems.push(
            src.problem(
                &v.span,
                &key_path(&["key_rotation", key]),
                format!(
                    "{key} must be {} to {} days, found {}",
                    range.start(),
                    range.end(),
                    v.value
                ),
            )
            .with_help(format!(
                "{api} accepts {} to {} days",
                range.start(),
                range.end()
            )),
        );
        None
    };
    let kms = days(
        &r.kms_rotation_period_days,
        "kms_rotation_period_days",
        KMS_DAYS,
        "EnableKeyRotation's RotationPeriodInDays",
    );
    let secret = days(
        &r.secret_max_rotation_days,
        "secret_max_rotation_days",
        SECRET_DAYS,
        "RotateSecret's AutomaticallyAfterDays",
    );
    let mut exempt_keys = BTreeMap::new();
    let mut exempt_secrets = BTreeMap::new();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &r.exempt {
        let reason = e
            .value
            .reason
            .as_ref()
            .and_then(|v| non_empty(src, v, &["key_rotation", "exempt", "reason"], problems));
        let Some(arn) = &e.value.arn else { continue };
        let key = "key_rotation.exempt.arn";
        let into = match arn_kind(&arn.value) {
            Some(ArnKind::Key) => &mut exempt_keys,
            Some(ArnKind::Secret) => &mut exempt_secrets,
            None => {
                problems.push(
                    src.problem(
                        &arn.span,
                        key,
                        format!(
                            "`{}` is not the ARN of a KMS key or a Secrets Manager secret",
                            arn.value
                        ),
                    )
                    .with_help(
                        "exempt a key as \"arn:aws:kms:<region>:<account id>:key/<key id>\" or a \
                         secret as \"arn:aws:secretsmanager:<region>:<account id>:secret:<name>\"",
                    ),
                );
                continue;
            }
        };
        let line = src.line(arn.span.start);
        if let Some(first) = seen.get(arn.value.as_str()) {
            problems.push(
                src.problem(
                    &arn.span,
                    key,
                    format!("`{}` is already exempted on line {first}", arn.value),
                )
                .with_help("exempt each key or secret once"),
            );
            continue;
        }
        seen.insert(&arn.value, line);
        if let Some(reason) = reason {
            into.insert(arn.value.clone(), reason);
        }
    }
    (problems.len() == before).then_some(KeyRotation {
        kms_rotation_period_days: kms?,
        secret_max_rotation_days: secret?,
        exempt_keys,
        exempt_secrets,
    })
}

enum ArnKind {
    Key,
    Secret,
}

/// `arn:<aws partition>:kms:<region>:<account>:key/<id>` or
/// `arn:<aws partition>:secretsmanager:<region>:<account>:secret:<name>`.
fn arn_kind(arn: &str) -> Option<ArnKind> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts[..] else {
        return None;
    };
    if prefix != "arn"
        || !partition.starts_with("aws")
        || region.is_empty()
        || AccountId::parse(account).is_err()
    {
        return None;
    }
    let named = |kind: &str| resource.strip_prefix(kind).is_some_and(|n| !n.is_empty());
    match service {
        "kms" if named("key/") => Some(ArnKind::Key),
        "secretsmanager" if named("secret:") => Some(ArnKind::Secret),
        _ => None,
    }
}

fn logging(
    src: &Source,
    entry: &Entry<RawLogging>,
    raw: &RawFile,
    problems: &mut Problems,
) -> Option<Logging> {
    let before = problems.len();
    let l = &entry.body;
    if let Some(v) = &l.account {
        if !raw.accounts.iter().any(|a| a.name == v.value) {
            let names: Vec<&str> = raw.accounts.iter().map(|a| a.name.as_str()).collect();
            let listed = if names.is_empty() {
                "no accounts are declared".to_string()
            } else {
                format!("declared accounts: {}", names.join(", "))
            };
            problems.push(
                src.problem(
                    &v.span,
                    "logging.account",
                    format!(
                        "no account named `{}` is declared under [accounts]",
                        v.value
                    ),
                )
                .with_help(format!(
                    "{}{listed}; the logging account is declared like any other, as [accounts.<name>]",
                    super::raw::did_you_mean(&v.value, names.iter().copied())
                )),
            );
        }
    }
    let trusted = services(
        src,
        l.trusted_services.as_ref(),
        "trusted_services",
        problems,
    );
    let delegated = services(
        src,
        l.delegated_admin_for.as_ref(),
        "delegated_admin_for",
        problems,
    );
    // The logging account receives the organization's logs: it must be a member account.
    if let (Some(v), Some(management)) = (
        &l.account,
        raw.organization
            .as_ref()
            .and_then(|o| o.body.management_account.as_ref()),
    ) {
        let declared = raw.accounts.iter().find(|a| a.name == v.value);
        if declared
            .and_then(|a| a.body.id.as_ref())
            .is_some_and(|id| id.value == management.value)
        {
            problems.push(
                src.problem(
                    &v.span,
                    "logging.account",
                    format!(
                        "`{}` is the management account ({}); the logging account must be a \
                         member account",
                        v.value, management.value
                    ),
                )
                .with_help(
                    "declare a member account for logs, e.g. [accounts.log-archive], and name it here",
                ),
            );
        }
    }
    // RegisterDelegatedAdministrator needs the service's trusted access, and a service that
    // supports a delegated administrator at all (crate::config::delegated).
    let path = key_path(&["logging", "delegated_admin_for"]);
    for s in l
        .delegated_admin_for
        .as_ref()
        .map_or(&[][..], |l| &l.value[..])
    {
        if !delegated.contains(&s.value) {
            continue;
        }
        if !super::delegated::supported(&s.value) {
            problems.push(
                src.problem(
                    &s.span,
                    &path,
                    format!(
                        "`{}` does not support a delegated administrator: \
                         RegisterDelegatedAdministrator refuses it",
                        s.value
                    ),
                )
                .with_help(format!(
                    "{}{}",
                    super::raw::did_you_mean(
                        &s.value,
                        super::delegated::SUPPORTED.iter().map(|(p, _)| *p)
                    ),
                    super::delegated::help()
                )),
            );
        } else if !trusted.contains(&s.value) {
            problems.push(
                src.problem(
                    &s.span,
                    &path,
                    format!(
                        "`{}` is not in trusted_services: a delegated administrator needs the \
                         service's trusted access",
                        s.value
                    ),
                )
                .with_help(format!("add \"{}\" to logging.trusted_services", s.value)),
            );
        }
    }
    if problems.len() > before {
        return None;
    }
    Some(Logging {
        account: l.account.as_ref()?.value.clone(),
        trusted_services: trusted,
        delegated_admin_for: delegated,
    })
}

/// A list of service principals as a set; problems are reported.
fn services(
    src: &Source,
    list: Option<&List>,
    key: &str,
    problems: &mut Problems,
) -> BTreeSet<String> {
    let path = key_path(&["logging", key]);
    let mut set = BTreeSet::new();
    for s in list.map_or(&[][..], |l| &l.value[..]) {
        let name = s.value.strip_suffix(SERVICE_SUFFIX);
        let why = match name {
            None => Some("it must end in .amazonaws.com"),
            Some(n)
                if n.is_empty()
                    || !n.chars().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || "-.".contains(c)
                    }) =>
            {
                Some("expected lowercase letters, digits, `-` and `.` before .amazonaws.com")
            }
            Some(_) => None,
        };
        if let Some(why) = why {
            problems.push(
                src.problem(
                    &s.span,
                    &path,
                    format!("`{}` is not a service principal: {why}", s.value),
                )
                .with_help("a service principal like \"cloudtrail.amazonaws.com\""),
            );
        } else if !set.insert(s.value.clone()) {
            problems.push(
                src.problem(&s.span, &path, format!("`{}` is listed twice", s.value))
                    .with_help("list each service principal once"),
            );
        }
    }
    set
}

fn exemptions(
    src: &Source,
    raw: &[Entry<RawExemption>],
    problems: &mut Problems,
) -> BTreeMap<AccountId, BTreeMap<BaselineKind, String>> {
    let mut out = BTreeMap::new();
    for entry in raw {
        let id = match AccountId::parse(&entry.name) {
            Ok(id) => Some(id),
            Err(e) => {
                problems.push(
                    src.problem(
                        &entry.key_span,
                        &key_path(&["exemptions", &entry.name]),
                        e.0,
                    )
                    .with_help(
                        "the key is the exempt account's 12-digit id in quotes, like \
                         [exemptions.\"123456789012\"]",
                    ),
                );
                None
            }
        };
        let reasons: BTreeMap<BaselineKind, String> = entry
            .body
            .reasons
            .iter()
            .filter_map(|(kind, v)| {
                let path = ["exemptions", entry.name.as_str(), kind.key()];
                Some((*kind, non_empty(src, v, &path, problems)?))
            })
            .collect();
        if let Some(id) = id {
            out.insert(id, reasons);
        }
    }
    out
}

/// A reason, which must say something.
fn non_empty(
    src: &Source,
    v: &Sp<String>,
    path: &[&str],
    problems: &mut Problems,
) -> Option<String> {
    if !v.value.trim().is_empty() {
        return Some(v.value.clone());
    }
    problems.push(
        src.problem(&v.span, &key_path(path), "the reason cannot be empty")
            .with_help("say why, for whoever reviews the exemption later"),
    );
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_of_keys_and_secrets() {
        let kind = |arn| match arn_kind(arn) {
            Some(ArnKind::Key) => "key",
            Some(ArnKind::Secret) => "secret",
            None => "-",
        };
        assert_eq!(
            kind("arn:aws:kms:eu-west-1:111122223333:key/1234abcd"),
            "key"
        );
        assert_eq!(
            kind("arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/1"),
            "key"
        );
        assert_eq!(
            kind("arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf"),
            "secret"
        );
        assert_eq!(kind("arn:aws:kms:eu-west-1:111122223333:alias/x"), "-");
        assert_eq!(kind("arn:aws:s3:::bucket"), "-");
        assert_eq!(kind("arn:aws:kms:eu-west-1:1111:key/1"), "-");
        assert_eq!(kind("key/1234abcd"), "-");
    }
}
