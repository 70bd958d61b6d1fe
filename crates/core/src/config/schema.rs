//! The shape of org.toml as a JSON Schema, for editors (taplo, Even Better TOML): completion, hover
//! text and checks while typing. govern itself reads the file with `raw` (which reports exact spans);
//! these types exist only to generate `docs/org.schema.json`, and tests hold both to the same keys.
//!
//! Doc comments become the descriptions editors show.

use std::collections::BTreeMap;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};

/// Where the generated schema is committed, relative to the repository root.
pub const SCHEMA_PATH: &str = "docs/org.schema.json";

/// The schema, as committed: pretty JSON with a final newline.
pub fn generate() -> String {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let mut schema = generator.into_root_schema_for::<OrgToml>().to_value();
    drop_null(&mut schema);
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema serializes");
    text.push('\n');
    text
}

/// govern's org.toml: the AWS Organization as its platform team declares it (the README's "org.toml
/// reference" has every key).
#[derive(JsonSchema)]
#[schemars(title = "govern org.toml", deny_unknown_fields)]
#[allow(dead_code)]
pub struct OrgToml {
    /// More files of [accounts.<name>], [ous."<path>"] and [exemptions."<id>"] tables, relative to
    /// org.toml's directory; `*` in a file name matches any characters (`accounts/*.toml`).
    include: Option<Vec<String>>,
    /// The management account, home region and allowed regions.
    organization: Organization,
    /// Policy quotas per policy type; the defaults are AWS's current ones.
    limits: Option<Limits>,
    /// Custom policies of any type by name, one [policies.<name>] table each.
    policies: Option<BTreeMap<String, Policy>>,
    /// Policies attached to the root.
    root: Option<Target>,
    /// Organizational units by path below the root (`Workloads/Prod`), one [ous."<path>"] table each.
    #[schemars(extend("propertyNames" = { "pattern": "^[^/]+(/[^/]+){0,4}$" }))]
    ous: Option<BTreeMap<String, Ou>>,
    /// Member accounts by name, one [accounts.<name>] table each.
    accounts: Option<BTreeMap<String, Account>>,
    /// Alternate contacts of every active member account.
    contacts: Option<Contacts>,
    /// KMS key and secret rotation in every allowed region of every member account.
    key_rotation: Option<KeyRotation>,
    /// The log archive account: trusted access and delegated administrators.
    logging: Option<Logging>,
    /// Centralized root access for member accounts (IAM's organization features).
    root_access: Option<RootAccess>,
    /// The security services' delegated administrator: one member account for the listed services.
    security: Option<Security>,
    /// Accounts exempt from baselines, by 12-digit account id, each with the reasons.
    #[schemars(extend("propertyNames" = { "pattern": "^[0-9]{12}$" }))]
    exemptions: Option<BTreeMap<String, Exemption>>,
    /// Policies and OUs renamed in place, one [[moved]] table each: UpdatePolicy or
    /// UpdateOrganizationalUnit gives it its new name and it keeps its id, attachments (and an
    /// OU its OUs and accounts).
    moved: Option<Vec<Moved>>,
}

/// A rename: the policy at `from` is the one declared at `to`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct Moved {
    /// The old address: a policy's type prefix and name, like "scp:old-name", or an OU's path,
    /// like "ou:Workloads/Old".
    #[schemars(regex(pattern = r"^[a-z0-9-]+:.+$"))]
    from: String,
    /// The new address, like "scp:new-name" (declared under [policies] with that type) or
    /// "ou:Workloads/New" (declared under [ous], with the same parent).
    #[schemars(regex(pattern = r"^[a-z0-9-]+:.+$"))]
    to: String,
}

