//! Lays the decided [`Model`] out as org.toml: the sections in the order of the sample file, a
//! short comment on each, entries sorted, nothing that changes from one run to the next (no dates).

use super::logging::LoggingImport;
use super::toml::Toml;
use super::{ou_of, Attachments, Model, SCP_DIR};
use crate::model::{BaselineKind, Contact, ContactType, PolicyKey, PolicyKind, TargetKey};

/// Past this many accounts, they go to files of their own (`include`): one per top-level OU, so
/// that org.toml stays readable and a team's accounts are one file to review.
pub(crate) const SPLIT_ACCOUNTS_AT: usize = 200;

/// Where split accounts go, relative to org.toml.
pub(crate) const ACCOUNTS_DIR: &str = "accounts";

/// org.toml's text, and the account files beside it (path relative to org.toml → text) when the
/// organization has more than [`SPLIT_ACCOUNTS_AT`] accounts.
pub(crate) fn render(m: &Model) -> (String, Vec<(String, String)>) {
    let split = m.accounts.len() > SPLIT_ACCOUNTS_AT;
    let mut t = Toml::default();
    header(&mut t, m);
    if split {
        t.blank();
        t.comment(&format!(
            "{} accounts: they are in {ACCOUNTS_DIR}/, one file per top-level OU ({ACCOUNTS_DIR}/root.toml \
             for those under the root).",
            m.accounts.len()
        ));
        t.strings("include", [format!("{ACCOUNTS_DIR}/*.toml").as_str()]);
    }
    organization(&mut t, m);
    contacts(&mut t, m);
    key_rotation(&mut t, m);
    logging(&mut t, m);
    root_access(&mut t, m);
    security(&mut t, m);
    policies(&mut t, m);
    targets(&mut t, m);
    let mut files = Vec::new();
    if split {
        for (file, group) in by_top_ou(m) {
            // No `#:schema` line: the schema is org.toml's, and an included file has no
            // [organization].
            let mut f = Toml::default();
            for a in group {
                account(&mut f, m, a);
            }
            files.push((format!("{ACCOUNTS_DIR}/{file}"), f.finish()));
        }
        not_declared(&mut t, m);
    } else {
        accounts(&mut t, m);
    }
    exemptions(&mut t, m);
    (t.finish(), files)
}

/// Accounts by the file they go to: `root.toml`, or the top-level OU's name made a file name
/// (`Workloads` → `workloads.toml`; a second OU with the same file name gets `-2`, …).
fn by_top_ou<'m, 'a>(m: &'m Model<'a>) -> Vec<(String, Vec<&'m super::AccountEntry<'a>>)> {
    let mut groups: std::collections::BTreeMap<String, Vec<&super::AccountEntry>> =
        std::collections::BTreeMap::new();
    for a in &m.accounts {
        let top = ou_of(&a.account.parent)
            .map(|p| p.as_str().split('/').next().unwrap_or_default().to_string());
        groups.entry(top.unwrap_or_default()).or_default().push(a);
    }
    let mut used = std::collections::BTreeSet::new();
    groups
        .into_iter()
        .map(|(top, group)| {
            let base = if top.is_empty() {
                "root".to_string()
            } else {
                slug(&top)
            };
            let mut name = format!("{base}.toml");
            let mut n = 2;
            while !used.insert(name.clone()) {
                name = format!("{base}-{n}.toml");
                n += 1;
            }
            (name, group)
        })
        .collect()
}

/// An OU name as a file name: its letters and digits, lowercase (any script: `Sécurité` is
/// `sécurité`, not `s-curit`), other runs as one `-` — so no separator, dot or control or
/// bidirectional character reaches a file name.
pub(crate) fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_string();
    // `root` is taken by the accounts under the root; a name of no ASCII letter still needs one.
    if out.is_empty() || out == "root" {
        format!("ou-{out}")
    } else {
        out
    }
}

