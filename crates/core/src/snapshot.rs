//! The organization read once and shared by the shards of one run: `govern drift organization
//! --output FILE` writes it, `govern drift --shard I/N --organization FILE` starts from it instead
//! of reading the organization again.
//!
//! Why: every shard needs the whole organization (which OU an account sits in, what is attached
//! where), and the reads that give it are the Organizations API's, which all shards call as the
//! management account and so share one rate. At 50,000 accounts the read is about 10,900 requests
//! (ListTargetsForPolicy of FullAWSAccess alone pages 20 targets at a time: ≈ 2,600 pages), about
//! nine minutes at the 20 requests a second bench/README.md assumes; N shards reading it each take
//! N times that, and past a few shards the organization read is all a run waits for.
//!
//! The file crosses a job boundary (a CI artifact, a Step Functions payload), so it is untrusted
//! input (design §8): its size is capped before it is read, its kind and version checked, every
//! id and path parsed into its type as it is read (no unknown field is accepted), and a shard
//! refuses one that is older than [`MAX_AGE_SECS`], from the future, of another management
//! account, or carrying anything read inside accounts. Its SHA-256 goes into each shard's report
//! and `govern drift merge` refuses shards that started from different snapshots.

use serde::{Deserialize, Serialize};

use crate::model::{AccountId, Actual};

/// The file's `kind`.
pub const KIND: &str = "govern-organization";
/// The file's `format_version`.
pub const FORMAT_VERSION: u32 = 1;
/// A shard refuses a snapshot read longer ago than this: the shards of one run start within
/// minutes of it; an older file is a leftover from another run.
pub const MAX_AGE_SECS: u64 = 3600;
/// Clocks of two CI machines may disagree this much.
pub const CLOCK_SKEW_SECS: u64 = 300;
/// The largest snapshot read: 50,000 accounts and 2,000 OUs come to about 15 MB.
pub const MAX_BYTES: u64 = 256 * 1024 * 1024;

/// Field order here is the order in the file; keep it stable.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    kind: String,
    format_version: u32,
    govern_version: String,
    /// RFC 3339, UTC: when the read finished.
    read_at: String,
    organization: Actual,
}

/// Which snapshot a shard started from, as its report says. Read back from shards' reports by
/// `govern drift merge`, so checked as it is read: 64 hex digits and an RFC 3339 time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawRef")]
pub struct SnapshotRef {
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    pub read_at: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRef {
    sha256: String,
    read_at: String,
}

impl TryFrom<RawRef> for SnapshotRef {
    type Error = String;

    fn try_from(raw: RawRef) -> Result<Self, String> {
        if raw.sha256.len() != 64 || !raw.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("organization_snapshot.sha256 is not 64 hex digits".into());
        }
        if crate::time::parse_rfc3339(&raw.read_at).is_none() {
            return Err("organization_snapshot.read_at is not an RFC 3339 time".into());
        }
        Ok(SnapshotRef {
            sha256: raw.sha256,
            read_at: raw.read_at,
        })
    }
}

/// A snapshot read and checked.
#[derive(Debug)]
pub struct Snapshot {
    pub organization: Actual,
    pub source: SnapshotRef,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SnapshotError {
    #[error("is {size} bytes; a snapshot is at most {MAX_BYTES} bytes")]
    TooLarge { size: u64 },
    #[error("is not a govern organization snapshot: {0}")]
    NotSnapshot(String),
    #[error("is a {found:?} file, not {KIND:?}")]
    WrongKind { found: String },
    #[error("has format_version {found}; this govern reads {FORMAT_VERSION}")]
    WrongVersion { found: u32 },
    #[error("has read_at {0:?}, not an RFC 3339 time")]
    BadTime(String),
    #[error(
        "was read at {read_at}, {age} s ago; a shard uses a snapshot at most {MAX_AGE_SECS} s old"
    )]
    Stale { read_at: String, age: u64 },
    #[error("was read at {read_at}, later than now ({now}); check the machines' clocks")]
    Future { read_at: String, now: String },
    #[error("is of management account {found}; org.toml declares {declared}")]
    WrongManagement {
        found: AccountId,
        declared: AccountId,
    },
    #[error("carries what was read inside accounts ({0}); a snapshot holds the organization only")]
    NotOrganizationOnly(&'static str),
    #[error("has {field} {value:?}, not an id AWS gives ({pattern})")]
    BadId {
        field: &'static str,
        value: String,
        pattern: &'static str,
    },
}