#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct Organization {
    /// The organization's management account id: 12 digits in quotes.
    management_account: AccountIdValue,
    /// The region govern calls from when neither --region nor the credential chain sets one.
    home_region: RegionValue,
    /// The IAM role govern assumes in member accounts (default OrganizationAccountAccessRole);
    /// exempted from the deny-regions template.
    member_role: Option<RoleNameValue>,
    /// The ExternalId the member role's trust policy requires (sts:AssumeRole).
    #[schemars(length(min = 2, max = 1224))]
    external_id: Option<String>,
    /// Regions the deny-regions template allows; must include home_region.
    allowed_regions: Option<Regions>,
}

/// A custom policy: exactly one of `file` or `template` (templates make SCPs).
#[derive(JsonSchema)]
#[schemars(
    deny_unknown_fields,
    extend("oneOf" = [{ "required": ["file"] }, { "required": ["template"] }])
)]
#[allow(dead_code)]
struct Policy {
    /// The policy type; an SCP when left out.
    kind: Option<KindValue>,
    /// A JSON policy document, relative to org.toml's directory.
    file: Option<String>,
    /// A generated SCP: deny-regions denies every action outside allowed_regions except global
    /// services and the member role.
    template: Option<Template>,
    /// Up to 512 characters.
    #[schemars(length(max = 512))]
    description: Option<String>,
    /// The policy's tags besides govern's own managed-by; leave it out to keep them as they are.
    tags: Option<TagsValue>,
}

#[derive(JsonSchema)]
#[allow(dead_code)]
enum Template {
    #[schemars(rename = "deny-regions")]
    DenyRegions,
}

/// `[ous."<path>"]`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct Ou {
    /// The exact set of policies attached here, per policy type org.toml declares (missing ones
    /// are attached, others detached); leave it out to keep the attachments as they are. Names at
    /// least one SCP.
    policies: Option<PolicyNames>,
    /// The OU's tags besides govern's own managed-by; leave it out to keep them as they are.
    tags: Option<TagsValue>,
}

/// `[root]`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct Target {
    /// The exact set of policies attached here, per policy type org.toml declares (missing ones
    /// are attached, others detached); leave it out to keep the attachments as they are. Names at
    /// least one SCP.
    policies: Option<PolicyNames>,
}

#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct Account {
    /// The account's 12-digit id, when known; without it the account is matched by email, or
    /// created.
    id: Option<AccountIdValue>,
    /// The account's name in AWS; when AWS has another, govern renames the account
    /// (PutAccountName). Leave it out to leave the name alone (a new account is then named by its
    /// key).
    #[schemars(length(min = 1, max = 50), regex(pattern = r"^[ -;=?-~]+$"))]
    name: Option<String>,
    /// The account's root email address (unique across AWS).
    #[schemars(
        length(min = 6, max = 64),
        regex(pattern = r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    )]
    email: String,
    /// OU path (`Workloads/Prod`); leave it out for directly under the root.
    ou: Option<String>,
    /// The exact set of policies attached directly to the account (per policy type org.toml
    /// declares).
    policies: Option<PolicyNames>,
    /// This account's own alternate contacts, replacing the org-wide ones.
    contacts: Option<Contacts>,
    /// The account's tags besides managed-by; leave it out to keep them as they are.
    tags: Option<TagsValue>,
}

/// Alternate contacts by type; a type left out is not managed.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct Contacts {
    /// The security contact.
    security: Option<Contact>,
    /// The operations contact.
    operations: Option<Contact>,
    /// The billing contact.
    billing: Option<Contact>,
}

/// An alternate contact (PutAlternateContact); all four keys are required.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct Contact {
    /// 1 to 64 characters.
    #[schemars(length(min = 1, max = 64))]
    name: String,
    /// 1 to 50 characters.
    #[schemars(length(min = 1, max = 50))]
    title: String,
    /// An email address, 1 to 254 characters.
    #[schemars(length(min = 1, max = 254), regex(pattern = r"^[^@\s]+@[^@\s]+$"))]
    email: String,
    /// 1 to 25 characters of digits, spaces and ( ) + -.
    #[schemars(length(min = 1, max = 25), regex(pattern = r"^[0-9 ()+\-]+$"))]
    phone: String,
}

