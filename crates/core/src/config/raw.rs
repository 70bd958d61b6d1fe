//! org.toml as written: its tables and values with their byte spans, before any meaning is checked.
//! Reading reports TOML syntax errors, unknown keys and values of the wrong type; everything that
//! could be read is kept so validation can go on and report all it finds.

use std::ops::Range;

use toml_edit::{ImDocument, Item, TableLike};

use super::problems::{key_path, Problems, Source};

mod baselines;
mod security;

pub(crate) use baselines::{
    RawContact, RawExemption, RawKeyRotation, RawLogging, RawRootAccess, RawTrail,
};
pub(crate) use security::RawSecurity;

/// A value and where it is written.
#[derive(Debug, Clone)]
pub(crate) struct Sp<T> {
    pub value: T,
    pub span: Range<usize>,
}

/// A named sub-table (`[accounts.<name>]`) and where its name is written.
#[derive(Debug, Clone)]
pub(crate) struct Entry<T> {
    pub name: String,
    pub key_span: Range<usize>,
    pub body: T,
}

pub(crate) type List = Sp<Vec<Sp<String>>>;

/// A `tags = { key = "value" }` table: each key and value with its span.
pub(crate) type RawTags = Sp<Vec<(Sp<String>, Sp<String>)>>;

#[derive(Debug, Default)]
pub(crate) struct RawFile {
    /// `None` when the file has no `[organization]` table.
    pub organization: Option<Entry<RawOrganization>>,
    pub limits: RawLimits,
    pub policies: Vec<Entry<RawPolicy>>,
    pub root: Option<Entry<RawTarget>>,
    pub ous: Vec<Entry<RawTarget>>,
    pub accounts: Vec<Entry<RawAccount>>,
    /// `[contacts.<type>]`, org-wide alternate contacts.
    pub contacts: Vec<Entry<RawContact>>,
    pub key_rotation: Option<Entry<RawKeyRotation>>,
    pub logging: Option<Entry<RawLogging>>,
    /// `[root_access]`.
    pub root_access: Option<Entry<RawRootAccess>>,
    /// `[security]`.
    pub security: Option<Entry<RawSecurity>>,
    /// `[exemptions."<account id>"]`.
    pub exemptions: Vec<Entry<RawExemption>>,
    /// `[[moved]]`: policies renamed in place.
    pub moved: Vec<Sp<RawMoved>>,
}

/// One `[[moved]]` table.
#[derive(Debug, Default)]
pub(crate) struct RawMoved {
    pub from: Option<Sp<String>>,
    pub to: Option<Sp<String>>,
}

#[derive(Debug, Default)]
pub(crate) struct RawOrganization {
    pub management_account: Option<Sp<String>>,
    pub home_region: Option<Sp<String>>,
    pub member_role: Option<Sp<String>>,
    pub external_id: Option<Sp<String>>,
    pub allowed_regions: Option<List>,
}

