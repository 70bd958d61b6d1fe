//! Saved plans end to end against moto: `plan -o`, `show`, and `apply FILE` refusing stale plans.

use crate::support::Govern;
use std::path::{Path, PathBuf};
use std::process::Output;

use govern_testkit::seed::Seeder;
use govern_testkit::Emulator;
use serde_json::Value;

const DENY_LEAVE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}"#;

/// A small organization file in its own directory.
struct Org {
    dir: tempfile::TempDir,
}

impl Org {
    fn new() -> Org {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("scp")).unwrap();
        std::fs::write(dir.path().join("scp/deny-leave.json"), DENY_LEAVE).unwrap();
        std::fs::write(
            dir.path().join("org.toml"),
            "[organization]\nmanagement_account = \"123456789012\"\nhome_region = \"us-east-1\"\n\n\
             [policies.deny-leave-org]\nfile = \"scp/deny-leave.json\"\ndescription = \"no leaving\"\n\n\
             [root]\npolicies = [\"FullAWSAccess\", \"deny-leave-org\"]\n\n\
             [ous.Security]\n",
        )
        .unwrap();
        Org { dir }
    }
    fn config(&self) -> PathBuf {
        self.dir.path().join("org.toml")
    }
    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }
    fn plan_file(&self) -> String {
        self.path("plans/release.json")
            .to_str()
            .unwrap()
            .to_string()
    }
}

fn govern(emu: &Emulator, config: &Path, args: &[&str]) -> Output {
    Govern::new(&[])
        .config(config)
        .args(args)
        .against(emu)
        .run()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn save_plan(emu: &Emulator, org: &Org) -> Value {
    let out = govern(emu, &org.config(), &["plan", "-o", &org.plan_file()]);
    assert!(out.status.success(), "plan -o failed");
    assert!(stderr(&out).contains("apply exactly it with `govern apply"));
    serde_json::from_str(&std::fs::read_to_string(org.plan_file()).unwrap()).unwrap()
}

fn journal(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).expect("each journal line is JSON"))
        .collect()
}