#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct KeyRotation {
    /// Customer-managed KMS keys get automatic rotation with this period: 90 to 2560 days.
    #[schemars(range(min = 90, max = 2560))]
    kms_rotation_period_days: u32,
    /// Secrets that rotate less often get this interval: 1 to 1000 days.
    #[schemars(range(min = 1, max = 1000))]
    secret_max_rotation_days: u32,
    /// Keys and secrets exempt from rotation, one [[key_rotation.exempt]] table each.
    exempt: Option<Vec<Exempt>>,
}

#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct Exempt {
    /// The ARN of a KMS key (arn:aws:kms:…:key/…) or a Secrets Manager secret
    /// (arn:aws:secretsmanager:…:secret:…).
    #[schemars(regex(pattern = r"^arn:[a-z-]+:(kms|secretsmanager):"))]
    arn: String,
    /// Why it is exempt.
    #[schemars(length(min = 1))]
    reason: String,
}

#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct Logging {
    /// The name of the log archive account, declared under [accounts].
    account: String,
    /// Service principals given trusted access to the organization.
    trusted_services: ServicePrincipals,
    /// Service principals for which `account` is registered as delegated administrator.
    delegated_admin_for: Option<ServicePrincipals>,
    /// The organization trail and its bucket in the log archive account.
    trail: Option<TrailTable>,
}

/// `[logging.trail]`: an organization trail (all regions, global service events, log file
/// validation, a customer-managed KMS key) writing to a locked-down bucket in the logging account.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct TrailTable {
    /// The trail's name: 3 to 128 letters, digits, `.`, `_` or `-`.
    #[schemars(
        length(min = 3, max = 128),
        regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]$")
    )]
    name: String,
    /// The trail's home region (default: home_region); one of allowed_regions.
    region: Option<RegionValue>,
    /// The S3 bucket in the logging account, created by govern: 3 to 63 lowercase letters, digits, `.` or `-`.
    #[schemars(
        length(min = 3, max = 63),
        regex(pattern = r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")
    )]
    bucket: String,
    /// Days before a log file expires (a lifecycle rule); at least object_lock_days.
    #[schemars(range(min = 1, max = 36500))]
    retention_days: u32,
    /// S3 Object Lock's mode, set when the bucket is created.
    object_lock: Option<LockModeValue>,
    /// Object Lock's default retention in days (with object_lock).
    #[schemars(range(min = 1, max = 36500))]
    object_lock_days: Option<u32>,
}

#[derive(JsonSchema)]
#[allow(dead_code)]
enum LockModeValue {
    #[schemars(rename = "governance")]
    Governance,
    #[schemars(rename = "compliance")]
    Compliance,
}

/// Each feature on (`true`), off (`false`) or, absent, not managed; at least one is declared.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[schemars(extend("minProperties" = 1))]
#[allow(dead_code)]
struct RootAccess {
    /// IAM's RootCredentialsManagement: member accounts' root credentials managed centrally.
    credentials_management: Option<bool>,
    /// IAM's RootSessions: privileged root tasks in member accounts from the management account.
    root_sessions: Option<bool>,
}

/// The security services' delegated administrator (`crate::model::SERVICES` is the table).
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct Security {
    /// The name of a member account declared under [accounts].
    administrator: String,
    /// The services it administers (regional ones in every allowed region).
    #[schemars(extend("minItems" = 1, "uniqueItems" = true, "items" = { "enum": ["guardduty", "securityhub", "access-analyzer", "macie", "inspector", "detective", "config"] }))]
    services: Vec<String>,
}

/// The reasons an account is exempt, by baseline; each is optional and non-empty.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct Exemption {
    /// Why this account's alternate contacts are not managed.
    #[schemars(length(min = 1))]
    contacts: Option<String>,
    /// Why this account's opt-in regions outside allowed_regions stay enabled.
    #[schemars(length(min = 1))]
    regions: Option<String>,
    /// Why this account's KMS keys are exempt from rotation.
    #[schemars(length(min = 1))]
    kms: Option<String>,
    /// Why this account's secrets are exempt from rotation.
    #[schemars(length(min = 1))]
    secrets: Option<String>,
}