#[derive(Debug, Default)]
pub(crate) struct RawLimits {
    pub scp_max_chars: Option<Sp<i64>>,
    pub scps_per_target: Option<Sp<i64>>,
    /// The other kinds' keys that are set: `(key, value)`, like `("tag_max_chars", 10000)`.
    pub kinds: Vec<(&'static str, Sp<i64>)>,
}

#[derive(Debug, Default)]
pub(crate) struct RawPolicy {
    /// The policy type (`scp` when absent).
    pub kind: Option<Sp<String>>,
    pub file: Option<Sp<String>>,
    pub template: Option<Sp<String>>,
    pub description: Option<Sp<String>>,
    pub tags: Option<RawTags>,
}

/// `[root]` or `[ous.<path>]` (only an OU has `tags`).
#[derive(Debug, Default)]
pub(crate) struct RawTarget {
    pub policies: Option<List>,
    pub tags: Option<RawTags>,
}

#[derive(Debug, Default)]
pub(crate) struct RawAccount {
    pub id: Option<Sp<String>>,
    /// `name`: the account's name in AWS (renamed with PutAccountName when it differs).
    pub name: Option<Sp<String>>,
    pub email: Option<Sp<String>>,
    pub ou: Option<Sp<String>>,
    pub policies: Option<List>,
    /// `[accounts.<name>.contacts.<type>]`.
    pub contacts: Vec<Entry<RawContact>>,
    pub tags: Option<RawTags>,
}

/// The keys each table allows, with what each one holds (used in `help`).
const TOP: &[(&str, &str)] = &[
    (
        "include",
        "more files of [accounts], [ous] and [exemptions] tables, like [\"accounts/*.toml\"]",
    ),
    (
        "organization",
        "the management account, home region and allowed regions",
    ),
    ("limits", "policy quotas, per policy type"),
    (
        "policies",
        "custom policies of any type, one [policies.<name>] table each",
    ),
    ("root", "policies attached to the root"),
    (
        "ous",
        "organizational units, one [ous.\"<path>\"] table each",
    ),
    (
        "accounts",
        "member accounts, one [accounts.<name>] table each",
    ),
    (
        "contacts",
        "alternate contacts of every member account: [contacts.security], [contacts.operations], [contacts.billing]",
    ),
    (
        "key_rotation",
        "KMS key and secret rotation in every member account",
    ),
    (
        "logging",
        "the log archive account, trusted services and delegated administrators",
    ),
    (
        "root_access",
        "centralized root access for member accounts: credentials_management and root_sessions",
    ),
    (
        "security",
        "the security services' delegated administrator: administrator and services",
    ),
    (
        "exemptions",
        "accounts exempt from a baseline, one [exemptions.\"<account id>\"] table each",
    ),
    (
        "moved",
        "policies and OUs renamed in place, one [[moved]] table each with `from` and `to`",
    ),
];
const MOVED: &[(&str, &str)] = &[
    (
        "from",
        "the old address in quotes, like \"scp:old-name\" or \"ou:Workloads/Old\"",
    ),
    (
        "to",
        "the new address in quotes, like \"scp:new-name\" (declared under [policies]) or \"ou:Workloads/New\" (declared under [ous], same parent)",
    ),
];
const ORGANIZATION: &[(&str, &str)] = &[
    (
        "management_account",
        "the management account's id: 12 digits in quotes",
    ),
    ("home_region", "a region name in quotes, like \"us-east-1\""),
    (
        "member_role",
        "an IAM role name in quotes, like \"OrganizationAccountAccessRole\"",
    ),
    (
        "external_id",
        "the ExternalId the member role's trust policy requires, in quotes",
    ),
    (
        "allowed_regions",
        "a list of region names, like [\"us-east-1\", \"eu-west-1\"]",
    ),
];
pub(crate) const LIMITS: &[(&str, &str)] = &[
    ("scp_max_chars", "a whole number of characters, like 10240"),
    ("scps_per_target", "a whole number of SCPs, like 10"),
    ("rcp_max_chars", "a whole number of characters, like 5120"),
    ("rcp_per_target", "a whole number of RCPs, like 5"),
    ("tag_max_chars", "a whole number of characters, like 10000"),
    ("tag_per_target", "a whole number of tag policies, like 10"),
    (
        "backup_max_chars",
        "a whole number of characters, like 10000",
    ),
    (
        "backup_per_target",
        "a whole number of backup policies, like 10",
    ),
    (
        "ai_opt_out_max_chars",
        "a whole number of characters, like 2500",
    ),
    (
        "ai_opt_out_per_target",
        "a whole number of AI services opt-out policies, like 5",
    ),
    (
        "chatbot_max_chars",
        "a whole number of characters, like 10000",
    ),
    (
        "chatbot_per_target",
        "a whole number of chat applications policies, like 10",
    ),
    (
        "declarative_ec2_max_chars",
        "a whole number of characters, like 10000",
    ),
    (
        "declarative_ec2_per_target",
        "a whole number of declarative policies, like 10",
    ),
    (
        "securityhub_max_chars",
        "a whole number of characters, like 10000",
    ),
    (
        "securityhub_per_target",
        "a whole number of Security Hub policies, like 10",
    ),
    (
        "inspector_max_chars",
        "a whole number of characters, like 10000",
    ),
    (
        "inspector_per_target",
        "a whole number of Inspector policies, like 10",
    ),
    ("s3_max_chars", "a whole number of characters, like 10000"),
    ("s3_per_target", "a whole number of S3 policies, like 10"),
    (
        "bedrock_max_chars",
        "a whole number of characters, like 10000",
    ),
    (
        "bedrock_per_target",
        "a whole number of Bedrock policies, like 10",
    ),
    (
        "upgrade_rollout_max_chars",
        "a whole number of characters, like 10000",
    ),
    (
        "upgrade_rollout_per_target",
        "a whole number of upgrade rollout policies, like 10",
    ),
    (
        "guardduty_max_chars",
        "a whole number of characters, like 10000",
    ),
    (
        "guardduty_per_target",
        "a whole number of GuardDuty policies, like 10",
    ),
    (
        "network_security_director_max_chars",
        "a whole number of characters, like 10000",
    ),
    (
        "network_security_director_per_target",
        "a whole number of Network Security Director policies, like 10",
    ),
];
const POLICY: &[(&str, &str)] = &[
    (
        "kind",
        "the policy type, like \"scp\" (the default), \"rcp\", \"tag\", \"backup\" or \"ai-opt-out\"",
    ),
    (
        "file",
        "a path to the policy's JSON file, relative to org.toml's directory",
    ),
    (
        "template",
        "the name of a template in quotes, like \"deny-regions\"",
    ),
    ("description", "text in quotes, at most 512 characters"),
    ("tags", "a table of tag keys and text values, like { owner = \"platform\", cost-center = \"1234\" }"),
];
const TARGET: &[(&str, &str)] = &[(
    "policies",
    "a list of policy names, like [\"FullAWSAccess\", \"deny-leave-org\"]",
)];
const OU: &[(&str, &str)] = &[
    (
        "policies",
        "a list of policy names, like [\"FullAWSAccess\", \"deny-leave-org\"]",
    ),
    ("tags", "a table of tag keys and text values, like { owner = \"platform\", cost-center = \"1234\" }"),
];
const ACCOUNT: &[(&str, &str)] = &[
    ("id", "the account's id: 12 digits in quotes"),
    ("email", "the account's root email address in quotes"),
    (
        "name",
        "the account's name in AWS, like \"Production App\": 1 to 50 printable ASCII characters except < and >; govern renames the account when AWS has another",
    ),
    (
        "ou",
        "an OU path declared under [ous], like \"Workloads/Prod\"",
    ),
    ("policies", "a list of SCP names, like [\"FullAWSAccess\"]"),
    (
        "contacts",
        "this account's own alternate contacts: [accounts.<name>.contacts.security] …",
    ),
    ("tags", "a table of tag keys and text values, like { owner = \"platform\", cost-center = \"1234\" }"),
];

/// Parses `src` as TOML and reads its structure. `None` when the TOML itself is malformed.
pub(crate) fn read(src: &Source, problems: &mut Problems) -> Option<RawFile> {
    let doc = match ImDocument::parse(src.text.to_string()) {
        Ok(doc) => doc,
        Err(e) => {
            problems.push(syntax_error(src, &e));
            return None;
        }
    };
    let mut r = Reader { src, problems };
    Some(r.file(doc.as_table()))
}

fn syntax_error(src: &Source, e: &toml_edit::TomlError) -> super::error::Problem {
    let span = e.span().unwrap_or(0..0);
    let message = e
        .message()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(": ");
    let help = if message.contains("duplicate key") {
        "a key can be set only once per table: keep one of the two"
    } else {
        "org.toml must be valid TOML (https://toml.io/en/v1.0.0); strings need quotes"
    };
    src.problem_at(&span, format!("invalid TOML: {message}"))
        .with_help(help)
}

struct Reader<'a> {
    src: &'a Source,
    problems: &'a mut Problems,
}

