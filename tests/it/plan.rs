//! The pure planner: a table test per resource kind, and the convergence property
//! (simulate(plan) on Actual, then plan again: nothing left to do).

use std::collections::{BTreeMap, BTreeSet};

use ::govern::model::*;
use ::govern::plan::{plan, simulate, Change, FindingKind, MemberChange, Plan, Target};
use govern_core::baselines::contacts::PutContact;
use proptest::prelude::*;

fn pn(s: &str) -> PolicyName {
    PolicyName::parse(s).unwrap()
}
fn ou(s: &str) -> OuPath {
    OuPath::parse(s).unwrap()
}
fn acct(s: &str) -> AccountId {
    AccountId::parse(s).unwrap()
}
fn doc(action: &str) -> PolicyDocument {
    PolicyDocument::parse(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"{action}","Resource":"*"}}]}}"#
    ))
    .unwrap()
}
/// Attachments of SCPs, as `Actual` keys them.
fn keys(names: &[&str]) -> BTreeSet<PolicyKey> {
    set(names).into_iter().map(PolicyKey::scp).collect()
}

fn set(names: &[&str]) -> BTreeSet<PolicyName> {
    names.iter().map(|n| pn(n)).collect()
}

const MGMT: &str = "123456789012";

fn empty_desired() -> Desired {
    Desired {
        management_account: acct(MGMT),
        home_region: Region::parse("us-east-1").unwrap(),
        allowed_regions: vec![],
        member_role: "OrganizationAccountAccessRole".into(),
        external_id: None,
        limits: Limits::default(),
        policies: BTreeMap::new(),
        root_policies: None,
        ous: BTreeMap::new(),
        accounts: BTreeMap::new(),
        baselines: Baselines::default(),
        moved: Vec::new(),
        moved_ous: Vec::new(),
    }
}

fn fresh_actual() -> Actual {
    let mut accounts = BTreeMap::new();
    accounts.insert(
        acct(MGMT),
        ActualAccount {
            name: "master".into(),
            email: "master@example.com".into(),
            status: "ACTIVE".into(),
            parent: Parent::Root,
        },
    );
    let mut policies = BTreeMap::new();
    policies.insert(
        PolicyKey::full_aws_access(),
        ActualPolicy {
            kind: PolicyKind::ServiceControlPolicy,
            id: "p-FullAWSAccess".into(),
            description: "Allows access to every operation".into(),
            document: PolicyDocument::parse(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
            )
            .unwrap(),
            aws_managed: true,
            tags: BTreeMap::new(),
        },
    );
    let mut attachments = BTreeMap::new();
    attachments.insert(TargetKey::Root, keys(&["FullAWSAccess"]));
    attachments.insert(TargetKey::Account(acct(MGMT)), keys(&["FullAWSAccess"]));
    Actual {
        policy_types: [PolicyKind::ServiceControlPolicy].into(),
        accounts,
        policies,
        attachments,
        ..Actual::empty("o-test", acct(MGMT), "r-test")
    }
}

fn addresses(p: &Plan) -> Vec<String> {
    p.changes.iter().map(|c| c.address.to_string()).collect()
}

fn converges(d: &Desired, a: &Actual) -> Plan {
    let p = plan(d, a);
    let after = simulate(a, &p).expect("plan simulates cleanly");
    let again = plan(d, &after);
    assert!(
        again.changes.is_empty(),
        "second plan not empty: {:#?}",
        addresses(&again)
    );
    p
}

#[test]
fn nothing_declared_nothing_to_do() {
    let p = converges(&empty_desired(), &fresh_actual());
    assert!(p.changes.is_empty());
    assert_eq!(p.unmanaged.len(), 1, "the management account is listed");
    assert_eq!(
        p.unmanaged[0].note,
        "master, management account, not declared"
    );
}

#[test]
fn ous_are_created_parent_first_and_extra_ones_left_alone() {
    let mut d = empty_desired();
    d.ous.insert(ou("Workloads/Prod"), DesiredOu::default());
    d.ous.insert(ou("Workloads"), DesiredOu::default());
    let mut a = fresh_actual();
    a.ous.insert(ou("Sandbox"), ActualOu { id: "ou-1".into() });
    let p = converges(&d, &a);
    assert_eq!(addresses(&p), ["ou:Workloads", "ou:Workloads/Prod"]);
    assert_eq!(p.changes[1].depends_on, ["ou:Workloads"]);
    assert!(p.unmanaged.iter().any(|u| u.address == "ou:Sandbox"));
}

#[test]
fn policies_are_created_updated_adopted_and_compared_as_json() {
    let mut d = empty_desired();
    for (name, action) in [("new", "s3:*"), ("same", "ec2:*"), ("changed", "iam:*")] {
        d.policies.insert(
            pn(name),
            DesiredPolicy {
                tags: Default::default(),
                kind: PolicyKind::ServiceControlPolicy,
                description: "d".into(),
                document: doc(action),
                source: "test".into(),
            },
        );
    }
    let mut a = fresh_actual();
    let tagged: BTreeMap<String, String> =
        [("managed-by".to_string(), "govern".to_string())].into();
    // Same document, other spelling: no change.
    let respelled = PolicyDocument::parse(
        "{\"Statement\":[{\"Resource\":\"*\",\"Action\":\"ec2:*\",\"Effect\":\"Deny\"}],\n \"Version\":\"2012-10-17\"}",
    )
    .unwrap();
    a.policies.insert(
        PolicyKey::scp(pn("same")),
        ActualPolicy {
            kind: PolicyKind::ServiceControlPolicy,
            id: "p-same".into(),
            description: "d".into(),
            document: respelled,
            aws_managed: false,
            tags: tagged.clone(),
        },
    );
    a.policies.insert(
        PolicyKey::scp(pn("changed")),
        ActualPolicy {
            kind: PolicyKind::ServiceControlPolicy,
            id: "p-changed".into(),
            description: "d".into(),
            document: doc("kms:*"),
            aws_managed: false,
            tags: BTreeMap::new(),
        },
    );
    a.policies.insert(
        PolicyKey::scp(pn("legacy")),
        ActualPolicy {
            kind: PolicyKind::ServiceControlPolicy,
            id: "p-legacy".into(),
            description: "".into(),
            document: doc("sqs:*"),
            aws_managed: false,
            tags: BTreeMap::new(),
        },
    );
    let p = converges(&d, &a);
    assert_eq!(addresses(&p), ["scp:new", "scp:changed"]);
    match &p.changes[1].change {
        Change::UpdatePolicy {
            kind: PolicyKind::ServiceControlPolicy,
            id,
            before,
            after,
            ..
        } => {
            assert_eq!(id, "p-changed");
            assert_eq!(before.document, doc("kms:*"));
            assert_eq!(after.document, doc("iam:*"));
            assert_eq!(
                after.tags, tagged,
                "adopted policies get the managed-by tag"
            );
        }
        other => panic!("expected an update, got {other:?}"),
    }
    assert_eq!(
        p.unmanaged
            .iter()
            .map(|u| u.address.to_string())
            .collect::<Vec<_>>(),
        ["scp:legacy", "account:123456789012"]
    );
}

