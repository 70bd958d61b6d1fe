//! `govern import`'s heart: the organization as discovery read it (Actual) → the text of org.toml
//! and its SCP files. Pure, like the planner: no I/O, no clock, so a re-import of an unchanged
//! organization writes the same bytes and a small change in AWS gives a small diff.
//!
//! The guarantee is that `govern plan` on the written file, against the same organization, plans
//! no change. Every part of the file is chosen for that: exact attachment sets everywhere, the
//! region deny as a template only when it is exactly the template, contacts as org defaults plus
//! per-account ones plus exemptions, `[logging]` only when it is exact, and `[key_rotation]`
//! commented out (absent means not enforced; the user opts in).

mod contacts;
mod logging;
mod names;
mod regions;
mod render;
mod rotation;
mod toml;

use std::collections::{BTreeMap, BTreeSet};

pub use regions::{recover as recover_region_deny, RegionDeny};

use crate::model::{
    AccountId, Actual, BaselineKind, Contact, ContactType, Email, Member, MemberState, OuPath,
    Parent, PolicyKey, PolicyKind, PolicyName, Region, TargetKey,
};

/// The JSON Schema import writes beside org.toml, and names on its first line for editors.
pub const SCHEMA_FILE: &str = "org.schema.json";

/// Where SCP files go, relative to org.toml's directory.
pub const SCP_DIR: &str = "baselines/scp";

/// Where policy files of `kind` go, relative to org.toml's directory: `baselines/<prefix>`.
pub fn policy_dir(kind: PolicyKind) -> String {
    format!("baselines/{}", kind.prefix())
}

/// The custom policies of a summary, for people: `3 custom policies (2 SCPs, 1 tag policy)`, or
/// `no custom policy`.
pub fn policies_phrase(by_kind: &BTreeMap<PolicyKind, usize>) -> String {
    let total: usize = by_kind.values().sum();
    if total == 0 {
        return "no custom policy".into();
    }
    let kinds: Vec<String> = by_kind
        .iter()
        .map(|(kind, n)| {
            let noun = kind.noun();
            let noun = match (n, noun.strip_suffix("policy")) {
                (1, _) => noun.to_string(),
                (_, Some(stem)) => format!("{stem}policies"),
                (_, None) => format!("{noun}s"),
            };
            format!("{n} {noun}")
        })
        .collect();
    format!(
        "{total} custom polic{} ({})",
        if total == 1 { "y" } else { "ies" },
        kinds.join(", ")
    )
}

/// How govern read the organization, as far as the file records it.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The region the session used; it becomes home_region when allowed_regions permits.
    pub session_region: Option<String>,
    pub member_role: String,
    pub external_id: Option<String>,
    /// Regions keys and secrets were read in, for the key-rotation note.
    pub key_regions: Vec<String>,
}

/// The files to write: org.toml's text and each SCP file by its path relative to org.toml.
#[derive(Debug, Clone)]
pub struct Imported {
    pub org_toml: String,
    pub files: BTreeMap<String, String>,
    pub summary: Summary,
}

/// What the import found, for the one-line report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub ous: usize,
    pub accounts: usize,
    /// Custom policies declared, by kind (AWS-managed ones are not declared).
    pub policies: BTreeMap<PolicyKind, usize>,
    /// The deny-regions policies turned into the template, and the regions they allow.
    pub region_deny: Option<RegionDeny>,
    pub contact_overrides: usize,
    pub exemptions: usize,
    /// Accounts left out of `[accounts]` (written as comments), with why.
    pub not_declared: Vec<(AccountId, String)>,
    /// Accounts that could not be read inside: their contacts and regions are unknown.
    pub unread: Vec<(AccountId, String)>,
    /// Policies left out of `[policies]`, with why (a name another kind's policy has).
    pub not_declared_policies: Vec<String>,
}

/// Everything the file says, decided; `render` only lays it out.
pub(crate) struct Model<'a> {
    pub actual: &'a Actual,
    pub settings: &'a Settings,
    pub home_region: Region,
    pub region_deny: Option<RegionDeny>,
    pub contacts: BTreeMap<ContactType, Contact>,
    pub rotation: rotation::RotationNote,
    pub logging: logging::LoggingImport,
    /// `[root_access]`, when a feature is on.
    pub root_access: Option<crate::model::RootAccess>,
    /// `[security]`: one account and the services it administers everywhere (`crate::security`).
    pub security: Option<(AccountId, Vec<crate::model::SecurityService>)>,
    /// `[logging.trail]`, when the organization trail's bucket is in the imported logging account.
    pub trail: Option<crate::model::Trail>,
    /// Custom policies of every kind: the kind and the file name (None for the template).
    pub policies: BTreeMap<PolicyName, (PolicyKind, Option<String>)>,
    pub root: Attachments,
    pub ous: BTreeMap<OuPath, Attachments>,
    pub accounts: Vec<AccountEntry<'a>>,
    pub not_declared: Vec<(AccountId, String)>,
    pub exemptions: BTreeMap<AccountId, BTreeMap<BaselineKind, String>>,
}