impl Reader<'_> {
    fn file(&mut self, top: &dyn TableLike) -> RawFile {
        self.unknown_keys(top, &[], TOP);
        let mut file = RawFile::default();
        if top.get("organization").is_none() {
            // Placed at the start of the file, so that even this problem has a location.
            self.problems.push(
                self.src
                    .problem(&(0..0), "organization", "missing the [organization] table")
                    .with_help(
                        "add [organization] with management_account = \"<12 digits>\" and \
                         home_region = \"<region>\"",
                    ),
            );
        }
        if let Some((span, t)) = self.sub_table(top, &[], "organization") {
            let path = ["organization"];
            self.unknown_keys(t, &path, ORGANIZATION);
            self.required(
                t,
                &path,
                &span,
                ORGANIZATION,
                &["management_account", "home_region"],
            );
            let body = RawOrganization {
                management_account: self.string(t, &path, "management_account", ORGANIZATION),
                home_region: self.string(t, &path, "home_region", ORGANIZATION),
                member_role: self.string(t, &path, "member_role", ORGANIZATION),
                external_id: self.string(t, &path, "external_id", ORGANIZATION),
                allowed_regions: self.list(t, &path, "allowed_regions", ORGANIZATION),
            };
            file.organization = Some(Entry {
                name: "organization".into(),
                key_span: span,
                body,
            });
        }
        if let Some((_, t)) = self.sub_table(top, &[], "limits") {
            let path = ["limits"];
            self.unknown_keys(t, &path, LIMITS);
            file.limits = RawLimits {
                scp_max_chars: self.integer(t, &path, "scp_max_chars", LIMITS),
                scps_per_target: self.integer(t, &path, "scps_per_target", LIMITS),
                kinds: LIMITS[2..]
                    .iter()
                    .filter_map(|(key, _)| Some((*key, self.integer(t, &path, key, LIMITS)?)))
                    .collect(),
            };
        }
        file.policies = self.entries(top, "policies", POLICY, &[], |r, t, path| RawPolicy {
            kind: r.string(t, path, "kind", POLICY),
            file: r.string(t, path, "file", POLICY),
            template: r.string(t, path, "template", POLICY),
            description: r.string(t, path, "description", POLICY),
            tags: r.tags(t, path, POLICY),
        });
        if let Some((span, t)) = self.sub_table(top, &[], "root") {
            let path = ["root"];
            self.unknown_keys(t, &path, TARGET);
            file.root = Some(Entry {
                name: "root".into(),
                key_span: span,
                body: RawTarget {
                    policies: self.list(t, &path, "policies", TARGET),
                    tags: None,
                },
            });
        }
        file.ous = self.entries(top, "ous", OU, &[], |r, t, path| RawTarget {
            policies: r.list(t, path, "policies", OU),
            tags: r.tags(t, path, OU),
        });
        file.accounts = self.entries(top, "accounts", ACCOUNT, &["email"], |r, t, path| {
            RawAccount {
                id: r.string(t, path, "id", ACCOUNT),
                name: r.string(t, path, "name", ACCOUNT),
                email: r.string(t, path, "email", ACCOUNT),
                ou: r.string(t, path, "ou", ACCOUNT),
                policies: r.list(t, path, "policies", ACCOUNT),
                contacts: r.contacts(t, path),
                tags: r.tags(t, path, ACCOUNT),
            }
        });
        self.baselines(top, &mut file);
        self.security(top, &mut file);
        let path = ["moved"];
        for (span, t) in self.tables(top, &[], "moved") {
            self.unknown_keys(t, &path, MOVED);
            self.required(t, &path, &span, MOVED, &["from", "to"]);
            let value = RawMoved {
                from: self.string(t, &path, "from", MOVED),
                to: self.string(t, &path, "to", MOVED),
            };
            file.moved.push(Sp { value, span });
        }
        file
    }

    /// Every `[<section>.<name>]` table, in file order, each read by `body`.
    fn entries<T>(
        &mut self,
        top: &dyn TableLike,
        section: &str,
        allowed: &[(&str, &str)],
        required: &[&str],
        body: impl Fn(&mut Self, &dyn TableLike, &[&str]) -> T,
    ) -> Vec<Entry<T>> {
        let Some((_, tables)) = self.sub_table(top, &[], section) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (name, _) in tables.iter() {
            let path = [section, name];
            let Some((key_span, t)) = self.sub_table(tables, &[section], name) else {
                continue;
            };
            self.unknown_keys(t, &path, allowed);
            self.required(t, &path, &key_span, allowed, required);
            let body = body(self, t, &path);
            out.push(Entry {
                name: name.to_string(),
                key_span,
                body,
            });
        }
        out.sort_by_key(|e| e.key_span.start);
        out
    }

    /// Reports every key of `t` that is not in `allowed`.
    fn unknown_keys(&mut self, t: &dyn TableLike, path: &[&str], allowed: &[(&str, &str)]) {
        for (key, item) in t.iter() {
            if allowed.iter().any(|(k, _)| *k == key) {
                continue;
            }
            let names: Vec<&str> = allowed.iter().map(|(k, _)| *k).collect();
            let mut help = match closest(key, &names) {
                Some(near) => format!("did you mean `{near}`? "),
                None => String::new(),
            };
            if path.is_empty() {
                help.push_str(&format!("allowed at the top level: {}", names.join(", ")));
            } else {
                help.push_str(&format!(
                    "allowed keys in [{}]: {}",
                    key_path(path),
                    names.join(", ")
                ));
            }
            if path.len() == 2 && path[0] == "ous" && item.is_table_like() {
                help.push_str(&format!(
                    "; a nested OU is written as one path: [ous.\"{}/{key}\"]",
                    path[1]
                ));
            }
            let mut full = path.to_vec();
            full.push(key);
            let span = self.key_span(t, key);
            let p = self
                .src
                .problem(&span, &key_path(&full), format!("unknown key `{key}`"))
                .with_help(help);
            self.problems.push(p);
        }
    }

    /// Reports each of `keys` that `t` lacks, at the table's key.
    fn required(
        &mut self,
        t: &dyn TableLike,
        path: &[&str],
        key_span: &Range<usize>,
        spec: &[(&str, &str)],
        keys: &[&str],
    ) {
        for key in keys {
            if t.get(key).is_none() {
                let p = self
                    .src
                    .problem(
                        key_span,
                        &key_path(path),
                        format!("missing required key `{key}`"),
                    )
                    .with_help(format!("add `{key}`: {}", help(spec, key)));
                self.problems.push(p);
            }
        }
    }

    /// The table under `key`, with the span of its key; reports a value that is not a table.
    fn sub_table<'d>(
        &mut self,
        t: &'d dyn TableLike,
        path: &[&str],
        key: &str,
    ) -> Option<(Range<usize>, &'d dyn TableLike)> {
        let item = t.get(key)?;
        let span = self.key_span(t, key);
        match item.as_table_like() {
            Some(sub) => Some((span, sub)),
            None => {
                let mut full = path.to_vec();
                full.push(key);
                let what = if path.is_empty() {
                    format!("[{key}] is a table")
                } else {
                    format!("each entry is a table: [{}]", key_path(&full))
                };
                self.type_error(item, &span, &full, "a table", &what);
                None
            }
        }
    }

    fn string(
        &mut self,
        t: &dyn TableLike,
        path: &[&str],
        key: &str,
        spec: &[(&str, &str)],
    ) -> Option<Sp<String>> {
        let item = t.get(key)?;
        let span = item.span().unwrap_or_else(|| self.key_span(t, key));
        match item.as_str() {
            Some(s) => Some(Sp {
                value: s.to_string(),
                span,
            }),
            None => {
                self.type_error(item, &span, &with(path, key), "a string", help(spec, key));
                None
            }
        }
    }

    fn integer(
        &mut self,
        t: &dyn TableLike,
        path: &[&str],
        key: &str,
        spec: &[(&str, &str)],
    ) -> Option<Sp<i64>> {
        let item = t.get(key)?;
        let span = item.span().unwrap_or_else(|| self.key_span(t, key));
        match item.as_integer() {
            Some(n) => Some(Sp { value: n, span }),
            None => {
                self.type_error(item, &span, &with(path, key), "an integer", help(spec, key));
                None
            }
        }
    }

    fn boolean(
        &mut self,
        t: &dyn TableLike,
        path: &[&str],
        key: &str,
        spec: &[(&str, &str)],
    ) -> Option<Sp<bool>> {
        let item = t.get(key)?;
        let span = item.span().unwrap_or_else(|| self.key_span(t, key));
        match item.as_bool() {
            Some(b) => Some(Sp { value: b, span }),
            None => {
                self.type_error(
                    item,
                    &span,
                    &with(path, key),
                    "true or false",
                    help(spec, key),
                );
                None
            }
        }
    }

    /// A list of strings; elements of another type are reported and left out.
    fn list(
        &mut self,
        t: &dyn TableLike,
        path: &[&str],
        key: &str,
        spec: &[(&str, &str)],
    ) -> Option<List> {
        let item = t.get(key)?;
        let span = item.span().unwrap_or_else(|| self.key_span(t, key));
        let full = with(path, key);
        let Some(array) = item.as_array() else {
            self.type_error(item, &span, &full, "a list of strings", help(spec, key));
            return None;
        };
        let mut values = Vec::new();
        for v in array.iter() {
            let vspan = v.span().unwrap_or_else(|| span.clone());
            match v.as_str() {
                Some(s) => values.push(Sp {
                    value: s.to_string(),
                    span: vspan,
                }),
                None => {
                    let p = self
                        .src
                        .problem(
                            &vspan,
                            &key_path(&full),
                            format!("expected a string, found {}", article(v.type_name())),
                        )
                        .with_help(help(spec, key));
                    self.problems.push(p);
                }
            }
        }
        Some(Sp {
            value: values,
            span,
        })
    }

    /// `tags`: a table (inline or not) of string values; a value of another type is reported and
    /// left out.
    fn tags(&mut self, t: &dyn TableLike, path: &[&str], spec: &[(&str, &str)]) -> Option<RawTags> {
        let item = t.get("tags")?;
        let span = item.span().unwrap_or_else(|| self.key_span(t, "tags"));
        let full = with(path, "tags");
        let Some(table) = item.as_table_like() else {
            self.type_error(item, &span, &full, "a table", help(spec, "tags"));
            return None;
        };
        let mut pairs = Vec::new();
        for (key, value) in table.iter() {
            let kspan = self.key_span(table, key);
            let vspan = value.span().unwrap_or_else(|| kspan.clone());
            match value.as_str() {
                Some(v) => pairs.push((
                    Sp {
                        value: key.to_string(),
                        span: kspan,
                    },
                    Sp {
                        value: v.to_string(),
                        span: vspan,
                    },
                )),
                None => {
                    let at = with(&full, key);
                    self.type_error(
                        value,
                        &vspan,
                        &at,
                        "a string",
                        "a tag's value is text in quotes, like \"platform\"",
                    );
                }
            }
        }
        Some(Sp { value: pairs, span })
    }

    fn type_error(
        &mut self,
        item: &Item,
        span: &Range<usize>,
        path: &[&str],
        expected: &str,
        help: &str,
    ) {
        let found = article(item.type_name());
        let p = self
            .src
            .problem(
                span,
                &key_path(path),
                format!("expected {expected}, found {found}"),
            )
            .with_help(help);
        self.problems.push(p);
    }

    fn key_span(&self, t: &dyn TableLike, key: &str) -> Range<usize> {
        t.get_key_value(key)
            .and_then(|(k, _)| k.span())
            .unwrap_or(0..0)
    }
}