#[test]
fn attachments_attach_before_detach_and_only_on_declared_targets() {
    let mut d = empty_desired();
    d.policies.insert(
        pn("deny"),
        DesiredPolicy {
            tags: Default::default(),
            kind: PolicyKind::ServiceControlPolicy,
            description: String::new(),
            document: doc("s3:*"),
            source: "test".into(),
        },
    );
    d.ous.insert(
        ou("Security"),
        DesiredOu {
            tags: Default::default(),
            policies: Some(set(&["deny"])),
        },
    );
    d.ous.insert(ou("Other"), DesiredOu::default());
    let mut a = fresh_actual();
    a.policies.insert(
        PolicyKey::scp(pn("deny")),
        ActualPolicy {
            kind: PolicyKind::ServiceControlPolicy,
            id: "p-1".into(),
            description: String::new(),
            document: doc("s3:*"),
            aws_managed: false,
            tags: [("managed-by".to_string(), "govern".to_string())].into(),
        },
    );
    for name in ["Security", "Other"] {
        a.ous.insert(
            ou(name),
            ActualOu {
                id: format!("ou-{name}"),
            },
        );
        a.attachments
            .insert(TargetKey::Ou(ou(name)), keys(&["FullAWSAccess"]));
    }
    let p = converges(&d, &a);
    assert_eq!(
        addresses(&p),
        [
            "attach:scp:deny\u{2192}ou:Security",
            "attach:scp:FullAWSAccess\u{2192}ou:Security"
        ]
    );
    assert!(matches!(p.changes[1].change, Change::Detach { .. }));
    assert_eq!(
        p.changes[1].depends_on,
        ["attach:scp:deny\u{2192}ou:Security"]
    );
}

#[test]
fn accounts_are_matched_by_id_then_email_moved_created_or_conflicting() {
    let mut d = empty_desired();
    d.ous.insert(ou("Prod"), DesiredOu::default());
    let declare = |name: &str, id: Option<&str>, email: &str, parent: Parent| DesiredAccount {
        aws_name: None,
        tags: Default::default(),
        name: name.into(),
        id: id.map(acct),
        email: Email::parse(email).unwrap(),
        parent,
        policies: None,
        contacts: BTreeMap::new(),
    };
    d.accounts.insert(
        "by-id".into(),
        declare(
            "by-id",
            Some("111111111111"),
            "a@example.com",
            Parent::Ou(ou("Prod")),
        ),
    );
    d.accounts.insert(
        "by-email".into(),
        declare("by-email", None, "B@example.com", Parent::Root),
    );
    d.accounts.insert(
        "new".into(),
        declare("new", None, "new@example.com", Parent::Ou(ou("Prod"))),
    );
    d.accounts.insert(
        "clash".into(),
        declare("clash", None, "other@example.com", Parent::Root),
    );
    d.accounts.insert(
        "ghost".into(),
        declare("ghost", Some("999999999999"), "g@example.com", Parent::Root),
    );
    let mut a = fresh_actual();
    a.ous.insert(ou("Prod"), ActualOu { id: "ou-p".into() });
    for (id, name, email) in [
        ("111111111111", "by-id", "a@example.com"),
        ("222222222222", "renamed", "b@example.com"),
        ("333333333333", "clash", "clash@example.com"),
    ] {
        a.accounts.insert(
            acct(id),
            ActualAccount {
                name: name.into(),
                email: email.into(),
                status: "ACTIVE".into(),
                parent: Parent::Root,
            },
        );
    }
    let p = converges(&d, &a);
    assert_eq!(
        addresses(&p),
        ["account:new", "account:111111111111/parent"]
    );
    assert_eq!(
        p.changes[0].depends_on,
        Vec::<String>::new(),
        "Prod exists already"
    );
    let conflicts: Vec<_> = p.conflicts.iter().map(|c| c.address.to_string()).collect();
    assert_eq!(conflicts, ["account:clash", "account:ghost"]);
    assert!(p.conflicts[0]
        .message
        .contains("already exists (333333333333"));
    assert!(p.conflicts[1].message.contains("not in this organization"));
    let unmanaged: Vec<_> = p.unmanaged.iter().map(|u| u.address.to_string()).collect();
    assert_eq!(unmanaged, ["account:123456789012", "account:333333333333"]);
}

#[test]
fn a_new_account_gets_its_attachments_after_it_exists() {
    let mut d = empty_desired();
    d.ous.insert(ou("New"), DesiredOu::default());
    d.accounts.insert(
        "fresh".into(),
        DesiredAccount {
            aws_name: None,
            tags: Default::default(),
            name: "fresh".into(),
            id: None,
            email: Email::parse("fresh@example.com").unwrap(),
            parent: Parent::Ou(ou("New")),
            policies: Some(set(&["FullAWSAccess"])),
            contacts: BTreeMap::new(),
        },
    );
    let mut a = fresh_actual();
    a.policy_types.clear();
    d.root_policies = Some(set(&["FullAWSAccess"]));
    let p = converges(&d, &a);
    assert_eq!(
        addresses(&p),
        [
            "root:policy-type/SERVICE_CONTROL_POLICY",
            "ou:New",
            "account:fresh"
        ]
    );
    assert_eq!(p.changes[2].depends_on, ["ou:New"]);
}

