//! Member-account baselines against the emulator, through the library: discovery in every account
//! through an assumed role, the plan per account, apply, and a fresh plan with no changes.
//! (Region opt-in is not here: moto lacks those APIs; it is tested through the fault proxy.)

use std::collections::BTreeMap;
use std::sync::Arc;

use ::govern::aws::{Clients, MemberSessions};
use ::govern::discover::{self, Scope};
use ::govern::model::*;
use ::govern::plan::{plan, Change, FindingKind, MemberChange, Plan};
use aws_config::SdkConfig;
use govern_testkit::seed::Seeder;
use govern_testkit::{Emulator, Faults, Proxy};

const MGMT: &str = "123456789012";

fn contact(who: &str) -> Contact {
    Contact {
        name: format!("{who} team"),
        title: "Lead".into(),
        email: format!("{who}@example.com"),
        phone: "+1 555 0100".into(),
    }
}

fn desired(allowed: &[&str]) -> Desired {
    let mut contacts = BTreeMap::new();
    contacts.insert(ContactType::Security, contact("security"));
    contacts.insert(ContactType::Operations, contact("ops"));
    Desired {
        management_account: AccountId::parse(MGMT).unwrap(),
        home_region: Region::parse("us-east-1").unwrap(),
        allowed_regions: allowed.iter().map(|r| Region::parse(r).unwrap()).collect(),
        member_role: "OrganizationAccountAccessRole".into(),
        external_id: None,
        limits: Limits::default(),
        policies: BTreeMap::new(),
        root_policies: None,
        ous: BTreeMap::new(),
        accounts: BTreeMap::new(),
        baselines: Baselines {
            contacts,
            key_rotation: Some(KeyRotation {
                kms_rotation_period_days: 365,
                secret_max_rotation_days: 90,
                exempt_keys: BTreeMap::new(),
                exempt_secrets: BTreeMap::new(),
            }),
            logging: None,
            security: None,
            root_access: None,
            trail: None,
            exemptions: BTreeMap::new(),
        },
        moved: Vec::new(),
        moved_ous: Vec::new(),
    }
}

fn clients(cfg: &SdkConfig) -> Clients {
    Clients {
        org: aws_sdk_organizations::Client::new(cfg),
        sts: aws_sdk_sts::Client::new(cfg),
        members: Arc::new(MemberSessions::new(
            cfg.clone(),
            AccountId::parse(MGMT).unwrap(),
            "arn:aws:iam::123456789012:user/moto",
            "OrganizationAccountAccessRole",
            None,
            "test",
        )),
    }
}

/// Scope without region opt-in (moto answers 404 for those APIs).
fn scope(d: &Desired) -> Scope {
    Scope {
        regions: false,
        ..Scope::of(d)
    }
}

async fn discover_all(c: &Clients, d: &Desired) -> Actual {
    let mut actual = discover::organization(&c.org).await.unwrap();
    discover::members(c, &mut actual, &scope(d), "8".parse().unwrap(), || {}).await;
    actual
}

async fn member_config(c: &Clients, id: &str, region: &str) -> SdkConfig {
    let cfg = c
        .members
        .config(&AccountId::parse(id).unwrap())
        .await
        .unwrap();
    ::govern::aws::in_region(&cfg, region)
}

