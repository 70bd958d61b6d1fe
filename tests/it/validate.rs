//! Every validation rule of org.toml, each asserting the exact problem line: file, line, column, key
//! and message.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ::govern::config::{self, ConfigError, Problem};
use ::govern::model::{BaselineKind, Contact, ContactType, OuPath, Parent, PolicyName};

/// Lines 1 to 3 of most test files.
const BASE: &str = "[organization]
management_account = \"123456789012\"
home_region = \"us-east-1\"
";

const SCP: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}"#;

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, contents: &str) -> PathBuf {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }

    fn load(&self, toml: &str) -> Result<config::Loaded, ConfigError> {
        config::load(&self.write("org.toml", toml))
    }

    fn error(&self, toml: &str) -> ConfigError {
        match self.load(toml) {
            Ok(_) => panic!("expected problems in:\n{toml}"),
            Err(e) => e,
        }
    }

    /// Every problem's Display line.
    fn problems(&self, toml: &str) -> Vec<String> {
        self.error(toml)
            .problems
            .iter()
            .map(Problem::to_string)
            .collect()
    }

    /// The only problem.
    fn problem(&self, toml: &str) -> Problem {
        let e = self.error(toml);
        assert_eq!(
            e.problems.len(),
            1,
            "expected one problem, got {:#?}",
            lines(&e)
        );
        e.problems.into_iter().next().unwrap()
    }

    /// `<path of org.toml><rest>`, what a problem in org.toml displays as.
    fn at(&self, rest: &str) -> String {
        format!("{}{rest}", self.path("org.toml").display())
    }
}

fn lines(e: &ConfigError) -> Vec<String> {
    e.problems.iter().map(Problem::to_string).collect()
}

fn toml(parts: &[&str]) -> String {
    parts.concat()
}

// ---- the sample -------------------------------------------------------------------------------

#[test]
fn the_sample_org_toml_loads_cleanly() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("org.toml");
    let loaded = match config::load(&path) {
        Ok(l) => l,
        Err(e) => panic!("{e}:\n{}", lines(&e).join("\n")),
    };
    let d = &loaded.desired;
    assert_eq!(d.management_account.as_str(), "123456789012");
    assert_eq!(d.member_role, "OrganizationAccountAccessRole");
    assert_eq!(d.policies.len(), 4);
    assert_eq!(
        d.ous.keys().map(OuPath::as_str).collect::<Vec<_>>(),
        ["Security", "Workloads", "Workloads/Dev", "Workloads/Prod"]
    );
    assert_eq!(
        d.ous[&OuPath::parse("Workloads/Dev").unwrap()].policies,
        None
    );
    assert_eq!(d.accounts.len(), 4);
    assert_eq!(
        d.accounts["prod-app"].parent,
        Parent::Ou(OuPath::parse("Workloads/Prod").unwrap())
    );
    let region_deny = &d.policies[&PolicyName::parse("region-deny").unwrap()];
    assert_eq!(region_deny.source, "template deny-regions");
    let leave = &d.policies[&PolicyName::parse("deny-leave-org").unwrap()];
    assert_eq!(leave.source, "baselines/scp/deny-leave-organization.json");
    assert_eq!(
        leave.description,
        "Member accounts cannot leave the organization"
    );
    let dir = path.parent().unwrap();
    assert_eq!(
        loaded.files,
        [
            path.clone(),
            dir.join("baselines/scp/deny-leave-organization.json"),
            dir.join("baselines/scp/deny-root-user.json"),
            dir.join("baselines/scp/protect-logging.json"),
        ]
    );
}

#[test]
fn desired_holds_implied_ous_defaults_and_exact_sets() {
    let f = Fixture::new();
    f.write("scp/a.json", SCP);
    let d = f
        .load(&toml(&[
            BASE,
            "[policies.a]\nfile = \"scp/a.json\"\n",
            "[root]\npolicies = [\"FullAWSAccess\", \"a\"]\n",
            "[ous.\"Workloads/Prod/Web\"]\npolicies = [\"a\"]\n",
            "[accounts.web]\nemail = \"aws+web@example.com\"\nou = \"Workloads\"\nid = \"111122223333\"\n",
            "[accounts.top]\nemail = \"aws+top@example.com\"\n",
        ]))
        .unwrap()
        .desired;
    assert_eq!(d.member_role, config::DEFAULT_MEMBER_ROLE);
    assert_eq!(d.limits, ::govern::model::Limits::default());
    assert!(d.allowed_regions.is_empty());
    assert_eq!(
        d.ous.keys().map(OuPath::as_str).collect::<Vec<_>>(),
        ["Workloads", "Workloads/Prod", "Workloads/Prod/Web"]
    );
    assert_eq!(d.ous[&OuPath::parse("Workloads").unwrap()].policies, None);
    let a: BTreeSet<_> = [PolicyName::parse("a").unwrap()].into();
    assert_eq!(
        d.ous[&OuPath::parse("Workloads/Prod/Web").unwrap()].policies,
        Some(a)
    );
    assert_eq!(d.root_policies.as_ref().unwrap().len(), 2);
    assert_eq!(
        d.accounts["web"].parent,
        Parent::Ou(OuPath::parse("Workloads").unwrap())
    );
    assert_eq!(
        d.accounts["web"].id.as_ref().unwrap().as_str(),
        "111122223333"
    );
    assert_eq!(d.accounts["top"].parent, Parent::Root);
    assert_eq!(d.accounts["top"].policies, None);
    assert_eq!(d.policies.values().next().unwrap().description, "");
}

#[test]
fn all_problems_are_reported_in_file_order() {
    let f = Fixture::new();
    let problems = f.problems(&toml(&[
        "[accounts.b]\nemail = \"nope\"\n",
        "[organization]\nmanagement_account = \"1\"\nhome_region = \"mars-1\"\n",
    ]));
    assert_eq!(
        problems,
        [
            f.at(":2:9: accounts.b.email: `nope` is not a valid email address: AWS accepts 6 to 64 characters"),
            f.at(":4:22: organization.management_account: `1` is not an AWS account id: expected exactly 12 digits"),
            f.at(":5:15: organization.home_region: `mars-1` is not an AWS region govern knows (for example us-east-1, eu-west-1)"),
        ]
    );
}

#[test]
fn config_error_counts_its_problems_and_renders_with_miette() {
    let f = Fixture::new();
    let e = f.error(&toml(&[
        BASE,
        "[accounts.a]\nemail = \"a@example\"\nid = \"1\"\n",
    ]));
    assert_eq!(
        e.to_string(),
        format!("{} has 2 problems", f.path("org.toml").display())
    );
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .render_report(&mut out, &e)
        .unwrap();
    assert!(out.contains("id = \"1\""), "the snippet is shown:\n{out}");
    assert!(
        out.contains("write the 12-digit id in quotes"),
        "help is shown:\n{out}"
    );
}

