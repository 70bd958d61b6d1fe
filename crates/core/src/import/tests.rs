//! The import's guarantee, without AWS: generate → write → `config::load` → plan is empty.

use std::collections::BTreeMap;

use super::*;
use crate::config::templates::deny_regions;
use crate::model::{ActualAccount, ActualOu, ActualPolicy, PolicyDocument, PolicyKind};

fn pk(s: &str) -> crate::model::PolicyKey {
    crate::model::PolicyKey::scp(PolicyName::parse(s).unwrap())
}

#[allow(dead_code)]
fn pn(s: &str) -> PolicyName {
    PolicyName::parse(s).unwrap()
}
fn ou(s: &str) -> OuPath {
    OuPath::parse(s).unwrap()
}
fn id(n: u64) -> AccountId {
    AccountId::parse(&format!("{n:012}")).unwrap()
}
fn doc(action: &str) -> PolicyDocument {
    PolicyDocument::parse(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"{action}","Resource":"*"}}]}}"#
    ))
    .unwrap()
}
fn policy(document: PolicyDocument, description: &str, aws_managed: bool) -> ActualPolicy {
    ActualPolicy {
        kind: PolicyKind::ServiceControlPolicy,
        id: "p-x".into(),
        description: description.into(),
        document,
        aws_managed,
        tags: BTreeMap::new(),
    }
}
fn contact(name: &str) -> Contact {
    Contact {
        name: name.into(),
        title: "Lead".into(),
        email: "team@example.com".into(),
        phone: "+1 555 0100".into(),
    }
}
fn settings() -> Settings {
    Settings {
        session_region: Some("us-east-1".into()),
        member_role: "OrganizationAccountAccessRole".into(),
        external_id: None,
        key_regions: vec!["us-east-1".into()],
    }
}

/// An organization with most of what import must handle.
fn brownfield() -> Actual {
    let mut a = Actual::empty("o-test", id(123456789012), "r-1");
    a.policy_types = [PolicyKind::ServiceControlPolicy].into();
    for (i, p) in [
        "Ünits",
        "Ünits/Zwei Drei",
        "Ünits/Zwei Drei/c",
        "Ünits/Zwei Drei/c/d",
        "Ünits/Zwei Drei/c/d/e",
        "Sandbox",
    ]
    .iter()
    .enumerate()
    {
        a.ous.insert(
            ou(p),
            ActualOu {
                id: format!("ou-{i}"),
            },
        );
    }
    let regions: Vec<Region> = ["us-east-1", "eu-west-1"]
        .iter()
        .map(|r| Region::parse(r).unwrap())
        .collect();
    a.policies.insert(
        pk("FullAWSAccess"),
        policy(doc("*"), "Allows access to every operation", true),
    );
    a.policies.insert(
        pk("region deny"),
        policy(
            deny_regions(&regions, &["OrganizationAccountAccessRole".to_string()]),
            "",
            false,
        ),
    );
    a.policies.insert(
        pk("Zugriff für Prüfer"),
        policy(doc("s3:*"), "Prüfer \"quoted\"", false),
    );
    a.policies
        .insert(pk("unattached"), policy(doc("ec2:*"), "", false));
    let full = pk("FullAWSAccess");
    let accounts = [
        (123456789012, "management", "mgmt@example.com", None),
        (
            1,
            "Shared services",
            "shared@example.com",
            Some("Ünits/Zwei Drei/c/d/e"),
        ),
        (2, "prod", "prod@example.com", Some("Sandbox")),
        (3, "prod", "prod2@example.com", None),
        (4, "bad-email", "not an email", None),
        (5, "gone", "gone@example.com", None),
    ];
    for (n, name, email, parent) in accounts {
        a.accounts.insert(
            id(n),
            ActualAccount {
                name: name.into(),
                email: email.into(),
                status: if n == 5 { "SUSPENDED" } else { "ACTIVE" }.into(),
                parent: parent.map_or(Parent::Root, |p| Parent::Ou(ou(p))),
            },
        );
        a.attachments
            .insert(TargetKey::Account(id(n)), [full.clone()].into());
    }
    a.attachments.insert(
        TargetKey::Root,
        [full.clone(), pk("Zugriff für Prüfer")].into(),
    );
    for p in a.ous.keys().cloned().collect::<Vec<_>>() {
        a.attachments
            .insert(TargetKey::Ou(p), [full.clone()].into());
    }
    a.attachments
        .get_mut(&TargetKey::Ou(ou("Sandbox")))
        .unwrap()
        .insert(pk("region deny"));
    a.attachments
        .get_mut(&TargetKey::Account(id(2)))
        .unwrap()
        .insert(pk("Zugriff für Prüfer"));

    let member = |contacts: Vec<(ContactType, Contact)>, regions: &[(&str, &str)]| {
        Member::Read(MemberState {
            contacts: contacts.into_iter().collect(),
            regions: regions
                .iter()
                .map(|(r, s)| (r.to_string(), s.to_string()))
                .collect(),
            ..MemberState::default()
        })
    };
    let sec = (ContactType::Security, contact("Security"));
    a.members
        .insert(id(123456789012), member(vec![sec.clone()], &[]));
    a.members.insert(
        id(1),
        member(vec![sec.clone()], &[("af-south-1", "ENABLED")]),
    );
    a.members.insert(
        id(2),
        member(vec![(ContactType::Security, contact("Other"))], &[]),
    );
    a.members.insert(id(3), member(vec![], &[]));
    a.members.insert(
        id(4),
        member(vec![(ContactType::Security, contact("Third"))], &[]),
    );
    a.members.insert(
        id(5),
        Member::Skipped {
            reason: "account is SUSPENDED".into(),
        },
    );
    a.service_access = [
        "cloudtrail.amazonaws.com".to_string(),
        "config-multiaccountsetup.amazonaws.com".to_string(),
    ]
    .into();
    a.delegated_admins = [(
        id(1),
        ["config-multiaccountsetup.amazonaws.com".to_string()].into(),
    )]
    .into();
    a
}