/// A target's `policies`: the exact set, or why it is left out.
pub(crate) enum Attachments {
    Exact(Vec<String>),
    LeftOut(String),
}

pub(crate) struct AccountEntry<'a> {
    pub key: String,
    pub id: &'a AccountId,
    pub account: &'a crate::model::ActualAccount,
    pub policies: Attachments,
    pub contacts: BTreeMap<ContactType, Contact>,
}

pub fn generate(actual: &Actual, settings: &Settings) -> Imported {
    let region_deny = regions::recover(&actual.policies, &settings.member_role);
    let home_region = home_region(settings, region_deny.as_ref());

    let keys = names::account_keys(actual.accounts.iter().map(|(id, a)| (id, a.name.as_str())));
    let mut declared: BTreeMap<AccountId, String> = BTreeMap::new();
    let mut not_declared = Vec::new();
    for (id, a) in &actual.accounts {
        // In an OU govern cannot address (issue 14): `ou = …` could not say where it is.
        if let Some(p) = ou_of(&a.parent).filter(|p| p.id_only().is_some()) {
            not_declared.push((
                id.clone(),
                format!("it is in OU {p}, whose name govern cannot address"),
            ));
            continue;
        }
        match Email::parse(&a.email) {
            Ok(_) => {
                declared.insert(id.clone(), keys[id].clone());
            }
            Err(e) => not_declared.push((
                id.clone(),
                format!("its root email cannot be declared: {}", e.0),
            )),
        }
    }

    let mut not_declared_policies: Vec<String> = Vec::new();
    let mut read: BTreeMap<AccountId, &MemberState> = BTreeMap::new();
    let mut unread = Vec::new();
    for (id, m) in &actual.members {
        match m {
            Member::Read(state) => {
                read.insert(id.clone(), state);
            }
            Member::Failed { reason, .. } => unread.push((id.clone(), reason.clone())),
            Member::Skipped { .. } => {}
        }
    }

    let declared_ids: BTreeSet<AccountId> = declared.keys().cloned().collect();
    let contacts = contacts::contacts(&read, &declared_ids);
    let mut exemptions: BTreeMap<AccountId, BTreeMap<BaselineKind, String>> = BTreeMap::new();
    for (id, why) in &contacts.exempt {
        exemptions
            .entry(id.clone())
            .or_default()
            .insert(BaselineKind::Contacts, why.clone());
    }
    if let Some(deny) = &region_deny {
        for (id, why) in regions::outside(&read, &deny.allowed) {
            exemptions
                .entry(id)
                .or_default()
                .insert(BaselineKind::Regions, why);
        }
    }

    // Names are unique within a kind only, and org.toml names each policy once: of two policies
    // of one name, the first kind in `PolicyKind` order (SCP first) is declared and the other is
    // left out (reported), with the targets it is attached to.
    let mut custom: BTreeMap<PolicyName, PolicyKind> = BTreeMap::new();
    let mut clashes: Vec<PolicyKey> = Vec::new();
    for (key, p) in &actual.policies {
        if p.aws_managed {
            continue;
        }
        if custom.contains_key(&key.name) {
            clashes.push(key.clone());
        } else {
            custom.insert(key.name.clone(), key.kind);
        }
    }
    let in_template = |n: &PolicyName, k: PolicyKind| {
        k == PolicyKind::ServiceControlPolicy
            && region_deny.as_ref().is_some_and(|d| d.policies.contains(n))
    };
    let mut files: BTreeMap<PolicyName, String> = BTreeMap::new();
    for kind in PolicyKind::ALL {
        files.extend(names::scp_files(
            custom
                .iter()
                .filter(|(n, k)| **k == kind && !in_template(n, kind))
                .map(|(n, _)| n),
        ));
    }
    let policies: BTreeMap<PolicyName, (PolicyKind, Option<String>)> = custom
        .iter()
        .map(|(n, k)| (n.clone(), (*k, files.get(n).cloned())))
        .collect();
    for key in &clashes {
        let other = custom[&key.name].noun();
        not_declared_policies.push(format!(
            "{} `{}`: {} {other} of that name is declared, and org.toml names each policy once",
            key.kind.noun(),
            key.name,
            crate::config::policy_file::article(other),
        ));
    }
    let attachments = |target: &TargetKey| attachments(actual, target, &policies);

    let mut accounts: Vec<AccountEntry> = actual
        .accounts
        .iter()
        .filter(|(id, _)| declared.contains_key(*id))
        .map(|(id, account)| AccountEntry {
            key: declared[id].clone(),
            id,
            account,
            policies: attachments(&TargetKey::Account(id.clone())),
            contacts: contacts.overrides.get(id).cloned().unwrap_or_default(),
        })
        .collect();
    // By name, as people look for them.
    accounts.sort_by(|a, b| a.key.cmp(&b.key));

    let logging = logging::logging(actual, &declared);
    let model = Model {
        actual,
        settings,
        home_region,
        rotation: rotation::note(&read, &settings.key_regions),
        logging: logging.clone(),
        root_access: crate::root_access::import(actual),
        security: crate::security::import(actual, &settings.key_regions),
        trail: crate::trail::import(actual).filter(|_| {
            let bucket_account = actual.trail.as_ref().and_then(|t| t.account.as_ref());
            matches!(&logging, logging::LoggingImport::Exact { account, .. } if Some(account) == bucket_account)
        }),
        contacts: contacts.defaults.clone(),
        root: attachments(&TargetKey::Root),
        ous: actual
            .ous
            .keys()
            .filter(|p| p.id_only().is_none())
            .map(|p| (p.clone(), attachments(&TargetKey::Ou(p.clone()))))
            .collect(),
        policies,
        accounts,
        not_declared: not_declared.clone(),
        exemptions,
        region_deny: region_deny.clone(),
    };
    let (org_toml, account_files) = render::render(&model);

    let scp_files = files
        .iter()
        .map(|(name, file)| {
            let kind = custom[name];
            let document = &actual.policies[&PolicyKey::new(kind, name.clone())].document;
            (
                format!("{}/{file}", policy_dir(kind)),
                format!("{}\n", document.pretty()),
            )
        })
        .chain(account_files)
        .collect();
    Imported {
        org_toml,
        files: scp_files,
        summary: Summary {
            ous: model.ous.len(),
            accounts: model.accounts.len(),
            policies: model
                .policies
                .values()
                .fold(BTreeMap::new(), |mut by_kind, (kind, _)| {
                    *by_kind.entry(*kind).or_insert(0) += 1;
                    by_kind
                }),
            region_deny,
            contact_overrides: contacts.overrides.values().map(BTreeMap::len).sum(),
            exemptions: model.exemptions.values().map(BTreeMap::len).sum(),
            not_declared,
            unread,
            not_declared_policies,
        },
    }
}