// ---- the single-problem rules, as a table -----------------------------------------------------

/// One rule: a file with one problem, that problem's line after the file's path, and its help.
struct Case {
    name: &'static str,
    toml: String,
    at: String,
    help: Option<String>,
}

/// Every rule whose case is one file with exactly one problem. A rule that needs more (other files,
/// several problems, what loads) has its own test below.
fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "the_apply_locks_name_cannot_be_declared",
            toml: toml(&[BASE, "[policies.govern-apply-lock]\ntemplate = \"deny-regions\"\n"]),
            at: ":4:11: policies.govern-apply-lock: `govern-apply-lock` is the name of govern's apply lock and cannot be declared".to_string(),
            help: Some("give the policy another name: govern creates and deletes `govern-apply-lock` itself while an apply runs".to_string()),
        },
        Case {
            name: "rule_2_unknown_key_names_the_allowed_ones",
            toml: toml(&[
        BASE,
        "[accounts.a]\nemial = \"aws+a@example.com\"\nemail = \"aws+a@example.com\"\n",
    ]),
            at: ":5:1: accounts.a.emial: unknown key `emial`".to_string(),
            help: Some("did you mean `email`? allowed keys in [accounts.a]: id, email, ou, policies, contacts".to_string()),
        },
        Case {
            name: "rule_2_unknown_table_at_the_top",
            toml: toml(&[BASE, "[loging]\naccount = \"log-archive\"\n"]),
            at: ":4:2: loging: unknown key `loging`".to_string(),
            help: Some("did you mean `logging`? allowed top-level tables: organization, limits, policies, root, ous, accounts, contacts, key_rotation, logging, root_access, exemptions".to_string()),
        },
        Case {
            name: "rule_3_duplicate_account_id",
            toml: toml(&[
        BASE,
        "[accounts.a]\nemail = \"aws+a@example.com\"\nid = \"111122223333\"\n",
        "[accounts.b]\nemail = \"aws+b@example.com\"\nid = \"111122223333\"\n",
    ]),
            at: ":9:6: accounts.b.id: account id `111122223333` is also used by account `a` (line 6)".to_string(),
            help: None,
        },
        Case {
            name: "rule_3_duplicate_email_ignores_case",
            toml: toml(&[
        BASE,
        "[accounts.a]\nemail = \"aws+a@example.com\"\n",
        "[accounts.b]\nemail = \"AWS+A@Example.com\"\n",
    ]),
            at: ":7:9: accounts.b.email: email `AWS+A@Example.com` is also used by account `a` (line 5); emails compare case-insensitively".to_string(),
            help: None,
        },
        Case {
            name: "rule_3_duplicate_name_in_a_policies_list",
            toml: toml(&[
        BASE,
        "[root]\npolicies = [\"FullAWSAccess\", \"FullAWSAccess\"]\n",
    ]),
            at: ":5:30: root.policies: `FullAWSAccess` is listed twice".to_string(),
            help: None,
        },
        Case {
            name: "member_role_follows_iam_role_name_rules",
            toml: toml(&[BASE, "member_role = \"Org Admin\"\n"]),
            at: ":4:15: organization.member_role: `Org Admin` is not a valid IAM role name".to_string(),
            help: None,
        },
        Case {
            name: "rule_5_email_syntax",
            toml: toml(&[
        BASE,
        "[accounts.a]\nemail = \"aws.example.com\"\n",
    ]),
            at: ":5:9: accounts.a.email: `aws.example.com` is not a valid email address: it has no `@`".to_string(),
            help: None,
        },
        Case {
            name: "rule_6_ou_path_without_empty_segments",
            toml: toml(&[BASE, "[ous.\"Workloads//Prod\"]\n"]),
            at: ":4:6: ous.\"Workloads//Prod\": OU path `Workloads//Prod` has an empty segment (segment 2): use names separated by single `/`, like `Workloads/Prod`".to_string(),
            help: None,
        },
        Case {
            name: "rule_6_ou_path_at_most_five_levels",
            toml: toml(&[
        BASE,
        "[ous]\n\"a/b/c/d/e/f\" = { policies = [\"FullAWSAccess\"] }\n",
    ]),
            at: ":5:1: ous.\"a/b/c/d/e/f\": OU path `a/b/c/d/e/f` is 6 levels deep: AWS allows at most 5 levels below the root".to_string(),
            help: None,
        },
        Case {
            name: "limits_are_positive",
            toml: toml(&[BASE, "[limits]\nscps_per_target = 0\n"]),
            at: ":5:19: limits.scps_per_target: scps_per_target must be a positive number, found 0".to_string(),
            help: None,
        },
        Case {
            name: "rule_10_every_target_keeps_at_least_one_scp",
            toml: toml(&[
        BASE,
        "[accounts.a]\nemail = \"aws+a@example.com\"\npolicies = []\n",
    ]),
            at: ":6:12: accounts.a.policies: `policies = []` would detach every SCP: every target keeps at least one SCP".to_string(),
            help: None,
        },
        Case {
            name: "rule_12_allowed_regions_not_empty",
            toml: toml(&[BASE, "allowed_regions = []\n"]),
            at: ":4:19: organization.allowed_regions: allowed_regions cannot be empty: it would deny every region".to_string(),
            help: None,
        },
        Case {
            name: "rule_12_allowed_regions_include_home_region",
            toml: toml(&[BASE, "allowed_regions = [\"eu-west-1\"]\n"]),
            at: ":4:19: organization.allowed_regions: allowed_regions does not include home_region `us-east-1`".to_string(),
            help: None,
        },
        Case {
            name: "rule_12_deny_regions_template_needs_allowed_regions",
            toml: toml(&[
        BASE,
        "[policies.r]\ntemplate = \"deny-regions\"\n",
    ]),
            at: ":5:12: policies.r.template: template `deny-regions` needs allowed_regions in [organization]".to_string(),
            help: None,
        },
        Case {
            name: "rule_12_unknown_template_lists_the_templates",
            toml: toml(&[
        BASE,
        "allowed_regions = [\"us-east-1\"]\n[policies.r]\ntemplate = \"deny-region\"\n",
    ]),
            at: ":6:12: policies.r.template: unknown template `deny-region`".to_string(),
            help: Some("templates: deny-regions".to_string()),
        },
        Case {
            name: "contacts_need_all_four_keys",
            toml: toml(&[
        BASE,
        "[contacts.operations]\nname = \"Ops\"\ntitle = \"Lead\"\nemail = \"ops@example.com\"\n",
    ]),
            at: ":4:11: contacts.operations: missing required key `phone`".to_string(),
            help: None,
        },
        Case {
            name: "contact_title_is_1_to_50_characters",
            toml: toml(&[
        BASE,
        &contact("contacts.billing", "title", "\"\""),
    ]),
            at: ":6:9: contacts.billing.title: title is 0 characters: AWS allows 1 to 50".to_string(),
            help: None,
        },
        Case {
            name: "account_contacts_are_checked_like_the_org_wide_ones",
            toml: toml(&[
        BASE,
        "[accounts.audit]\nemail = \"aws+audit@example.com\"\n",
        &contact(
            "accounts.audit.contacts.operations",
            "email",
            "\"ops@@example.com\"",
        ),
    ]),
            at: ":9:9: accounts.audit.contacts.operations.email: `ops@@example.com` is not a valid email address: expected exactly one `@` with a name before it".to_string(),
            help: None,
        },
        Case {
            name: "key_rotation_needs_allowed_regions",
            toml: toml(&[
        BASE,
        "[key_rotation]\nkms_rotation_period_days = 365\nsecret_max_rotation_days = 90\n",
    ]),
            at: ":4:2: key_rotation: [key_rotation] needs allowed_regions in [organization]: the KMS and Secrets Manager checks run in every allowed region".to_string(),
            help: None,
        },
        Case {
            name: "key_rotation_needs_both_periods",
            toml: toml(&[
        BASE,
        REGIONS,
        "[key_rotation]\nkms_rotation_period_days = 365\n",
    ]),
            at: ":5:2: key_rotation: missing required key `secret_max_rotation_days`".to_string(),
            help: None,
        },
        Case {
            name: "kms_rotation_period_is_90_to_2560_days",
            toml: toml(&[
        BASE,
        REGIONS,
        "[key_rotation]\nkms_rotation_period_days = 2561\nsecret_max_rotation_days = 90\n",
    ]),
            at: ":6:28: key_rotation.kms_rotation_period_days: kms_rotation_period_days must be 90 to 2560 days, found 2561".to_string(),
            help: Some("EnableKeyRotation's RotationPeriodInDays accepts 90 to 2560 days".to_string()),
        },
        Case {
            name: "secret_max_rotation_is_1_to_1000_days",
            toml: toml(&[
        BASE,
        REGIONS,
        "[key_rotation]\nkms_rotation_period_days = 365\nsecret_max_rotation_days = 0\n",
    ]),
            at: ":7:28: key_rotation.secret_max_rotation_days: secret_max_rotation_days must be 1 to 1000 days, found 0".to_string(),
            help: None,
        },
        Case {
            name: "root_access_must_declare_a_feature",
            toml: toml(&[BASE, "[root_access]\n"]),
            at: ":4:2: root_access: [root_access] declares neither credentials_management nor root_sessions, so it manages nothing".to_string(),
            help: Some("add credentials_management = true and/or root_sessions = true (false turns a feature off), or remove [root_access]".to_string()),
        },
        Case {
            name: "root_access_features_are_true_or_false",
            toml: toml(&[BASE, "[root_access]\nroot_sessions = \"yes\"\n"]),
            at: ":5:17: root_access.root_sessions: expected true or false, found a string".to_string(),
            help: Some("true or false: IAM's RootSessions feature (privileged root tasks in member accounts from the management account)".to_string()),
        },
        Case {
            name: "root_access_unknown_key_names_the_features",
            toml: toml(&[BASE, "[root_access]\ncredential_management = true\n"]),
            at: ":5:1: root_access.credential_management: unknown key `credential_management`".to_string(),
            help: Some("did you mean `credentials_management`? allowed keys in [root_access]: credentials_management, root_sessions".to_string()),
        },
        Case {
            name: "logging_account_must_be_declared",
            toml: toml(&[
        BASE,
        "[accounts.audit]\nemail = \"aws+audit@example.com\"\n",
        "[logging]\naccount = \"log-archive\"\ntrusted_services = [\"cloudtrail.amazonaws.com\"]\n",
    ]),
            at: ":7:11: logging.account: no account named `log-archive` is declared under [accounts]".to_string(),
            help: Some("declared accounts: audit; the logging account is declared like any other, as [accounts.<name>]".to_string()),
        },
        Case {
            name: "delegated_admin_needs_trusted_access",
            toml: toml(&[
        BASE,
        "[accounts.audit]\nemail = \"aws+audit@example.com\"\n",
        "[logging]\naccount = \"audit\"\ntrusted_services = [\"cloudtrail.amazonaws.com\"]\n",
        "delegated_admin_for = [\"config.amazonaws.com\"]\n",
    ]),
            at: ":9:24: logging.delegated_admin_for: `config.amazonaws.com` is not in trusted_services: a delegated administrator needs the service's trusted access".to_string(),
            help: Some("add \"config.amazonaws.com\" to logging.trusted_services".to_string()),
        },
        Case {
            name: "logging_account_is_not_the_management_account",
            toml: toml(&[
        BASE,
        "[accounts.mgmt]\nid = \"123456789012\"\nemail = \"aws+mgmt@example.com\"\n",
        "[logging]\naccount = \"mgmt\"\ntrusted_services = [\"cloudtrail.amazonaws.com\"]\n",
    ]),
            at: ":8:11: logging.account: `mgmt` is the management account (123456789012); the logging account must be a member account".to_string(),
            help: Some("declare a member account for logs, e.g. [accounts.log-archive], and name it here".to_string()),
        },
    ]
}

