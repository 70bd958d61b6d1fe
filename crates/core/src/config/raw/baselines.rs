//! Reading the member-account baseline tables: `[contacts.<type>]` (also under an account),
//! `[key_rotation]` with its `[[key_rotation.exempt]]` tables, `[logging]` and `[exemptions."<id>"]`.

use std::ops::Range;

use toml_edit::TableLike;

use super::{with, Entry, List, RawFile, Reader, Sp};
use crate::model::{BaselineKind, ContactType};

/// `[contacts.<type>]` or `[accounts.<name>.contacts.<type>]`.
#[derive(Debug)]
pub(crate) struct RawContact {
    pub kind: ContactType,
    pub name: Option<Sp<String>>,
    pub title: Option<Sp<String>>,
    pub email: Option<Sp<String>>,
    pub phone: Option<Sp<String>>,
}

#[derive(Debug, Default)]
pub(crate) struct RawKeyRotation {
    pub kms_rotation_period_days: Option<Sp<i64>>,
    pub secret_max_rotation_days: Option<Sp<i64>>,
    /// Each `[[key_rotation.exempt]]` table, with the span of its header.
    pub exempt: Vec<Sp<RawExempt>>,
}

#[derive(Debug, Default)]
pub(crate) struct RawExempt {
    pub arn: Option<Sp<String>>,
    pub reason: Option<Sp<String>>,
}

#[derive(Debug, Default)]
pub(crate) struct RawLogging {
    pub account: Option<Sp<String>>,
    pub trusted_services: Option<List>,
    pub delegated_admin_for: Option<List>,
    /// `[logging.trail]`, with the span of its key.
    pub trail: Option<Sp<RawTrail>>,
}

/// `[logging.trail]`: the organization trail and its bucket.
#[derive(Debug, Default)]
pub(crate) struct RawTrail {
    pub name: Option<Sp<String>>,
    pub region: Option<Sp<String>>,
    pub bucket: Option<Sp<String>>,
    pub retention_days: Option<Sp<i64>>,
    pub object_lock: Option<Sp<String>>,
    pub object_lock_days: Option<Sp<i64>>,
}

/// `[root_access]`: each feature `true`, `false` or absent (not managed).
#[derive(Debug, Default)]
pub(crate) struct RawRootAccess {
    pub credentials_management: Option<Sp<bool>>,
    pub root_sessions: Option<Sp<bool>>,
    /// Whether the table has any key (a wrong value is reported where it is read, not again as
    /// an empty table).
    pub has_keys: bool,
}

/// `[exemptions."<account id>"]`: the reasons given, in file order.
#[derive(Debug, Default)]
pub(crate) struct RawExemption {
    pub reasons: Vec<(BaselineKind, Sp<String>)>,
}

const CONTACT_TYPES: &[(&str, &str)] = &[
    (
        "security",
        "the security contact: name, title, email and phone",
    ),
    (
        "operations",
        "the operations contact: name, title, email and phone",
    ),
    (
        "billing",
        "the billing contact: name, title, email and phone",
    ),
];
const CONTACT: &[(&str, &str)] = &[
    ("name", "the contact's name in quotes, 1 to 64 characters"),
    ("title", "the contact's title in quotes, 1 to 50 characters"),
    (
        "email",
        "an email address in quotes, like \"security@example.com\"",
    ),
    (
        "phone",
        "a phone number in quotes: digits, spaces and ( ) + -, like \"+1 555 0100\"",
    ),
];
const CONTACT_KEYS: [&str; 4] = ["name", "title", "email", "phone"];
const KEY_ROTATION: &[(&str, &str)] = &[
    (
        "kms_rotation_period_days",
        "a whole number of days from 90 to 2560, like 365",
    ),
    (
        "secret_max_rotation_days",
        "a whole number of days from 1 to 1000, like 90",
    ),
    (
        "exempt",
        "[[key_rotation.exempt]] tables, each with `arn` and `reason`",
    ),
];
const EXEMPT: &[(&str, &str)] = &[
    (
        "arn",
        "the ARN of a KMS key or a Secrets Manager secret in quotes",
    ),
    ("reason", "why it is exempt from rotation, in quotes"),
];
const LOGGING: &[(&str, &str)] = &[
    (
        "account",
        "the name of an account declared under [accounts], like \"log-archive\"",
    ),
    (
        "trusted_services",
        "a list of service principals, like [\"cloudtrail.amazonaws.com\"]",
    ),
    (
        "delegated_admin_for",
        "a list of service principals, like [\"config-multiaccountsetup.amazonaws.com\"]",
    ),
    (
        "trail",
        "the organization trail and its bucket in the logging account: [logging.trail]",
    ),
];
const TRAIL: &[(&str, &str)] = &[
    (
        "name",
        "the trail's name: 3 to 128 letters, digits, `.`, `_` or `-`, starting and ending with a letter or digit",
    ),
    (
        "region",
        "the trail's home region, where its bucket and key are too; one of allowed_regions (default: home_region)",
    ),
    (
        "bucket",
        "the S3 bucket in the logging account: 3 to 63 lowercase letters, digits, `.` or `-`",
    ),
    (
        "retention_days",
        "days before a log file expires (a lifecycle rule), at least 1 and at least object_lock_days",
    ),
    (
        "object_lock",
        "\"governance\" or \"compliance\": S3 Object Lock, set when the bucket is created",
    ),
    (
        "object_lock_days",
        "Object Lock's default retention in days, with object_lock",
    ),
];
const ROOT_ACCESS: &[(&str, &str)] = &[
    (
        "credentials_management",
        "true or false: IAM's RootCredentialsManagement feature (member accounts' root credentials managed centrally)",
    ),
    (
        "root_sessions",
        "true or false: IAM's RootSessions feature (privileged root tasks in member accounts from the management account)",
    ),
];
const EXEMPTION: &[(&str, &str)] = &[
    (
        "contacts",
        "why this account's alternate contacts are not managed, in quotes",
    ),
    (
        "regions",
        "why this account's opt-in regions outside allowed_regions stay enabled, in quotes",
    ),
    (
        "kms",
        "why this account's KMS keys are exempt from rotation, in quotes",
    ),
    (
        "secrets",
        "why this account's secrets are exempt from rotation, in quotes",
    ),
];
const BASELINE_KINDS: [BaselineKind; 4] = [
    BaselineKind::Contacts,
    BaselineKind::Regions,
    BaselineKind::Kms,
    BaselineKind::Secrets,
];

