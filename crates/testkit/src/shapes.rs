//! Organizations shaped like years of use, for `govern import`'s acceptance test: deep OUs, names
//! with spaces and non-ASCII characters, more than 20 of everything a list call pages over, SCPs
//! attached at every level and one shared by many targets, an SCP near the old 5,120-character
//! limit, SCPs enabled, trusted access and a delegated administrator.

use std::collections::BTreeMap;

use aws_sdk_organizations::types::PolicyType;

use crate::sdk_error;
use crate::seed::Seeder;

/// The OUs of [`long_lived`], parents first: five levels under `Ünits`.
pub const LONG_LIVED_OUS: &[&str] = &[
    "Ünits",
    "Ünits/Zwei Drei",
    "Ünits/Zwei Drei/c",
    "Ünits/Zwei Drei/c/d",
    "Ünits/Zwei Drei/c/d/e",
    "Workloads",
    "Workloads/Prod",
];
/// Member accounts of [`long_lived`]: 21 of them directly under the root (with the management
/// account, 22 there: ListAccountsForParent pages).
pub const LONG_LIVED_MEMBERS: usize = 24;
/// Small numbered SCPs `legacy-00` … (with the named ones, 24 custom SCPs: ListPolicies pages).
pub const LEGACY_SCPS: usize = 20;
/// The SCP attached to every member account (24 targets: ListTargetsForPolicy pages).
pub const SHARED_SCP: &str = "Zugriff für Prüfer";
/// The SCP whose minified document is just under 5,120 characters.
pub const NEAR_LIMIT_SCP: &str = "near limit";

/// What [`long_lived`] made, by name.
#[derive(Debug, Clone)]
pub struct LongLived {
    pub seeder: Seeder,
    pub ous: BTreeMap<String, String>,
    /// `acct NN` → id, in order.
    pub accounts: Vec<(String, String)>,
    pub policies: BTreeMap<String, String>,
}

/// The account names of [`long_lived`]: `acct 00` … (with a space).
pub fn long_lived_account(i: usize) -> String {
    format!("acct {i:02}")
}