/// AWS's patterns for an organization id (`o-` and 10–32 lowercase letters or digits) and a root
/// id (`r-` and 4–32): the report and the merge compare and print them, so a file must not carry
/// anything else.
fn check_id(
    field: &'static str,
    value: &str,
    prefix: &str,
    lengths: std::ops::RangeInclusive<usize>,
    pattern: &'static str,
) -> Result<(), SnapshotError> {
    let ok = value.strip_prefix(prefix).is_some_and(|rest| {
        lengths.contains(&rest.len())
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    if ok {
        return Ok(());
    }
    Err(SnapshotError::BadId {
        field,
        value: value.chars().take(80).collect(),
        pattern,
    })
}

/// The file's text for `organization`, read at `now` (seconds since the epoch).
pub fn write(organization: &Actual, now: u64) -> String {
    let file = File {
        kind: KIND.into(),
        format_version: FORMAT_VERSION,
        govern_version: env!("CARGO_PKG_VERSION").into(),
        read_at: crate::time::rfc3339(now),
        organization: organization.clone(),
    };
    let mut text = serde_json::to_string(&file).expect("a snapshot always serializes");
    text.push('\n');
    text
}

/// Reads a snapshot's bytes (already capped at [`MAX_BYTES`] by the caller, see [`check_size`])
/// and checks it for a run at `now` against org.toml's `declared` management account.
pub fn read(bytes: &[u8], now: u64, declared: &AccountId) -> Result<Snapshot, SnapshotError> {
    check_size(bytes.len() as u64)?;
    // The kind first, so a drift report or a plan given by mistake is named as such rather than
    // as a missing field.
    #[derive(Deserialize)]
    struct Head {
        kind: Option<String>,
        format_version: Option<u32>,
    }
    let head: Head =
        serde_json::from_slice(bytes).map_err(|e| SnapshotError::NotSnapshot(e.to_string()))?;
    match head.kind {
        Some(k) if k == KIND => {}
        found => {
            return Err(SnapshotError::WrongKind {
                found: found.unwrap_or_default(),
            })
        }
    }
    if let Some(found) = head.format_version.filter(|v| *v != FORMAT_VERSION) {
        return Err(SnapshotError::WrongVersion { found });
    }
    let file: File =
        serde_json::from_slice(bytes).map_err(|e| SnapshotError::NotSnapshot(e.to_string()))?;
    let (read_at, _) = crate::time::parse_rfc3339(&file.read_at)
        .ok_or(SnapshotError::BadTime(file.read_at.clone()))?;
    let read_at =
        u64::try_from(read_at).map_err(|_| SnapshotError::BadTime(file.read_at.clone()))?;
    if read_at > now + CLOCK_SKEW_SECS {
        return Err(SnapshotError::Future {
            read_at: file.read_at,
            now: crate::time::rfc3339(now),
        });
    }
    let age = now.saturating_sub(read_at);
    if age > MAX_AGE_SECS {
        return Err(SnapshotError::Stale {
            read_at: file.read_at,
            age,
        });
    }
    let org = file.organization;
    check_id(
        "organization_id",
        &org.organization_id,
        "o-",
        10..=32,
        "o-[0-9a-z]{10,32}",
    )?;
    check_id("root_id", &org.root_id, "r-", 4..=32, "r-[0-9a-z]{4,32}")?;
    if org.management_account != *declared {
        return Err(SnapshotError::WrongManagement {
            found: org.management_account,
            declared: declared.clone(),
        });
    }
    // What a shard reads itself (inside its accounts, and the org-wide extras the baselines ask
    // for) must not come from the file: a shard would otherwise report what another machine saw.
    if !org.members.is_empty() {
        return Err(SnapshotError::NotOrganizationOnly("members"));
    }
    if !org.service_access.is_empty() || !org.delegated_admins.is_empty() {
        return Err(SnapshotError::NotOrganizationOnly("trusted access"));
    }
    if org.root_features.is_some() {
        return Err(SnapshotError::NotOrganizationOnly("root access"));
    }
    if org.security_admins.is_some() || org.trail.is_some() {
        return Err(SnapshotError::NotOrganizationOnly(
            "security services or trail",
        ));
    }
    Ok(Snapshot {
        organization: org,
        source: SnapshotRef {
            sha256: crate::state::sha256(bytes),
            read_at: file.read_at,
        },
    })
}

/// Refuses a file larger than [`MAX_BYTES`] before it is read.
pub fn check_size(size: u64) -> Result<(), SnapshotError> {
    if size > MAX_BYTES {
        return Err(SnapshotError::TooLarge { size });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ActualAccount, ActualOu, OuPath, Parent, PolicyKey, PolicyKind, TargetKey};

    const NOW: u64 = 1_796_000_000;

    fn management() -> AccountId {
        AccountId::parse("123456789012").unwrap()
    }

    fn organization() -> Actual {
        let mut a = Actual::empty("o-abcdefghij", management(), "r-ab12");
        a.policy_types = [PolicyKind::ServiceControlPolicy].into();
        a.accounts.insert(
            AccountId::parse("210987654321").unwrap(),
            ActualAccount {
                name: "workloads".into(),
                email: "w@example.com".into(),
                status: "ACTIVE".into(),
                parent: Parent::Ou(OuPath::parse("Workloads/Prod").unwrap()),
            },
        );
        // Maps keyed by targets must be JSON objects too (an enum key would not serialize).
        let full = [PolicyKey::full_aws_access()].into_iter().collect();
        for target in [
            TargetKey::Root,
            TargetKey::Ou(OuPath::parse("Workloads/Prod").unwrap()),
            TargetKey::Account(AccountId::parse("210987654321").unwrap()),
        ] {
            a.attachments
                .insert(target, std::collections::BTreeSet::clone(&full));
        }
        a.ous.insert(
            OuPath::parse("Workloads/Prod").unwrap(),
            ActualOu {
                id: "ou-ab12-cdef3456".into(),
            },
        );
        a
    }

    #[test]
    fn a_fresh_snapshot_reads_back_as_written_and_names_its_bytes() {
        let text = write(&organization(), NOW - 60);
        let s = read(text.as_bytes(), NOW, &management()).unwrap();
        assert_eq!(s.organization, organization());
        assert_eq!(s.source.sha256, crate::state::sha256(text.as_bytes()));
        assert_eq!(s.source.read_at, crate::time::rfc3339(NOW - 60));
    }

    #[test]
    fn an_old_a_future_or_a_foreign_snapshot_is_refused() {
        let old = write(&organization(), NOW - MAX_AGE_SECS - 1);
        assert!(matches!(
            read(old.as_bytes(), NOW, &management()),
            Err(SnapshotError::Stale { age, .. }) if age == MAX_AGE_SECS + 1
        ));
        let ahead = write(&organization(), NOW + CLOCK_SKEW_SECS + 1);
        assert!(matches!(
            read(ahead.as_bytes(), NOW, &management()),
            Err(SnapshotError::Future { .. })
        ));
        let other = AccountId::parse("999999999999").unwrap();
        let text = write(&organization(), NOW);
        assert!(matches!(
            read(text.as_bytes(), NOW, &other),
            Err(SnapshotError::WrongManagement { .. })
        ));
    }

    #[test]
    fn a_snapshot_carrying_what_shards_read_themselves_is_refused() {
        let mut org = organization();
        org.service_access.insert("account.amazonaws.com".into());
        let text = write(&org, NOW);
        assert_eq!(
            read(text.as_bytes(), NOW, &management()).unwrap_err(),
            SnapshotError::NotOrganizationOnly("trusted access")
        );
    }

    #[test]
    fn another_file_or_an_edited_one_is_named_for_what_is_wrong() {
        let report = r#"{"format_version":1,"kind":"drift"}"#;
        assert_eq!(
            read(report.as_bytes(), NOW, &management()).unwrap_err(),
            SnapshotError::WrongKind {
                found: "drift".into()
            }
        );
        let text = write(&organization(), NOW);
        let v2 = text.replace("\"format_version\":1", "\"format_version\":2");
        assert_eq!(
            read(v2.as_bytes(), NOW, &management()).unwrap_err(),
            SnapshotError::WrongVersion { found: 2 }
        );
        // An account id that is not twelve digits is refused as it is read, not carried along.
        let bad = text.replace("210987654321", "21098765432x");
        let e = read(bad.as_bytes(), NOW, &management()).unwrap_err();
        assert!(
            matches!(&e, SnapshotError::NotSnapshot(m) if m.contains("21098765432x")),
            "{e}"
        );
        // The organization id goes into the report and the merge's comparisons: AWS's form only.
        let id = text.replace("o-abcdefghij", "o-<b>x</b>ghij");
        assert!(matches!(
            read(id.as_bytes(), NOW, &management()),
            Err(SnapshotError::BadId {
                field: "organization_id",
                ..
            })
        ));
        let extra = text.replacen('{', "{\"note\":\"x\",", 1);
        assert!(matches!(
            read(extra.as_bytes(), NOW, &management()),
            Err(SnapshotError::NotSnapshot(_))
        ));
        assert_eq!(
            check_size(MAX_BYTES + 1),
            Err(SnapshotError::TooLarge {
                size: MAX_BYTES + 1
            })
        );
    }

    #[test]
    fn a_reports_snapshot_reference_is_checked_as_it_is_read() {
        let good = format!(
            r#"{{"sha256":"{}","read_at":"2026-12-06T01:00:00Z"}}"#,
            "a".repeat(64)
        );
        assert!(serde_json::from_str::<SnapshotRef>(&good).is_ok());
        let short = r#"{"sha256":"abc","read_at":"2026-12-06T01:00:00Z"}"#;
        assert!(serde_json::from_str::<SnapshotRef>(short).is_err());
        let when = format!(r#"{{"sha256":"{}","read_at":"<b>"}}"#, "a".repeat(64));
        assert!(serde_json::from_str::<SnapshotRef>(&when).is_err());
    }
}