/// The baseline tables' key paths (see `raw::accepted_paths`).
#[cfg(test)]
pub(super) fn accepted_paths(out: &mut std::collections::BTreeSet<String>) {
    let mut add = |prefix: &str, spec: &[(&str, &str)]| {
        for (key, _) in spec {
            out.insert(format!("{prefix}{key}"));
        }
    };
    for contacts in ["contacts.", "accounts.*.contacts."] {
        add(contacts, CONTACT_TYPES);
        for (kind, _) in CONTACT_TYPES {
            add(&format!("{contacts}{kind}."), CONTACT);
        }
    }
    add("key_rotation.", KEY_ROTATION);
    add("key_rotation.exempt[].", EXEMPT);
    add("logging.", LOGGING);
    add("logging.trail.", TRAIL);
    add("root_access.", ROOT_ACCESS);
    add("exemptions.*.", EXEMPTION);
    out.insert("key_rotation.exempt[]".into());
    out.insert("exemptions.*".into());
}

impl Reader<'_> {
    /// `[contacts]`, `[key_rotation]`, `[logging]` and `[exemptions]` of the top-level table.
    pub(super) fn baselines(&mut self, top: &dyn TableLike, file: &mut RawFile) {
        file.contacts = self.contacts(top, &[]);
        if let Some((key_span, t)) = self.sub_table(top, &[], "key_rotation") {
            file.key_rotation = Some(self.key_rotation(key_span, t));
        }
        if let Some((key_span, t)) = self.sub_table(top, &[], "logging") {
            let path = ["logging"];
            self.unknown_keys(t, &path, LOGGING);
            self.required(
                t,
                &path,
                &key_span,
                LOGGING,
                &["account", "trusted_services"],
            );
            let body = RawLogging {
                account: self.string(t, &path, "account", LOGGING),
                trusted_services: self.list(t, &path, "trusted_services", LOGGING),
                delegated_admin_for: self.list(t, &path, "delegated_admin_for", LOGGING),
                trail: self.sub_table(t, &path, "trail").map(|(span, sub)| {
                    let path = ["logging", "trail"];
                    self.unknown_keys(sub, &path, TRAIL);
                    self.required(
                        sub,
                        &path,
                        &span,
                        TRAIL,
                        &["name", "bucket", "retention_days"],
                    );
                    Sp {
                        value: RawTrail {
                            name: self.string(sub, &path, "name", TRAIL),
                            region: self.string(sub, &path, "region", TRAIL),
                            bucket: self.string(sub, &path, "bucket", TRAIL),
                            retention_days: self.integer(sub, &path, "retention_days", TRAIL),
                            object_lock: self.string(sub, &path, "object_lock", TRAIL),
                            object_lock_days: self.integer(sub, &path, "object_lock_days", TRAIL),
                        },
                        span,
                    }
                }),
            };
            file.logging = Some(Entry {
                name: "logging".into(),
                key_span,
                body,
            });
        }
        if let Some((key_span, t)) = self.sub_table(top, &[], "root_access") {
            let path = ["root_access"];
            self.unknown_keys(t, &path, ROOT_ACCESS);
            let body = RawRootAccess {
                credentials_management: self.boolean(
                    t,
                    &path,
                    "credentials_management",
                    ROOT_ACCESS,
                ),
                root_sessions: self.boolean(t, &path, "root_sessions", ROOT_ACCESS),
                has_keys: t.iter().next().is_some(),
            };
            file.root_access = Some(Entry {
                name: "root_access".into(),
                key_span,
                body,
            });
        }
        file.exemptions = self.entries(top, "exemptions", EXEMPTION, &[], |r, t, path| {
            let reasons = BASELINE_KINDS
                .iter()
                .filter_map(|&kind| Some((kind, r.string(t, path, kind.key(), EXEMPTION)?)))
                .collect();
            RawExemption { reasons }
        });
    }

    /// The `contacts` table under `path` (the top level or an account), one entry per contact type.
    pub(super) fn contacts(&mut self, t: &dyn TableLike, path: &[&str]) -> Vec<Entry<RawContact>> {
        let Some((_, types)) = self.sub_table(t, path, "contacts") else {
            return Vec::new();
        };
        let path = with(path, "contacts");
        self.unknown_keys(types, &path, CONTACT_TYPES);
        let mut out = Vec::new();
        for kind in ContactType::ALL {
            let Some((key_span, c)) = self.sub_table(types, &path, kind.key()) else {
                continue;
            };
            let path = with(&path, kind.key());
            self.unknown_keys(c, &path, CONTACT);
            self.required(c, &path, &key_span, CONTACT, &CONTACT_KEYS);
            let [name, title, email, phone] =
                CONTACT_KEYS.map(|k| self.string(c, &path, k, CONTACT));
            out.push(Entry {
                name: kind.key().into(),
                key_span,
                body: RawContact {
                    kind,
                    name,
                    title,
                    email,
                    phone,
                },
            });
        }
        out.sort_by_key(|e| e.key_span.start);
        out
    }

    fn key_rotation(&mut self, key_span: Range<usize>, t: &dyn TableLike) -> Entry<RawKeyRotation> {
        let path = ["key_rotation"];
        self.unknown_keys(t, &path, KEY_ROTATION);
        self.required(
            t,
            &path,
            &key_span,
            KEY_ROTATION,
            &["kms_rotation_period_days", "secret_max_rotation_days"],
        );
        let mut body = RawKeyRotation {
            kms_rotation_period_days: self.integer(
                t,
                &path,
                "kms_rotation_period_days",
                KEY_ROTATION,
            ),
            secret_max_rotation_days: self.integer(
                t,
                &path,
                "secret_max_rotation_days",
                KEY_ROTATION,
            ),
            exempt: Vec::new(),
        };
        let path = ["key_rotation", "exempt"];
        for (span, e) in self.tables(t, &["key_rotation"], "exempt") {
            self.unknown_keys(e, &path, EXEMPT);
            self.required(e, &path, &span, EXEMPT, &["arn", "reason"]);
            let value = RawExempt {
                arn: self.string(e, &path, "arn", EXEMPT),
                reason: self.string(e, &path, "reason", EXEMPT),
            };
            body.exempt.push(Sp { value, span });
        }
        Entry {
            name: "key_rotation".into(),
            key_span,
            body,
        }
    }

    /// The tables of an array of tables (`[[<key>]]`, or a list of inline tables), each with the span
    /// of its header; reports a value of another type.
    pub(super) fn tables<'d>(
        &mut self,
        t: &'d dyn TableLike,
        path: &[&str],
        key: &str,
    ) -> Vec<(Range<usize>, &'d dyn TableLike)> {
        let Some(item) = t.get(key) else {
            return Vec::new();
        };
        let key_span = self.key_span(t, key);
        let full = with(path, key);
        let what = format!("each entry is a table: [[{}]]", super::key_path(&full));
        if let Some(tables) = item.as_array_of_tables() {
            return tables
                .iter()
                .map(|e| {
                    (
                        e.span().unwrap_or_else(|| key_span.clone()),
                        e as &dyn TableLike,
                    )
                })
                .collect();
        }
        let Some(array) = item.as_array() else {
            let span = item.span().unwrap_or(key_span);
            self.type_error(item, &span, &full, "a list of tables", &what);
            return Vec::new();
        };
        let mut out = Vec::new();
        for v in array.iter() {
            let span = v.span().unwrap_or_else(|| key_span.clone());
            match v.as_inline_table() {
                Some(e) => out.push((span, e as &dyn TableLike)),
                None => {
                    let p = self
                        .src
                        .problem(
                            &span,
                            &super::key_path(&full),
                            format!("expected a table, found {}", super::article(v.type_name())),
                        )
                        .with_help(what.clone());
                    self.problems.push(p);
                }
            }
        }
        out
    }
}