// ---- the convergence property ----

const OU_UNIVERSE: &[&str] = &["A", "B", "A/X", "A/Y", "B/X", "A/X/Deep"];
const POLICY_UNIVERSE: &[&str] = &["p1", "p2", "p3", "FullAWSAccess"];
const ACTIONS: &[&str] = &["s3:*", "ec2:*", "iam:*"];

fn close_under_ancestors(paths: BTreeSet<OuPath>) -> BTreeSet<OuPath> {
    paths.iter().flat_map(|p| p.ancestors_and_self()).collect()
}

fn arb_parent(ous: Vec<OuPath>) -> BoxedStrategy<Parent> {
    if ous.is_empty() {
        Just(Parent::Root).boxed()
    } else {
        prop_oneof![
            Just(Parent::Root),
            proptest::sample::select(ous).prop_map(Parent::Ou)
        ]
        .boxed()
    }
}

fn arb_policy_set(available: Vec<PolicyName>) -> BoxedStrategy<Option<BTreeSet<PolicyName>>> {
    proptest::option::of(proptest::sample::subsequence(
        available.clone(),
        1..=available.len().min(3),
    ))
    .prop_map(|o| o.map(|v| v.into_iter().collect()))
    .boxed()
}

fn arb_actual() -> impl Strategy<Value = Actual> {
    (
        proptest::sample::subsequence(OU_UNIVERSE.to_vec(), 0..=OU_UNIVERSE.len()),
        proptest::collection::vec((0..3usize, any::<bool>(), 0..3usize), 0..4),
        proptest::collection::btree_map(1..4usize, (0..3usize, any::<bool>()), 0..3),
        any::<bool>(),
        any::<u64>(),
    )
        .prop_map(|(ou_names, accts, pols, scp_enabled, seed)| {
            let mut a = fresh_actual();
            if scp_enabled {
                a.policy_types.insert(PolicyKind::ServiceControlPolicy);
            } else {
                a.policy_types.clear();
            }
            let ous = close_under_ancestors(ou_names.iter().map(|s| ou(s)).collect());
            for (i, p) in ous.iter().enumerate() {
                a.ous.insert(
                    p.clone(),
                    ActualOu {
                        id: format!("ou-{i}"),
                    },
                );
            }
            for (i, (email_ix, in_ou, name_ix)) in accts.into_iter().enumerate() {
                let parent = if in_ou && !ous.is_empty() {
                    Parent::Ou(
                        ous.iter()
                            .nth((seed as usize + i) % ous.len())
                            .unwrap()
                            .clone(),
                    )
                } else {
                    Parent::Root
                };
                a.accounts.insert(
                    acct(&format!("{:012}", 100 + i)),
                    ActualAccount {
                        name: format!("acct{name_ix}"),
                        email: format!("e{email_ix}-{i}@example.com"),
                        status: "ACTIVE".into(),
                        parent,
                    },
                );
            }
            for (n, (action, tagged)) in pols {
                let tags = if tagged {
                    [("managed-by".to_string(), "govern".to_string())].into()
                } else {
                    BTreeMap::new()
                };
                a.policies.insert(
                    PolicyKey::scp(pn(&format!("p{n}"))),
                    ActualPolicy {
                        kind: PolicyKind::ServiceControlPolicy,
                        id: format!("p-{n}"),
                        description: "old".into(),
                        document: doc(ACTIONS[action]),
                        aws_managed: false,
                        tags,
                    },
                );
            }
            // Attach some existing policies to some existing targets.
            let names: Vec<PolicyKey> = a.policies.keys().cloned().collect();
            let mut targets = vec![TargetKey::Root];
            targets.extend(a.ous.keys().cloned().map(TargetKey::Ou));
            targets.extend(a.accounts.keys().cloned().map(TargetKey::Account));
            for (i, t) in targets.into_iter().enumerate() {
                let mut s = BTreeSet::new();
                for (j, n) in names.iter().enumerate() {
                    if (seed >> ((i * 3 + j) % 60)) & 1 == 1 {
                        s.insert(n.clone());
                    }
                }
                if !s.is_empty() {
                    a.attachments.insert(t, s);
                }
            }
            a
        })
}

