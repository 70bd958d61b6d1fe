//! The rail in apply itself: whatever a plan says (an edited saved plan, a bug), govern never
//! detaches a target's last SCP. AWS refuses it too; the emulator does not, so this proves govern's
//! own check.

use std::sync::Arc;

use ::govern::apply::{apply, Outcome};
use ::govern::aws::{Clients, MemberSessions};
use ::govern::model::{AccountId, OuPath, PolicyKind, PolicyName};
use ::govern::plan::{Change, Plan, PlannedChange, Target, FORMAT_VERSION};
use govern_testkit::seed::Seeder;
use govern_testkit::Emulator;

#[tokio::test(flavor = "multi_thread")]
async fn apply_refuses_to_detach_the_last_scp() {
    let emu = Emulator::start();
    let cfg = emu.sdk_config().await;
    let seeder = Seeder::new(&cfg).await;
    let ou_id = seeder.ou("Lonely").await;
    let clients = Clients {
        org: aws_sdk_organizations::Client::new(&cfg),
        sts: aws_sdk_sts::Client::new(&cfg),
        members: Arc::new(MemberSessions::new(
            cfg.clone(),
            AccountId::parse("123456789012").unwrap(),
            "arn:aws:iam::123456789012:user/moto",
            "OrganizationAccountAccessRole",
            None,
            "test",
        )),
    };
    let actual = ::govern::discover::organization(&clients.org)
        .await
        .unwrap();
    let detach = Change::Detach {
        kind: PolicyKind::ServiceControlPolicy,
        policy: PolicyName::full_aws_access(),
        target: Target::Ou {
            path: OuPath::parse("Lonely").unwrap(),
        },
    };
    let plan = Plan {
        format_version: FORMAT_VERSION,
        changes: vec![PlannedChange {
            address: detach.address(),
            action: detach.action(),
            depends_on: vec![],
            change: detach,
        }],
        unmanaged: vec![],
        conflicts: vec![],
        findings: vec![],
        account_names: Default::default(),
    };
    let report = apply(&clients, &plan, &actual, |_, _| {}).await;
    match &report.outcomes[0].1 {
        Outcome::Failed(why) => assert!(
            why.contains("refusing to detach the last SCP from ou:Lonely"),
            "{why}"
        ),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let still = seeder
        .org
        .list_policies_for_target()
        .target_id(&ou_id)
        .filter(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap();
    assert_eq!(
        still
            .policies()
            .iter()
            .filter_map(|p| p.name())
            .collect::<Vec<_>>(),
        ["FullAWSAccess"]
    );
}
