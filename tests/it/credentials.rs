//! Credentials: `--assume-role` into the management account, the caller check, and access-denied
//! errors that name the IAM action. The real binary against moto, through the proxy (which answers
//! AccessDenied in each service's own error shape: moto enforces no IAM policies).

use crate::support::Govern;
use std::path::PathBuf;
use std::process::Output;

use govern_testkit::{Emulator, Faults, Proxy, Rule, Seeder};

/// moto's account for the plain test credentials.
const TOOLING: &str = "123456789012";
/// The management account: moto answers AssumeRole into any account with credentials of that account.
const MANAGEMENT: &str = "210987654321";
const ROLE: &str = "arn:aws:iam::210987654321:role/GovernManagement";

fn org_toml() -> String {
    format!(
        "[organization]\nmanagement_account = \"{MANAGEMENT}\"\nhome_region = \"us-east-1\"\n\n\
         [ous.Security]\n\n[contacts.security]\nname = \"Sec\"\ntitle = \"Lead\"\n\
         email = \"sec@example.com\"\nphone = \"+1 555 0100\"\n\n\
         [accounts.audit]\nemail = \"aws+audit@example.com\"\nou = \"Security\"\n"
    )
}

struct Stack {
    emu: Emulator,
    proxy: Proxy,
    dir: tempfile::TempDir,
}

impl Stack {
    /// An organization whose management account is [`MANAGEMENT`], with one member account.
    async fn start() -> Stack {
        let emu = Emulator::start();
        let proxy = Proxy::start(&emu.endpoint(), Faults::default());
        let base = emu.sdk_config().await;
        let role = ::govern::aws::RoleSpec {
            arn: ROLE,
            session_name: "seed",
            external_id: None,
        };
        let management = ::govern::aws::assume(&base, &role).await.expect("assume");
        let seeder = Seeder::new(&management).await;
        seeder.account("audit", "aws+audit@example.com", None).await;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("org.toml"), org_toml()).unwrap();
        Stack { emu, proxy, dir }
    }
    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }
    fn govern(&self, args: &[&str]) -> Output {
        Govern::new(&[])
            .config(&self.path("org.toml"))
            .args(args)
            .through(&self.proxy, &self.emu)
            .run()
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn assume_role_reaches_the_management_account_and_names_the_session() {
    let s = Stack::start().await;

    // The chain's own credentials are the tooling account's: refused, naming both ids.
    let out = s.govern(&["plan", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("belong to account {TOOLING}"))
            && err.contains(&format!("management account {MANAGEMENT}")),
        "{err}"
    );
    assert!(
        err.contains("--assume-role"),
        "the help names --assume-role: {err}"
    );

    s.proxy.reset_counts();
    let out = s.govern(&["--assume-role", ROLE, "plan", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).expect("plan JSON");
    let addresses: Vec<&str> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["address"].as_str().unwrap())
        .collect();
    assert!(addresses.contains(&"ou:Security"), "{addresses:?}");
    // One AssumeRole into the management account, one into the member account (its contacts).
    assert_eq!(s.proxy.count("sts:AssumeRole"), 2, "{:?}", s.proxy.counts());

    // The session name reaches the caller's ARN, which the evidence bundle records.
    let bundle = s.path("bundle");
    let out = s.govern(&[
        "--assume-role",
        ROLE,
        "evidence",
        "--out",
        bundle.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bundle.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["caller"]["account"], MANAGEMENT);
    let arn = manifest["caller"]["arn"].as_str().unwrap();
    assert!(
        arn.ends_with("assumed-role/GovernManagement/govern-evidence"),
        "{arn}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn access_denied_names_the_iam_action() {
    let s = Stack::start().await;

    // Management-account reads: the command fails, naming the action and the policies.
    s.proxy.set_faults(
        Faults::none().rule(Rule::access_denied("organizations:ListAccountsForParent")),
    );
    let out = s.govern(&["--assume-role", ROLE, "plan"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("organizations:ListAccountsForParent on")
            && err.contains("AccessDeniedException")
            && err.contains("lacks permission for organizations:ListAccountsForParent")
            && err.contains("docs/iam/"),
        "{err}"
    );

    // Inside a member account: that account's finding names the action; the plan is incomplete.
    s.proxy
        .set_faults(Faults::none().rule(Rule::access_denied("account:GetAlternateContact")));
    let out = s.govern(&["--assume-role", ROLE, "plan", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).expect("plan JSON");
    let findings = plan["findings"].to_string();
    assert!(
        findings.contains("account:GetAlternateContact: AccessDeniedException")
            && findings.contains("lacks permission for account:GetAlternateContact"),
        "{findings}"
    );

    // The role itself: the error names sts:AssumeRole's role and what the trust policy needs.
    s.proxy
        .set_faults(Faults::none().rule(Rule::access_denied("sts:AssumeRole")));
    let out = s.govern(&["--assume-role", ROLE, "plan"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("cannot assume {ROLE}: AccessDenied"))
            && err.contains("needs sts:AssumeRole on that role")
            && err.contains("trust policy"),
        "{err}"
    );
}