/// The session's region when the file can take it as home_region (a region govern knows, and
/// inside allowed_regions when those are set), else the first allowed region, else us-east-1.
fn home_region(settings: &Settings, deny: Option<&RegionDeny>) -> Region {
    let session = settings
        .session_region
        .as_deref()
        .and_then(|r| Region::parse(r).ok());
    match (session, deny) {
        (Some(r), None) => r,
        (Some(r), Some(d)) if d.allowed.contains(&r) => r,
        (_, Some(d)) => d.allowed[0].clone(),
        (None, None) => Region::parse("us-east-1").expect("a known region"),
    }
}

/// The exact set of policies attached to `target`: SCPs with FullAWSAccess first, then the other
/// kinds org.toml declares, in kind order. Left out (so the plan keeps the target as it is) when
/// SCPs are off (a `policies` list would plan enabling them), when no SCP is attached (org.toml
/// never declares a list without one), or when a policy is attached that org.toml cannot name (an
/// AWS-managed SCP other than FullAWSAccess, or a policy left out for its name). RCPFullAWSAccess,
/// which cannot be detached, is never listed.
fn attachments(
    actual: &Actual,
    target: &TargetKey,
    declared: &BTreeMap<PolicyName, (PolicyKind, Option<String>)>,
) -> Attachments {
    if !actual.enabled(PolicyKind::ServiceControlPolicy) {
        return Attachments::LeftOut("SCPs are not enabled on the root".into());
    }
    let attached = actual.attached_all(target);
    if !attached
        .iter()
        .any(|k| k.kind == PolicyKind::ServiceControlPolicy)
    {
        return Attachments::LeftOut("no SCP is attached".into());
    }
    let nameable = |k: &PolicyKey| {
        k.name.is_full_aws_access() && k.kind == PolicyKind::ServiceControlPolicy
            || declared
                .get(&k.name)
                .is_some_and(|(kind, _)| *kind == k.kind)
    };
    let managed = |k: &PolicyKey| {
        k.kind == PolicyKind::ServiceControlPolicy
            || declared.values().any(|(kind, _)| *kind == k.kind)
    };
    let fixed = |k: &PolicyKey| k.kind.full_access_is_fixed() && k.is_full_access();
    if let Some(other) = attached
        .iter()
        .find(|k| managed(k) && !fixed(k) && !nameable(k))
    {
        let why = if actual.policies.get(other).is_none_or(|p| p.aws_managed) {
            "AWS-managed"
        } else {
            "its name is another policy's"
        };
        return Attachments::LeftOut(format!(
            "`{}` is attached and org.toml cannot name it ({why})",
            other.name
        ));
    }
    let full = PolicyKey::full_aws_access();
    let mut list: Vec<String> = attached
        .iter()
        .filter(|k| **k == full)
        .chain(
            attached
                .iter()
                .filter(|k| **k != full && managed(k) && !fixed(k)),
        )
        .map(|k| k.name.as_str().to_string())
        .collect();
    list.dedup();
    Attachments::Exact(list)
}

/// The OU an account sits in, for `ou = "…"`.
pub(crate) fn ou_of(parent: &Parent) -> Option<&OuPath> {
    match parent {
        Parent::Root => None,
        Parent::Ou(p) => Some(p),
    }
}

/// `s` unless there is one.
pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests;
