//! The fault proxy against the real emulator: counting, faults and retries, determinism, the
//! responders (region opt-in per account, KMS rotation periods) and holds.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::SdkConfig;
use aws_sdk_account::types::RegionOptStatus;
use aws_sdk_organizations::error::ProvideErrorMetadata;
use govern_testkit::{Emulator, Faults, OptStatus, Proxy, Rule, Seeder};

fn retries(cfg: &SdkConfig, retry: RetryConfig) -> SdkConfig {
    cfg.to_builder().retry_config(retry).build()
}

/// Standard retry (3 attempts) with a short first backoff, so tests stay fast.
fn standard() -> RetryConfig {
    RetryConfig::standard().with_initial_backoff(Duration::from_millis(5))
}

fn counts(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

fn org(cfg: &SdkConfig) -> aws_sdk_organizations::Client {
    aws_sdk_organizations::Client::new(cfg)
}

#[tokio::test(flavor = "multi_thread")]
async fn counts_requests_by_operation_for_every_service() {
    let emulator = Emulator::start();
    let proxy = Proxy::start(&emulator.endpoint(), Faults::none());
    let cfg = proxy.sdk_config().await;
    let seeder = Seeder::new(&cfg).await;
    seeder.org.list_accounts().send().await.unwrap();
    seeder.org.list_accounts().send().await.unwrap();
    aws_sdk_sts::Client::new(&cfg)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    aws_sdk_kms::Client::new(&cfg)
        .list_keys()
        .send()
        .await
        .unwrap();
    aws_sdk_secretsmanager::Client::new(&cfg)
        .list_secrets()
        .send()
        .await
        .unwrap();
    let account = aws_sdk_account::Client::new(&cfg);
    account
        .put_alternate_contact()
        .alternate_contact_type(aws_sdk_account::types::AlternateContactType::Security)
        .email_address("sec@example.com")
        .name("Sec")
        .phone_number("+1-555-0100")
        .title("CISO")
        .send()
        .await
        .unwrap();
    account
        .get_alternate_contact()
        .alternate_contact_type(aws_sdk_account::types::AlternateContactType::Security)
        .send()
        .await
        .unwrap();
    account.list_regions().send().await.unwrap();
    assert_eq!(
        proxy.counts(),
        counts(&[
            ("account:GetAlternateContact", 1),
            ("account:ListRegions", 1),
            ("account:PutAlternateContact", 1),
            ("kms:ListKeys", 1),
            ("organizations:CreateOrganization", 1),
            ("organizations:ListAccounts", 2),
            ("organizations:ListRoots", 1),
            ("secretsmanager:ListSecrets", 1),
            ("sts:GetCallerIdentity", 1),
        ])
    );
    assert_eq!(proxy.count("organizations:ListAccounts"), 2);
    proxy.reset_counts();
    assert!(proxy.counts().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_answers_of_every_service_are_retried_by_standard_retry() {
    let emulator = Emulator::start();
    let proxy = Proxy::start(&emulator.endpoint(), Faults::none());
    let base = proxy.sdk_config().await;
    Seeder::new(&base).await;

    let ops = [
        ("organizations:ListRoots", "TooManyRequestsException"),
        ("sts:GetCallerIdentity", "Throttling"),
        ("kms:ListKeys", "ThrottlingException"),
        ("secretsmanager:ListSecrets", "ThrottlingException"),
        ("account:GetAlternateContact", "TooManyRequestsException"),
        ("account:ListRegions", "TooManyRequestsException"),
    ];
    let mut faults = Faults::seeded(1);
    for (op, _) in ops {
        faults = faults.rule(Rule::throttle(op).times(2));
    }

    // Without retries each call surfaces the service's throttling code once.
    proxy.set_faults(faults.clone());
    proxy.reset_counts();
    let none = retries(&base, RetryConfig::disabled());
    let codes = call_each(&none).await;
    for (op, code) in ops {
        assert_eq!(codes[op].as_deref(), Some(code), "{op} without retries");
    }

    // With standard retry: two throttles, then success; the proxy counted three requests.
    proxy.set_faults(faults);
    proxy.reset_counts();
    let std_cfg = retries(&base, standard());
    let codes = call_each(&std_cfg).await;
    for (op, _) in ops {
        assert_eq!(codes[op], None, "{op} with standard retry");
        assert_eq!(proxy.count(op), 3, "{op} requests: {:?}", proxy.counts());
    }
}

/// One call per throttled operation: None on success, else the error code.
async fn call_each(cfg: &SdkConfig) -> BTreeMap<&'static str, Option<String>> {
    fn code<T, E: ProvideErrorMetadata>(r: Result<T, E>) -> Option<String> {
        r.err().map(|e| e.code().unwrap_or("<no code>").to_string())
    }
    let account = aws_sdk_account::Client::new(cfg);
    let mut out = BTreeMap::new();
    out.insert(
        "organizations:ListRoots",
        code(org(cfg).list_roots().send().await),
    );
    out.insert(
        "sts:GetCallerIdentity",
        code(
            aws_sdk_sts::Client::new(cfg)
                .get_caller_identity()
                .send()
                .await,
        ),
    );
    out.insert(
        "kms:ListKeys",
        code(aws_sdk_kms::Client::new(cfg).list_keys().send().await),
    );
    out.insert(
        "secretsmanager:ListSecrets",
        code(
            aws_sdk_secretsmanager::Client::new(cfg)
                .list_secrets()
                .send()
                .await,
        ),
    );
    // moto answers ResourceNotFoundException when no contact is set: only throttling counts here.
    let contact = account
        .get_alternate_contact()
        .alternate_contact_type(aws_sdk_account::types::AlternateContactType::Billing)
        .send()
        .await;
    out.insert(
        "account:GetAlternateContact",
        code(contact).filter(|c| c != "ResourceNotFoundException"),
    );
    out.insert(
        "account:ListRegions",
        code(account.list_regions().send().await),
    );
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn unavailable_and_dropped_connections_fail_without_retries_and_pass_with_them() {
    let emulator = Emulator::start();
    let proxy = Proxy::start(&emulator.endpoint(), Faults::none());
    let base = proxy.sdk_config().await;
    Seeder::new(&base).await;
    let none = org(&retries(&base, RetryConfig::disabled()));
    let std_client = org(&retries(&base, standard()));

    for rule in [
        Rule::status("organizations:ListRoots", 503),
        Rule::status("organizations:*", 500),
        Rule::drop_connection("organizations:ListRoots"),
    ] {
        proxy.set_faults(Faults::seeded(3).rule(rule.clone().times(1)));
        proxy.reset_counts();
        let err = none
            .list_roots()
            .send()
            .await
            .expect_err("the fault surfaces without retries");
        match rule.effect {
            govern_testkit::Effect::Drop => assert!(
                matches!(
                    err,
                    aws_sdk_organizations::error::SdkError::DispatchFailure(_)
                ),
                "a dropped connection is a dispatch failure: {err:?}"
            ),
            _ => {
                let status = err.raw_response().map(|r| r.status().as_u16());
                assert!(matches!(status, Some(500 | 503)), "{rule:?}: {err:?}");
            }
        }
        assert_eq!(proxy.count("organizations:ListRoots"), 1, "{rule:?}");

        proxy.set_faults(Faults::seeded(3).rule(rule.clone().times(1)));
        proxy.reset_counts();
        std_client
            .list_roots()
            .send()
            .await
            .unwrap_or_else(|e| panic!("{rule:?} with standard retry: {e:?}"));
        assert_eq!(proxy.count("organizations:ListRoots"), 2, "{rule:?}");
    }
}

/// A lost answer: the request acts, the caller sees a dropped connection, and a retry meets what
/// the first attempt did.
#[tokio::test(flavor = "multi_thread")]
async fn a_lost_answer_acts_and_its_retry_meets_what_it_did() {
    let emulator = Emulator::start();
    let proxy = Proxy::start(&emulator.endpoint(), Faults::none());
    let base = proxy.sdk_config().await;
    Seeder::new(&base).await;
    let none = org(&retries(&base, RetryConfig::disabled()));
    let std_client = org(&retries(&base, standard()));
    let create = |client: &aws_sdk_organizations::Client, name: &str| {
        client
            .create_policy()
            .name(name)
            .description("lost")
            .content(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#)
            .r#type(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
            .send()
    };
    let names = || async {
        org(&base)
            .list_policies()
            .filter(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
            .send()
            .await
            .unwrap()
            .policies()
            .iter()
            .filter_map(|p| p.name().map(str::to_string))
            .collect::<Vec<_>>()
    };

    proxy.set_faults(Faults::none().rule(Rule::lose_answer("organizations:CreatePolicy").times(1)));
    let err = create(&none, "first").await.expect_err("no answer");
    assert!(
        matches!(
            err,
            aws_sdk_organizations::error::SdkError::DispatchFailure(_)
        ),
        "a lost answer is a dispatch failure to the caller: {err:?}"
    );
    assert!(names().await.contains(&"first".to_string()), "yet it acted");

    proxy.set_faults(Faults::none().rule(Rule::lose_answer("organizations:CreatePolicy").times(1)));
    proxy.reset_counts();
    let err = create(&std_client, "second")
        .await
        .expect_err("the retry meets the first");
    assert_eq!(err.code(), Some("DuplicatePolicyException"), "{err:?}");
    assert_eq!(proxy.count("organizations:CreatePolicy"), 2);
}

/// AWS refuses a second OU of one name under one parent, and fails a CreateAccount whose email an
/// account has; moto does neither, the proxy does both.
#[tokio::test(flavor = "multi_thread")]
async fn ou_names_and_account_emails_are_unique_as_on_aws() {
    let emulator = Emulator::start();
    let proxy = Proxy::start(&emulator.endpoint(), Faults::none());
    let cfg = proxy.sdk_config().await;
    let seeder = Seeder::new(&cfg).await;
    let org = org(&cfg);
    let ou = || {
        org.create_organizational_unit()
            .parent_id(&seeder.root_id)
            .name("Twin")
            .send()
    };
    ou().await.unwrap();
    let err = ou().await.expect_err("a second OU of that name");
    assert_eq!(err.code(), Some("DuplicateOrganizationalUnitException"));

    let account = || {
        org.create_account()
            .account_name("twin")
            .email("twin@example.com")
            .send()
    };
    let status = |out: aws_sdk_organizations::operation::create_account::CreateAccountOutput| {
        out.create_account_status()
            .unwrap()
            .id()
            .unwrap()
            .to_string()
    };
    let first = status(account().await.unwrap());
    let second = status(account().await.unwrap());
    assert_ne!(first, second);
    let failed = org
        .describe_create_account_status()
        .create_account_request_id(&second)
        .send()
        .await
        .unwrap();
    let failed = failed.create_account_status().unwrap();
    assert_eq!(
        failed.state(),
        Some(&aws_sdk_organizations::types::CreateAccountState::Failed)
    );
    assert_eq!(
        failed.failure_reason(),
        Some(&aws_sdk_organizations::types::CreateAccountFailureReason::EmailAlreadyExists)
    );
    let accounts = org.list_accounts().send().await.unwrap();
    let twins = accounts
        .accounts()
        .iter()
        .filter(|a| a.email() == Some("twin@example.com"))
        .count();
    assert_eq!(twins, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_seed_and_requests_give_the_same_faults() {
    let emulator = Emulator::start();
    let proxy = Proxy::start(&emulator.endpoint(), Faults::none());
    let base = proxy.sdk_config().await;
    Seeder::new(&base).await;
    let cfg = retries(&base, RetryConfig::disabled());
    let (orgs, kms) = (org(&cfg), aws_sdk_kms::Client::new(&cfg));
    let faults = |seed| {
        Faults::seeded(seed)
            .rule(Rule::random_latency(
                "*",
                Duration::ZERO,
                Duration::from_millis(2),
            ))
            .rule(Rule::throttle("organizations:*").probability(0.4))
            .rule(Rule::status("kms:*", 503).probability(0.3))
    };
    let run = |seed| {
        proxy.set_faults(faults(seed));
        let (orgs, kms) = (orgs.clone(), kms.clone());
        async move {
            let mut outcome = String::new();
            for _ in 0..24 {
                outcome.push(if orgs.list_roots().send().await.is_ok() {
                    'o'
                } else {
                    'T'
                });
                outcome.push(if kms.list_keys().send().await.is_ok() {
                    'k'
                } else {
                    '5'
                });
            }
            outcome
        }
    };
    let first = run(42).await;
    assert!(first.contains('T') && first.contains('5') && first.contains('o'));
    assert_eq!(run(42).await, first, "same seed, same faults");
    assert_ne!(run(43).await, first, "another seed, other faults");
}

#[tokio::test(flavor = "multi_thread")]
async fn region_opt_in_is_per_account_through_an_assumed_role_session() {
    let emulator = Emulator::start();
    let proxy = Proxy::start(&emulator.endpoint(), Faults::none());
    let cfg = proxy.sdk_config().await;
    let seeder = Seeder::new(&cfg).await;
    let member = seeder
        .account("Workloads", "aws+workloads@example.com", None)
        .await;
    proxy
        .regions()
        .set(&member, "af-south-1", OptStatus::Enabled);

    let assumed = aws_sdk_sts::Client::new(&cfg)
        .assume_role()
        .role_arn(format!(
            "arn:aws:iam::{member}:role/OrganizationAccountAccessRole"
        ))
        .role_session_name("govern-test")
        .send()
        .await
        .unwrap();
    let creds = assumed
        .credentials()
        .expect("AssumeRole returns credentials");
    assert_eq!(
        proxy.identities().account_of_key(creds.access_key_id()),
        member
    );
    let member_cfg = aws_sdk_account::config::Builder::from(&cfg)
        .credentials_provider(aws_sdk_account::config::Credentials::new(
            creds.access_key_id(),
            creds.secret_access_key(),
            Some(creds.session_token().to_string()),
            None,
            "assumed",
        ))
        .build();
    let as_member = aws_sdk_account::Client::from_conf(member_cfg);
    let as_management = aws_sdk_account::Client::new(&cfg);

    let status = |client: aws_sdk_account::Client, account: Option<String>| async move {
        client
            .get_region_opt_status()
            .set_account_id(account)
            .region_name("af-south-1")
            .send()
            .await
            .unwrap()
            .region_opt_status()
            .cloned()
    };
    assert_eq!(
        status(as_member.clone(), None).await,
        Some(RegionOptStatus::Enabled)
    );
    assert_eq!(
        status(as_management.clone(), None).await,
        Some(RegionOptStatus::Disabled),
        "the management account has its own state"
    );
    assert_eq!(
        status(as_management.clone(), Some(member.clone())).await,
        Some(RegionOptStatus::Enabled),
        "AccountId names the member"
    );

    // The member's enabled regions, filtered and paged.
    let mut pages = as_member
        .list_regions()
        .region_opt_status_contains(RegionOptStatus::Enabled)
        .region_opt_status_contains(RegionOptStatus::EnabledByDefault)
        .max_results(5)
        .into_paginator()
        .send();
    let mut enabled = Vec::new();
    let mut page_count = 0;
    while let Some(page) = pages.next().await {
        page_count += 1;
        for region in page.unwrap().regions() {
            enabled.push(region.region_name().unwrap().to_string());
        }
    }
    assert_eq!(enabled.len(), 18, "{enabled:?}");
    assert!(enabled.contains(&"af-south-1".to_string()));
    assert_eq!(page_count, 4);

    as_member
        .disable_region()
        .region_name("af-south-1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        proxy.regions().get(&member, "af-south-1"),
        Some(OptStatus::Disabled)
    );
    assert_eq!(
        status(as_member.clone(), None).await,
        Some(RegionOptStatus::Disabled)
    );

    // Default regions cannot be switched off; the management account cannot name itself.
    let err = as_member
        .disable_region()
        .region_name("us-east-1")
        .send()
        .await
        .unwrap_err();
    let err = err.into_service_error();
    assert!(err.is_validation_exception(), "{err:?}");
    let aws_sdk_account::operation::disable_region::DisableRegionError::ValidationException(v) =
        err
    else {
        unreachable!()
    };
    assert_eq!(
        v.reason(),
        Some(&aws_sdk_account::types::ValidationExceptionReason::InvalidRegionOptTarget)
    );
    let err = as_management
        .enable_region()
        .account_id(govern_testkit::DEFAULT_ACCOUNT)
        .region_name("af-south-1")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_validation_exception(), "{err:?}");
    assert_eq!(
        proxy.count("account:DisableRegion"),
        2,
        "{:?}",
        proxy.counts()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn kms_rotation_periods_are_recorded_and_returned() {
    let emulator = Emulator::start();
    let proxy = Proxy::start(&emulator.endpoint(), Faults::none());
    let kms = aws_sdk_kms::Client::new(&proxy.sdk_config().await);
    let direct = aws_sdk_kms::Client::new(&emulator.sdk_config().await);
    let new_key = |client: aws_sdk_kms::Client| async move {
        let meta = client.create_key().send().await.unwrap();
        let meta = meta.key_metadata().unwrap();
        (meta.key_id().to_string(), meta.arn().unwrap().to_string())
    };
    let period = |id: String| {
        let kms = kms.clone();
        async move {
            let out = kms
                .get_key_rotation_status()
                .key_id(id)
                .send()
                .await
                .unwrap();
            (out.key_rotation_enabled(), out.rotation_period_in_days())
        }
    };

    let (a, _) = new_key(kms.clone()).await;
    assert_eq!(period(a.clone()).await, (false, None));
    kms.enable_key_rotation()
        .key_id(&a)
        .rotation_period_in_days(90)
        .send()
        .await
        .unwrap();
    assert_eq!(period(a.clone()).await, (true, Some(90)));
    assert_eq!(proxy.kms_periods().get(&a), Some(90));

    // By ARN, no period: KMS's default.
    let (b, b_arn) = new_key(kms.clone()).await;
    kms.enable_key_rotation()
        .key_id(&b_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(period(b_arn).await, (true, Some(365)));
    assert_eq!(proxy.kms_periods().get(&b), Some(365));

    // Enabled behind the proxy's back, period seeded.
    let (c, _) = new_key(direct.clone()).await;
    direct
        .enable_key_rotation()
        .key_id(&c)
        .rotation_period_in_days(180)
        .send()
        .await
        .unwrap();
    proxy.kms_periods().set(&c, 180);
    assert_eq!(period(c.clone()).await, (true, Some(180)));

    kms.disable_key_rotation().key_id(&a).send().await.unwrap();
    assert_eq!(period(a).await, (false, None));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hold_keeps_the_request_until_released() {
    let emulator = Emulator::start();
    let proxy = Proxy::start(&emulator.endpoint(), Faults::none());
    let cfg = proxy.sdk_config().await;
    let seeder = Seeder::new(&cfg).await;

    let idle = proxy.hold("organizations:ListAccounts");
    assert!(!idle.wait_until_held(Duration::from_millis(100)));
    idle.release();

    let hold = proxy.hold("organizations:ListAccounts");
    let org = seeder.org.clone();
    let call = tokio::spawn(async move { org.list_accounts().send().await });
    // wait_until_held blocks: off the async workers.
    let (was_held, hold) = tokio::task::spawn_blocking(move || {
        let held = hold.wait_until_held(Duration::from_secs(10));
        (held, hold)
    })
    .await
    .unwrap();
    assert!(was_held && hold.is_held());
    // Other operations pass meanwhile.
    seeder.org.list_roots().send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!call.is_finished(), "the held request waits");
    assert_eq!(proxy.count("organizations:ListAccounts"), 1);
    hold.release();
    let out = tokio::time::timeout(Duration::from_secs(10), call)
        .await
        .expect("released in time")
        .unwrap()
        .unwrap();
    assert_eq!(out.accounts().len(), 1, "the management account");
    // A released hold holds nothing more.
    seeder.org.list_accounts().send().await.unwrap();
}