/// Writes the import to a temporary directory and loads it as `govern validate` does.
fn load(imported: &Imported) -> crate::model::Desired {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("org.toml");
    std::fs::write(&path, &imported.org_toml).unwrap();
    for (rel, text) in &imported.files {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    crate::config::load(&path)
        .unwrap_or_else(|e| panic!("{e:?}\n--- org.toml\n{}", imported.org_toml))
        .desired
}

/// Imports, loads and plans against the same organization.
fn round_trip(actual: &Actual, s: &Settings) -> (Imported, crate::plan::Plan) {
    let imported = generate(actual, s);
    let plan = crate::plan::plan(&load(&imported), actual);
    (imported, plan)
}

#[test]
fn a_brownfield_organization_plans_no_change() {
    let actual = brownfield();
    let (imported, plan) = round_trip(&actual, &settings());
    let text = &imported.org_toml;
    assert!(plan.changes.is_empty(), "{:#?}\n{text}", plan.changes);
    assert!(plan.conflicts.is_empty(), "{:#?}", plan.conflicts);
    // Only the account whose email cannot be declared is unmanaged.
    assert_eq!(
        plan.unmanaged
            .iter()
            .map(|u| u.address.to_string())
            .collect::<Vec<_>>(),
        ["account:000000000004"]
    );
    for line in [
        "allowed_regions = [\"eu-west-1\", \"us-east-1\"]",
        "[policies.\"region deny\"]\ntemplate = \"deny-regions\"",
        "[policies.\"Zugriff für Prüfer\"]\nfile = \"baselines/scp/zugriff-f-r-pr-fer.json\"\ndescription = 'Prüfer \"quoted\"'",
        "[root]\npolicies = [\"FullAWSAccess\", \"Zugriff für Prüfer\"]",
        "[ous.\"Ünits/Zwei Drei/c/d/e\"]\npolicies = [\"FullAWSAccess\"]",
        "[ous.Sandbox]\npolicies = [\"FullAWSAccess\", \"region deny\"]",
        "[accounts.\"Shared services\"]\nid = \"000000000001\"\nemail = \"shared@example.com\"\nou = \"Ünits/Zwei Drei/c/d/e\"",
        "[accounts.prod]\nid = \"000000000002\"",
        "[accounts.\"prod (000000000003)\"]",
        "[accounts.prod.contacts.security]\nname = \"Other\"",
        "[logging]\naccount = \"Shared services\"\ntrusted_services = [\"cloudtrail.amazonaws.com\", \"config-multiaccountsetup.amazonaws.com\"]\ndelegated_admin_for = [\"config-multiaccountsetup.amazonaws.com\"]",
        "# [key_rotation]\n# kms_rotation_period_days = 365\n# secret_max_rotation_days = 90\n",
        "[exemptions.000000000001]\nregions = \"imported: af-south-1 opted in",
        "[exemptions.000000000003]\ncontacts = \"imported: no security contact;",
        "[exemptions.000000000004]\ncontacts = \"imported: its security contact differs and the account is not declared;",
        "# SUSPENDED: its baselines are not read or applied.\n[accounts.gone]",
        "# The management account: SCPs do not restrict it.\n[accounts.management]",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    assert_eq!(
        imported.files.keys().collect::<Vec<_>>(),
        [
            "baselines/scp/unattached.json",
            "baselines/scp/zugriff-f-r-pr-fer.json"
        ]
    );
    assert_eq!(
        imported.files["baselines/scp/unattached.json"],
        "{\n  \"Statement\": [\n    {\n      \"Action\": \"ec2:*\",\n      \"Effect\": \"Deny\",\n      \"Resource\": \"*\"\n    }\n  ],\n  \"Version\": \"2012-10-17\"\n}\n"
    );
    // Nothing in the text depends on when or in which order things were read.
    assert_eq!(generate(&actual, &settings()).org_toml, *text);
}

#[test]
fn a_near_miss_region_deny_stays_a_file_and_regions_are_left_alone() {
    let mut actual = brownfield();
    let p = actual.policies.get_mut(&pk("region deny")).unwrap();
    let mut v = p.document.value().clone();
    v["Statement"][0]["Sid"] = "Renamed".into();
    p.document = PolicyDocument::from_value(v);
    let (imported, plan) = round_trip(&actual, &settings());
    assert!(plan.changes.is_empty(), "{:#?}", plan.changes);
    assert!(imported.summary.region_deny.is_none());
    assert!(imported
        .files
        .contains_key("baselines/scp/region-deny.json"));
    assert!(!imported.org_toml.contains("allowed_regions ="));
    assert!(!imported.org_toml.contains("regions = "));
}

#[test]
fn home_region_moves_inside_allowed_regions() {
    let s = Settings {
        session_region: Some("ap-south-1".into()),
        ..settings()
    };
    let (imported, plan) = round_trip(&brownfield(), &s);
    assert!(plan.changes.is_empty());
    assert!(imported.org_toml.contains("home_region = \"eu-west-1\""));
}

#[test]
fn with_scps_disabled_no_target_lists_policies() {
    let mut actual = brownfield();
    actual.policy_types.clear();
    let (imported, plan) = round_trip(&actual, &settings());
    assert!(plan.changes.is_empty(), "{:#?}", plan.changes);
    assert!(!imported.org_toml.contains("policies = ["));
}

#[test]
fn untagged_policies_that_match_are_no_change_and_a_changed_one_gets_the_tag() {
    let mut actual = brownfield();
    assert!(actual.policies.values().all(|p| p.tags.is_empty()));
    let desired = load(&generate(&actual, &settings()));
    assert!(crate::plan::plan(&desired, &actual).changes.is_empty());
    actual.policies.get_mut(&pk("unattached")).unwrap().document = doc("iam:*");
    let plan = crate::plan::plan(&desired, &actual);
    match &plan.changes[..] {
        [c] => match &c.change {
            crate::plan::Change::UpdatePolicy { after, .. } => {
                assert_eq!(
                    after.tags.get("managed-by").map(String::as_str),
                    Some("govern")
                )
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_organization_with_nothing_but_the_management_account() {
    let mut actual = brownfield();
    actual.ous.clear();
    actual.policies.retain(|n, _| n.is_full_access());
    actual.accounts.retain(|i, _| *i == id(123456789012));
    actual
        .attachments
        .retain(|t, _| matches!(t, TargetKey::Root) || *t == TargetKey::Account(id(123456789012)));
    actual
        .attachments
        .insert(TargetKey::Root, [pk("FullAWSAccess")].into());
    actual.members.retain(|i, _| *i == id(123456789012));
    actual
        .members
        .insert(id(123456789012), Member::Read(MemberState::default()));
    actual.service_access.clear();
    actual.delegated_admins.clear();
    let (imported, plan) = round_trip(&actual, &settings());
    assert!(plan.changes.is_empty(), "{:#?}", plan.changes);
    assert!(imported.org_toml.contains("No custom SCPs"));
    assert!(imported.org_toml.contains("No alternate contact type"));
    assert!(imported.files.is_empty());
}

/// Past 200 accounts, import writes them to accounts/<top-level OU>.toml files that org.toml
/// includes (issue 17); the round trip still plans no change, and every account is in one file.
#[test]
fn a_large_organization_is_written_in_one_file_per_top_level_ou() {
    let mut actual = brownfield();
    let before = actual.accounts.len();
    for i in 0..250u64 {
        let parent = match i % 3 {
            0 => Parent::Root,
            1 => Parent::Ou(ou("Sandbox")),
            _ => Parent::Ou(ou("Ünits/Zwei Drei")),
        };
        actual.accounts.insert(
            id(500_000_000_000 + i),
            ActualAccount {
                name: format!("team-{i:03}"),
                email: format!("aws+team-{i:03}@example.com"),
                status: "ACTIVE".into(),
                parent,
            },
        );
    }
    let (imported, plan) = round_trip(&actual, &settings());
    assert!(plan.changes.is_empty(), "{:#?}", plan.changes);
    assert!(
        imported
            .org_toml
            .contains("\ninclude = [\"accounts/*.toml\"]\n"),
        "{}",
        imported.org_toml
    );
    assert!(!imported.org_toml.contains("\n[accounts."));
    let files: Vec<&str> = imported
        .files
        .keys()
        .map(String::as_str)
        .filter(|f| f.starts_with("accounts/"))
        .collect();
    assert_eq!(
        files,
        [
            "accounts/root.toml",
            "accounts/sandbox.toml",
            "accounts/ünits.toml"
        ]
    );
    let declared: usize = imported
        .files
        .iter()
        .filter(|(f, _)| f.starts_with("accounts/"))
        .map(|(_, text)| {
            text.matches("\n[accounts.").count() + usize::from(text.starts_with("[accounts."))
        })
        .sum();
    let mut loaded = load(&imported).accounts.len();
    // The account whose email cannot be declared is a comment in org.toml, as in one file.
    loaded += 1;
    assert_eq!(loaded, before + 250);
    assert!(declared >= 250, "{declared}");
    for (f, text) in &imported.files {
        if f.starts_with("accounts/") {
            assert_eq!(
                crate::config::fmt::canonical(text).unwrap(),
                *text,
                "{f} is not in fmt's order"
            );
        }
    }
}

#[test]
fn the_summary_names_policies_by_kind() {
    use crate::model::PolicyKind as K;
    let phrase = |kinds: &[(K, usize)]| super::policies_phrase(&kinds.iter().copied().collect());
    assert_eq!(phrase(&[]), "no custom policy");
    assert_eq!(
        phrase(&[(K::ServiceControlPolicy, 1)]),
        "1 custom policy (1 SCP)"
    );
    assert_eq!(
        phrase(&[
            (K::ServiceControlPolicy, 3),
            (K::TagPolicy, 2),
            (K::ResourceControlPolicy, 1)
        ]),
        "6 custom policies (3 SCPs, 1 RCP, 2 tag policies)"
    );
}

#[test]
fn a_top_ous_file_name_keeps_its_letters() {
    assert_eq!(super::render::slug("Sécurité"), "sécurité");
    assert_eq!(super::render::slug("Équipe Données"), "équipe-données");
    assert_eq!(super::render::slug("研究 / 開発"), "研究-開発");
    assert_eq!(super::render::slug("Workloads"), "workloads");
    // No separator, dot or control character reaches a file name.
    assert_eq!(super::render::slug("../a\\b\u{202e}c"), "a-b-c");
    assert_eq!(super::render::slug("Root"), "ou-root");
    assert_eq!(super::render::slug("…"), "ou-");
}
