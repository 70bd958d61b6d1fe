//! `[logging.trail]` turned into [`Trail`]: the names AWS would refuse, a retention shorter than
//! Object Lock's, and a home region outside `allowed_regions` are reported here, offline, with
//! file, line and what is allowed.

use super::policies::Regions;
use super::problems::{Problems, Source};
use super::raw::{RawFile, RawTrail, Sp};
use crate::model::{LockMode, ObjectLock, Region, Trail};

/// Why S3 would refuse `name` as a bucket name (S3 user guide, "General purpose bucket naming
/// rules"), or None.
pub fn bucket_name_problem(name: &str) -> Option<String> {
    let len = name.len();
    if !(3..=63).contains(&len) {
        return Some(format!("is {len} characters long; S3 allows 3 to 63"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '.' || *c == '-'))
    {
        return Some(format!(
            "contains `{c}`; S3 allows only lowercase letters, digits, `.` and `-`"
        ));
    }
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !edge(name.chars().next()) || !edge(name.chars().last()) {
        return Some("must begin and end with a lowercase letter or digit".into());
    }
    if name.contains("..") {
        return Some("contains two adjacent periods".into());
    }
    if name.split('.').count() == 4 && name.split('.').all(|p| p.parse::<u8>().is_ok()) {
        return Some("is formatted as an IP address".into());
    }
    for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if name.starts_with(prefix) {
            return Some(format!("starts with `{prefix}`, which S3 reserves"));
        }
    }
    for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] {
        if name.ends_with(suffix) {
            return Some(format!("ends with `{suffix}`, which S3 reserves"));
        }
    }
    None
}

