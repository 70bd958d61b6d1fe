//! Every Organizations policy type (issue 15) end to end: the real binary against moto through the
//! test proxy. moto knows SCPs, RCPs, tag, backup and AI services opt-out policies; the proxy
//! answers the other types itself as AWS documents them (`govern_testkit::policy_types`).

use std::path::Path;
use std::process::Output;

use ::govern::model::PolicyKind;
use govern_testkit::policy_types::MOTO_TYPES;
use govern_testkit::seed::Seeder;
use govern_testkit::{Emulator, Faults, Proxy};
use serde_json::Value;

use crate::support::Govern;

struct Stack {
    emu: Emulator,
    proxy: Proxy,
}

impl Stack {
    async fn start() -> (Self, Seeder) {
        let emu = Emulator::start();
        let proxy = Proxy::start(&emu.endpoint(), Faults::default());
        let cfg = proxy.sdk_config().await;
        let seeder = Seeder::new(&cfg).await;
        (Self { emu, proxy }, seeder)
    }
    fn run(&self, config: &Path, args: &[&str]) -> Output {
        Govern::new(&[])
            .config(config)
            .args(args)
            .through(&self.proxy, &self.emu)
            .run()
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A valid document of each kind (SCP and RCP in the IAM policy language, the others management
/// policies with the top-level key their type allows).
pub fn document(kind: PolicyKind) -> &'static str {
    match kind {
        PolicyKind::ServiceControlPolicy => {
            r#"{"Version": "2012-10-17", "Statement": [{"Sid": "NoLeave", "Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}]}"#
        }
        PolicyKind::ResourceControlPolicy => {
            r#"{"Version": "2012-10-17", "Statement": [{"Sid": "OrgOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*", "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-aa111bb222"}, "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}}]}"#
        }
        PolicyKind::TagPolicy => {
            r#"{"tags": {"costcenter": {"tag_key": {"@@assign": "CostCenter"}, "enforced_for": {"@@assign": ["ec2:instance"]}}}}"#
        }
        PolicyKind::BackupPolicy => {
            r#"{"plans": {"daily": {"regions": {"@@assign": ["us-east-1"]}, "rules": {"every-day": {"schedule_expression": {"@@assign": "cron(0 5 ? * * *)"}, "target_backup_vault_name": {"@@assign": "Default"}}}, "selections": {"tags": {"all": {"iam_role_arn": {"@@assign": "arn:aws:iam::$account:role/Backup"}, "tag_key": {"@@assign": "backup"}, "tag_value": {"@@assign": ["daily"]}}}}}}}"#
        }
        PolicyKind::AiServicesOptOutPolicy => {
            r#"{"services": {"default": {"opt_out_policy": {"@@assign": "optOut"}}}}"#
        }
        PolicyKind::ChatbotPolicy => {
            r#"{"chatbot": {"platforms": {"slack": {"client": {"@@assign": "disabled"}}}}}"#
        }
        PolicyKind::DeclarativePolicyEc2 => {
            r#"{"ec2_attributes": {"instance_metadata_defaults": {"http_tokens": {"@@assign": "required"}}}}"#
        }
        PolicyKind::SecurityHubPolicy => {
            r#"{"securityhub": {"enable_in_regions": {"@@assign": ["us-east-1"]}}}"#
        }
        PolicyKind::InspectorPolicy => {
            r#"{"inspector": {"enablement": {"ec2_scanning": {"enable_in_regions": {"@@assign": ["us-east-1"]}}}}}"#
        }
        PolicyKind::S3Policy => {
            r#"{"s3_attributes": {"public_access_block_configuration": {"@@assign": "all"}}}"#
        }
        PolicyKind::BedrockPolicy => {
            r#"{"bedrock": {"guardrail_inference": {"us-east-1": {"config_1": {"identifier": {"@@assign": "gr-1"}}}}}}"#
        }
        PolicyKind::UpgradeRolloutPolicy => {
            r#"{"upgrade_rollout": {"default": {"patch_order": {"@@assign": "last"}}}}"#
        }
        PolicyKind::GuardDutyPolicy => {
            r#"{"guardduty": {"enable_in_regions": {"@@assign": ["us-east-1"]}}}"#
        }
        PolicyKind::NetworkSecurityDirectorPolicy => {
            r#"{"network_security_director": {"enable_in_regions": {"@@assign": ["us-east-1"]}}}"#
        }
    }
}

/// org.toml declaring one policy of every kind, all attached to the root and the `Workloads` OU.
fn every_kind(dir: &Path) -> std::path::PathBuf {
    let mut toml = String::from(
        "[organization]\nmanagement_account = \"123456789012\"\nhome_region = \"us-east-1\"\n",
    );
    let mut names = vec!["\"FullAWSAccess\"".to_string()];
    for kind in PolicyKind::ALL {
        let name = format!("one-{}", kind.prefix());
        let file = format!("policies/{name}.json");
        std::fs::create_dir_all(dir.join("policies")).unwrap();
        std::fs::write(dir.join(&file), document(kind)).unwrap();
        toml.push_str(&format!(
            "\n[policies.{name}]\nkind = \"{}\"\nfile = \"{file}\"\ndescription = \"one {}\"\n",
            kind.prefix(),
            kind.noun()
        ));
        names.push(format!("\"{name}\""));
    }
    let list = names.join(", ");
    toml.push_str(&format!(
        "\n[root]\npolicies = [{list}]\n\n[ous.Workloads]\npolicies = [{list}]\n"
    ));
    let path = dir.join("org.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

fn plan_json(stack: &Stack, config: &Path) -> Value {
    let out = stack.run(config, &["plan", "--json"]);
    assert!(out.status.success(), "plan: {}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn addresses(plan: &Value, list: &str) -> Vec<String> {
    plan[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["address"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_kind_is_planned_applied_replanned_empty_imported_back_and_drifted() {
    let (stack, seeder) = Stack::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = every_kind(dir.path());

    let out = stack.run(&config, &["validate"]);
    assert!(out.status.success(), "validate: {}", text(&out));

    let plan = plan_json(&stack, &config);
    let changes = addresses(&plan, "changes");
    for kind in PolicyKind::ALL {
        let p = kind.prefix();
        // moto's root starts with no policy type enabled; each kind is enabled before use.
        assert!(
            changes.contains(&format!("root:policy-type/{}", kind.api_name())),
            "{changes:#?}"
        );
        assert!(changes.contains(&format!("{p}:one-{p}")), "{changes:#?}");
        assert!(
            changes.contains(&format!("attach:{p}:one-{p}→root")),
            "{changes:#?}"
        );
        assert!(
            changes.contains(&format!("attach:{p}:one-{p}→ou:Workloads")),
            "{changes:#?}"
        );
    }

    let out = stack.run(&config, &["apply", "--auto-approve"]);
    assert!(out.status.success(), "apply: {}", text(&out));
    for kind in PolicyKind::ALL {
        let op = if MOTO_TYPES.contains(&kind.api_name()) {
            "moto"
        } else {
            "the proxy"
        };
        eprintln!("{}: created and attached through {op}", kind.api_name());
    }

    let out = stack.run(&config, &["plan", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "re-plan: {}", text(&out));

    // Import with every kind present, then plan: zero changes.
    let again = tempfile::tempdir().unwrap();
    let imported = again.path().join("org.toml");
    let out = stack.run(&imported, &["import", "--out", imported.to_str().unwrap()]);
    assert!(out.status.success(), "import: {}", text(&out));
    // The summary counts policies by kind (it said "N custom SCPs" of every kind before).
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(&format!(
            "{n} custom policies (1 SCP, 1 RCP, 1 tag policy,",
            n = PolicyKind::ALL.len()
        )),
        "{said}"
    );
    let written = std::fs::read_to_string(&imported).unwrap();
    for kind in PolicyKind::ALL {
        let p = kind.prefix();
        if kind != PolicyKind::ServiceControlPolicy {
            assert!(written.contains(&format!("kind = \"{p}\"")), "{written}");
        }
        let file = again.path().join(format!("baselines/{p}/one-{p}.json"));
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        assert_eq!(doc, serde_json::from_str::<Value>(document(kind)).unwrap());
    }
    let out = stack.run(&imported, &["validate"]);
    assert!(out.status.success(), "validate imported: {}", text(&out));
    let out = stack.run(&imported, &["plan", "--detailed-exitcode"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "plan after import: {}\n{written}",
        text(&out)
    );

    // Drift: clean after the apply; a document changed by hand (a tag policy in moto, a chatbot
    // policy in the proxy) and a detach (an RCP) are drift at their addresses.
    let out = stack.run(&config, &["drift", "--format", "json"]);
    let clean: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(clean["classification"], "clean", "{}", text(&out));
    let org = &seeder.org;
    for (kind, content) in [
        (
            PolicyKind::TagPolicy,
            r#"{"tags": {"owner": {"tag_key": {"@@assign": "Owner"}}}}"#,
        ),
        (
            PolicyKind::ChatbotPolicy,
            r#"{"chatbot": {"platforms": {"slack": {"client": {"@@assign": "enabled"}}}}}"#,
        ),
    ] {
        let id = policy_id_of(org, kind, &format!("one-{}", kind.prefix())).await;
        org.update_policy()
            .policy_id(id)
            .content(content)
            .send()
            .await
            .unwrap();
    }
    let rcp = policy_id_of(org, PolicyKind::ResourceControlPolicy, "one-rcp").await;
    org.detach_policy()
        .policy_id(rcp)
        .target_id(&seeder.root_id)
        .send()
        .await
        .unwrap();
    let out = stack.run(&config, &["drift", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["classification"], "drift", "{report:#}");
    let mut drifted = addresses(&report["plan"], "changes");
    drifted.sort();
    assert_eq!(
        drifted,
        [
            "attach:rcp:one-rcp→root",
            "chatbot:one-chatbot",
            "tag:one-tag"
        ],
        "{report:#}"
    );
}

async fn policy_id_of(org: &aws_sdk_organizations::Client, kind: PolicyKind, name: &str) -> String {
    let out = org
        .list_policies()
        .filter(aws_sdk_organizations::types::PolicyType::from(
            kind.api_name(),
        ))
        .send()
        .await
        .unwrap();
    out.policies()
        .iter()
        .find(|p| p.name() == Some(name))
        .and_then(|p| p.id())
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_type_govern_does_not_know_is_listed_as_unmanaged() {
    let (stack, seeder) = Stack::start().await;
    // A type AWS may add after this SDK: the proxy takes any type string, as AWS would its own.
    seeder
        .org
        .enable_policy_type()
        .root_id(&seeder.root_id)
        .policy_type(aws_sdk_organizations::types::PolicyType::from(
            "QUANTUM_POLICY",
        ))
        .send()
        .await
        .expect("the proxy enables any type");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("org.toml");
    std::fs::write(
        &config,
        "[organization]\nmanagement_account = \"123456789012\"\nhome_region = \"us-east-1\"\n",
    )
    .unwrap();
    let plan = plan_json(&stack, &config);
    let unmanaged = plan["unmanaged"].as_array().unwrap();
    assert!(
        unmanaged.iter().any(|u| u["address"] == "root"
            && u["note"]
                .as_str()
                .unwrap()
                .contains("policy type QUANTUM_POLICY")),
        "{plan:#}"
    );
    let imported = dir.path().join("imported.toml");
    let out = stack.run(&imported, &["import", "--out", imported.to_str().unwrap()]);
    assert!(out.status.success(), "import: {}", text(&out));
    let out = stack.run(&imported, &["plan", "--detailed-exitcode"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "plan after import: {}",
        text(&out)
    );
}

const BASE: &str =
    "[organization]\nmanagement_account = \"123456789012\"\nhome_region = \"us-east-1\"\n";

/// org.toml with `policies` (name, kind prefix) declared, each with its kind's document, and the
/// targets' lists.
fn file(dir: &Path, policies: &[(&str, PolicyKind)], targets: &str) -> std::path::PathBuf {
    let mut toml = BASE.to_string();
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    for (name, kind) in policies {
        std::fs::write(dir.join(format!("policies/{name}.json")), document(*kind)).unwrap();
        toml.push_str(&format!(
            "\n[policies.{name}]\nkind = \"{}\"\nfile = \"policies/{name}.json\"\n",
            kind.prefix()
        ));
    }
    toml.push_str(targets);
    let path = dir.join("org.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

async fn policy_names(seeder: &Seeder, kind: PolicyKind) -> Vec<String> {
    let out = seeder
        .org
        .list_policies()
        .filter(aws_sdk_organizations::types::PolicyType::from(
            kind.api_name(),
        ))
        .send()
        .await
        .unwrap();
    out.policies()
        .iter()
        .filter_map(|p| p.name().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_govern_made_and_the_file_dropped_is_detached_then_deleted() {
    let (stack, seeder) = Stack::start().await;
    let dir = tempfile::tempdir().unwrap();
    let scp = PolicyKind::ServiceControlPolicy;
    let tag = PolicyKind::TagPolicy;
    let v1 = file(
        dir.path(),
        &[("gone-scp", scp), ("gone-tag", tag), ("solo", scp)],
        "\n[root]\npolicies = [\"FullAWSAccess\", \"gone-scp\", \"gone-tag\"]\n\
         \n[ous.Workloads]\npolicies = [\"FullAWSAccess\", \"gone-scp\", \"gone-tag\"]\n\
         \n[ous.Legacy]\npolicies = [\"FullAWSAccess\", \"solo\"]\n",
    );
    let out = stack.run(&v1, &["apply", "--auto-approve"]);
    assert!(out.status.success(), "apply v1: {}", text(&out));

    // `solo` becomes the only SCP of ou:Legacy (AWS refuses that detach; moto allows it).
    let legacy = seeder.ou("Legacy").await;
    seeder.detach("p-FullAWSAccess", &legacy).await;

    // Dropping `solo` and Legacy's list would leave ou:Legacy without an SCP: a conflict, no delete.
    let v2 = file(
        dir.path(),
        &[("gone-scp", scp), ("gone-tag", tag)],
        "\n[root]\npolicies = [\"FullAWSAccess\", \"gone-scp\", \"gone-tag\"]\n\
         \n[ous.Workloads]\npolicies = [\"FullAWSAccess\", \"gone-scp\", \"gone-tag\"]\n\
         \n[ous.Legacy]\n",
    );
    // A plan with a conflict prints it and exits non-zero.
    let out = stack.run(&v2, &["plan", "--json"]);
    assert!(!out.status.success(), "{}", text(&out));
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        addresses(&plan, "changes"),
        Vec::<String>::new(),
        "{plan:#}"
    );
    let conflicts = plan["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{plan:#}");
    assert_eq!(conflicts[0]["address"], "scp:solo");
    assert!(
        conflicts[0]["message"]
            .as_str()
            .unwrap()
            .contains("it is the only SCP attached to ou:Legacy"),
        "{plan:#}"
    );

    // Dropping the two others: detached everywhere first, then deleted.
    let v3 = file(
        dir.path(),
        &[("solo", scp)],
        "\n[root]\npolicies = [\"FullAWSAccess\"]\n\
         \n[ous.Workloads]\npolicies = [\"FullAWSAccess\"]\n\
         \n[ous.Legacy]\npolicies = [\"solo\"]\n",
    );
    let plan = plan_json(&stack, &v3);
    let mut changes = addresses(&plan, "changes");
    changes.sort();
    assert_eq!(
        changes,
        [
            "attach:scp:gone-scp→ou:Workloads",
            "attach:scp:gone-scp→root",
            "attach:tag:gone-tag→ou:Workloads",
            "attach:tag:gone-tag→root",
            "scp:gone-scp",
            "tag:gone-tag",
        ],
        "{plan:#}"
    );
    for c in plan["changes"].as_array().unwrap() {
        assert_eq!(c["action"], "delete", "{c:#}");
        if c["change"]["type"] == "delete_policy" {
            let name = c["change"]["name"].as_str().unwrap();
            let prefix = if name == "gone-tag" { "tag" } else { "scp" };
            assert_eq!(
                c["depends_on"],
                serde_json::json!([
                    format!("attach:{prefix}:{name}→ou:Workloads"),
                    format!("attach:{prefix}:{name}→root"),
                ]),
                "{c:#}"
            );
        }
    }
    let out = stack.run(&v3, &["plan"]);
    assert!(text(&out).contains("  - scp:gone-scp"), "{}", text(&out));

    // Six removals: more than --max-removals' default of 5.
    let out = stack.run(&v3, &["apply", "--auto-approve"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("more than --max-removals 5"),
        "{}",
        text(&out)
    );
    let out = stack.run(&v3, &["apply", "--auto-approve", "--max-removals", "6"]);
    assert!(out.status.success(), "apply v3: {}", text(&out));
    let out = stack.run(&v3, &["plan", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "re-plan: {}", text(&out));
    assert!(!policy_names(&seeder, scp)
        .await
        .contains(&"gone-scp".to_string()));
    assert!(policy_names(&seeder, scp)
        .await
        .contains(&"solo".to_string()));
    assert!(!policy_names(&seeder, tag)
        .await
        .contains(&"gone-tag".to_string()));
}

async fn policy_id(seeder: &Seeder, kind: PolicyKind, name: &str) -> Option<String> {
    let out = seeder
        .org
        .list_policies()
        .filter(aws_sdk_organizations::types::PolicyType::from(
            kind.api_name(),
        ))
        .send()
        .await
        .unwrap();
    out.policies()
        .iter()
        .find(|p| p.name() == Some(name))
        .and_then(|p| p.id().map(str::to_string))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_moved_policy_is_renamed_in_place_and_keeps_its_id() {
    let (stack, seeder) = Stack::start().await;
    let dir = tempfile::tempdir().unwrap();
    let scp = PolicyKind::ServiceControlPolicy;
    let tag = PolicyKind::TagPolicy;
    let targets = |a: &str, b: &str| {
        format!(
            "\n[root]\npolicies = [\"FullAWSAccess\", \"{a}\", \"{b}\"]\n\
             \n[ous.Workloads]\npolicies = [\"FullAWSAccess\", \"{a}\"]\n"
        )
    };
    let v1 = file(
        dir.path(),
        &[("old-scp", scp), ("old-tag", tag)],
        &targets("old-scp", "old-tag"),
    );
    let out = stack.run(&v1, &["apply", "--auto-approve"]);
    assert!(out.status.success(), "apply v1: {}", text(&out));
    let scp_id = policy_id(&seeder, scp, "old-scp").await.unwrap();
    let tag_id = policy_id(&seeder, tag, "old-tag").await.unwrap();

    let v2 = file(
        dir.path(),
        &[("new-scp", scp), ("new-tag", tag)],
        &format!(
            "{}\n[[moved]]\nfrom = \"scp:old-scp\"\nto = \"scp:new-scp\"\n\
             \n[[moved]]\nfrom = \"tag:old-tag\"\nto = \"tag:new-tag\"\n",
            targets("new-scp", "new-tag")
        ),
    );
    let out = stack.run(&v2, &["validate"]);
    assert!(out.status.success(), "validate: {}", text(&out));
    let plan = plan_json(&stack, &v2);
    assert_eq!(
        addresses(&plan, "changes"),
        ["scp:new-scp", "tag:new-tag"],
        "only the renames, no detach, attach or delete: {plan:#}"
    );
    assert_eq!(plan["changes"][0]["change"]["from"], "old-scp");
    let out = stack.run(&v2, &["plan"]);
    assert!(
        text(&out).contains("name: \"old-scp\" → \"new-scp\""),
        "{}",
        text(&out)
    );
    let out = stack.run(&v2, &["apply", "--auto-approve"]);
    assert!(out.status.success(), "apply v2: {}", text(&out));
    assert_eq!(policy_id(&seeder, scp, "new-scp").await, Some(scp_id));
    assert_eq!(policy_id(&seeder, tag, "new-tag").await, Some(tag_id));
    assert_eq!(policy_id(&seeder, scp, "old-scp").await, None);
    // Still attached where it was, and nothing left to do (the [[moved]] is now a no-op).
    let out = stack.run(&v2, &["plan", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "re-plan: {}", text(&out));
}