fn header(t: &mut Toml, m: &Model) {
    // Editors (taplo, Even Better TOML) complete and check keys from the schema named here; import
    // writes the file beside org.toml.
    t.verbatim(&format!("#:schema ./{}", super::SCHEMA_FILE));
    t.comment(&format!(
        "The organization {} as `govern import` read it. `govern plan` on this file, against the \
         same organization, plans no change: edit it to change the organization, and run \
         `govern validate` after each edit. Entries are sorted, so a re-import after changes in AWS \
         gives a small diff.",
        m.actual.organization_id
    ));
    let unread: Vec<String> = m
        .actual
        .members
        .iter()
        .filter(|(_, member)| matches!(member, crate::model::Member::Failed { .. }))
        .map(|(id, _)| id.to_string())
        .collect();
    if !unread.is_empty() {
        t.comment(&format!(
            "Incomplete: {} could not be read inside (role not assumable or access denied), so \
             their contacts and regions are not reflected here; `govern plan` reports them.",
            unread.join(", ")
        ));
    }
}

fn organization(t: &mut Toml, m: &Model) {
    t.blank();
    t.comment(
        "The management account, the region govern calls from, and the role it assumes in member \
         accounts.",
    );
    t.table(&["organization"]);
    t.string("management_account", m.actual.management_account.as_str());
    t.string("home_region", m.home_region.as_str());
    t.string("member_role", &m.settings.member_role);
    if let Some(x) = &m.settings.external_id {
        t.string("external_id", x);
    }
    match &m.region_deny {
        Some(deny) => {
            t.comment(&format!(
                "From the SCP {}: exactly the deny-regions template for these regions (see \
                 [policies]). With allowed_regions set govern also disables opt-in regions outside \
                 it in every account; accounts with such a region on today are exempt below.",
                names(deny.policies.iter().map(|p| p.as_str()))
            ));
            t.strings("allowed_regions", deny.allowed.iter().map(|r| r.as_str()));
        }
        None => t.comment(
            "allowed_regions is not set: no SCP is exactly the deny-regions template, so region \
             SCPs stay files and opt-in regions are left alone.",
        ),
    }
}

fn contacts(t: &mut Toml, m: &Model) {
    t.blank();
    if m.contacts.is_empty() {
        t.comment(
            "No alternate contact type is set in at least half the accounts, so none is managed. \
             Add [contacts.security], [contacts.operations] or [contacts.billing] (name, title, \
             email, phone) to have govern set them in every account.",
        );
        return;
    }
    let unmanaged: Vec<&str> = ContactType::ALL
        .iter()
        .filter(|c| !m.contacts.contains_key(c))
        .map(|c| c.key())
        .collect();
    let mut text = String::from(
        "Alternate contacts of every account: the value most accounts have today. An account with \
         another has its own under [accounts.<name>.contacts.<type>]; one the file cannot describe \
         (no contact of a type, or a value AWS would not take) is exempt below.",
    );
    if !unmanaged.is_empty() {
        text.push_str(&format!(
            " Not managed ({}): fewer than half the accounts have one.",
            unmanaged.join(", ")
        ));
    }
    t.comment(&text);
    for (kind, c) in &m.contacts {
        t.table(&["contacts", kind.key()]);
        contact_fields(t, c);
    }
}

fn contact_fields(t: &mut Toml, c: &Contact) {
    t.string("name", &c.name);
    t.string("title", &c.title);
    t.string("email", &c.email);
    t.string("phone", &c.phone);
}

fn key_rotation(t: &mut Toml, m: &Model) {
    t.blank();
    let r = &m.rotation;
    let mut text = format!(
        "Key rotation is not enforced: without [key_rotation] govern leaves keys and secrets \
         alone. {} Uncommented, govern turns rotation on where it is off and shortens longer \
         periods to these",
        r.today
    );
    text.push_str(if m.region_deny.is_some() {
        "."
    } else {
        "; it also needs allowed_regions in [organization]."
    });
    t.comment(&text);
    t.commented(|t| {
        t.table(&["key_rotation"]);
        t.integer("kms_rotation_period_days", r.kms_days.into());
        t.integer("secret_max_rotation_days", r.secret_days.into());
    });
}