async fn policy_names(seeder: &Seeder) -> Vec<String> {
    let out = seeder
        .org
        .list_policies()
        .filter(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap();
    out.policies()
        .iter()
        .filter_map(|p| p.name().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fresh_saved_plan_applies_exactly_and_then_is_stale() {
    let emu = Emulator::start();
    let _ = Seeder::new(&emu.sdk_config().await).await;
    let org = Org::new();
    let saved = save_plan(&emu, &org);

    assert_eq!(saved["format_version"], 1);
    assert_eq!(saved["kind"], "saved_plan");
    assert_eq!(saved["caller_account"], "123456789012");
    assert!(saved["organization_id"].as_str().unwrap().starts_with("o-"));
    assert_eq!(saved["plan_id"].as_str().unwrap().len(), 12);
    assert!(saved["created_at"].as_str().unwrap().ends_with('Z'));
    let files = saved["config"]["files"].as_object().unwrap();
    assert!(files.contains_key("org.toml") && files.contains_key("scp/deny-leave.json"));
    let mut touched: Vec<&str> = saved["fingerprints"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut addresses: Vec<&str> = saved["plan"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["address"].as_str().unwrap())
        .collect();
    touched.sort();
    addresses.sort();
    assert_eq!(touched, addresses);

    // show renders it in every format, without AWS.
    let shown = govern(&emu, &org.config(), &["show", &org.plan_file()]);
    assert!(shown.status.success());
    assert!(stdout(&shown).contains("+ attach:scp:deny-leave-org→root"));
    assert!(stdout(&shown).contains(saved["plan_id"].as_str().unwrap()));
    let json = govern(
        &emu,
        &org.config(),
        &["show", &org.plan_file(), "--format", "json"],
    );
    let json: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["changes"], saved["plan"]["changes"]);
    let md = govern(
        &emu,
        &org.config(),
        &["show", &org.plan_file(), "--format", "markdown"],
    );
    assert!(
        stdout(&md).contains("| `+` create | 3 |"),
        "{}",
        stdout(&md)
    );

    let out = govern(&emu, &org.config(), &["apply", &org.plan_file()]);
    assert!(out.status.success(), "saved plan apply failed");
    assert!(stdout(&out)
        .contains("Apply complete: 4 change(s) made; the organization matches org.toml."));
    let out = govern(&emu, &org.config(), &["plan", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "the plan after is empty");
    assert!(org.path("plans/last-apply.json").exists());

    // The journal: every change started then finished, in plan order, each line with a time.
    let id = saved["plan_id"].as_str().unwrap();
    let journal = journal(&org.path(&format!("plans/{id}.journal.jsonl")));
    let expected: Vec<(String, String)> = saved["plan"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| {
            let a = c["address"].as_str().unwrap().to_string();
            [(a.clone(), "started".into()), (a, "finished".into())]
        })
        .collect();
    let got: Vec<(String, String)> = journal
        .iter()
        .map(|l| {
            assert!(l["time"].as_str().unwrap().ends_with('Z'), "{l}");
            assert!(l.get("error").is_none(), "{l}");
            // A finished change names the AWS request ids of its calls.
            if l["event"] == "finished" {
                let ids = l["request_ids"].as_array().expect("request ids");
                assert!(
                    !ids.is_empty()
                        && ids
                            .iter()
                            .all(|i| i.as_str().is_some_and(|s| !s.is_empty())),
                    "{l}"
                );
            } else {
                assert!(l.get("request_ids").is_none(), "{l}");
            }
            (
                l["address"].as_str().unwrap().to_string(),
                l["event"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(got, expected);

    // The same file again: everything it touches has changed since.
    let again = govern(&emu, &org.config(), &["apply", &org.plan_file()]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("is stale"), "{}", stderr(&again));
    assert!(stderr(&again).contains("ou:Security changed in AWS"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plan_made_stale_out_of_band_is_refused_naming_the_resources() {
    let emu = Emulator::start();
    let seeder = Seeder::new(&emu.sdk_config().await).await;
    let org = Org::new();
    save_plan(&emu, &org);

    // Someone creates the OU and a policy of the same name by hand.
    seeder.ou("Security").await;
    seeder.policy("deny-leave-org", DENY_LEAVE, "by hand").await;

    let out = govern(&emu, &org.config(), &["apply", &org.plan_file()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("is stale, so it was not applied"), "{err}");
    assert!(err.contains("ou:Security changed in AWS"), "{err}");
    assert!(err.contains("scp:deny-leave-org changed in AWS"), "{err}");
    assert!(
        !err.contains("attach:scp:deny-leave-org→root changed"),
        "{err}"
    );
    assert!(err.contains("make a new plan"), "{err}");
    // Nothing was applied: the only policies are FullAWSAccess and the hand-made one.
    assert_eq!(policy_names(&seeder).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plan_whose_config_was_edited_is_refused() {
    let emu = Emulator::start();
    let seeder = Seeder::new(&emu.sdk_config().await).await;
    let org = Org::new();
    save_plan(&emu, &org);
    let toml = std::fs::read_to_string(org.config()).unwrap();
    std::fs::write(org.config(), toml + "[ous.Workloads]\n").unwrap();

    let out = govern(&emu, &org.config(), &["apply", &org.plan_file()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("config file org.toml changed"), "{err}");
    assert!(!err.contains("changed in AWS"), "{err}");
    assert_eq!(policy_names(&seeder).await, ["FullAWSAccess"]);

    // Not a saved plan at all.
    std::fs::write(org.path("junk.json"), "{\"kind\":\"other\"}").unwrap();
    let out = govern(
        &emu,
        &org.config(),
        &["apply", org.path("junk.json").to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("is not a saved plan"));
}

#[tokio::test(flavor = "multi_thread")]
async fn more_removals_than_max_removals_are_refused_unless_allowed() {
    let emu = Emulator::start();
    let seeder = Seeder::new(&emu.sdk_config().await).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("org.toml");
    std::fs::write(
        &config,
        "[organization]\nmanagement_account = \"123456789012\"\nhome_region = \"us-east-1\"\n\n\
         [root]\npolicies = [\"FullAWSAccess\"]\n",
    )
    .unwrap();
    // Six SCPs attached to the root by hand: the file says only FullAWSAccess.
    for i in 0..6 {
        let doc = DENY_LEAVE.replace("organizations:LeaveOrganization", &format!("svc{i}:*"));
        let id = seeder.policy(&format!("legacy{i}"), &doc, "").await;
        seeder.attach(&id, &seeder.root_id).await;
    }
    let attached = || async {
        seeder
            .org
            .list_policies_for_target()
            .target_id(&seeder.root_id)
            .filter(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
            .send()
            .await
            .unwrap()
            .policies()
            .len()
    };
    assert_eq!(attached().await, 7);

    let out = govern(&emu, &config, &["apply", "--auto-approve"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("the plan removes 6 things, more than --max-removals 5"),
        "{err}"
    );
    assert!(err.contains("attach:scp:legacy0→root"), "{err}");
    assert!(err.contains("--allow-removals"), "{err}");
    assert_eq!(attached().await, 7, "nothing was detached");

    // A saved plan meets the same rail.
    let file = dir.path().join("plans/cleanup.json");
    let file = file.to_str().unwrap();
    assert!(govern(&emu, &config, &["plan", "-o", file])
        .status
        .success());
    let out = govern(&emu, &config, &["apply", file, "--max-removals", "3"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("more than --max-removals 3"));
    assert_eq!(attached().await, 7);

    let out = govern(&emu, &config, &["apply", file, "--allow-removals"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(attached().await, 1);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let id = saved["plan_id"].as_str().unwrap();
    let lines = journal(&dir.path().join(format!("plans/{id}.journal.jsonl")));
    // Enabling the SCP type (moto starts without it) and six detaches, each started and finished.
    assert_eq!(lines.len(), 14, "{lines:?}");
    let finished: Vec<&str> = lines
        .iter()
        .filter(|l| l["event"] == "finished")
        .map(|l| l["address"].as_str().unwrap())
        .filter(|a| a.starts_with("attach:scp:legacy"))
        .collect();
    assert_eq!(finished.len(), 6, "{lines:?}");
}

/// Issue 14: a saved plan is applied only as reviewed. Each edit below is made to a fresh copy of
/// one reviewed plan; each is refused, naming what differs, and nothing changes in AWS.
#[tokio::test(flavor = "multi_thread")]
async fn an_edited_saved_plan_is_refused_naming_what_differs() {
    let emu = Emulator::start();
    let seeder = Seeder::new(&emu.sdk_config().await).await;
    // In AWS: deny-leave-org with another document (an update), and a legacy SCP on the root that the
    // file does not list (a detach).
    let other = DENY_LEAVE.replace("organizations:LeaveOrganization", "iam:CreateUser");
    seeder.policy("deny-leave-org", &other, "old").await;
    let legacy = seeder.policy("legacy", &other, "").await;
    seeder.attach(&legacy, &seeder.root_id).await;
    let org = Org::new();
    let saved = save_plan(&emu, &org);
    let changes = saved["plan"]["changes"].as_array().unwrap().clone();
    let index_of = |ty: &str| {
        changes
            .iter()
            .position(|c| c["change"]["type"] == ty)
            .unwrap_or_else(|| panic!("no {ty} in {changes:#?}"))
    };
    let update = index_of("update_policy");
    let detach = index_of("detach");
    let policies_before = policy_names(&seeder).await.len();

    // The plan id, recomputed the way govern computes it, so that an edit is not caught by it alone.
    let rehash = |v: &mut Value| {
        let plan: ::govern::plan::Plan = serde_json::from_value(v["plan"].clone()).unwrap();
        v["plan_id"] = ::govern::plan::plan_id(&plan).into();
    };
    let apply_edited = |name: &str, edit: &dyn Fn(&mut Value)| {
        let mut v = saved.clone();
        edit(&mut v);
        let file = org.path(&format!("plans/{name}.json"));
        std::fs::write(&file, serde_json::to_string_pretty(&v).unwrap()).unwrap();
        let out = govern(&emu, &org.config(), &["apply", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", stderr(&out));
        assert!(
            !stdout(&out).contains("… done"),
            "{name} changed AWS: {}",
            stdout(&out)
        );
        stderr(&out)
    };

    // 1. A changed document in update_policy.after, plan id left as it was.
    let doc = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    let err = apply_edited("document", &|v| {
        v["plan"]["changes"][update]["change"]["after"]["document"] = doc.clone();
    });
    assert!(
        err.contains("plan id") && err.contains("edited after"),
        "{err}"
    );
    // 2. The same, with the plan id recomputed: the plan is made again and compared.
    let err = apply_edited("document-rehashed", &|v| {
        v["plan"]["changes"][update]["change"]["after"]["document"] = doc.clone();
        rehash(v);
    });
    assert!(
        err.contains("scp:deny-leave-org") && err.contains("change.after.document"),
        "{err}"
    );
    // 3. A change injected before a reviewed one, reusing its address.
    let err = apply_edited("injected", &|v| {
        let mut twin = v["plan"]["changes"][update].clone();
        twin["change"]["after"]["document"] = doc.clone();
        v["plan"]["changes"]
            .as_array_mut()
            .unwrap()
            .insert(update, twin);
        rehash(v);
    });
    assert!(
        err.contains("scp:deny-leave-org") && err.contains("twice"),
        "{err}"
    );
    // 4. A removal relabelled as an update (which --max-removals would not count).
    let err = apply_edited("action", &|v| {
        v["plan"]["changes"][detach]["action"] = "update".into();
        rehash(v);
    });
    assert!(
        err.contains("attach:scp:legacy→root") && err.contains("action"),
        "{err}"
    );
    assert_eq!(policy_names(&seeder).await.len(), policies_before);

    // The reviewed file itself still applies.
    let out = govern(&emu, &org.config(), &["apply", &org.plan_file()]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// A saved plan's account names are for people, and the file is untrusted: names written into it
/// after review (plan id recomputed) never reach the terminal of the apply; it prints the names
/// AWS holds now.
#[tokio::test(flavor = "multi_thread")]
async fn a_saved_plan_shows_the_names_aws_holds_not_the_files() {
    let emu = Emulator::start();
    let _organization = Seeder::new(&emu.sdk_config().await).await;
    let org = Org::new();
    let mut saved = save_plan(&emu, &org);
    let names = saved["plan"]["account_names"].as_object().unwrap().clone();
    let (id, real) = names.iter().next().expect("the plan names an account");
    let real = real.as_str().unwrap().to_string();
    saved["plan"]["account_names"][id] = "forged-name".into();
    let plan: ::govern::plan::Plan = serde_json::from_value(saved["plan"].clone()).unwrap();
    saved["plan_id"] = ::govern::plan::plan_id(&plan).into();
    std::fs::write(
        org.plan_file(),
        serde_json::to_string_pretty(&saved).unwrap(),
    )
    .unwrap();
    let out = govern(&emu, &org.config(), &["apply", &org.plan_file()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = stdout(&out);
    assert!(!printed.contains("forged-name"), "{printed}");
    assert!(
        printed.contains(&format!("account:{id} ({real})")),
        "{printed}"
    );
}
