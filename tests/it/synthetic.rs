//! The synthetic AWS (`govern_testkit::synthetic`) against moto: the same seeded 50-account
//! organization, served by the synthetic server and seeded into moto (behind the test proxy, which
//! answers what moto lacks), gives the same `govern plan --json` once moto's drawn ids (accounts,
//! keys, secret ARNs, rotation functions) are replaced by the synthetic ones. No latency, no
//! quotas, no timing: shapes only.

use std::collections::BTreeMap;

use ::govern::aws::{in_region, MemberSessions};
use ::govern::model::AccountId;
use aws_config::SdkConfig;
use govern_testkit::seed::{bounded, Seeder};
use govern_testkit::synthetic::org::{Acct, Org, CONTACTS, MANAGEMENT};
use govern_testkit::synthetic::{Options, Shape, Synthetic};
use govern_testkit::{Emulator, Faults, OptStatus, Proxy};
use serde_json::Value;

use crate::support::{put_contact, stdout, Govern};

fn shape() -> Shape {
    Shape {
        seed: 18,
        accounts: 50,
        ous: 6,
        levels: 2,
        regions: vec!["us-east-1".into(), "eu-west-1".into()],
        keys: 1,
        secrets: 1,
        // Often enough that 50 accounts show every kind of drift.
        drift_every: 5,
    }
}