fn logging(t: &mut Toml, m: &Model) {
    t.blank();
    match &m.logging {
        LoggingImport::Nothing => t.comment(
            "[logging] is not written: no service has trusted access and no account is a \
             delegated administrator.",
        ),
        LoggingImport::Hint(why) => t.comment(why),
        LoggingImport::Exact {
            account,
            trusted_services,
            delegated_admin_for,
        } => {
            t.comment(
                "The log archive account (the organization's one delegated administrator), the \
                 services with trusted access, and those it administers.",
            );
            t.table(&["logging"]);
            let name = m
                .accounts
                .iter()
                .find(|a| a.id == account)
                .map(|a| a.key.as_str())
                .expect("the logging account is declared");
            t.string("account", name);
            t.strings(
                "trusted_services",
                trusted_services.iter().map(String::as_str),
            );
            if !delegated_admin_for.is_empty() {
                t.strings(
                    "delegated_admin_for",
                    delegated_admin_for.iter().map(String::as_str),
                );
            }
            trail(t, m);
        }
    }
}

/// `[logging.trail]`: the organization trail as it is (see `crate::trail::import`).
fn trail(t: &mut Toml, m: &Model) {
    let Some(trail) = &m.trail else {
        return;
    };
    t.comment(
        "The organization trail and its bucket in the log archive account, as they are today.",
    );
    t.table(&["logging", "trail"]);
    t.string("name", &trail.name);
    if trail.region != m.home_region.as_str() {
        t.string("region", &trail.region);
    }
    t.string("bucket", &trail.bucket);
    t.integer("retention_days", i64::from(trail.retention_days));
    if let Some(lock) = trail.object_lock {
        t.string("object_lock", lock.mode.key());
        t.integer("object_lock_days", i64::from(lock.days));
    }
}

/// `[root_access]` only when a feature is on (see `crate::root_access::import`).
fn root_access(t: &mut Toml, m: &Model) {
    let Some(r) = &m.root_access else {
        return;
    };
    t.blank();
    t.comment(
        "Centralized root access for member accounts, as IAM's organization features are today.",
    );
    t.table(&["root_access"]);
    for feature in crate::model::RootFeature::ALL {
        if let Some(on) = r.wants(feature) {
            t.boolean(feature.key(), on);
        }
    }
}

/// `[security]` when one declared account administers some services everywhere. A service whose
/// principal the written `[logging]` delegates already is left to `[logging]` (validate refuses it
/// in both tables).
fn security(t: &mut Toml, m: &Model) {
    let Some((id, services)) = &m.security else {
        return;
    };
    let Some(entry) = m.accounts.iter().find(|a| a.id == id) else {
        return; // not declared: `administrator` could not name it
    };
    let owned: Vec<&str> = match &m.logging {
        super::logging::LoggingImport::Exact {
            delegated_admin_for,
            ..
        } => delegated_admin_for.iter().map(String::as_str).collect(),
        _ => Vec::new(),
    };
    let services: Vec<_> = services
        .iter()
        .filter(|s| !owned.contains(&s.spec().principal))
        .collect();
    if services.is_empty() {
        return;
    }
    t.blank();
    t.comment("The security services' delegated administrator, as AWS lists it today.");
    t.table(&["security"]);
    t.string("administrator", &entry.key);
    t.strings("services", services.iter().map(|s| s.key()));
}

fn policies(t: &mut Toml, m: &Model) {
    t.blank();
    if m.policies.is_empty() {
        t.comment("No custom SCPs. FullAWSAccess is AWS-managed and needs no entry.");
        return;
    }
    if m.policies
        .values()
        .all(|(k, _)| *k == PolicyKind::ServiceControlPolicy)
    {
        t.comment(&format!(
            "Custom SCPs, one JSON file each under {SCP_DIR}/ (govern compares documents as JSON, not \
             text). FullAWSAccess is AWS-managed and needs no entry."
        ));
    } else {
        t.comment(
            "Custom policies, one JSON file each under baselines/<kind>/ (govern compares documents as \
             JSON, not text); `kind` is the policy type, SCP when absent. FullAWSAccess is AWS-managed \
             and needs no entry.",
        );
    }
    for (name, (kind, file)) in &m.policies {
        t.table(&["policies", name.as_str()]);
        if *kind != PolicyKind::ServiceControlPolicy {
            t.string("kind", kind.prefix());
        }
        match file {
            Some(f) => t.string("file", &format!("{}/{f}", super::policy_dir(*kind))),
            None => t.string("template", "deny-regions"),
        }
        let policy = &m.actual.policies[&PolicyKey::new(*kind, name.clone())];
        if !policy.description.is_empty() {
            t.string("description", &policy.description);
        }
        // govern's own managed-by stays implicit: it cannot be declared.
        t.tags(&crate::model::declarable_tags(&policy.tags));
    }
}