/// Every key path the reader accepts, in the notation of `schema::property_paths`: `*` for a name
/// the user chooses, `[]` for an element of an array of tables.
#[cfg(test)]
pub(crate) fn accepted_paths() -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    let mut add = |prefix: &str, spec: &[(&str, &str)]| {
        for (key, _) in spec {
            out.insert(format!("{prefix}{key}"));
        }
    };
    add("", TOP);
    add("organization.", ORGANIZATION);
    add("limits.", LIMITS);
    add("policies.*.", POLICY);
    add("root.", TARGET);
    add("ous.*.", OU);
    add("accounts.*.", ACCOUNT);
    add("moved[].", MOVED);
    out.insert("moved[]".to_string());
    for named in ["policies.*", "ous.*", "accounts.*"] {
        out.insert(named.to_string());
        // `tags`' keys are the user's.
        out.insert(format!("{named}.tags.*"));
    }
    baselines::accepted_paths(&mut out);
    security::accepted_paths(&mut out);
    out
}

fn with<'a>(path: &[&'a str], key: &'a str) -> Vec<&'a str> {
    let mut v = path.to_vec();
    v.push(key);
    v
}

fn help<'a>(spec: &[(&str, &'a str)], key: &str) -> &'a str {
    spec.iter().find(|(k, _)| *k == key).map_or("", |(_, h)| *h)
}