/// A value type with a hand-written schema: `$name` is shown inline wherever it is used.
macro_rules! value_schema {
    ($(#[$doc:meta])* $name:ident, $generator:ident => $schema:expr) => {
        $(#[$doc])*
        struct $name;
        impl JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn inline_schema() -> bool {
                true
            }
            fn json_schema($generator: &mut SchemaGenerator) -> Schema {
                $schema
            }
        }
    };
}

value_schema!(
    /// A 12-digit account id in quotes.
    AccountIdValue, _g => json_schema!({ "type": "string", "pattern": "^[0-9]{12}$" })
);
value_schema!(
    /// A region govern knows.
    RegionValue, _g => json_schema!({ "type": "string", "enum": crate::model::KNOWN_REGIONS })
);
value_schema!(
    /// Region names, each once.
    Regions, g => json_schema!({
        "type": "array",
        "items": RegionValue::json_schema(g),
        "uniqueItems": true
    })
);
value_schema!(
    /// Tags: at most 49 (AWS allows 50 a resource; govern keeps managed-by), keys of 1 to 128
    /// characters without the `aws:` prefix and other than managed-by, values of at most 256.
    TagsValue, _g => json_schema!({
        "type": "object",
        "maxProperties": super::tags::MAX_TAGS - 1,
        "propertyNames": {
            "minLength": 1,
            "maxLength": super::tags::MAX_KEY,
            "not": { "anyOf": [{ "pattern": "^[aA][wW][sS]:" }, { "const": "managed-by" }] }
        },
        "additionalProperties": { "type": "string", "maxLength": super::tags::MAX_VALUE }
    })
);
value_schema!(
    /// An IAM role name.
    RoleNameValue, _g => json_schema!({ "type": "string", "pattern": "^[A-Za-z0-9+=,.@_-]{1,64}$" })
);
value_schema!(
    /// Quotas per policy type: characters of a minified document and policies per target. SCP
    /// defaults 10240 and 10 (FullAWSAccess counts); the other types' defaults are on AWS
    /// Organizations' quotas page.
    Limits, _g => {
        let properties: serde_json::Map<String, serde_json::Value> = super::raw::LIMITS
            .iter()
            .map(|(key, help)| {
                (
                    key.to_string(),
                    serde_json::json!({ "type": "integer", "minimum": 1, "description": help }),
                )
            })
            .collect();
        json_schema!({
            "type": "object",
            "properties": properties,
            "additionalProperties": false
        })
    }
);
value_schema!(
    /// A policy type: scp (service control policy), rcp (resource control policy), tag, backup,
    /// ai-opt-out, chatbot, declarative-ec2, securityhub, inspector, s3, bedrock, upgrade-rollout,
    /// guardduty, network-security-director.
    KindValue, _g => {
        let kinds: Vec<&str> = crate::model::PolicyKind::ALL.iter().map(|k| k.prefix()).collect();
        json_schema!({ "type": "string", "enum": kinds })
    }
);
value_schema!(
    /// Policy names, each once, at least one.
    PolicyNames, _g => json_schema!({
        "type": "array",
        "items": { "type": "string", "minLength": 1, "maxLength": crate::model::MAX_POLICY_NAME },
        "uniqueItems": true,
        "minItems": 1
    })
);
value_schema!(
    /// Service principals (`cloudtrail.amazonaws.com`), each once.
    ServicePrincipals, _g => json_schema!({
        "type": "array",
        "items": { "type": "string", "pattern": "^[a-z0-9.-]+\\.amazonaws\\.com$" },
        "uniqueItems": true
    })
);

/// TOML has no null: an optional key is one left out, never one set to null. schemars writes
/// `Option<T>` as "T or null"; this keeps the T.
fn drop_null(node: &mut serde_json::Value) {
    use serde_json::Value;
    let Value::Object(map) = node else {
        if let Value::Array(items) = node {
            items.iter_mut().for_each(drop_null);
        }
        return;
    };
    if let Some(Value::Array(types)) = map.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            map.insert("type".into(), only);
        }
    }
    let is_null = |v: &Value| v.get("type").is_some_and(|t| t == "null");
    if let Some(Value::Array(any)) = map.get_mut("anyOf") {
        any.retain(|v| !is_null(v));
        if any.len() == 1 {
            if let Value::Object(only) = any.remove(0) {
                map.remove("anyOf");
                map.extend(only);
            }
        }
    }
    map.values_mut().for_each(drop_null);
}