fn arb_desired(actual: Actual) -> impl Strategy<Value = Desired> {
    let existing_ids: Vec<AccountId> = actual.accounts.keys().cloned().collect();
    let existing_emails: Vec<String> = actual.accounts.values().map(|a| a.email.clone()).collect();
    (
        proptest::sample::subsequence(OU_UNIVERSE.to_vec(), 0..=OU_UNIVERSE.len()),
        proptest::sample::subsequence(POLICY_UNIVERSE[..3].to_vec(), 0..=3),
        proptest::collection::vec(0..3usize, 3),
    )
        .prop_flat_map(move |(ou_names, pol_names, actions)| {
            let ous: Vec<OuPath> = close_under_ancestors(ou_names.iter().map(|s| ou(s)).collect())
                .into_iter()
                .collect();
            let mut available: Vec<PolicyName> = pol_names.iter().map(|s| pn(s)).collect();
            available.push(PolicyName::full_aws_access());
            let n_ous = ous.len();
            // How each of up to four declared accounts is identified.
            let account = (
                0..5usize,
                arb_parent(ous.clone()),
                arb_policy_set(available.clone()),
            );
            (
                Just((
                    ous,
                    pol_names,
                    actions,
                    existing_ids.clone(),
                    existing_emails.clone(),
                )),
                arb_policy_set(available.clone()),
                proptest::collection::vec(arb_policy_set(available), n_ous),
                proptest::collection::vec(account, 0..4),
            )
        })
        .prop_map(
            |((ous, pol_names, actions, ids, emails), root, ou_pols, accts)| {
                let mut d = empty_desired();
                for (i, n) in pol_names.iter().enumerate() {
                    d.policies.insert(
                        pn(n),
                        DesiredPolicy {
                            tags: Default::default(),
                            kind: PolicyKind::ServiceControlPolicy,
                            description: "new".into(),
                            document: doc(ACTIONS[actions[i]]),
                            source: "test".into(),
                        },
                    );
                }
                d.root_policies = root;
                for (p, pols) in ous.into_iter().zip(ou_pols) {
                    d.ous.insert(
                        p,
                        DesiredOu {
                            tags: Default::default(),
                            policies: pols,
                        },
                    );
                }
                let mut used_ids = BTreeSet::new();
                let mut used_emails = BTreeSet::new();
                for (i, (how, parent, pols)) in accts.into_iter().enumerate() {
                    let (id, email) = match how {
                        // by id, with its real email
                        0 if !ids.is_empty() => {
                            let k = i % ids.len();
                            (Some(ids[k].clone()), emails[k].clone())
                        }
                        // by email
                        1 if !emails.is_empty() => (None, emails[i % emails.len()].clone()),
                        // an id not in the organization
                        2 => (
                            Some(acct(&format!("{:012}", 555_000 + i))),
                            format!("ghost{i}@example.com"),
                        ),
                        // a new account
                        _ => (None, format!("new{i}@example.com")),
                    };
                    if id.as_ref().is_some_and(|x| !used_ids.insert(x.clone()))
                        || !used_emails.insert(email.to_lowercase())
                    {
                        continue; // validation rejects duplicates; the planner never sees them
                    }
                    let name = format!("acct{}", i % 3);
                    d.accounts.insert(
                        format!("{name}-{i}"),
                        DesiredAccount {
                            aws_name: None,
                            tags: Default::default(),
                            name: format!("{name}-{i}"),
                            id,
                            email: Email::parse(&email).unwrap(),
                            parent,
                            policies: pols,
                            contacts: BTreeMap::new(),
                        },
                    );
                }
                d
            },
        )
}