/// Seeds `org` into moto; returns (moto's id or ARN, the synthetic one) for everything moto draws.
async fn seed_moto(org: &Org, emu: &Emulator, proxy: &Proxy) -> Vec<(String, String)> {
    let cfg = emu.sdk_config().await;
    let seeder = Seeder::new(&cfg).await;
    let paths: Vec<String> = (0..org.shape.ous).map(|j| org.ou_path(j)).collect();
    let ous = seeder.ous_bulk(&paths, 4).await;
    let specs: Vec<(String, String, String)> = (0..org.shape.accounts)
        .map(|i| {
            let a = Acct::Member(i);
            let parent = match org.account_parent(a) {
                Some(j) => ous[j as usize].1.clone(),
                None => seeder.root_id.clone(),
            };
            (org.account_name(a), org.account_email(a), parent)
        })
        .collect();
    let ids = seeder.accounts_bulk(&specs, 4).await;
    // The synthetic root has SCPs enabled, as every organization with all features does once
    // an SCP is used; moto's new root has no policy type enabled.
    seeder
        .org
        .enable_policy_type()
        .root_id(&seeder.root_id)
        .policy_type(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
        .send()
        .await
        .expect("seed: EnablePolicyType");
    for p in org.policies().skip(1) {
        let id = seeder
            .policy(
                &org.policy_name(p),
                &org.policy_content(p),
                &org.policy_description(p),
            )
            .await;
        for t in 0..org.target_count(p) {
            let target = match org.target(p, t) {
                govern_testkit::synthetic::org::Target::Root => seeder.root_id.clone(),
                govern_testkit::synthetic::org::Target::Ou(j) => ous[j as usize].1.clone(),
                govern_testkit::synthetic::org::Target::Account(_) => {
                    unreachable!("the guards are on the root and OUs")
                }
            };
            seeder.attach(&id, &target).await;
        }
    }

    let sessions = std::sync::Arc::new(MemberSessions::new(
        cfg.clone(),
        AccountId::parse(MANAGEMENT).unwrap(),
        "arn:aws:iam::123456789012:user/moto",
        "OrganizationAccountAccessRole",
        None,
        "seed",
    ));
    let accounts: Vec<(Acct, String)> = org
        .all_accounts()
        .map(|a| match a {
            Acct::Management => (a, MANAGEMENT.to_string()),
            Acct::Member(i) => (a, ids[i as usize].clone()),
        })
        .collect();
    for (a, moto_id) in &accounts {
        if let Some(region) = org.opted_in(*a) {
            proxy.regions().set(moto_id, region, OptStatus::Enabled);
        }
    }
    let mut pairs: Vec<(String, String)> = bounded(accounts, 6, |(a, moto_id)| {
        let (org, cfg, sessions) = (org.clone(), cfg.clone(), sessions.clone());
        async move {
            let base = match a {
                Acct::Management => cfg,
                Acct::Member(_) => sessions
                    .config(&AccountId::parse(&moto_id).unwrap())
                    .await
                    .unwrap_or_else(|e| panic!("seed: {e}")),
            };
            seed_inside(&org, a, &moto_id, &base).await
        }
    })
    .await
    .into_iter()
    .flatten()
    .collect();
    // moto names the management account "master"; the synthetic organization "management".
    pairs.push(("\"master".into(), "\"management".into()));
    // Whole ARNs first (they contain account ids), then the ids.
    pairs.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
    pairs
}

/// Contacts, keys and secrets inside one account, as the synthetic organization has them.
async fn seed_inside(org: &Org, a: Acct, moto_id: &str, base: &SdkConfig) -> Vec<(String, String)> {
    let mut pairs = vec![(moto_id.to_string(), org.account_id(a))];
    let us = in_region(base, "us-east-1");
    for (kind, ..) in CONTACTS {
        let c = org.contact(a, kind).expect("every contact is set");
        put_contact(&us, kind, [&c[0], &c[1], &c[2], &c[3]]).await;
    }
    let role = aws_sdk_iam::Client::new(base)
        .create_role()
        .role_name("secret-rotation")
        .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#)
        .send()
        .await
        .expect("seed: CreateRole");
    let role_arn = role.role().expect("a role").arn().to_string();
    for (r, region) in org.shape.regions.iter().enumerate() {
        let cfg = in_region(base, region);
        let kms = aws_sdk_kms::Client::new(&cfg);
        for k in 0..org.shape.keys {
            let id = kms
                .create_key()
                .send()
                .await
                .expect("seed: CreateKey")
                .key_metadata()
                .expect("key metadata")
                .key_id()
                .to_string();
            if org.key_rotation(a, r, k).0 {
                kms.enable_key_rotation()
                    .key_id(&id)
                    .send()
                    .await
                    .expect("seed: EnableKeyRotation");
            }
            pairs.push((id, org.key_id(a, r, k)));
        }
        let function = aws_sdk_lambda::Client::new(&cfg)
            .create_function()
            .function_name("rotator")
            .runtime(aws_sdk_lambda::types::Runtime::Python312)
            .role(&role_arn)
            .handler("index.handler")
            .code(
                aws_sdk_lambda::types::FunctionCode::builder()
                    .zip_file(aws_smithy_types::Blob::new(crate::support::function_zip()))
                    .build(),
            )
            .send()
            .await
            .unwrap_or_else(|e| panic!("seed: CreateFunction: {e:?}"))
            .function_arn()
            .expect("a function ARN")
            .to_string();
        pairs.push((function.clone(), org.rotation_function(a, region)));
        let sm = aws_sdk_secretsmanager::Client::new(&cfg);
        for s in 0..org.shape.secrets {
            let arn = sm
                .create_secret()
                .name(org.secret_name(s))
                .secret_string("never read by govern")
                .send()
                .await
                .expect("seed: CreateSecret")
                .arn()
                .expect("an ARN")
                .to_string();
            sm.rotate_secret()
                .secret_id(&arn)
                .rotation_lambda_arn(&function)
                .rotation_rules(
                    aws_sdk_secretsmanager::types::RotationRulesType::builder()
                        .automatically_after_days(i64::from(org.secret_days(a, r, s)))
                        .build(),
                )
                .rotate_immediately(false)
                .send()
                .await
                .unwrap_or_else(|e| panic!("seed: RotateSecret: {e:?}"));
            pairs.push((arn, org.secret_arn(a, region, s)));
        }
    }
    pairs
}

/// The plan's changes and findings by address, ids replaced by `pairs`.
fn normalised(plan: &str, pairs: &[(String, String)]) -> Value {
    let mut text = plan.to_string();
    for (from, to) in pairs {
        text = text.replace(from.as_str(), to);
    }
    let mut v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    for list in ["changes", "findings"] {
        if let Some(items) = v.get_mut(list).and_then(Value::as_array_mut) {
            items.sort_by_key(|i| i.to_string());
        }
    }
    v
}

fn pages(items: u64) -> u64 {
    items.div_ceil(20).max(1)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_synthetic_server_and_moto_give_the_same_plan_of_one_organization() {
    let server = Synthetic::start(shape(), Options::test());
    let org = server.org().clone();
    let dir = tempfile::tempdir().unwrap();
    let config = org.write_config(dir.path()).unwrap();

    let synthetic = Govern::new(&["plan", "--json"])
        .config(&config)
        .synthetic(&server)
        .run();
    assert!(synthetic.status.success(), "{synthetic:?}");

    let emu = Emulator::start();
    emu.moto_config(r#"{"lambda":{"use_docker":false}}"#);
    let proxy = Proxy::start(&emu.endpoint(), Faults::none());
    let pairs = seed_moto(&org, &emu, &proxy).await;
    let moto = Govern::new(&["plan", "--json"])
        .config(&config)
        .through(&proxy, &emu)
        .run();
    assert!(moto.status.success(), "{moto:?}");

    let from_synthetic = normalised(&stdout(&synthetic), &[]);
    let from_moto = normalised(&stdout(&moto), &pairs);
    // A plan with every kind of drift the organization has, not an empty one that would match
    // anything.
    let kinds: std::collections::BTreeSet<&str> = from_synthetic["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["change"]["type"].as_str())
        .collect();
    assert!(kinds.len() >= 4, "drift of every kind: {kinds:?}");
    if from_moto != from_synthetic {
        // The items that differ, not two whole plans.
        for key in [
            "changes",
            "findings",
            "unmanaged",
            "conflicts",
            "summary",
            "account_names",
        ] {
            let (m, s) = (&from_moto[key], &from_synthetic[key]);
            if m == s {
                continue;
            }
            match (m.as_array(), s.as_array()) {
                (Some(m), Some(s)) => {
                    let only_moto: Vec<&Value> = m.iter().filter(|i| !s.contains(i)).collect();
                    let only_synthetic: Vec<&Value> = s.iter().filter(|i| !m.contains(i)).collect();
                    eprintln!("{key}: only moto's {only_moto:#?}\nonly the synthetic server's {only_synthetic:#?}");
                }
                _ => eprintln!("{key}: moto's {m:#}\nthe synthetic server's {s:#}"),
            }
        }
        panic!("moto's plan differs from the synthetic server's (above)");
    }

    // The synthetic server pages as AWS does (20 targets a page); moto answers one page whatever
    // MaxResults says, which hides the FullAWSAccess chain.
    let counts: BTreeMap<String, u64> = server.counts();
    let targets: u64 = org.policies().map(|p| pages(org.target_count(p))).sum();
    assert_eq!(counts["organizations:ListTargetsForPolicy"], targets);
    assert!(server.throttled().is_empty());
}

/// Issue 18: `--concurrency auto` (the default) reads more accounts at once until AWS throttles,
/// then halves. STS AssumeRole, the quota every member read shares (one request per account from
/// the management account), is made tight here (5/s, burst 3), so the first 16 accounts at once
/// overrun it: govern sees the throttles (each retried by the SDK), says it halves, and the plan is
/// the same as without quotas. With `--concurrency 16` it never adapts. The server has no latency:
/// nothing here is timed.
#[tokio::test(flavor = "multi_thread")]
async fn auto_concurrency_halves_on_throttles_and_plans_the_same() {
    use govern_testkit::synthetic::{Quotas, Rate};
    let mut shape = shape();
    shape.accounts = 40;
    let free = Synthetic::start(shape.clone(), Options::test());
    let dir = tempfile::tempdir().unwrap();
    let config = free.org().write_config(dir.path()).unwrap();
    let unthrottled = Govern::new(&["plan", "--json"])
        .config(&config)
        .synthetic(&free)
        .run();
    assert!(unthrottled.status.success(), "{unthrottled:?}");

    let tight = || {
        let mut options = Options::test();
        options.quotas = Quotas::none().set(
            "sts:AssumeRole",
            Rate {
                per_second: 5.0,
                burst: 3.0,
            },
        );
        Synthetic::start(shape.clone(), options)
    };
    let server = tight();
    let auto = Govern::new(&["plan", "--json"])
        .config(&config)
        .synthetic(&server)
        .env("RUST_LOG", "govern::discover=debug")
        .run();
    assert!(auto.status.success(), "{auto:?}");
    let throttled: u64 = server.throttled().values().sum();
    assert!(
        throttled > 0,
        "the quota was overrun: {:?}",
        server.throttled()
    );
    let log = crate::support::stderr(&auto);
    assert!(
        log.contains("throttled: fewer accounts at once"),
        "govern halved on the throttles:\n{log}"
    );
    assert_eq!(
        normalised(&stdout(&auto), &[]),
        normalised(&stdout(&unthrottled), &[]),
        "throttles change nothing in the plan"
    );

    let server = tight();
    let fixed = Govern::new(&["--concurrency", "16", "plan", "--json"])
        .config(&config)
        .synthetic(&server)
        .env("RUST_LOG", "govern::discover=debug")
        .run();
    assert!(fixed.status.success(), "{fixed:?}");
    assert!(server.throttled().values().sum::<u64>() > 0);
    assert!(!crate::support::stderr(&fixed).contains("fewer accounts at once"));
}