fn article(type_name: &str) -> String {
    match type_name {
        "integer" | "inline table" | "array" | "array of tables" => format!("an {type_name}"),
        other => format!("a {other}"),
    }
}

/// The allowed key nearest to a misspelt one, if it is close enough to be a likely typo.
fn closest<'a>(key: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|a| (edit_distance(key, a), *a))
        .filter(|(d, a)| *d <= 2.max(a.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a)
}

/// `did you mean `x`? ` when exactly one of `candidates` is nearest to `value` and close enough to
/// be a likely typo (case aside), else nothing: values, not only keys, get the hint (issue 17).
pub(crate) fn did_you_mean<'a>(
    value: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    let lower = value.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    let mut tie = false;
    for c in candidates {
        if c == value {
            continue;
        }
        let d = edit_distance(&lower, &c.to_lowercase());
        // Within 2 edits (more for long values), and not a rewrite of a short one (`b` is not a
        // typo of `a`).
        let shorter = c.chars().count().min(value.chars().count());
        if d > 2.max(c.chars().count() / 4) || d * 2 > shorter {
            continue;
        }
        match best {
            Some((b, _)) if d > b => {}
            Some((b, other)) if d == b => tie |= other != c,
            _ => {
                best = Some((d, c));
                tie = false;
            }
        }
    }
    match best {
        Some((_, c)) if !tie => format!("did you mean `{c}`? "),
        _ => String::new(),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_in_values_find_the_one_nearest_value() {
        let regions = ["eu-west-1", "eu-west-2", "eu-west-3", "us-east-1"];
        assert_eq!(
            did_you_mean("eu-wset-1", regions),
            "did you mean `eu-west-1`? "
        );
        // Three at the same distance: no guess.
        assert_eq!(did_you_mean("eu-west-9", regions), "");
        assert_eq!(
            did_you_mean("fullawsaccess", ["FullAWSAccess", "deny-all"]),
            "did you mean `FullAWSAccess`? "
        );
        assert_eq!(did_you_mean("Workloads/Stage", ["Workloads/Prod"]), "");
        assert_eq!(did_you_mean("b", ["a"]), "");
    }

    #[test]
    fn typos_find_their_key() {
        assert_eq!(closest("emial", &["id", "email", "ou"]), Some("email"));
        assert_eq!(closest("colour", &["id", "email", "ou"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn reads_spans_of_header_keys() {
        let src = Source::new("org.toml", "[ous.\"A/B\"]\npolicies = [\"x\", 3]\n");
        let mut problems = Problems::default();
        let raw = read(&src, &mut problems).unwrap();
        assert_eq!(raw.ous[0].name, "A/B");
        assert_eq!(&src.text[raw.ous[0].key_span.clone()], "\"A/B\"");
        let list = raw.ous[0].body.policies.as_ref().unwrap();
        assert_eq!(list.value.len(), 1);
        let problems = problems.into_sorted();
        assert_eq!(
            problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
            [
                "org.toml:1:1: organization: missing the [organization] table",
                "org.toml:2:18: ous.\"A/B\".policies: expected a string, found an integer",
            ]
        );
    }
}