fn targets(t: &mut Toml, m: &Model) {
    t.blank();
    if !m
        .actual
        .enabled(crate::model::PolicyKind::ServiceControlPolicy)
    {
        t.comment(
            "SCPs are not enabled on the root, so no target lists `policies` (that would plan \
             enabling them): govern leaves attachments as they are.",
        );
    } else {
        t.comment(
            "The exact set of SCPs attached to the root, each OU and each account: govern attaches \
             what is missing and detaches what is not listed.",
        );
    }
    t.table(&["root"]);
    policies_key(t, &m.root);
    t.blank();
    if m.ous.is_empty() {
        t.comment("No organizational units.");
        return;
    }
    t.comment("Organizational units by path below the root.");
    for (path, attached) in &m.ous {
        t.table(&["ous", path.as_str()]);
        policies_key(t, attached);
        target_tags(t, m, &TargetKey::Ou(path.clone()));
    }
}

/// An OU's or an account's tags as read, govern's own managed-by aside.
fn target_tags(t: &mut Toml, m: &Model, key: &TargetKey) {
    if let Some(tags) = m.actual.tags.get(key) {
        t.tags(&crate::model::declarable_tags(tags));
    }
}

fn policies_key(t: &mut Toml, a: &Attachments) {
    match a {
        Attachments::Exact(list) => t.strings("policies", list.iter().map(String::as_str)),
        Attachments::LeftOut(why) => t.comment(&format!("`policies` left out: {why}.")),
    }
}

fn accounts(t: &mut Toml, m: &Model) {
    t.blank();
    t.comment(
        "Every account by its name in AWS, with its id, root email and OU (none: directly under \
         the root). govern never creates a declared account that exists, nor closes one.",
    );
    for a in &m.accounts {
        account(t, m, a);
    }
    not_declared(t, m);
}

fn account(t: &mut Toml, m: &Model, a: &super::AccountEntry) {
    {
        let mut notes = Vec::new();
        // `name` when the key is not the AWS name (declared, so the plan keeps it as it is).
        let name = crate::account_name::import(&a.key, &a.account.name);
        if *a.id == m.actual.management_account {
            notes.push("The management account: SCPs do not restrict it.".to_string());
        }
        if a.key != a.account.name && name.is_none() {
            notes.push(format!("Its name in AWS is {:?}.", a.account.name));
        }
        if a.account.status != "ACTIVE" {
            notes.push(format!(
                "{}: its baselines are not read or applied.",
                a.account.status
            ));
        }
        if !notes.is_empty() {
            t.comment(&notes.join(" "));
        }
        t.table(&["accounts", &a.key]);
        t.string("id", a.id.as_str());
        t.string("email", &a.account.email);
        if let Some(name) = &name {
            t.string("name", name);
        }
        if let Some(ou) = ou_of(&a.account.parent) {
            t.string("ou", ou.as_str());
        }
        policies_key(t, &a.policies);
        target_tags(t, m, &TargetKey::Account(a.id.clone()));
        for (kind, c) in &a.contacts {
            t.table(&["accounts", &a.key, "contacts", kind.key()]);
            contact_fields(t, c);
        }
    }
}

fn not_declared(t: &mut Toml, m: &Model) {
    for (id, why) in &m.not_declared {
        let name = &m.actual.accounts[id].name;
        t.comment(&format!(
            "Account {id} ({name:?}) is not declared: {why}. govern lists it as unmanaged."
        ));
    }
}

fn exemptions(t: &mut Toml, m: &Model) {
    if m.exemptions.is_empty() {
        return;
    }
    t.blank();
    t.comment(
        "Baselines that do not hold today in these accounts, exempt so the first plan changes \
         nothing. Each reason says what differs; remove one to have govern apply the baseline.",
    );
    for (id, reasons) in &m.exemptions {
        if let Some(a) = m.accounts.iter().find(|a| a.id == id) {
            t.comment(&a.key);
        }
        t.table(&["exemptions", id.as_str()]);
        for kind in [BaselineKind::Contacts, BaselineKind::Regions] {
            if let Some(why) = reasons.get(&kind) {
                t.string(kind.key(), why);
            }
        }
    }
}

/// `` `a` `` or `` `a`, `b` ``.
fn names<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