/// Why CloudTrail would refuse `name` as a trail name (CreateTrail Name), or None.
pub fn trail_name_problem(name: &str) -> Option<String> {
    let len = name.len();
    if !(3..=128).contains(&len) {
        return Some(format!(
            "is {len} characters long; CloudTrail allows 3 to 128"
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Some(format!(
            "contains `{c}`; CloudTrail allows only letters, digits, `.`, `_` and `-`"
        ));
    }
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !edge(name.chars().next()) || !edge(name.chars().last()) {
        return Some("must begin and end with a letter or digit".into());
    }
    for pair in ["._", "-_", "_.", ".-", "-.", "_-", "..", "--", "__"] {
        if name.contains(pair) {
            return Some(format!("contains `{pair}`, which CloudTrail refuses"));
        }
    }
    None
}

const PATH: &str = "logging.trail";

pub(crate) fn trail(
    src: &Source,
    raw: &RawFile,
    allowed_regions: &Regions,
    problems: &mut Problems,
) -> Option<Trail> {
    let logging = raw.logging.as_ref()?;
    let t = &logging.body.trail.as_ref()?.value;
    let before = problems.len();
    let key = |k: &str| format!("{PATH}.{k}");
    if let Some(n) = &t.name {
        if let Some(why) = trail_name_problem(&n.value) {
            problems.push(
                src.problem(
                    &n.span,
                    &key("name"),
                    format!("trail name `{}` {why}", n.value),
                )
                .with_help("a name like \"org-trail\": 3 to 128 letters, digits, `.`, `_` or `-`"),
            );
        }
    }
    if let Some(b) = &t.bucket {
        if let Some(why) = bucket_name_problem(&b.value) {
            problems.push(
                src.problem(
                    &b.span,
                    &key("bucket"),
                    format!("bucket name `{}` {why}", b.value),
                )
                .with_help(
                    "a name like \"acme-org-trail-logs\": 3 to 63 lowercase letters, digits, `.` or `-`, starting and ending with a letter or digit",
                ),
            );
        }
    }
    let days = |v: &Option<Sp<i64>>, k: &str, problems: &mut Problems| -> Option<u32> {
        let v = v.as_ref()?;
        match u32::try_from(v.value) {
            Ok(d) if (1..=36_500).contains(&d) => Some(d),
            _ => {
                problems.push(
                    src.problem(&v.span, &key(k), format!("{k} is {}", v.value))
                        .with_help("a number of days from 1 to 36500"),
                );
                None
            }
        }
    };
    let retention = days(&t.retention_days, "retention_days", problems);
    let lock_days = days(&t.object_lock_days, "object_lock_days", problems);
    let mode = t.object_lock.as_ref().and_then(|m| match m.value.as_str() {
        "governance" => Some(LockMode::Governance),
        "compliance" => Some(LockMode::Compliance),
        other => {
            problems.push(
                src.problem(
                    &m.span,
                    &key("object_lock"),
                    format!("object_lock is `{other}`"),
                )
                .with_help("\"governance\" or \"compliance\""),
            );
            None
        }
    });
    match (&t.object_lock, &t.object_lock_days) {
        (Some(m), None) => problems.push(
            src.problem(
                &m.span,
                &key("object_lock"),
                "object_lock needs object_lock_days",
            )
            .with_help("add object_lock_days = <days>: Object Lock's default retention"),
        ),
        (None, Some(d)) => problems.push(
            src.problem(
                &d.span,
                &key("object_lock_days"),
                "object_lock_days without object_lock",
            )
            .with_help(
                "add object_lock = \"governance\" or \"compliance\", or remove object_lock_days",
            ),
        ),
        _ => {}
    }
    // A lifecycle rule cannot delete an object Object Lock still retains: S3 keeps it, and the
    // declared retention would silently not hold.
    if let (Some(r), Some(l), Some(rs)) = (retention, lock_days, &t.retention_days) {
        if r < l {
            problems.push(
                src.problem(
                    &rs.span,
                    &key("retention_days"),
                    format!("retention_days ({r}) is shorter than object_lock_days ({l}): locked log files cannot expire before their retention ends"),
                )
                .with_help(format!("set retention_days to at least {l}, or lower object_lock_days")),
            );
        }
    }
    let region = region(src, t, raw, allowed_regions, problems);
    if problems.len() > before {
        return None;
    }
    Some(Trail {
        name: t.name.as_ref()?.value.clone(),
        region: region?,
        bucket: t.bucket.as_ref()?.value.clone(),
        retention_days: retention?,
        object_lock: match (mode, lock_days) {
            (Some(mode), Some(days)) => Some(ObjectLock { mode, days }),
            _ => None,
        },
    })
}

/// The trail's home region: declared, or the organization's home_region; within allowed_regions.
fn region(
    src: &Source,
    t: &RawTrail,
    raw: &RawFile,
    allowed_regions: &Regions,
    problems: &mut Problems,
) -> Option<String> {
    let home = raw
        .organization
        .as_ref()
        .and_then(|o| o.body.home_region.as_ref())
        .map(|h| h.value.clone());
    let Some(r) = &t.region else {
        return home; // home_region's own problems are reported under [organization]
    };
    let parsed = match Region::parse(&r.value) {
        Ok(p) => p,
        Err(e) => {
            problems.push(
                src.problem(&r.span, &format!("{PATH}.region"), e.0)
                    .with_help("a region like us-east-1, or leave out region for home_region"),
            );
            return None;
        }
    };
    if let Regions::Valid(allowed) = allowed_regions {
        if !allowed.contains(&parsed) {
            let list: Vec<&str> = allowed.iter().map(|r| r.as_str()).collect();
            problems.push(
                src.problem(
                    &r.span,
                    &format!("{PATH}.region"),
                    format!("region `{}` is not in allowed_regions", r.value),
                )
                .with_help(format!(
                    "one of allowed_regions: {}; the region-deny SCP would deny the trail's bucket and key there",
                    list.join(", ")
                )),
            );
            return None;
        }
    }
    Some(r.value.clone())
}

#[cfg(test)]
mod tests {
    use super::{bucket_name_problem, trail_name_problem};

    #[test]
    fn bucket_names_follow_s3s_rules() {
        for ok in [
            "abc",
            "acme-org-trail-logs",
            "logs.example.com",
            &"a".repeat(63),
        ] {
            assert_eq!(bucket_name_problem(ok), None, "{ok}");
        }
        for (bad, why) in [
            ("ab", "is 2 characters long; S3 allows 3 to 63"),
            (
                "Acme",
                "contains `A`; S3 allows only lowercase letters, digits, `.` and `-`",
            ),
            (
                "-acme",
                "must begin and end with a lowercase letter or digit",
            ),
            (
                "acme.",
                "must begin and end with a lowercase letter or digit",
            ),
            ("ac..me", "contains two adjacent periods"),
            ("192.168.5.4", "is formatted as an IP address"),
            ("xn--acme", "starts with `xn--`, which S3 reserves"),
            ("sthree-logs", "starts with `sthree-`, which S3 reserves"),
            ("logs-s3alias", "ends with `-s3alias`, which S3 reserves"),
            ("logs--ol-s3", "ends with `--ol-s3`, which S3 reserves"),
        ] {
            assert_eq!(bucket_name_problem(bad).as_deref(), Some(why), "{bad}");
        }
    }

    #[test]
    fn trail_names_follow_cloudtrails_rules() {
        for ok in ["org-trail", "Org_Trail.1", "abc"] {
            assert_eq!(trail_name_problem(ok), None, "{ok}");
        }
        for (bad, why) in [
            ("ab", "is 2 characters long; CloudTrail allows 3 to 128"),
            (
                "org trail",
                "contains ` `; CloudTrail allows only letters, digits, `.`, `_` and `-`",
            ),
            ("-org", "must begin and end with a letter or digit"),
            ("org--trail", "contains `--`, which CloudTrail refuses"),
            ("org._trail", "contains `._`, which CloudTrail refuses"),
        ] {
            assert_eq!(trail_name_problem(bad).as_deref(), Some(why), "{bad}");
        }
    }
}