/// Every key path a schema allows: `a.b` for properties, `a.*` for names the user chooses
/// (additionalProperties), `a[]` for elements of an array of tables.
pub fn property_paths(schema: &serde_json::Value) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    walk(schema, schema, "", &mut out);
    out
}

fn walk(
    root: &serde_json::Value,
    node: &serde_json::Value,
    path: &str,
    out: &mut std::collections::BTreeSet<String>,
) {
    let node = resolve(root, node);
    let join = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    if let Some(props) = node.get("properties").and_then(|p| p.as_object()) {
        for (key, sub) in props {
            let p = join(key);
            out.insert(p.clone());
            walk(root, sub, &p, out);
        }
    }
    if let Some(sub) = node.get("additionalProperties").filter(|a| a.is_object()) {
        let p = join("*");
        out.insert(p.clone());
        walk(root, sub, &p, out);
    }
    if let Some(items) = node.get("items").filter(|i| i.is_object()) {
        let items = resolve(root, items);
        if items.get("properties").is_some() {
            let p = format!("{path}[]");
            out.insert(p.clone());
            walk(root, items, &p, out);
        }
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        for sub in node
            .get(key)
            .and_then(|a| a.as_array())
            .into_iter()
            .flatten()
        {
            walk(root, sub, path, out);
        }
    }
}

/// Follows `$ref: "#/definitions/X"` (draft 7) within the same document.
fn resolve<'a>(root: &'a serde_json::Value, node: &'a serde_json::Value) -> &'a serde_json::Value {
    match node.get("$ref").and_then(|r| r.as_str()) {
        Some(r) => r
            .strip_prefix("#/")
            .map(|p| p.split('/').fold(root, |v, k| &v[k]))
            .map_or(node, |target| resolve(root, target)),
        None => node,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_file(path: &str) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(path)
    }

    #[test]
    fn the_committed_schema_is_current() {
        let committed = std::fs::read_to_string(repo_file(SCHEMA_PATH)).unwrap_or_default();
        assert!(
            committed == generate(),
            "{SCHEMA_PATH} is stale or missing: regenerate it with `cargo xtask schema` and commit it"
        );
    }

    #[test]
    fn schema_and_reader_accept_the_same_keys() {
        let schema: serde_json::Value = serde_json::from_str(&generate()).unwrap();
        let from_schema = property_paths(&schema);
        let from_reader = super::super::raw::accepted_paths();
        let only_schema: Vec<_> = from_schema.difference(&from_reader).collect();
        let only_reader: Vec<_> = from_reader.difference(&from_schema).collect();
        assert!(
            only_schema.is_empty() && only_reader.is_empty(),
            "the schema (src/config/schema.rs) and the reader (src/config/raw.rs) disagree:\n  \
             only in the schema: {only_schema:?}\n  only in the reader: {only_reader:?}"
        );
        assert!(from_schema.contains("accounts.*.contacts.security.phone"));
        assert!(from_schema.contains("key_rotation.exempt[].arn"));
    }

    #[test]
    fn templates_match_the_generator() {
        let schema: serde_json::Value = serde_json::from_str(&generate()).unwrap();
        let text = schema.to_string();
        for t in super::super::templates::TEMPLATES {
            assert!(text.contains(&format!("\"{t}\"")), "template {t} missing");
        }
    }
}