fn addresses(p: &Plan) -> Vec<String> {
    let mut v: Vec<String> = p.changes.iter().map(|c| c.address.to_string()).collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn contacts_keys_and_secrets_across_twenty_accounts() {
    let emu = Emulator::start();
    // Through the proxy: moto drops RotationPeriodInDays, which AWS returns (the proxy adds it);
    // without it a rotating key's period is unknown and would be planned again after every apply.
    let proxy = Proxy::start(&emu.endpoint(), Faults::none());
    let cfg = proxy.sdk_config().await;
    let seeder = Seeder::new(&cfg).await;
    let mut ids = Vec::new();
    for i in 0..21 {
        ids.push(
            seeder
                .account(&format!("m{i}"), &format!("m{i}@example.com"), None)
                .await,
        );
    }
    let c = clients(&cfg);
    let d = desired(&["us-east-1", "eu-west-1"]);

    // Account 0: security contact right, operations wrong. Account 1: both right.
    for (id, ops) in [
        (&ids[0], contact("someone-else")),
        (&ids[1], contact("ops")),
    ] {
        let acct = aws_sdk_account::Client::new(&member_config(&c, id, "us-east-1").await);
        for (t, who) in [("SECURITY", contact("security")), ("OPERATIONS", ops)] {
            acct.put_alternate_contact()
                .alternate_contact_type(t.into())
                .name(&who.name)
                .title(&who.title)
                .email_address(&who.email)
                .phone_number(&who.phone)
                .send()
                .await
                .unwrap();
        }
    }

    // Account 2, eu-west-1: a key with rotation off, one rotating, an asymmetric key, a disabled
    // key, a key pending deletion; a secret with no rotation function.
    let kms = aws_sdk_kms::Client::new(&member_config(&c, &ids[2], "eu-west-1").await);
    let key = |spec: Option<aws_sdk_kms::types::KeySpec>| {
        let kms = kms.clone();
        async move {
            let mut req = kms.create_key();
            if let Some(s) = spec {
                req = req
                    .key_spec(s)
                    .key_usage(aws_sdk_kms::types::KeyUsageType::SignVerify);
            }
            req.send()
                .await
                .unwrap()
                .key_metadata()
                .unwrap()
                .key_id()
                .to_string()
        }
    };
    let off = key(None).await;
    let on = key(None).await;
    kms.enable_key_rotation().key_id(&on).send().await.unwrap();
    let asym = key(Some(aws_sdk_kms::types::KeySpec::Rsa2048)).await;
    let disabled = key(None).await;
    kms.disable_key().key_id(&disabled).send().await.unwrap();
    let doomed = key(None).await;
    kms.schedule_key_deletion()
        .key_id(&doomed)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    let sm = aws_sdk_secretsmanager::Client::new(&member_config(&c, &ids[2], "eu-west-1").await);
    sm.create_secret()
        .name("db-password")
        .secret_string("never read by govern")
        .send()
        .await
        .unwrap();

    let actual = discover_all(&c, &d).await;
    assert_eq!(
        actual.members.len(),
        22,
        "every account, management included"
    );
    let p = plan(&d, &actual);

    // Contacts: 2 types × 22 accounts, less the three already right.
    let contact_changes: Vec<_> = p
        .changes
        .iter()
        .filter(|c| matches!(c.change, Change::Member(MemberChange::PutContact(_))))
        .collect();
    assert_eq!(contact_changes.len(), 22 * 2 - 3);
    assert!(addresses(&p).contains(&format!("account:{}/contact:operations", ids[0])));
    assert!(!addresses(&p).contains(&format!("account:{}/contact:security", ids[0])));
    assert!(!addresses(&p)
        .iter()
        .any(|a| a.starts_with(&format!("account:{}/", ids[1]))));

    // KMS: only the key with rotation off changes; the others are findings with reasons.
    let kms_changes: Vec<_> = addresses(&p)
        .into_iter()
        .filter(|a| a.starts_with("kms:"))
        .collect();
    assert_eq!(kms_changes, [format!("kms:{}/eu-west-1/{off}", ids[2])]);
    let finding = |id: &str| {
        p.findings
            .iter()
            .find(|f| f.address.to_string().ends_with(id))
            .unwrap_or_else(|| panic!("no finding for {id}: {:#?}", p.findings))
    };
    assert!(finding(&asym).message.contains("RSA_2048 key"));
    assert!(finding(&disabled).message.contains("key state is Disabled"));
    assert_eq!(finding(&doomed).message, "pending deletion");
    let secret = p
        .findings
        .iter()
        .find(|f| f.address == format!("secret:{}/eu-west-1/db-password", ids[2]))
        .expect("a finding for the secret without a rotation function");
    assert_eq!(secret.kind, FindingKind::NonCompliant);
    assert!(!p.is_incomplete());

    let report = ::govern::apply::apply(&c, &p, &actual, |_, _| {}).await;
    assert_eq!(
        report.count(|o| *o == ::govern::apply::Outcome::Done),
        p.changes.len(),
        "{:?}",
        report.outcomes
    );

    let after = discover_all(&c, &d).await;
    let again = plan(&d, &after);
    assert!(again.changes.is_empty(), "{:?}", addresses(&again));
    assert_eq!(again.findings, p.findings, "findings remain");
}
