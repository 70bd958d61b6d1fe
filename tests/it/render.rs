//! The renderers: text for people (snapshots, colour on/off, widths), JSON for machines (snapshot,
//! stable key order, validated against docs/plan.schema.json), and the summary line.

use std::collections::BTreeMap;

use ::govern::model::*;
use ::govern::plan::*;
use ::govern::render::{self, Style};
use govern_core::baselines::{
    contacts::PutContact, kms::EnableKeyRotation, regions::DisableRegion,
    secrets::SetSecretRotation,
};
use govern_core::root_access::RootAccessChange;

fn pn(s: &str) -> PolicyName {
    PolicyName::parse(s).unwrap()
}
fn ou(s: &str) -> OuPath {
    OuPath::parse(s).unwrap()
}
fn acct(s: &str) -> AccountId {
    AccountId::parse(s).unwrap()
}
fn email(s: &str) -> Email {
    Email::parse(s).unwrap()
}
fn doc(s: &str) -> PolicyDocument {
    PolicyDocument::parse(s).unwrap()
}
fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
fn planned(change: Change, depends_on: &[&str]) -> PlannedChange {
    PlannedChange {
        address: change.address(),
        action: change.action(),
        depends_on: depends_on.iter().map(|s| s.parse().unwrap()).collect(),
        change,
    }
}
fn plan(changes: Vec<PlannedChange>) -> Plan {
    Plan {
        format_version: FORMAT_VERSION,
        changes,
        unmanaged: vec![],
        conflicts: vec![],
        findings: vec![],
        account_names: Default::default(),
    }
}
fn plain() -> Style {
    Style::plain()
}

const LEAVE_OLD: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"DenyLeaveOrganization",
    "Effect":"Deny","Action":["organizations:LeaveOrganization","account:CloseAccount"],"Resource":"*"}]}"#;
const LEAVE_NEW: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"DenyLeaveOrganization",
    "Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}"#;