/// Builds the organization:
///
/// - OUs [`LONG_LIVED_OUS`]; `acct 00` in the deepest, `acct 01` and `acct 02` in
///   `Workloads/Prod`, the others directly under the root.
/// - SCPs `legacy-NN` (even ones with a description), [`SHARED_SCP`] (described in non-ASCII),
///   [`NEAR_LIMIT_SCP`], and `region-deny` and `region-deny-old` with the documents given (the test
///   passes govern's template and a near miss of it).
/// - Attached: `legacy-00` to the root, `legacy-01` to `Ünits`, `legacy-02` and [`NEAR_LIMIT_SCP`]
///   to the deepest OU, `region-deny` to `Workloads/Prod`, `region-deny-old` to `Workloads`,
///   [`SHARED_SCP`] to every member account, `legacy-04` to `acct 03`; the other legacy SCPs
///   nowhere. FullAWSAccess stays wherever AWS attaches it.
/// - SCPs enabled on the root; trusted access for CloudTrail, Config and Config multi-account
///   setup; `acct 01` delegated administrator for config-multiaccountsetup.
pub async fn long_lived(
    cfg: &aws_config::SdkConfig,
    region_deny: &str,
    region_deny_near_miss: &str,
) -> LongLived {
    let seeder = Seeder::new(cfg).await;
    let org = &seeder.org;
    org.enable_policy_type()
        .root_id(&seeder.root_id)
        .policy_type(PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap_or_else(|e| panic!("seed: EnablePolicyType failed: {}", sdk_error(&e)));
    let paths: Vec<String> = LONG_LIVED_OUS.iter().map(|p| p.to_string()).collect();
    let ous: BTreeMap<String, String> = seeder.ous_bulk(&paths, 4).await.into_iter().collect();

    let deepest = &ous[LONG_LIVED_OUS[4]];
    let specs: Vec<(String, String, String)> = (0..LONG_LIVED_MEMBERS)
        .map(|i| {
            let parent = match i {
                0 => deepest.clone(),
                1 | 2 => ous["Workloads/Prod"].clone(),
                _ => seeder.root_id.clone(),
            };
            (
                long_lived_account(i),
                format!("acct-{i:02}@example.com"),
                parent,
            )
        })
        .collect();
    let ids = seeder.accounts_bulk(&specs, 8).await;
    let accounts: Vec<(String, String)> = specs
        .iter()
        .map(|(name, _, _)| name.clone())
        .zip(ids)
        .collect();

    let mut documents: Vec<(String, String, String)> = (0..LEGACY_SCPS)
        .map(|i| {
            (
                format!("legacy-{i:02}"),
                format!(
                    r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"svc{i}:*","Resource":"*"}}]}}"#
                ),
                if i % 2 == 0 {
                    format!("Legacy rule {i}")
                } else {
                    String::new()
                },
            )
        })
        .collect();
    documents.extend([
        (
            SHARED_SCP.to_string(),
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"NoBucketDeletes","Effect":"Deny","Action":["s3:DeleteBucket","s3:DeleteBucketPolicy"],"Resource":"*"}]}"#.to_string(),
            "Prüfer dürfen nichts löschen".to_string(),
        ),
        (
            NEAR_LIMIT_SCP.to_string(),
            near_limit_document(),
            "Just under the old size limit".to_string(),
        ),
        (
            "region-deny".to_string(),
            region_deny.to_string(),
            "Deny every region outside the allowed ones".to_string(),
        ),
        (
            "region-deny-old".to_string(),
            region_deny_near_miss.to_string(),
            String::new(),
        ),
    ]);
    let mut policies = BTreeMap::new();
    for (name, document, description) in &documents {
        let id = seeder.policy(name, document, description).await;
        policies.insert(name.clone(), id);
    }

    let attach = [
        ("legacy-00", seeder.root_id.clone()),
        ("legacy-01", ous["Ünits"].clone()),
        ("legacy-02", deepest.clone()),
        (NEAR_LIMIT_SCP, deepest.clone()),
        ("region-deny", ous["Workloads/Prod"].clone()),
        ("region-deny-old", ous["Workloads"].clone()),
        ("legacy-04", accounts[3].1.clone()),
    ];
    for (policy, target) in attach {
        seeder.attach(&policies[policy], &target).await;
    }
    for (_, id) in &accounts {
        seeder.attach(&policies[SHARED_SCP], id).await;
    }

    // Trusted access first for the delegated administrator's service too, as AWS requires.
    for service in [
        "cloudtrail.amazonaws.com",
        "config.amazonaws.com",
        "config-multiaccountsetup.amazonaws.com",
    ] {
        org.enable_aws_service_access()
            .service_principal(service)
            .send()
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "seed: EnableAWSServiceAccess {service} failed: {}",
                    sdk_error(&e)
                )
            });
    }
    org.register_delegated_administrator()
        .account_id(&accounts[1].1)
        .service_principal("config-multiaccountsetup.amazonaws.com")
        .send()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "seed: RegisterDelegatedAdministrator failed: {}",
                sdk_error(&e)
            )
        });

    LongLived {
        seeder,
        ous,
        accounts,
        policies,
    }
}

/// A deny of many actions whose minified document is 5,000 to 5,120 characters.
pub fn near_limit_document() -> String {
    let mut actions: Vec<String> = Vec::new();
    let render = |actions: &[String]| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"DenyManyThings","Effect":"Deny","Action":[{}],"Resource":"*"}}]}}"#,
            actions
                .iter()
                .map(|a| format!("\"{a}\""))
                .collect::<Vec<_>>()
                .join(",")
        )
    };
    let mut i = 0;
    while render(&actions).len() < 5_060 {
        actions.push(format!("ec2:DescribeThing{i:04}"));
        i += 1;
    }
    let doc = render(&actions);
    assert!((5_000..=5_120).contains(&doc.len()), "{}", doc.len());
    doc
}