fn arb_world() -> impl Strategy<Value = (Desired, Actual)> {
    arb_actual().prop_flat_map(|a| (arb_desired(a.clone()), Just(a)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn applying_a_plan_converges((desired, actual) in arb_world()) {
        let p = plan(&desired, &actual);
        let after = simulate(&actual, &p).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let again = plan(&desired, &after);
        prop_assert!(again.changes.is_empty(), "left over: {:?}", addresses(&again));
        // Idempotence: simulating the empty plan changes nothing.
        prop_assert_eq!(simulate(&after, &again).unwrap(), after.clone());
        // No declared target is ever left without an SCP.
        for (target, pols) in &after.attachments {
            let declared = match target {
                TargetKey::Root => desired.root_policies.is_some(),
                TargetKey::Ou(p) => desired.ous.get(p).is_some_and(|o| o.policies.is_some()),
                TargetKey::Account(_) => true,
            };
            if declared {
                prop_assert!(!pols.is_empty(), "{target} has no SCP");
            }
        }
    }

    #[test]
    fn planning_is_deterministic((desired, actual) in arb_world()) {
        prop_assert_eq!(plan(&desired, &actual), plan(&desired, &actual));
    }

    #[test]
    fn every_dependency_comes_earlier((desired, actual) in arb_world()) {
        let p = plan(&desired, &actual);
        for (i, c) in p.changes.iter().enumerate() {
            for dep in &c.depends_on {
                let j = p.changes.iter().position(|x| &x.address == dep);
                prop_assert!(j.is_some_and(|j| j < i), "{} needs {} which is not earlier", c.address, dep);
            }
        }
    }
}

#[test]
fn targets_render_by_id_when_known() {
    let t = Target::Account {
        name: "x".into(),
        id: Some(acct("111122223333")),
    };
    assert_eq!(t.to_string(), "account:111122223333");
    let t = Target::Account {
        name: "x".into(),
        id: None,
    };
    assert_eq!(t.to_string(), "account:x");
}

// ---- member-account baselines ----

fn member_world() -> (Desired, Actual, AccountId) {
    let mut d = empty_desired();
    d.allowed_regions = vec![Region::parse("us-east-1").unwrap()];
    d.baselines.key_rotation = Some(KeyRotation {
        kms_rotation_period_days: 180,
        secret_max_rotation_days: 30,
        exempt_keys: BTreeMap::new(),
        exempt_secrets: BTreeMap::new(),
    });
    let mut a = fresh_actual();
    let id = acct("111111111111");
    a.accounts.insert(
        id.clone(),
        ActualAccount {
            name: "m".into(),
            email: "m@example.com".into(),
            status: "ACTIVE".into(),
            parent: Parent::Root,
        },
    );
    let key = |kid: &str, enabled: bool, period: Option<u32>| KmsKey {
        region: "us-east-1".into(),
        id: kid.into(),
        arn: format!("arn:aws:kms:us-east-1:111111111111:key/{kid}"),
        manager: "CUSTOMER".into(),
        spec: "SYMMETRIC_DEFAULT".into(),
        usage: "ENCRYPT_DECRYPT".into(),
        origin: "AWS_KMS".into(),
        state: "Enabled".into(),
        rotation_enabled: Some(enabled),
        rotation_period_days: period,
        multi_region: None,
        primary_region: None,
    };
    let secret = |name: &str, enabled: bool, days: Option<u32>, lambda: bool| SecretInfo {
        region: "us-east-1".into(),
        arn: format!("arn:aws:secretsmanager:us-east-1:111111111111:secret:{name}"),
        name: name.into(),
        rotation_enabled: enabled,
        rotation_days: days,
        rotation_lambda: lambda
            .then(|| "arn:aws:lambda:us-east-1:111111111111:function:rot".into()),
        schedule: None,
        window: None,
        owning_service: None,
        primary_region: None,
    };
    let mut imported = key("imported", false, None);
    imported.origin = "EXTERNAL".into();
    let mut aws_managed = key("aws", true, None);
    aws_managed.manager = "AWS".into();
    let state = MemberState {
        contacts: BTreeMap::new(),
        regions: [
            ("af-south-1".to_string(), "ENABLED".to_string()),
            ("us-east-1".to_string(), "ENABLED_BY_DEFAULT".to_string()),
            ("me-south-1".to_string(), "DISABLED".to_string()),
        ]
        .into(),
        keys: vec![
            key("off", false, None),
            key("long", true, Some(365)),
            key("ok", true, Some(90)),
            imported,
            aws_managed,
        ],
        secrets: vec![
            secret("slow", true, Some(90), true),
            secret("fine", true, Some(7), true),
            secret("never", false, None, true),
            secret("orphan", false, None, false),
        ],
        ..MemberState::default()
    };
    a.members.insert(id.clone(), Member::Read(state));
    a.members
        .insert(acct(MGMT), Member::Read(MemberState::default()));
    (d, a, id)
}

#[test]
fn member_baselines_plan_exactly_the_out_of_policy_resources() {
    let (d, a, id) = member_world();
    let p = converges(&d, &a);
    assert_eq!(
        addresses(&p),
        [
            format!("account:{id}/region:af-south-1"),
            format!("kms:{id}/us-east-1/long"),
            format!("kms:{id}/us-east-1/off"),
            format!("secret:{id}/us-east-1/never"),
            format!("secret:{id}/us-east-1/slow"),
        ]
    );
    let findings: Vec<(String, FindingKind)> = p
        .findings
        .iter()
        .map(|f| (f.address.to_string(), f.kind))
        .collect();
    assert_eq!(
        findings,
        [
            (format!("kms:{id}/us-east-1/imported"), FindingKind::Skipped),
            (format!("kms:{id}/us-east-1/aws"), FindingKind::Skipped),
            (
                format!("secret:{id}/us-east-1/orphan"),
                FindingKind::NonCompliant
            ),
        ]
    );
}

#[test]
fn exemptions_and_unreadable_accounts_are_findings_not_changes() {
    let (mut d, mut a, id) = member_world();
    d.baselines.exemptions.insert(
        id.clone(),
        [
            (BaselineKind::Kms, "vendor-managed keys".to_string()),
            (BaselineKind::Secrets, "vendor".to_string()),
            (BaselineKind::Regions, "needs af-south-1".to_string()),
        ]
        .into(),
    );
    let p = converges(&d, &a);
    assert!(p.changes.is_empty(), "{:?}", addresses(&p));
    assert!(p
        .findings
        .iter()
        .any(|f| f.message == "exempt: vendor-managed keys"));
    a.members.insert(
        id.clone(),
        Member::Failed {
            reason: "cannot assume arn:aws:iam::111111111111:role/OrganizationAccountAccessRole: AccessDenied".into(),
            unassumable: false,
        },
    );
    let p = plan(&d, &a);
    assert!(p.is_incomplete());
    assert_eq!(p.findings[0].address, format!("account:{id}"));
}

/// Issue 13, items 7 and 8 in the planner: a period GetKeyRotationStatus did not return is
/// unknown (the key may rotate every 730 days), never 365; a Multi-Region replica key and a replica
/// secret are skipped with the reason; a secret whose rotation a service manages is not "without a
/// rotation function"; a ScheduleExpression's window is kept by the change.
#[test]
fn unknown_periods_replicas_and_managed_rotation() {
    let (mut d, mut a, id) = member_world();
    d.baselines
        .key_rotation
        .as_mut()
        .unwrap()
        .kms_rotation_period_days = 365;
    let Member::Read(state) = a.members.get_mut(&id).unwrap() else {
        unreachable!()
    };
    let template = state.keys[0].clone();
    let mut mystery = template.clone();
    mystery.id = "mystery".into();
    mystery.rotation_enabled = Some(true);
    mystery.rotation_period_days = None;
    let mut replica = template.clone();
    replica.id = "mrk-1".into();
    replica.multi_region = Some("REPLICA".into());
    replica.primary_region = Some("eu-west-1".into());
    state.keys = vec![mystery, replica];
    let orphan = state.secrets[3].clone();
    let mut managed = orphan.clone();
    managed.name = "rds-db".into();
    managed.arn.push_str("-rds");
    managed.rotation_enabled = true;
    managed.rotation_days = Some(180);
    managed.schedule = Some("rate(180 days)".into());
    managed.window = Some("4h".into());
    managed.owning_service = Some("rds".into());
    let mut copy = state.secrets[0].clone();
    copy.name = "copy".into();
    copy.primary_region = Some("eu-west-1".into());
    state.secrets = vec![managed, copy];

    let p = plan(&d, &a);
    assert_eq!(
        addresses(&p),
        [
            format!("account:{id}/region:af-south-1"),
            format!("kms:{id}/us-east-1/mystery"),
            format!("secret:{id}/us-east-1/rds-db"),
        ]
    );
    let change = |address: String| {
        p.changes
            .iter()
            .find(|c| c.address == address)
            .map(|c| c.change.clone())
            .unwrap()
    };
    let Change::Member(MemberChange::EnableKeyRotation(k)) =
        change(format!("kms:{id}/us-east-1/mystery"))
    else {
        panic!()
    };
    assert_eq!((k.before_enabled, k.before_period_days), (true, None));
    let Change::Member(MemberChange::SetSecretRotation(s)) =
        change(format!("secret:{id}/us-east-1/rds-db"))
    else {
        panic!()
    };
    assert_eq!(
        (
            s.managed_by.as_deref(),
            s.window.as_deref(),
            s.as_schedule,
            s.function.as_str()
        ),
        (Some("rds"), Some("4h"), true, "")
    );
    let findings: Vec<(String, FindingKind, bool)> = p
        .findings
        .iter()
        .map(|f| {
            (
                f.address.to_string(),
                f.kind,
                f.message.contains("replica") && f.message.contains("eu-west-1"),
            )
        })
        .collect();
    assert_eq!(
        findings,
        [
            (
                format!("kms:{id}/us-east-1/mrk-1"),
                FindingKind::Skipped,
                true
            ),
            (
                format!("secret:{id}/us-east-1/copy"),
                FindingKind::Skipped,
                true
            ),
        ]
    );
}

/// Issue 13, item 1 in the planner: what was not read is a finding at its own address (an error
/// where AWS refused, a note where govern did not read on purpose), moot under an exemption; the
/// rest of the account is planned.
#[test]
fn unread_parts_are_findings_and_the_rest_is_planned() {
    let (mut d, mut a, id) = member_world();
    let Member::Read(state) = a.members.get_mut(&id).unwrap() else {
        unreachable!()
    };
    state.unread = vec![
        Unread {
            address: Address::Key {
                account: id.clone(),
                region: "us-east-1".into(),
                key_id: "shut-out".into(),
            },
            baselines: [BaselineKind::Kms].into(),
            reason: "kms:DescribeKey: AccessDeniedException".into(),
            refused: true,
        },
        Unread {
            address: Address::Region {
                account: id.clone(),
                region: "me-south-1".into(),
            },
            baselines: [BaselineKind::Kms, BaselineKind::Secrets].into(),
            reason: "opt-in Region not enabled in this account".into(),
            refused: false,
        },
    ];
    let p = plan(&d, &a);
    assert!(p.is_incomplete());
    assert_eq!(p.changes.len(), 5, "{:?}", addresses(&p));
    let at = |address: String| {
        p.findings
            .iter()
            .find(|f| f.address == address)
            .map(|f| f.kind)
    };
    assert_eq!(
        at(format!("kms:{id}/us-east-1/shut-out")),
        Some(FindingKind::Error)
    );
    assert_eq!(
        at(format!("account:{id}/region:me-south-1")),
        Some(FindingKind::Skipped)
    );
    d.baselines.exemptions.insert(
        id.clone(),
        [(BaselineKind::Kms, "vendor".to_string())].into(),
    );
    let p = plan(&d, &a);
    assert!(
        !p.is_incomplete(),
        "the unreadable key is exempt with the rest"
    );
    assert_eq!(
        at(format!("account:{id}/region:me-south-1")),
        Some(FindingKind::Skipped)
    );
}

/// Issue 13, item 6 in the planner: AWS runs at most 50 Region opt-in changes at once per
/// organization, counting those in progress: the plan disables the first ones in account and
/// Region order, and says the rest wait.
#[test]
fn region_changes_keep_within_the_organization_quota() {
    let mut d = empty_desired();
    d.allowed_regions = vec![Region::parse("us-east-1").unwrap()];
    let mut a = fresh_actual();
    let opt_in = [
        "af-south-1",
        "ap-east-1",
        "ap-south-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "eu-central-2",
    ];
    for i in 0..10u64 {
        let id = acct(&format!("{:012}", 111_111_111_100 + i));
        a.accounts.insert(
            id.clone(),
            ActualAccount {
                name: format!("m{i}"),
                email: format!("m{i}@example.com"),
                status: "ACTIVE".into(),
                parent: Parent::Root,
            },
        );
        // Nine accounts with six opt-in Regions enabled; the tenth has one being disabled.
        let regions = if i < 9 {
            opt_in
                .iter()
                .map(|r| (r.to_string(), "ENABLED".to_string()))
                .collect()
        } else {
            [("il-central-1".to_string(), "DISABLING".to_string())].into()
        };
        a.members.insert(
            id,
            Member::Read(MemberState {
                regions,
                ..MemberState::default()
            }),
        );
    }
    let p = plan(&d, &a);
    assert_eq!(p.changes.len(), 49, "50 less the one in progress");
    let waiting: Vec<&str> = p
        .findings
        .iter()
        .filter(|f| {
            f.message
                .contains("50 Region opt-in changes at once per organization")
        })
        .map(|f| f.address.to_string())
        .map(|a| {
            if a.contains("/region:") {
                "waits"
            } else {
                "other"
            }
        })
        .collect();
    assert_eq!(waiting, ["waits"; 5]);
    // The last account's last Regions wait.
    assert_eq!(
        p.findings.last().unwrap().address.to_string(),
        format!("account:{:012}/region:eu-central-2", 111_111_111_108u64)
    );
}

const DENIED: &str =
    "cannot assume arn:aws:iam::111111111111:role/OrganizationAccountAccessRole: AccessDenied";

#[test]
fn an_unassumable_role_plans_trusted_access_for_the_management_fallback() {
    let (mut d, mut a, id) = member_world();
    d.baselines.contacts.insert(
        ContactType::Security,
        Contact {
            name: "Sec".into(),
            title: "t".into(),
            email: "sec@example.com".into(),
            phone: "+1 555".into(),
        },
    );
    a.members.insert(
        id.clone(),
        Member::Failed {
            reason: DENIED.into(),
            unassumable: true,
        },
    );
    let p = converges(&d, &a);
    assert!(p.changes.iter().any(|c| matches!(&c.change,
        Change::EnableServiceAccess { service } if service == "account.amazonaws.com")));
    let f = &p.findings[0];
    assert_eq!(
        (f.address.to_string(), f.kind),
        (format!("account:{id}"), FindingKind::Error)
    );
    assert!(
        f.message.starts_with(DENIED) && f.message.contains("this plan enables it"),
        "{}",
        f.message
    );

    // Once trusted access is on, nothing more is planned for it: the next discovery reads the
    // account from the management account.
    a.service_access.insert("account.amazonaws.com".into());
    let p = plan(&d, &a);
    assert!(!p
        .changes
        .iter()
        .any(|c| matches!(&c.change, Change::EnableServiceAccess { .. })));
    assert!(!p.findings[0].message.contains("this plan enables it"));

    // Nothing managed that the management account could read: no trusted access is planned.
    d.baselines.contacts.clear();
    d.allowed_regions.clear();
    a.service_access.clear();
    let p = plan(&d, &a);
    assert!(!p
        .changes
        .iter()
        .any(|c| matches!(&c.change, Change::EnableServiceAccess { .. })));
}

#[test]
fn an_account_read_from_the_management_account_plans_contacts_and_regions_only() {
    let (mut d, mut a, id) = member_world();
    d.baselines.contacts.insert(
        ContactType::Billing,
        Contact {
            name: "Bill".into(),
            title: "t".into(),
            email: "bill@example.com".into(),
            phone: "+1 555".into(),
        },
    );
    let state = MemberState {
        regions: [("af-south-1".to_string(), "ENABLED".to_string())].into(),
        via_management: Some(DENIED.into()),
        ..MemberState::default()
    };
    a.members.insert(id.clone(), Member::Read(state));
    let p = converges(&d, &a);
    let mine: Vec<String> = addresses(&p)
        .into_iter()
        .filter(|x| x.contains(id.as_str()))
        .collect();
    assert_eq!(
        mine,
        vec![
            format!("account:{id}/contact:billing"),
            format!("account:{id}/region:af-south-1"),
        ]
    );
    // Keys and secrets are unread: with a rotation policy the plan is incomplete, and says why.
    let f = p
        .findings
        .iter()
        .find(|f| f.address == format!("account:{id}"))
        .unwrap();
    assert_eq!(f.kind, FindingKind::Error);
    assert!(
        f.message
            .starts_with("KMS keys and secrets not read: cannot assume"),
        "{}",
        f.message
    );
    assert!(p.is_incomplete());
    // Without one, it is a note: the plan is complete.
    d.baselines.key_rotation = None;
    let p = plan(&d, &a);
    let f = p
        .findings
        .iter()
        .find(|f| f.address == format!("account:{id}"))
        .unwrap();
    assert_eq!(f.kind, FindingKind::Skipped);
    assert!(!p.is_incomplete());
}

#[test]
fn contacts_use_account_overrides_over_org_defaults() {
    let (mut d, a, id) = member_world();
    let c = |n: &str| Contact {
        name: n.into(),
        title: "t".into(),
        email: format!("{n}@example.com"),
        phone: "+1 555".into(),
    };
    d.baselines
        .contacts
        .insert(ContactType::Billing, c("billing"));
    d.accounts.insert(
        "m".into(),
        DesiredAccount {
            aws_name: None,
            tags: Default::default(),
            name: "m".into(),
            id: Some(id.clone()),
            email: Email::parse("m@example.com").unwrap(),
            parent: Parent::Root,
            policies: None,
            contacts: [(ContactType::Billing, c("m-billing"))].into(),
        },
    );
    let p = converges(&d, &a);
    let after_of = |acct: &AccountId| {
        p.changes.iter().find_map(|ch| match &ch.change {
            Change::Member(MemberChange::PutContact(PutContact { account, after, .. }))
                if account.as_ref() == Some(acct) =>
            {
                Some(after.name.clone())
            }
            _ => None,
        })
    };
    assert_eq!(after_of(&id).as_deref(), Some("m-billing"));
    assert_eq!(after_of(&acct(MGMT)).as_deref(), Some("billing"));
}

#[test]
fn the_logging_account_gets_trusted_access_and_delegation_in_order() {
    let mut d = empty_desired();
    d.accounts.insert(
        "log".into(),
        DesiredAccount {
            aws_name: None,
            tags: Default::default(),
            name: "log".into(),
            id: None,
            email: Email::parse("log@example.com").unwrap(),
            parent: Parent::Root,
            policies: None,
            contacts: BTreeMap::new(),
        },
    );
    d.baselines.logging = Some(Logging {
        account: "log".into(),
        trusted_services: ["config.amazonaws.com".to_string()].into(),
        delegated_admin_for: ["config.amazonaws.com".to_string()].into(),
    });
    let p = converges(&d, &fresh_actual());
    assert_eq!(
        addresses(&p),
        [
            "account:log",
            "org:service-access/config.amazonaws.com",
            "org:delegated-admin/config.amazonaws.com"
        ]
    );
    assert_eq!(
        p.changes[2].depends_on,
        ["org:service-access/config.amazonaws.com", "account:log"]
    );
}

#[test]
fn root_access_needs_trusted_access_once_and_off_needs_nothing() {
    // Declared on, with [logging] also asking for IAM's trusted access: one EnableServiceAccess.
    let mut d = empty_desired();
    d.accounts.insert(
        "log".into(),
        DesiredAccount {
            aws_name: None,
            tags: Default::default(),
            name: "log".into(),
            id: None,
            email: Email::parse("log@example.com").unwrap(),
            parent: Parent::Root,
            policies: None,
            contacts: BTreeMap::new(),
        },
    );
    d.baselines.logging = Some(Logging {
        account: "log".into(),
        trusted_services: ["iam.amazonaws.com".to_string()].into(),
        delegated_admin_for: BTreeSet::new(),
    });
    d.baselines.root_access = Some(RootAccess {
        credentials_management: Some(true),
        root_sessions: None,
    });
    let p = converges(&d, &fresh_actual());
    assert_eq!(
        addresses(&p),
        [
            "account:log",
            "org:service-access/iam.amazonaws.com",
            "org:root-access/credentials-management"
        ]
    );
    assert_eq!(
        p.changes[2].depends_on,
        ["org:service-access/iam.amazonaws.com"]
    );

    // Declared off while trusted access is off: every feature is off already.
    let mut d = empty_desired();
    d.baselines.root_access = Some(RootAccess {
        credentials_management: Some(false),
        root_sessions: Some(false),
    });
    let mut a = fresh_actual();
    a.root_features = Some(BTreeSet::new());
    assert!(converges(&d, &a).changes.is_empty());

    // The simulation, like IAM, refuses a feature before trusted access.
    let mut bad = plan(
        &{
            let mut d = empty_desired();
            d.baselines.root_access = Some(RootAccess {
                credentials_management: None,
                root_sessions: Some(true),
            });
            d
        },
        &a,
    );
    bad.changes
        .retain(|c| matches!(c.change, Change::RootAccess(_)));
    let err = simulate(&a, &bad).expect_err("refused without trusted access");
    assert!(
        err.message.contains("before trusted access"),
        "{}",
        err.message
    );
}

#[test]
fn the_trail_converges_in_simulation_bucket_and_key_before_the_trail_and_trusted_access_first() {
    let mut d = empty_desired();
    let log = AccountId::parse("222233334444").unwrap();
    d.accounts.insert(
        "log".into(),
        DesiredAccount {
            aws_name: None,
            name: "log".into(),
            id: Some(log.clone()),
            email: Email::parse("log@example.com").unwrap(),
            parent: Parent::Root,
            policies: None,
            contacts: BTreeMap::new(),
            tags: None,
        },
    );
    d.baselines.logging = Some(Logging {
        account: "log".into(),
        trusted_services: BTreeSet::new(),
        delegated_admin_for: BTreeSet::new(),
    });
    d.baselines.trail = Some(Trail {
        name: "org-trail".into(),
        region: "us-east-1".into(),
        bucket: "acme-logs".into(),
        retention_days: 365,
        object_lock: None,
    });
    let mut a = fresh_actual();
    a.accounts.insert(
        log.clone(),
        ActualAccount {
            name: "log".into(),
            email: "log@example.com".into(),
            status: "ACTIVE".into(),
            parent: Parent::Root,
        },
    );
    a.trail = Some(TrailActual {
        account: Some(log),
        ..Default::default()
    });
    let p = converges(&d, &a);
    assert_eq!(
        addresses(&p),
        [
            "org:service-access/cloudtrail.amazonaws.com",
            "org:trail/key",
            "org:trail/bucket",
            "org:trail/versioning",
            "org:trail/encryption",
            "org:trail/public-access-block",
            "org:trail/ownership",
            "org:trail/bucket-policy",
            "org:trail/lifecycle",
            "org:trail/trail",
            "org:trail/logging",
        ]
    );

    // The simulation, like CloudTrail, refuses an organization trail before trusted access.
    let mut bad = plan(&d, &a);
    bad.changes.retain(
        |c| matches!(&c.change, Change::Trail(t) if t.part == govern_core::trail::TrailPart::Trail),
    );
    let err = simulate(&a, &bad).expect_err("refused without trusted access");
    assert!(
        err.message
            .contains("cloudtrail:CreateTrail before trusted access for cloudtrail.amazonaws.com"),
        "{}",
        err.message
    );
}

// ---- --target ----

#[test]
fn target_narrows_to_matching_changes_and_what_they_need() {
    use ::govern::plan::{narrow, TargetFilter};
    let mut d = empty_desired();
    d.ous.insert(ou("Workloads"), DesiredOu::default());
    d.ous.insert(
        ou("Workloads/Prod"),
        DesiredOu {
            tags: Default::default(),
            policies: Some(set(&["FullAWSAccess", "deny"])),
        },
    );
    d.ous.insert(ou("Security"), DesiredOu::default());
    d.policies.insert(
        pn("deny"),
        DesiredPolicy {
            tags: Default::default(),
            kind: PolicyKind::ServiceControlPolicy,
            description: String::new(),
            document: doc("s3:*"),
            source: "test".into(),
        },
    );
    let a = fresh_actual();
    let full = plan(&d, &a);
    let t = |s: &str| TargetFilter::parse(s).unwrap();

    // An attachment drags in its OU (and the OU's parent) and its policy.
    let p = narrow(full.clone(), &[t("ou:Workloads/Prod")]);
    assert_eq!(
        addresses(&p),
        [
            "ou:Workloads",
            "ou:Workloads/Prod",
            "scp:deny",
            "attach:scp:deny\u{2192}ou:Workloads/Prod"
        ]
    );
    let p = narrow(full.clone(), &[t("kind:scp")]);
    assert_eq!(addresses(&p), ["scp:deny"]);
    let p = narrow(full.clone(), &[t("ou:Security")]);
    assert_eq!(addresses(&p), ["ou:Security"]);
    assert_eq!(narrow(full.clone(), &[]), full);
    // The narrowed plan is a prefix-closed part of the full one: it simulates cleanly.
    simulate(&a, &narrow(full, &[t("scp:deny")])).unwrap();

    assert!(TargetFilter::parse("kind:nope")
        .unwrap_err()
        .contains("kinds: ou, scp, attachment"));
    assert!(TargetFilter::parse("Workloads").is_err());
}

#[test]
fn target_narrows_findings_to_what_it_selects() {
    use ::govern::plan::{narrow, TargetFilter};
    let t = |s: &str| TargetFilter::parse(s).unwrap();
    let finding = |address: &str, kind| Finding {
        address: address.parse::<Address>().unwrap(),
        kind,
        message: "m".into(),
    };
    let mut full = plan(&empty_desired(), &fresh_actual());
    full.findings = vec![
        finding("kms:111122223333/us-east-1/k-1", FindingKind::Skipped),
        finding("account:444455556666", FindingKind::Error),
        finding(
            "secret:444455556666/us-east-1/db",
            FindingKind::NonCompliant,
        ),
    ];
    let kept =
        |p: &Plan| -> Vec<String> { p.findings.iter().map(|f| f.address.to_string()).collect() };
    // An account's findings are its own and those of what is inside it.
    assert_eq!(
        kept(&narrow(full.clone(), &[t("account:444455556666")])),
        ["account:444455556666", "secret:444455556666/us-east-1/db"]
    );
    assert_eq!(
        kept(&narrow(full.clone(), &[t("kind:kms")])),
        ["kms:111122223333/us-east-1/k-1"]
    );
    assert!(narrow(full.clone(), &[t("ou:Security")])
        .findings
        .is_empty());
    assert_eq!(narrow(full.clone(), &[]).findings.len(), 3);
}