const ROOT_USER: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"DenyRootUser",
    "Effect":"Deny","Action":"*","Resource":"*",
    "Condition":{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:root"}}}]}"#;

fn contact(name: &str, email: &str) -> Contact {
    Contact {
        name: name.into(),
        title: "Security lead".into(),
        email: email.into(),
        phone: "+1 555 0100".into(),
    }
}

/// The organization part of a first plan: OUs, SCPs, accounts, attachments; with unmanaged
/// resources and a conflict, as the README's walk-through shows it.
fn org_plan() -> Plan {
    let mut p = plan(vec![
        planned(
            Change::CreateOu {
                tags: Default::default(),
                path: ou("Workloads/Prod"),
            },
            &[],
        ),
        planned(
            Change::UpdatePolicy {
                kind: PolicyKind::ServiceControlPolicy,
                name: pn("deny-leave-org"),
                from: None,
                id: "p-4ruxkv0e".into(),
                before: PolicyState {
                    description: "old".into(),
                    document: doc(LEAVE_OLD),
                    tags: tags(&[]),
                },
                after: PolicyState {
                    description: "Member accounts cannot leave the organization".into(),
                    document: doc(LEAVE_NEW),
                    tags: tags(&[("managed-by", "govern")]),
                },
            },
            &[],
        ),
        planned(
            Change::CreateAccount {
                tags: Default::default(),
                name: "audit".into(),
                account_name: None,
                email: email("aws+audit@example.com"),
                parent: Parent::Ou(ou("Security")),
            },
            &[],
        ),
        planned(
            Change::MoveAccount {
                name: "log-archive".into(),
                id: acct("111122223333"),
                before: Parent::Root,
                after: Parent::Ou(ou("Security")),
            },
            &[],
        ),
        planned(
            Change::Attach {
                kind: PolicyKind::ServiceControlPolicy,
                policy: pn("deny-leave-org"),
                target: Target::Ou {
                    path: ou("Security"),
                },
            },
            &["scp:deny-leave-org"],
        ),
        planned(
            Change::Detach {
                kind: PolicyKind::ServiceControlPolicy,
                policy: pn("legacy-deny-s3"),
                target: Target::Ou {
                    path: ou("Security"),
                },
            },
            &["attach:scp:deny-leave-org\u{2192}ou:Security"],
        ),
    ]);
    p.unmanaged = vec![
        Unmanaged {
            address: "ou:Sandbox".parse().unwrap(),
            note: "OU not declared".into(),
        },
        Unmanaged {
            address: "account:222233334444".parse().unwrap(),
            note: "legacy-tools, not declared".into(),
        },
    ];
    p.conflicts = vec![Conflict {
        address: "account:dev-app".parse().unwrap(),
        message: "an account named `dev-app` exists (444455556666) with email \
                  aws+dev@example.com, but org.toml declares aws+dev-app@example.com: AWS \
                  cannot change an account's root email through Organizations"
            .into(),
    }];
    p
}

/// One change of every variant, with what surrounds them in a real plan.
fn every_change_plan() -> Plan {
    let mut p = plan(vec![
        planned(
            Change::EnablePolicyType {
                kind: PolicyKind::ServiceControlPolicy,
            },
            &[],
        ),
        planned(
            Change::CreateOu {
                tags: Default::default(),
                path: ou("Workloads"),
            },
            &[],
        ),
        planned(
            Change::CreateOu {
                tags: tags(&[("team", "platform")]),
                path: ou("Workloads/Prod"),
            },
            &["ou:Workloads"],
        ),
        planned(
            Change::CreatePolicy {
                kind: PolicyKind::ServiceControlPolicy,
                name: pn("deny-root-user"),
                after: PolicyState {
                    description: "Nobody works as the root user of a member account".into(),
                    document: doc(ROOT_USER),
                    tags: tags(&[("managed-by", "govern")]),
                },
            },
            &["root:policy-type/SERVICE_CONTROL_POLICY"],
        ),
        planned(
            Change::UpdatePolicy {
                kind: PolicyKind::ServiceControlPolicy,
                name: pn("deny-leave-org"),
                from: None,
                id: "p-4ruxkv0e".into(),
                before: PolicyState {
                    description: "old".into(),
                    document: doc(LEAVE_OLD),
                    tags: tags(&[("owner", "platform"), ("team", "cloud")]),
                },
                after: PolicyState {
                    description: "Member accounts cannot leave the organization".into(),
                    document: doc(LEAVE_NEW),
                    tags: tags(&[("managed-by", "govern"), ("owner", "security")]),
                },
            },
            &[],
        ),
        planned(
            Change::CreateAccount {
                tags: tags(&[("owner", "audit-team")]),
                name: "audit".into(),
                account_name: Some("Audit".into()),
                email: email("aws+audit@example.com"),
                parent: Parent::Ou(ou("Security")),
            },
            &[],
        ),
        planned(
            Change::MoveAccount {
                name: "log-archive".into(),
                id: acct("111122223333"),
                before: Parent::Root,
                after: Parent::Ou(ou("Security")),
            },
            &[],
        ),
        planned(
            Change::RenameAccount(govern_core::account_name::RenameAccount {
                account_name: "log-archive".into(),
                id: acct("111122223333"),
                before: "Log Archive (old)".into(),
                after: "Log Archive".into(),
            }),
            &[],
        ),
        planned(
            Change::RenameOu {
                from: ou("Security/Old"),
                path: ou("Security/Audit"),
                id: "ou-ab12-cd34ef56".into(),
            },
            &[],
        ),
        planned(
            Change::SetTags {
                target: Target::Account {
                    name: "log-archive".into(),
                    id: Some(acct("111122223333")),
                },
                before: tags(&[("env", "test"), ("owner", "ops")]),
                after: tags(&[("owner", "security")]),
            },
            &[],
        ),
        planned(
            Change::Attach {
                kind: PolicyKind::ServiceControlPolicy,
                policy: pn("deny-root-user"),
                target: Target::Ou {
                    path: ou("Workloads"),
                },
            },
            &["ou:Workloads", "scp:deny-root-user"],
        ),
        planned(
            Change::Attach {
                kind: PolicyKind::ServiceControlPolicy,
                policy: pn("deny-leave-org"),
                target: Target::Root,
            },
            &["root:policy-type/SERVICE_CONTROL_POLICY"],
        ),
        planned(
            Change::Attach {
                kind: PolicyKind::ServiceControlPolicy,
                policy: pn("deny-root-user"),
                target: Target::Account {
                    name: "audit".into(),
                    id: None,
                },
            },
            &["account:audit", "scp:deny-root-user"],
        ),
        planned(
            Change::Detach {
                kind: PolicyKind::ServiceControlPolicy,
                policy: pn("legacy-deny-s3"),
                target: Target::Account {
                    name: "log-archive".into(),
                    id: Some(acct("111122223333")),
                },
            },
            &[],
        ),
        planned(
            Change::DeletePolicy {
                kind: PolicyKind::TagPolicy,
                name: pn("old-cost-center"),
                id: "p-95ouzbjq".into(),
                before: PolicyState {
                    description: "retired".into(),
                    document: doc(
                        r#"{"tags": {"costcenter": {"tag_key": {"@@assign": "CostCenter"}}}}"#,
                    ),
                    tags: tags(&[("managed-by", "govern")]),
                },
            },
            &[],
        ),
        planned(
            Change::EnableServiceAccess {
                service: "cloudtrail.amazonaws.com".into(),
            },
            &[],
        ),
        planned(
            Change::RegisterDelegatedAdmin {
                service: "config.amazonaws.com".into(),
                account_name: "log-archive".into(),
                account: Some(acct("111122223333")),
            },
            &["org:service-access/config.amazonaws.com"],
        ),
        planned(
            Change::RegisterDelegatedAdmin {
                service: "guardduty.amazonaws.com".into(),
                account_name: "audit".into(),
                account: None,
            },
            &["account:audit"],
        ),
        planned(
            Change::RootAccess(RootAccessChange {
                feature: RootFeature::RootCredentialsManagement,
                enabled: true,
            }),
            &["org:service-access/iam.amazonaws.com"],
        ),
        planned(
            Change::RootAccess(RootAccessChange {
                feature: RootFeature::RootSessions,
                enabled: false,
            }),
            &[],
        ),
        planned(
            Change::SecurityAdmin(govern_core::security::SecurityAdminChange {
                service: SecurityService::Guardduty,
                region: Some("eu-west-1".into()),
                enable: true,
                account_name: "audit".into(),
                account: Some(acct("444455556666")),
            }),
            &[],
        ),
        planned(
            Change::Trail(govern_core::trail::TrailChange {
                part: govern_core::trail::TrailPart::Versioning,
                trail: govern_core::model::Trail {
                    name: "org-trail".into(),
                    region: "us-east-1".into(),
                    bucket: "acme-org-trail-logs".into(),
                    retention_days: 365,
                    object_lock: None,
                },
                account_name: "log-archive".into(),
                account: Some(acct("111122223333")),
                before: "Suspended".into(),
                after: "Enabled".into(),
                document: String::new(),
            }),
            &[],
        ),
        planned(
            Change::Member(MemberChange::PutContact(PutContact {
                account: Some(acct("111122223333")),
                account_name: "prod-app".into(),
                contact_type: ContactType::Security,
                before: None,
                after: contact("Security Operations", "security@example.com"),
            })),
            &[],
        ),
        planned(
            Change::Member(MemberChange::PutContact(PutContact {
                account: Some(acct("222233334444")),
                account_name: "legacy".into(),
                contact_type: ContactType::Security,
                before: Some(contact("Old Team", "old@example.com")),
                after: contact("Security Operations", "security@example.com"),
            })),
            &[],
        ),
        planned(
            Change::Member(MemberChange::EnableKeyRotation(EnableKeyRotation {
                account: acct("111122223333"),
                region: "eu-west-1".into(),
                key_id: "1234abcd-12ab-34cd-56ef-1234567890ab".into(),
                key_arn:
                    "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
                        .into(),
                before_enabled: false,
                before_period_days: None,
                period_days: 365,
            })),
            &[],
        ),
        planned(
            Change::Member(MemberChange::EnableKeyRotation(EnableKeyRotation {
                account: acct("111122223333"),
                region: "us-east-1".into(),
                key_id: "0987dcba-09fe-87dc-65ba-ab0987654321".into(),
                key_arn:
                    "arn:aws:kms:us-east-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321"
                        .into(),
                before_enabled: true,
                before_period_days: Some(730),
                period_days: 365,
            })),
            &[],
        ),
        planned(
            Change::Member(MemberChange::SetSecretRotation(SetSecretRotation {
                account: acct("111122223333"),
                region: "us-east-1".into(),
                secret_arn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf".into(),
                name: "db".into(),
                before_enabled: true,
                before_days: Some(180),
                days: 90,
                function: "arn:aws:lambda:us-east-1:111122223333:function:rotate-db".into(),
                managed_by: None,
                window: None,
                as_schedule: false,
            })),
            &[],
        ),
        planned(
            Change::Member(MemberChange::DisableRegion(DisableRegion {
                account: acct("111122223333"),
                region: "ap-east-1".into(),
            })),
            &[],
        ),
    ]);
    p.unmanaged = org_plan().unmanaged;
    p.conflicts = org_plan().conflicts;
    p.findings = vec![
        Finding {
            address: "account:555566667777".parse().unwrap(),
            kind: FindingKind::Error,
            message: "could not assume OrganizationAccountAccessRole: AccessDenied".into(),
        },
        Finding {
            address: "secret:111122223333/us-east-1/api-token".parse().unwrap(),
            kind: FindingKind::NonCompliant,
            message: "rotation is off and the secret has no rotation function; govern does not \
                      invent one"
                .into(),
        },
        Finding {
            address: "kms:111122223333/us-east-1/aws/s3".parse().unwrap(),
            kind: FindingKind::Skipped,
            message: "AWS-managed key: AWS rotates it".into(),
        },
    ];
    p
}

// ---- text ----

#[test]
fn text_of_an_organization_plan() {
    insta::assert_snapshot!(render::text(&org_plan(), &plain()));
}

#[test]
fn text_of_every_change() {
    insta::assert_snapshot!(render::text(&every_change_plan(), &plain()));
}

#[test]
fn every_change_has_its_sign_and_address_in_text() {
    let p = every_change_plan();
    let text = render::text(&p, &plain());
    for c in &p.changes {
        let head = format!("  {} {}", c.action.symbol(), c.address);
        assert!(
            text.lines().any(|l| l.starts_with(&head)),
            "no `{head}` in\n{text}"
        );
    }
}

#[test]
fn a_detach_reads_as_a_removal() {
    let text = render::text(&org_plan(), &plain());
    assert!(text
        .lines()
        .any(|l| l == "  - attach:scp:legacy-deny-s3\u{2192}ou:Security"));
    assert!(text.contains("1 to remove"));
}

#[test]
fn no_changes() {
    let text = render::text(&plan(vec![]), &plain());
    assert_eq!(text, "No changes. The organization matches org.toml.\n");
}

#[test]
fn no_changes_still_lists_unmanaged_and_conflicts() {
    let mut p = org_plan();
    p.changes.clear();
    insta::assert_snapshot!(render::text(&p, &plain()));
}

#[test]
fn no_changes_in_an_incomplete_plan_does_not_claim_a_match() {
    let mut p = every_change_plan();
    p.changes.clear();
    p.conflicts.clear();
    let text = render::text(&p, &plain());
    assert!(
        text.starts_with("No changes. The plan is incomplete"),
        "{text}"
    );
    assert!(!text.contains("matches org.toml"));
}

#[test]
fn a_new_policy_shows_its_whole_document() {
    let p = every_change_plan();
    let text = render::text(&p, &plain());
    let Change::CreatePolicy { after, .. } = &p.changes[3].change else {
        unreachable!()
    };
    for l in after.document.pretty().lines() {
        assert!(text.contains(&format!("        +{l}\n")), "missing {l:?}");
    }
}

#[test]
fn an_unchanged_document_shows_no_diff() {
    let state = PolicyState {
        description: "old".into(),
        document: doc(LEAVE_NEW),
        tags: tags(&[]),
    };
    let mut after = state.clone();
    after.description = "new".into();
    // Same document, spelled differently: compared as JSON, so no diff.
    after.document = doc(&LEAVE_NEW.replace(['\n', ' '], ""));
    let text = render::text(
        &plan(vec![planned(
            Change::UpdatePolicy {
                kind: PolicyKind::ServiceControlPolicy,
                name: pn("deny-leave-org"),
                from: None,
                id: "p-1".into(),
                before: state,
                after,
            },
            &[],
        )]),
        &plain(),
    );
    assert!(text.contains("description: \"old\" → \"new\""));
    assert!(!text.contains("document:"), "{text}");
}

#[test]
fn colour_on_paints_and_colour_off_does_not() {
    let p = every_change_plan();
    let on = render::text(
        &p,
        &Style {
            color: true,
            ..Style::plain()
        },
    );
    let off = render::text(&p, &plain());
    assert!(on.contains('\u{1b}'), "colour on has no escape codes");
    assert!(!off.contains('\u{1b}'), "colour off has escape codes");
    for text in [
        render::text(&org_plan(), &plain()),
        render::text(&plan(vec![]), &plain()),
    ] {
        assert!(!text.contains('\u{1b}'));
    }
    // Stripped of its escapes, the coloured text is the plain one.
    assert_eq!(strip_ansi(&on), off);
    // Signs carry their action's colour: green create, yellow update, red delete.
    assert!(on.contains("\u{1b}[32m+\u{1b}[0m ou:Workloads"));
    assert!(on.contains("\u{1b}[33m~\u{1b}[0m scp:deny-leave-org"));
    assert!(on.contains("\u{1b}[31m-\u{1b}[0m attach:scp:legacy-deny-s3"));
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ params final-byte
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn narrow_terminals_wrap_notes_between_words_under_their_column() {
    let p = org_plan();
    let text = render::text(
        &p,
        &Style {
            width: 60,
            ..Style::plain()
        },
    );
    let conflicts: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("Conflicts"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    insta::assert_snapshot!(conflicts.join("\n"), @r"
      ! account:dev-app  an account named `dev-app` exists
                         (444455556666) with email
                         aws+dev@example.com, but org.toml
                         declares aws+dev-app@example.com: AWS
                         cannot change an account's root email
                         through Organizations
    ");
    for l in text.lines().skip_while(|l| !l.starts_with("Unmanaged")) {
        assert!(l.chars().count() <= 60, "{l:?} is wider than 60");
    }
    // Every word of the note is still there, in order.
    let words: Vec<&str> = conflicts
        .iter()
        .flat_map(|l| l.split_whitespace())
        .skip(2)
        .collect();
    assert_eq!(words.join(" "), p.conflicts[0].message);
}

// ---- summary line ----

#[test]
fn summary_line_counts_by_action() {
    assert_eq!(
        render::summary_line(&plan(vec![])),
        "Plan: 0 to add, 0 to change, 0 to remove."
    );
    let one = plan(vec![planned(
        Change::CreateOu {
            tags: Default::default(),
            path: ou("Security"),
        },
        &[],
    )]);
    assert_eq!(
        render::summary_line(&one),
        "Plan: 1 to add, 0 to change, 0 to remove."
    );
    assert_eq!(
        render::summary_line(&org_plan()),
        "Plan: 3 to add, 2 to change, 1 to remove."
    );
    assert_eq!(
        render::summary_line(&every_change_plan()),
        "Plan: 12 to add, 13 to change, 3 to remove."
    );
    let text = render::text(&org_plan(), &plain());
    assert!(text.ends_with("\nPlan: 3 to add, 2 to change, 1 to remove.\n"));
}

// ---- JSON ----

#[test]
fn json_of_every_change() {
    insta::assert_snapshot!(render::json(&every_change_plan()));
}

#[test]
fn json_is_pretty_with_stable_keys_and_a_trailing_newline() {
    let p = every_change_plan();
    let json = render::json(&p);
    assert!(json.ends_with("}\n") && !json.ends_with("\n\n"));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let keys: Vec<&str> = top_level_keys(&json);
    assert_eq!(
        keys,
        [
            "format_version",
            "summary",
            "changes",
            "unmanaged",
            "conflicts",
            "findings"
        ]
    );
    assert_eq!(v["format_version"], FORMAT_VERSION);
    assert_eq!(
        v["summary"],
        serde_json::json!({"add": 12, "change": 13, "remove": 3})
    );
    // The JSON is the plan itself: it reads back into the same changes.
    let back: Vec<PlannedChange> = serde_json::from_value(v["changes"].clone()).unwrap();
    assert_eq!(back, p.changes);
    // Documents are JSON values, not strings.
    let create = &v["changes"][3]["change"];
    assert_eq!(create["type"], "create_policy");
    assert!(create["after"]["document"].is_object());
    assert_eq!(render::json(&p), json, "rendering is deterministic");
}

/// The keys of the outermost object, in the order they are written.
fn top_level_keys(json: &str) -> Vec<&str> {
    json.lines()
        .filter(|l| l.starts_with("  \"") && !l.starts_with("   "))
        .map(|l| l.trim_start().split('"').nth(1).unwrap())
        .collect()
}

fn schema() -> jsonschema::Validator {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/plan.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::draft202012::new(&schema).expect("docs/plan.schema.json is a valid schema")
}

fn assert_valid(validator: &jsonschema::Validator, json: &str) {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&v)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn json_validates_against_the_published_schema() {
    let validator = schema();
    assert_valid(&validator, &render::json(&every_change_plan()));
    assert_valid(&validator, &render::json(&org_plan()));
    assert_valid(&validator, &render::json(&plan(vec![])));
}

#[test]
fn the_schema_is_strict_enough_to_catch_drift() {
    let validator = schema();
    let fresh =
        || -> serde_json::Value { serde_json::from_str(&render::json(&org_plan())).unwrap() };
    let refused = |v: &serde_json::Value, what: &str| {
        assert!(!validator.is_valid(v), "{what} passed the schema");
    };
    let mut v = fresh();
    v["changes"][0]["action"] = "replace".into();
    refused(&v, "an unknown action");
    let mut v = fresh();
    v["changes"][0]["action"] = "delete".into();
    refused(&v, "create_ou as a delete");
    let mut v = fresh();
    v["changes"][0]["change"]
        .as_object_mut()
        .unwrap()
        .remove("path");
    refused(&v, "create_ou without its path");
    let mut v = fresh();
    v["changes"][1]["change"]["after"]["document"] = "{\"Version\":\"2012-10-17\"}".into();
    refused(&v, "a policy document as a string");
    let mut v = fresh();
    v["changes"][3]["change"]["id"] = "log-archive".into();
    refused(&v, "an account id that is not 12 digits");
    let mut v = fresh();
    v.as_object_mut().unwrap().remove("summary");
    refused(&v, "a plan without its summary");
    let mut v = fresh();
    v["format_version"] = 2.into();
    refused(&v, "format_version 2");

    // Additive changes keep the format version: readers must accept new fields and new types.
    let mut v = fresh();
    v["changes"][0]["reason"] = "new in a later release".into();
    v["generated_by"] = "govern 9.9".into();
    v["changes"][0]["change"] = serde_json::json!({"type": "tag_ou", "path": "Workloads"});
    assert!(validator.is_valid(&v), "an addition was refused");
}

/// Every change variant's `type`. The match has no wildcard, so a new variant fails to compile here
/// until it has a type name, a fixture in `every_change_plan`, a schema branch and a reference entry.
fn type_name(c: &Change) -> &'static str {
    match c {
        Change::EnablePolicyType { .. } => "enable_scp_policy_type",
        Change::CreateOu { .. } => "create_ou",
        Change::CreatePolicy { .. } => "create_policy",
        Change::UpdatePolicy { .. } => "update_policy",
        Change::CreateAccount { .. } => "create_account",
        Change::MoveAccount { .. } => "move_account",
        Change::SetTags { .. } => "set_tags",
        Change::RenameOu { .. } => "rename_ou",
        Change::RenameAccount(_) => "rename_account",
        Change::Attach { .. } => "attach",
        Change::Detach { .. } => "detach",
        Change::DeletePolicy { .. } => "delete_policy",
        Change::EnableServiceAccess { .. } => "enable_service_access",
        Change::RegisterDelegatedAdmin { .. } => "register_delegated_admin",
        Change::RootAccess(_) => "set_root_access",
        Change::SecurityAdmin(_) => "set_security_admin",
        Change::Trail(_) => "set_trail",
        Change::Member(MemberChange::PutContact(_)) => "put_contact",
        Change::Member(MemberChange::EnableKeyRotation(_)) => "enable_key_rotation",
        Change::Member(MemberChange::SetSecretRotation(_)) => "set_secret_rotation",
        Change::Member(MemberChange::DisableRegion(_)) => "disable_region",
    }
}
const CHANGE_TYPES: usize = 21;

#[test]
fn the_reference_documents_every_change_type_and_field() {
    let read = |f: &str| std::fs::read_to_string(format!("{}/{f}", env!("CARGO_MANIFEST_DIR")));
    let docs = read("docs/plan-json.md").unwrap();
    let schema = read("docs/plan.schema.json").unwrap();
    let p = every_change_plan();
    let v: serde_json::Value = serde_json::from_str(&render::json(&p)).unwrap();
    let mut types = std::collections::BTreeSet::new();
    for (c, planned) in v["changes"].as_array().unwrap().iter().zip(&p.changes) {
        let change = c["change"].as_object().unwrap();
        let ty = change["type"].as_str().unwrap();
        assert_eq!(ty, type_name(&planned.change));
        types.insert(ty.to_string());
        assert!(
            docs.contains(&format!("`{ty}`")),
            "{ty} is not in plan-json.md"
        );
        assert!(
            schema.contains(&format!("\"const\": \"{ty}\"")),
            "{ty} has no branch in plan.schema.json"
        );
        for field in change.keys() {
            assert!(
                docs.contains(&format!("`{field}`")),
                "field `{field}` of {ty} is not in plan-json.md"
            );
        }
    }
    assert_eq!(
        types.len(),
        CHANGE_TYPES,
        "every_change_plan covers every variant"
    );
    for key in [
        "format_version",
        "summary",
        "depends_on",
        "unmanaged",
        "conflicts",
        "findings",
        "non_compliant",
    ] {
        assert!(
            docs.contains(&format!("`{key}`")),
            "{key} is not in plan-json.md"
        );
    }
}