#[test]
fn every_single_problem_rule_names_file_line_key_and_help() {
    let mut failures = Vec::new();
    let all = cases();
    for case in &all {
        let f = Fixture::new();
        let e = match f.load(&case.toml) {
            Ok(_) => {
                failures.push(format!(
                    "{}: no problem found in:\n{}",
                    case.name, case.toml
                ));
                continue;
            }
            Err(e) => e,
        };
        let want = vec![f.at(&case.at)];
        if lines(&e) != want {
            failures.push(format!(
                "{}:\n  want {want:?}\n  got  {:?}",
                case.name,
                lines(&e)
            ));
        } else if let Some(help) = &case.help {
            if e.problems[0].help.as_deref() != Some(help.as_str()) {
                failures.push(format!(
                    "{}: help\n  want {help:?}\n  got  {:?}",
                    case.name, e.problems[0].help
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

// ---- 1. TOML syntax -----------------------------------------------------------------------------

#[test]
fn rule_1_toml_syntax_error_has_its_position() {
    let f = Fixture::new();
    let p = f.problem(
        "[organization]\nmanagement_account = \"123456789012\"\nhome_region = us-east-1\n",
    );
    assert_eq!(
        p.to_string(),
        f.at(":3:15: invalid TOML: invalid string: expected `\"`, `'`")
    );
    assert_eq!((p.line, p.column), (Some(3), Some(15)));
    assert!(p.help.unwrap().contains("valid TOML"));
}

// ---- 2. unknown keys ----------------------------------------------------------------------------

#[test]
fn rule_2_unknown_key_in_organization_limits_policies_root_and_ous() {
    let f = Fixture::new();
    f.write("a.json", SCP);
    let problems = f.problems(&toml(&[
        BASE,
        "region = \"x\"\n",
        "[limits]\nmax = 1\n",
        "[policies.a]\nfile = \"a.json\"\nfiles = \"a.json\"\n",
        "[root]\npolicy = [\"a\"]\n",
        "[ous.Workloads.Prod]\n",
    ]));
    assert_eq!(
        problems,
        [
            f.at(":4:1: organization.region: unknown key `region`"),
            f.at(":6:1: limits.max: unknown key `max`"),
            f.at(":9:1: policies.a.files: unknown key `files`"),
            f.at(":11:1: root.policy: unknown key `policy`"),
            f.at(":12:16: ous.Workloads.Prod: unknown key `Prod`"),
        ]
    );
    let e = f.error(&toml(&[BASE, "[ous.Workloads.Prod]\n"]));
    assert_eq!(
        e.problems[0].help.as_deref(),
        Some("allowed keys in [ous.Workloads]: policies; a nested OU is written as one path: [ous.\"Workloads/Prod\"]")
    );
}

#[test]
fn rule_2_values_of_the_wrong_type() {
    let f = Fixture::new();
    let problems = f.problems(&toml(&[
        "[organization]\nmanagement_account = 123456789012\nhome_region = \"us-east-1\"\n",
        "[accounts]\nx = \"y\"\n",
        "[root]\npolicies = \"FullAWSAccess\"\n",
    ]));
    assert_eq!(
        problems,
        [
            f.at(":2:22: organization.management_account: expected a string, found an integer"),
            f.at(":5:1: accounts.x: expected a table, found a string"),
            f.at(":7:12: root.policies: expected a list of strings, found a string"),
        ]
    );
}

// ---- 3. duplicates ------------------------------------------------------------------------------

#[test]
fn rule_3_duplicate_toml_keys_are_toml_errors() {
    let f = Fixture::new();
    let p = f.problem(&toml(&[BASE, "home_region = \"eu-west-1\"\n"]));
    assert_eq!(
        p.to_string(),
        f.at(":4:1: invalid TOML: duplicate key `home_region` in table `organization`")
    );
    let p = f.problem(&toml(&[
        BASE,
        "[accounts.a]\nemail = \"aws+a@example.com\"\n[accounts.a]\n",
    ]));
    assert_eq!(
        p.to_string(),
        f.at(":6:1: invalid TOML: invalid table header: duplicate key `a` in table `accounts`")
    );
}

// ---- 4. account ids -----------------------------------------------------------------------------

#[test]
fn rule_4_account_ids_are_twelve_digits() {
    let f = Fixture::new();
    let problems = f.problems(&toml(&[
        "[organization]\nmanagement_account = \"12345678901\"\nhome_region = \"us-east-1\"\n",
        "[accounts.a]\nemail = \"aws+a@example.com\"\nid = \"11112222333a\"\n",
    ]));
    assert_eq!(
        problems,
        [
            f.at(":2:22: organization.management_account: `12345678901` is not an AWS account id: expected exactly 12 digits"),
            f.at(":6:6: accounts.a.id: `11112222333a` is not an AWS account id: expected exactly 12 digits"),
        ]
    );
}

#[test]
fn required_keys_are_reported_at_their_table() {
    let f = Fixture::new();
    let problems =
        f.problems("[organization]\nmember_role = \"Admin\"\n[accounts.a]\nou = \"x\"\n");
    assert_eq!(
        problems,
        [
            f.at(":1:2: organization: missing required key `management_account`"),
            f.at(":1:2: organization: missing required key `home_region`"),
            f.at(":3:11: accounts.a: missing required key `email`"),
            f.at(":4:6: accounts.a.ou: OU `x` is not declared under [ous]"),
        ]
    );
    let p = f.problem("[root]\npolicies = [\"FullAWSAccess\"]\n");
    assert_eq!(
        p.to_string(),
        f.at(": organization: missing the [organization] table")
    );
}

#[test]
fn external_id_follows_sts_rules_and_reaches_desired() {
    let f = Fixture::new();
    let p = f.problem(&toml(&[BASE, "external_id = \"has space\"\n"]));
    assert_eq!(
        p.to_string(),
        f.at(":4:15: organization.external_id: `has space` is not a valid external id")
    );
    let d = f
        .load(&toml(&[BASE, "external_id = \"govern-2026\"\n"]))
        .unwrap()
        .desired;
    assert_eq!(d.external_id.as_deref(), Some("govern-2026"));
}

#[test]
fn account_names_are_at_most_fifty_characters() {
    let f = Fixture::new();
    let name = "n".repeat(51);
    let p = f.problem(&toml(&[
        BASE,
        &format!("[accounts.{name}]\nemail = \"aws+a@example.com\"\n"),
    ]));
    assert_eq!(
        p.to_string(),
        f.at(&format!(
            ":4:11: accounts.{name}: account name `{name}` is 51 characters: AWS allows 1 to 50"
        ))
    );
}

// ---- 5. email -----------------------------------------------------------------------------------

// ---- 6. OU paths --------------------------------------------------------------------------------

// ---- 7. references ------------------------------------------------------------------------------

#[test]
fn rule_7_policies_named_in_lists_must_be_declared() {
    let f = Fixture::new();
    f.write("a.json", SCP);
    let problems = f.problems(&toml(&[
        BASE,
        "[policies.a]\nfile = \"a.json\"\n",
        "[root]\npolicies = [\"FullAWSAccess\", \"b\"]\n",
        "[ous.Security]\npolicies = [\"fullawsaccess\"]\n",
        "[accounts.x]\nemail = \"aws+x@example.com\"\npolicies = [\"a\", \"c\"]\n",
    ]));
    assert_eq!(
        problems,
        [
            f.at(":7:30: root.policies: no SCP named `b` is declared under [policies]"),
            f.at(":9:13: ous.Security.policies: no SCP named `fullawsaccess` is declared under [policies]"),
            f.at(":12:18: accounts.x.policies: no SCP named `c` is declared under [policies]"),
        ]
    );
    let e = f.error(&toml(&[
        BASE,
        "[policies.a]\nfile = \"a.json\"\n[root]\npolicies = [\"b\"]\n",
    ]));
    assert_eq!(
        e.problems[0].help.as_deref(),
        Some("declared SCPs: a; FullAWSAccess is AWS-managed and needs no declaration")
    );
}

#[test]
fn rule_7_account_ou_must_be_declared_or_implied() {
    let f = Fixture::new();
    let problems = f.problems(&toml(&[
        BASE,
        "[ous.\"Workloads/Prod\"]\n",
        "[accounts.a]\nemail = \"aws+a@example.com\"\nou = \"Workloads\"\n",
        "[accounts.b]\nemail = \"aws+b@example.com\"\nou = \"Workloads/Stage\"\n",
    ]));
    assert_eq!(
        problems,
        [f.at(":10:6: accounts.b.ou: OU `Workloads/Stage` is not declared under [ous]")]
    );
    let e = f.error(&toml(&[
        BASE,
        "[ous.A]\n[accounts.b]\nemail = \"aws+b@example.com\"\nou = \"B\"\n",
    ]));
    assert_eq!(
        e.problems[0].help.as_deref(),
        Some("declared OUs: A; add [ous.B], or leave out `ou` to place the account under the root")
    );
}

// ---- 8. SCP files -------------------------------------------------------------------------------

#[test]
fn rule_8_scp_file_must_exist() {
    let f = Fixture::new();
    let p = f.problem(&toml(&[
        BASE,
        "[policies.a]\nfile = \"scp/missing.json\"\n",
    ]));
    let resolved = f.path("scp/missing.json");
    assert_eq!(
        p.to_string(),
        f.at(&format!(
            ":5:8: policies.a.file: cannot read SCP file {}: No such file or directory (os error 2)",
            resolved.display()
        ))
    );
}

#[test]
fn rule_8_scp_file_must_be_valid_json_and_the_problem_points_into_it() {
    let f = Fixture::new();
    let json = f.write("scp/bad.json", "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Deny\"}\n    {\"Effect\": \"Deny\"}\n  ]\n}\n");
    let p = f.problem(&toml(&[BASE, "[policies.a]\nfile = \"scp/bad.json\"\n"]));
    assert_eq!(
        p.to_string(),
        format!(
            "{}:5:5: SCP file is not valid JSON: expected `,` or `]`",
            json.display()
        )
    );
    assert_eq!(p.file, json);
    let help = p.help.unwrap();
    assert!(
        help.ends_with(&format!(
            "(used by policies.a.file in {} line 5)",
            f.path("org.toml").display()
        )),
        "{help}"
    );
}

#[test]
fn rule_8_scp_document_needs_version_and_statement() {
    let f = Fixture::new();
    let a = f.write(
        "a.json",
        r#"{"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}"#,
    );
    let b = f.write("b.json", r#"{"Version": "2012-10-17"}"#);
    let c = f.write("c.json", r#"{"Version": "2012-10-17", "Statement": []}"#);
    let d = f.write("d.json", r#"["Version", "Statement"]"#);
    let problems = f.problems(&toml(&[
        BASE,
        "[policies.a]\nfile = \"a.json\"\n",
        "[policies.b]\nfile = \"b.json\"\n",
        "[policies.c]\nfile = \"c.json\"\n",
        "[policies.d]\nfile = \"d.json\"\n",
    ]));
    assert_eq!(
        problems,
        [
            format!("{}: SCP document has no \"Version\"", a.display()),
            format!("{}: SCP document has no \"Statement\"", b.display()),
            format!("{}: SCP \"Statement\" is an empty list", c.display()),
            format!("{}: SCP document is a list, not a JSON object", d.display()),
        ]
    );
}

// ---- 9. size ------------------------------------------------------------------------------------

#[test]
fn rule_9_minified_size_within_scp_max_chars() {
    let f = Fixture::new();
    // Pretty-printed it is longer than the limit; minified (92 characters) it is not.
    let pretty =
        serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(SCP).unwrap())
            .unwrap();
    f.write("a.json", &pretty);
    let minified = ::govern::model::PolicyDocument::parse(SCP)
        .unwrap()
        .minified_len();
    assert!(pretty.len() > 100 && minified <= 100);
    assert!(f
        .load(&toml(&[
            BASE,
            "[limits]\nscp_max_chars = 100\n[policies.a]\nfile = \"a.json\"\n"
        ]))
        .is_ok());

    let p = f.problem(&toml(&[
        BASE,
        "[limits]\nscp_max_chars = 50\n[policies.a]\nfile = \"a.json\"\n",
    ]));
    assert_eq!(
        p.to_string(),
        format!(
            "{}: SCP document is {minified} characters minified, over the limit of 50 ([limits] scp_max_chars)",
            f.path("a.json").display()
        )
    );
}

#[test]
fn rule_9_generated_documents_are_measured_too() {
    let f = Fixture::new();
    let p = f.problem(&toml(&[
        BASE,
        "allowed_regions = [\"us-east-1\"]\n[limits]\nscp_max_chars = 1000\n[policies.r]\ntemplate = \"deny-regions\"\n",
    ]));
    let len = config::templates::deny_regions(
        &[::govern::model::Region::parse("us-east-1").unwrap()],
        &["OrganizationAccountAccessRole".to_string()],
    )
    .minified_len();
    assert_eq!(
        p.to_string(),
        f.at(&format!(
            ":8:12: policies.r.template: generated SCP document is {len} characters minified, over the limit of 1000 ([limits] scp_max_chars)"
        ))
    );
}

// ---- 10. SCPs per target ------------------------------------------------------------------------

#[test]
fn rule_10_scps_per_target_counts_full_aws_access() {
    let f = Fixture::new();
    f.write("a.json", SCP);
    let p = f.problem(&toml(&[
        BASE,
        "[limits]\nscps_per_target = 2\n",
        "[policies.a]\nfile = \"a.json\"\n[policies.b]\nfile = \"a.json\"\n",
        "[ous.Security]\npolicies = [\"FullAWSAccess\", \"a\", \"b\"]\n",
    ]));
    assert_eq!(
        p.to_string(),
        f.at(":11:12: ous.Security.policies: 3 SCPs attached, over the limit of 2 per target ([limits] scps_per_target; FullAWSAccess counts)")
    );
}

// ---- 11. description ----------------------------------------------------------------------------

#[test]
fn rule_11_description_at_most_512_characters() {
    let f = Fixture::new();
    f.write("a.json", SCP);
    let long = "é".repeat(513);
    let p = f.problem(&toml(&[
        BASE,
        &format!("[policies.a]\nfile = \"a.json\"\ndescription = \"{long}\"\n"),
    ]));
    assert_eq!(
        p.to_string(),
        f.at(
            ":6:15: policies.a.description: description is 513 characters, over AWS's limit of 512"
        )
    );
    let ok = "é".repeat(512);
    assert!(f
        .load(&toml(&[
            BASE,
            &format!("[policies.a]\nfile = \"a.json\"\ndescription = \"{ok}\"\n")
        ]))
        .is_ok());
}

// ---- 12. regions and templates ------------------------------------------------------------------

#[test]
fn rule_12_allowed_regions_are_known_and_unique() {
    let f = Fixture::new();
    let problems = f.problems(&toml(&[
        BASE,
        "allowed_regions = [\"us-east-1\", \"eu-west-9\", \"us-east-1\"]\n",
    ]));
    assert_eq!(
        problems,
        [
            f.at(":4:33: organization.allowed_regions: `eu-west-9` is not an AWS region govern knows (for example us-east-1, eu-west-1)"),
            f.at(":4:46: organization.allowed_regions: `us-east-1` is listed twice"),
        ]
    );
    let e = f.error(&toml(&[
        BASE,
        "allowed_regions = [\"us-east-1\", \"eu-west-9\"]\n",
    ]));
    assert_eq!(
        e.problems[0].help.as_deref(),
        Some("known regions like it: eu-west-1, eu-west-2, eu-west-3")
    );
}

#[test]
fn a_policy_has_exactly_one_of_file_and_template() {
    let f = Fixture::new();
    f.write("a.json", SCP);
    let problems = f.problems(&toml(&[
        BASE,
        "allowed_regions = [\"us-east-1\"]\n",
        "[policies.both]\nfile = \"a.json\"\ntemplate = \"deny-regions\"\n",
        "[policies.neither]\ndescription = \"x\"\n",
    ]));
    assert_eq!(
        problems,
        [
            f.at(":7:12: policies.both: set either `file` or `template`, not both"),
            f.at(":8:11: policies.neither: missing `file` or `template`"),
        ]
    );
}

#[test]
fn deny_regions_template_exempts_the_member_role() {
    let f = Fixture::new();
    let d = f
        .load(&toml(&[
            BASE,
            "member_role = \"GovernAdmin\"\nallowed_regions = [\"us-east-1\", \"eu-west-1\"]\n",
            "[policies.r]\ntemplate = \"deny-regions\"\n",
        ]))
        .unwrap()
        .desired;
    let doc = &d.policies[&PolicyName::parse("r").unwrap()].document;
    let condition = &doc.value()["Statement"][0]["Condition"];
    assert_eq!(
        condition["ArnNotLike"]["aws:PrincipalARN"],
        serde_json::json!(["arn:*:iam::*:role/GovernAdmin"])
    );
    assert_eq!(
        condition["StringNotEquals"]["aws:RequestedRegion"],
        serde_json::json!(["eu-west-1", "us-east-1"])
    );
}

// ---- 13. FullAWSAccess --------------------------------------------------------------------------

#[test]
fn rule_13_full_aws_access_cannot_be_declared() {
    let f = Fixture::new();
    f.write("a.json", SCP);
    let p = f.problem(&toml(&[
        BASE,
        "[policies.FullAWSAccess]\nfile = \"a.json\"\n",
    ]));
    assert_eq!(
        p.to_string(),
        f.at(
            ":4:11: policies.FullAWSAccess: `FullAWSAccess` is AWS-managed and cannot be declared"
        )
    );
}

// ---- 14. member-account baselines ---------------------------------------------------------------

/// `allowed_regions` for the baseline tests, line 4.
const REGIONS: &str = "allowed_regions = [\"us-east-1\"]\n";

/// A complete `[contacts.<kind>]` table (5 lines) with one key replaced.
fn contact(header: &str, key: &str, value: &str) -> String {
    let mut body = format!("[{header}]\n");
    for (k, v) in [
        ("name", "\"Security Operations\""),
        ("title", "\"Security lead\""),
        ("email", "\"security@example.com\""),
        ("phone", "\"+1 555 0100\""),
    ] {
        let v = if k == key { value } else { v };
        body.push_str(&format!("{k} = {v}\n"));
    }
    body
}

#[test]
fn the_sample_declares_member_account_baselines() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("org.toml");
    let b = match config::load(&path) {
        Ok(l) => l.desired.baselines,
        Err(e) => panic!("{e}:\n{}", lines(&e).join("\n")),
    };
    assert_eq!(
        b.contacts.keys().copied().collect::<Vec<_>>(),
        ContactType::ALL
    );
    assert_eq!(
        b.contacts[&ContactType::Security].email,
        "security@example.com"
    );
    for c in b.contacts.values() {
        assert!(c.email.ends_with("@example.com"), "{c:?}");
    }
    let rot = b.key_rotation.unwrap();
    assert_eq!(
        (rot.kms_rotation_period_days, rot.secret_max_rotation_days),
        (365, 90)
    );
    assert!(rot.exempt_keys.is_empty() && rot.exempt_secrets.is_empty());
    let logging = b.logging.unwrap();
    assert_eq!(logging.account, "log-archive");
    assert_eq!(
        logging.trusted_services.iter().collect::<Vec<_>>(),
        [
            "cloudtrail.amazonaws.com",
            "config-multiaccountsetup.amazonaws.com",
            "config.amazonaws.com"
        ]
    );
    assert_eq!(
        logging.delegated_admin_for.iter().collect::<Vec<_>>(),
        ["config-multiaccountsetup.amazonaws.com"]
    );
    assert!(b.exemptions.is_empty());
}

#[test]
fn desired_holds_baselines_overrides_and_exemptions() {
    let f = Fixture::new();
    let key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let secret = "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf";
    let d = f
        .load(&toml(&[
            BASE,
            REGIONS,
            &contact("contacts.billing", "", ""),
            "[accounts.log-archive]\nemail = \"aws+log@example.com\"\n",
            &contact(
                "accounts.log-archive.contacts.security",
                "email",
                "\"a@b.io\"",
            ),
            "[key_rotation]\nkms_rotation_period_days = 90\nsecret_max_rotation_days = 1000\n",
            &format!(
                "[[key_rotation.exempt]]\narn = \"{key}\"\nreason = \"imported key material\"\n"
            ),
            &format!(
                "[[key_rotation.exempt]]\narn = \"{secret}\"\nreason = \"rotated by the vendor\"\n"
            ),
            "[logging]\naccount = \"log-archive\"\ntrusted_services = []\n",
            "[exemptions.\"111122223333\"]\ncontacts = \"sandbox\"\nkms = \"vendor-managed\"\n",
        ]))
        .unwrap()
        .desired;
    let b = &d.baselines;
    assert_eq!(
        b.contacts.keys().copied().collect::<Vec<_>>(),
        [ContactType::Billing]
    );
    assert_eq!(
        d.accounts["log-archive"].contacts[&ContactType::Security],
        Contact {
            name: "Security Operations".into(),
            title: "Security lead".into(),
            email: "a@b.io".into(),
            phone: "+1 555 0100".into(),
        }
    );
    let rot = b.key_rotation.as_ref().unwrap();
    assert_eq!(
        (rot.kms_rotation_period_days, rot.secret_max_rotation_days),
        (90, 1000)
    );
    assert_eq!(rot.exempt_keys[key], "imported key material");
    assert_eq!(rot.exempt_secrets[secret], "rotated by the vendor");
    let logging = b.logging.as_ref().unwrap();
    assert!(logging.trusted_services.is_empty() && logging.delegated_admin_for.is_empty());
    let exempt = &b.exemptions[&::govern::model::AccountId::parse("111122223333").unwrap()];
    assert_eq!(exempt[&BaselineKind::Contacts], "sandbox");
    assert_eq!(exempt[&BaselineKind::Kms], "vendor-managed");
    assert_eq!(exempt.len(), 2);
}

#[test]
fn baselines_unknown_keys_name_the_allowed_ones() {
    let f = Fixture::new();
    let problems = f.problems(&toml(&[
        BASE,
        REGIONS,
        "[contacts.securty]\n",
        &contact("contacts.billing", "", ""),
        "mail = \"x\"\n",
        "[key_rotation]\nkms_rotation_period_days = 365\nsecret_max_rotation_days = 90\nkms_days = 1\n",
        "[[key_rotation.exempt]]\narn = \"arn:aws:kms:us-east-1:111122223333:key/1\"\nreason = \"x\"\nwhy = \"x\"\n",
        "[logging]\naccount = \"a\"\ntrusted_services = []\ndelegated_admin = []\n",
        "[exemptions.\"111122223333\"]\nregion = \"x\"\n",
        "[accounts.a]\nemail = \"aws+a@example.com\"\n[accounts.a.contacts.billing]\nnaem = \"x\"\n",
    ]));
    assert_eq!(
        problems,
        [
            f.at(":5:11: contacts.securty: unknown key `securty`"),
            f.at(":11:1: contacts.billing.mail: unknown key `mail`"),
            f.at(":15:1: key_rotation.kms_days: unknown key `kms_days`"),
            f.at(":19:1: key_rotation.exempt.why: unknown key `why`"),
            f.at(":23:1: logging.delegated_admin: unknown key `delegated_admin`"),
            f.at(":25:1: exemptions.111122223333.region: unknown key `region`"),
            f.at(":28:22: accounts.a.contacts.billing: missing required key `name`"),
            f.at(":28:22: accounts.a.contacts.billing: missing required key `title`"),
            f.at(":28:22: accounts.a.contacts.billing: missing required key `email`"),
            f.at(":28:22: accounts.a.contacts.billing: missing required key `phone`"),
            f.at(":29:1: accounts.a.contacts.billing.naem: unknown key `naem`"),
        ]
    );
    let helps: Vec<_> = f
        .error(&toml(&[
            BASE,
            "[contacts.securty]\n[exemptions.\"111122223333\"]\nkm = \"x\"\n",
        ]))
        .problems
        .into_iter()
        .map(|p| p.help.unwrap())
        .collect();
    assert_eq!(
        helps,
        [
            "did you mean `security`? allowed keys in [contacts]: security, operations, billing",
            "did you mean `kms`? allowed keys in [exemptions.111122223333]: contacts, regions, kms, secrets",
        ]
    );
}

#[test]
fn baselines_values_of_the_wrong_type() {
    let f = Fixture::new();
    let problems = f.problems(&toml(&[
        BASE,
        REGIONS,
        "[contacts]\nsecurity = \"security@example.com\"\n",
        "[key_rotation]\nkms_rotation_period_days = \"365\"\nsecret_max_rotation_days = 90\nexempt = [\"arn\"]\n",
        "[logging]\naccount = \"a\"\ntrusted_services = \"cloudtrail.amazonaws.com\"\n",
        "[accounts.a]\nemail = \"aws+a@example.com\"\n",
    ]));
    assert_eq!(
        problems,
        [
            f.at(":6:1: contacts.security: expected a table, found a string"),
            f.at(
                ":8:28: key_rotation.kms_rotation_period_days: expected an integer, found a string"
            ),
            f.at(":10:11: key_rotation.exempt: expected a table, found a string"),
            f.at(":13:20: logging.trusted_services: expected a list of strings, found a string"),
        ]
    );
}

#[test]
fn contact_name_is_1_to_64_characters() {
    let f = Fixture::new();
    let long = format!("\"{}\"", "é".repeat(65));
    let p = f.problem(&toml(&[BASE, &contact("contacts.security", "name", &long)]));
    assert_eq!(
        p.to_string(),
        f.at(":5:8: contacts.security.name: name is 65 characters: AWS allows 1 to 64")
    );
}

#[test]
fn contact_email_is_1_to_254_characters_of_email_syntax() {
    let f = Fixture::new();
    let long = format!("\"{}@example.com\"", "a".repeat(243));
    let problems = f.problems(&toml(&[
        BASE,
        &contact("contacts.security", "email", &long),
        &contact("contacts.billing", "email", "\"billing.example.com\""),
    ]));
    assert_eq!(
        problems,
        [
            f.at(":7:9: contacts.security.email: email is 255 characters: AWS allows 1 to 254"),
            f.at(":12:9: contacts.billing.email: `billing.example.com` is not a valid email address: it has no `@`"),
        ]
    );
}

#[test]
fn contact_phone_is_digits_spaces_and_parentheses_plus_minus() {
    let f = Fixture::new();
    let problems = f.problems(&toml(&[
        BASE,
        &contact("contacts.security", "phone", "\"+1 555 0100 ext. 7\""),
        &contact(
            "contacts.billing",
            "phone",
            "\"+1 (555) 0100-0100-0100-01\"",
        ),
    ]));
    assert_eq!(
        problems,
        [
            f.at(":8:9: contacts.security.phone: `+1 555 0100 ext. 7` is not a phone number: only digits, spaces and ( ) + - are allowed"),
            f.at(":13:9: contacts.billing.phone: phone is 26 characters: AWS allows 1 to 25"),
        ]
    );
}

#[test]
fn key_rotation_exempts_only_key_and_secret_arns() {
    let f = Fixture::new();
    let problems = f.problems(&toml(&[
        BASE,
        REGIONS,
        "[key_rotation]\nkms_rotation_period_days = 365\nsecret_max_rotation_days = 90\n",
        "[[key_rotation.exempt]]\narn = \"arn:aws:kms:us-east-1:111122223333:alias/app\"\nreason = \"x\"\n",
        "[[key_rotation.exempt]]\narn = \"arn:aws:s3:::logs\"\nreason = \"x\"\n",
    ]));
    assert_eq!(
        problems,
        [
            f.at(":9:7: key_rotation.exempt.arn: `arn:aws:kms:us-east-1:111122223333:alias/app` is not the ARN of a KMS key or a Secrets Manager secret"),
            f.at(":12:7: key_rotation.exempt.arn: `arn:aws:s3:::logs` is not the ARN of a KMS key or a Secrets Manager secret"),
        ]
    );
}

#[test]
fn key_rotation_exempt_needs_a_reason_and_each_arn_once() {
    let f = Fixture::new();
    let arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf";
    let problems = f.problems(&toml(&[
        BASE,
        REGIONS,
        "[key_rotation]\nkms_rotation_period_days = 365\nsecret_max_rotation_days = 90\n",
        &format!("[[key_rotation.exempt]]\narn = \"{arn}\"\nreason = \" \"\n"),
        &format!("[[key_rotation.exempt]]\narn = \"{arn}\"\nreason = \"x\"\n"),
        "[[key_rotation.exempt]]\nreason = \"x\"\n",
    ]));
    assert_eq!(
        problems,
        [
            f.at(":10:10: key_rotation.exempt.reason: the reason cannot be empty"),
            f.at(&format!(
                ":12:7: key_rotation.exempt.arn: `{arn}` is already exempted on line 9"
            )),
            f.at(":14:1: key_rotation.exempt: missing required key `arn`"),
        ]
    );
}

#[test]
fn logging_services_are_service_principals_listed_once() {
    let f = Fixture::new();
    let problems = f.problems(&toml(&[
        BASE,
        "[accounts.a]\nemail = \"aws+a@example.com\"\n",
        "[logging]\naccount = \"a\"\n",
        "trusted_services = [\"cloudtrail\", \"config.amazonaws.com\", \"config.amazonaws.com\"]\n",
        "delegated_admin_for = [\"Config.amazonaws.com\"]\n",
    ]));
    assert_eq!(
        problems,
        [
            f.at(":8:21: logging.trusted_services: `cloudtrail` is not a service principal: it must end in .amazonaws.com"),
            f.at(":8:59: logging.trusted_services: `config.amazonaws.com` is listed twice"),
            f.at(":9:24: logging.delegated_admin_for: `Config.amazonaws.com` is not a service principal: expected lowercase letters, digits, `-` and `.` before .amazonaws.com"),
        ]
    );
}

#[test]
fn exemptions_are_keyed_by_account_id_and_give_reasons() {
    let f = Fixture::new();
    let problems = f.problems(&toml(&[
        BASE,
        "[exemptions.\"11112222333\"]\nregions = \"x\"\n",
        "[exemptions.\"111122223333\"]\nsecrets = \"\"\n",
    ]));
    assert_eq!(
        problems,
        [
            f.at(":4:13: exemptions.11112222333: `11112222333` is not an AWS account id: expected exactly 12 digits"),
            f.at(":7:11: exemptions.111122223333.secrets: the reason cannot be empty"),
        ]
    );
}

#[test]
fn delegated_admin_only_for_services_that_support_it() {
    let f = Fixture::new();
    let e = f.error(&toml(&[
        BASE,
        "[accounts.audit]\nemail = \"aws+audit@example.com\"\n",
        "[logging]\naccount = \"audit\"\ntrusted_services = [\"ram.amazonaws.com\"]\n",
        "delegated_admin_for = [\"ram.amazonaws.com\"]\n",
    ]));
    assert_eq!(
        lines(&e),
        [f.at(":9:24: logging.delegated_admin_for: `ram.amazonaws.com` does not support a delegated administrator: RegisterDelegatedAdministrator refuses it")]
    );
    let help = e.problems[0].help.clone().unwrap_or_default();
    for listed in [
        "AWS services that you can use with AWS Organizations",
        "config-multiaccountsetup.amazonaws.com",
        "securityhub.amazonaws.com",
        "sso.amazonaws.com",
    ] {
        assert!(help.contains(listed), "{listed} not in the help: {help}");
    }
}

/// Values, not only keys, get a "did you mean" when one declared or known value is nearest
/// (issue 17): OU paths, policy names, regions, the logging account, service principals.
#[test]
fn misspelt_values_get_did_you_mean() {
    let f = Fixture::new();
    let help = |parts: &[&str]| -> String {
        let e = f.error(&toml(parts));
        assert_eq!(e.problems.len(), 1, "{:?}", e.problems);
        e.problems[0].help.clone().unwrap_or_default()
    };
    let ou = help(&[
        BASE,
        "[ous.\"Workloads/Prod\"]\n[accounts.a]\nemail = \"aws+a@example.com\"\nou = \"Workloads/Prd\"\n",
    ]);
    assert!(
        ou.starts_with("did you mean `Workloads/Prod`? declared OUs:"),
        "{ou}"
    );
    let scp = help(&[BASE, "[root]\npolicies = [\"FullAWSAcess\"]\n"]);
    assert!(scp.starts_with("did you mean `FullAWSAccess`? "), "{scp}");
    let region = help(&[BASE, "allowed_regions = [\"us-east-1\", \"eu-wset-1\"]\n"]);
    assert!(region.starts_with("did you mean `eu-west-1`? "), "{region}");
    let logging = help(&[
        BASE,
        "[accounts.log-archive]\nemail = \"aws+log@example.com\"\n",
        "[logging]\naccount = \"log-archvie\"\ntrusted_services = [\"cloudtrail.amazonaws.com\"]\n",
    ]);
    assert!(
        logging.starts_with("did you mean `log-archive`? declared accounts:"),
        "{logging}"
    );
    let service = help(&[
        BASE,
        "[accounts.log-archive]\nemail = \"aws+log@example.com\"\n",
        "[logging]\naccount = \"log-archive\"\n",
        "trusted_services = [\"cloudtrail.amazonaws.com\", \"guarduty.amazonaws.com\"]\n",
        "delegated_admin_for = [\"guarduty.amazonaws.com\"]\n",
    ]);
    assert!(
        service.starts_with("did you mean `guardduty.amazonaws.com`? "),
        "{service}"
    );
    // No near value: no guess.
    let far = help(&[BASE, "[root]\npolicies = [\"zzz\"]\n"]);
    assert!(!far.contains("did you mean"), "{far}");
}
