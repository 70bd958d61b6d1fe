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
            help: Some("did you mean `email`? allowed keys in [accounts.a]: id, email, name, ou, policies, contacts, tags".to_string()),
        },
        Case {
            name: "rule_2_unknown_table_at_the_top",
            toml: toml(&[BASE, "[loging]\naccount = \"log-archive\"\n"]),
            at: ":4:2: loging: unknown key `loging`".to_string(),
            help: Some("did you mean `logging`? allowed at the top level: include, organization, limits, policies, root, ous, accounts, contacts, key_rotation, logging, root_access, security, exemptions, moved".to_string()),
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
        Some("allowed keys in [ous.Workloads]: policies, tags; a nested OU is written as one path: [ous.\"Workloads/Prod\"]")
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
        f.at(":1:1: organization: missing the [organization] table")
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
            f.at(":7:30: root.policies: no policy named `b` is declared under [policies]"),
            f.at(":9:13: ous.Security.policies: no policy named `fullawsaccess` is declared under [policies]"),
            f.at(":12:18: accounts.x.policies: no policy named `c` is declared under [policies]"),
        ]
    );
    let e = f.error(&toml(&[
        BASE,
        "[policies.a]\nfile = \"a.json\"\n[root]\npolicies = [\"b\"]\n",
    ]));
    assert_eq!(
        e.problems[0].help.as_deref(),
        Some("declared policies: a; FullAWSAccess is AWS-managed and needs no declaration")
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

// ---- policy documents of every kind (issue 15) --------------------------------------------------

/// One grammar rule: a document of `kind` with one problem, on line 2 (the statement or key line),
/// that problem's line after the document's path, and its help.
struct DocCase {
    rule: &'static str,
    kind: &'static str,
    doc: &'static str,
    at: &'static str,
    help: &'static str,
}

fn doc_cases() -> Vec<DocCase> {
    vec![
        DocCase {
            rule: "iam_top_level_keys",
            kind: "scp",
            doc: "{\"Version\": \"2012-10-17\",\n  \"Statment\": [{\"Effect\": \"Deny\", \"Action\": \"*\"}], \"Statement\": [{\"Effect\": \"Deny\", \"Action\": \"*\"}]}",
            at: ":2:3: SCP document has an unknown top-level key \"Statment\"",
            help: "a policy document has \"Version\", \"Statement\" and optionally \"Id\"; did you mean \"Statement\"?",
        },
        DocCase {
            rule: "statement_keys",
            kind: "scp",
            doc: "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Effect\": \"Deny\", \"Action\": \"*\", \"Resorce\": \"*\"}\n]}",
            at: ":2:37: SCP statement 1 has an unknown key \"Resorce\"",
            help: "a statement has Sid, Effect, Principal, NotPrincipal, Action, NotAction, Resource, NotResource, Condition; did you mean \"Resource\"?",
        },
        DocCase {
            rule: "scp_principal",
            kind: "scp",
            doc: "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Effect\": \"Deny\", \"Principal\": \"*\", \"Action\": \"*\"}\n]}",
            at: ":2:22: SCPs do not support \"Principal\" (statement 1)",
            help: "an SCP applies to every principal of the accounts it is attached to; narrow it with a Condition on aws:PrincipalArn",
        },
        DocCase {
            rule: "not_principal",
            kind: "rcp",
            doc: "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Effect\": \"Deny\", \"NotPrincipal\": {\"AWS\": \"arn:aws:iam::111122223333:root\"}, \"Action\": \"s3:*\"}\n]}",
            at: ":2:22: RCPs do not support \"NotPrincipal\" (statement 1)",
            help: "exempt principals with a Condition instead, like \"ArnNotLike\": {\"aws:PrincipalArn\": \"arn:aws:iam::*:role/Admin\"}",
        },
        DocCase {
            rule: "rcp_principal_required",
            kind: "rcp",
            doc: "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Effect\": \"Deny\", \"Action\": \"s3:*\", \"Resource\": \"*\"}\n]}",
            at: ":2:3: RCP statement 1 has no \"Principal\"",
            help: "an RCP statement names \"Principal\": \"*\" and narrows it with a Condition",
        },
        DocCase {
            rule: "rcp_principal_star",
            kind: "rcp",
            doc: "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Effect\": \"Deny\", \"Principal\": {\"AWS\": \"111122223333\"}, \"Action\": \"s3:*\"}\n]}",
            at: ":2:35: RCP statement 1: \"Principal\" is {\"AWS\":\"111122223333\"}, not \"*\"",
            help: "RCPs support only \"Principal\": \"*\"; narrow it with a Condition such as aws:PrincipalArn or aws:PrincipalOrgID",
        },
        DocCase {
            rule: "sid_letters_and_digits",
            kind: "scp",
            doc: "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Sid\": \"no-dashes\", \"Effect\": \"Deny\", \"Action\": \"*\"}\n]}",
            at: ":2:11: SCP statement 1: \"Sid\" \"no-dashes\" is not letters and digits",
            help: "a Sid is an identifier of ASCII letters and digits, like \"DenyLeaveOrganization\"",
        },
        DocCase {
            rule: "sid_unique",
            kind: "scp",
            doc: "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Sid\": \"A\", \"Effect\": \"Deny\", \"Action\": \"*\"}, {\"Sid\": \"A\", \"Effect\": \"Deny\", \"Action\": \"s3:*\"}\n]}",
            at: ":2:58: SCP statement 2: \"Sid\" \"A\" is used by an earlier statement",
            help: "each statement's Sid is unique within the policy",
        },
        DocCase {
            rule: "effect_required",
            kind: "scp",
            doc: "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Action\": \"*\"}\n]}",
            at: ":2:3: SCP statement 1 has no \"Effect\"",
            help: "add \"Effect\": \"Deny\" (or \"Allow\")",
        },
        DocCase {
            rule: "effect_allow_or_deny",
            kind: "scp",
            doc: "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Effect\": \"Denyy\", \"Action\": \"*\"}\n]}",
            at: ":2:14: SCP statement 1: \"Effect\" is \"Denyy\", not \"Allow\" or \"Deny\"",
            help: "\"Effect\" is \"Allow\" or \"Deny\", spelt exactly so",
        },
        DocCase {
            rule: "rcp_deny_only",
            kind: "rcp",
            doc: "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": \"s3:*\"}\n]}",
            at: ":2:14: RCP statement 1: \"Effect\" is \"Allow\": RCPs only deny",
            help: "use \"Deny\": Allow is only for the AWS-managed RCPFullAWSAccess",
        },
        DocCase {
            rule: "rcp_no_not_action",
            kind: "rcp",
            doc: "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Effect\": \"Deny\", \"Principal\": \"*\", \"NotAction\": \"s3:GetObject\"}\n]}",
            at: ":2:40: RCPs do not support \"NotAction\" (statement 1)",
            help: "list the actions the RCP denies in \"Action\"",
        },
        DocCase {
            rule: "action_xor_not_action",
            kind: "scp",
            doc: "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Effect\": \"Deny\", \"Action\": \"*\", \"NotAction\": \"s3:*\"}\n]}",
            at: ":2:37: SCP statement 1 has both \"Action\" and \"NotAction\"",
            help: "a statement has exactly one of \"Action\" and \"NotAction\"",
        },
        DocCase {
            rule: "action_required",
            kind: "scp",
            doc: "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Effect\": \"Deny\", \"Resource\": \"*\"}\n]}",
            at: ":2:3: SCP statement 1 has neither \"Action\" nor \"NotAction\"",
            help: "add \"Action\": \"service:Action\" (like \"s3:PutObject\", or \"*\")",
        },
        DocCase {
            rule: "action_is_service_colon_action",
            kind: "scp",
            doc: "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Effect\": \"Deny\", \"Action\": [\"s3:GetObject\", \"notaservice\"]}\n]}",
            at: ":2:49: SCP statement 1: action \"notaservice\" is not \"service:Action\"",
            help: "an action is \"*\" or a service prefix and an action name, like \"s3:GetObject\" or \"ec2:Describe*\"",
        },
        DocCase {
            rule: "action_list_not_empty",
            kind: "scp",
            doc: "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Effect\": \"Deny\", \"Action\": []}\n]}",
            at: ":2:32: SCP statement 1: \"Action\" is an empty list",
            help: "\"Action\" is a string or a non-empty list of strings",
        },
        DocCase {
            rule: "action_strings",
            kind: "scp",
            doc: "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Effect\": \"Deny\", \"Action\": [42]}\n]}",
            at: ":2:33: SCP statement 1: \"Action\" holds 42, not a string",
            help: "\"Action\" is a string or a non-empty list of strings",
        },
        DocCase {
            rule: "resource_xor_not_resource",
            kind: "scp",
            doc: "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Effect\": \"Deny\", \"Action\": \"*\", \"Resource\": \"*\", \"NotResource\": \"arn:aws:s3:::b\"}\n]}",
            at: ":2:54: SCP statement 1 has both \"Resource\" and \"NotResource\"",
            help: "a statement has at most one of \"Resource\" and \"NotResource\"",
        },
        DocCase {
            rule: "resource_is_star_or_arn",
            kind: "rcp",
            doc: "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Effect\": \"Deny\", \"Principal\": \"*\", \"Action\": \"s3:*\", \"Resource\": \"my-bucket\"}\n]}",
            at: ":2:70: RCP statement 1: resource \"my-bucket\" is not \"*\" or an ARN",
            help: "a resource is \"*\" or an ARN, like \"arn:aws:s3:::my-bucket/*\"",
        },
        DocCase {
            rule: "condition_object",
            kind: "scp",
            doc: "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Effect\": \"Deny\", \"Action\": \"*\", \"Condition\": \"yes\"}\n]}",
            at: ":2:50: SCP statement 1: \"Condition\" is not an object",
            help: "\"Condition\" is an object of operators, like {\"StringEquals\": {\"aws:PrincipalOrgID\": \"o-…\"}}",
        },
        DocCase {
            rule: "condition_operator_known",
            kind: "scp",
            doc: "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Effect\": \"Deny\", \"Action\": \"*\", \"Condition\": {\"StringEqualz\": {\"aws:PrincipalOrgID\": \"o-1\"}}}\n]}",
            at: ":2:51: SCP statement 1: condition operator \"StringEqualz\" is not one IAM knows",
            help: "operators are StringEquals, StringLike, ArnNotLike, Bool, NumericLessThan, … (with IfExists, ForAllValues: or ForAnyValue:); did you mean \"StringEquals\"?",
        },
        DocCase {
            rule: "condition_keys",
            kind: "scp",
            doc: "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Effect\": \"Deny\", \"Action\": \"*\", \"Condition\": {\"StringEquals\": \"o-1\"}}\n]}",
            at: ":2:67: SCP statement 1: condition \"StringEquals\" is not an object of condition keys",
            help: "each operator holds condition keys and their values, like {\"aws:RequestedRegion\": [\"eu-west-1\"]}",
        },
        DocCase {
            rule: "version_known",
            kind: "rcp",
            doc: "{\"Statement\": {\"Effect\": \"Deny\", \"Principal\": \"*\", \"Action\": \"s3:*\"},\n  \"Version\": \"2024-01-01\"}",
            at: ": RCP \"Version\" is \"2024-01-01\", not a policy language version",
            help: "use \"Version\": \"2012-10-17\" (AWS also accepts the older \"2008-10-17\")",
        },
        DocCase {
            rule: "management_object",
            kind: "chatbot",
            doc: "[\n  \"chatbot\"]",
            at: ": chat applications policy document is a list, not a JSON object",
            help: "a chat applications policy is a JSON object of the keys its type allows, each with inheritance operators like {\"@@assign\": ...}",
        },
        DocCase {
            rule: "management_not_empty",
            kind: "tag",
            doc: "{\n}",
            at: ":1:1: tag policy document is empty",
            help: "a tag policy has the top-level key \"tags\" (AWS Organizations User Guide, orgs_manage_policies_example-tag-policies)",
        },
        DocCase {
            rule: "management_top_level_key",
            kind: "tag",
            doc: "{\n  \"tagz\": {\"costcenter\": {\"tag_key\": {\"@@assign\": \"CostCenter\"}}}}",
            at: ":2:3: tag policy document has the top-level key \"tagz\", which its type does not allow",
            help: "a tag policy has the top-level key \"tags\" (AWS Organizations User Guide, orgs_manage_policies_example-tag-policies); did you mean \"tags\"?",
        },
        DocCase {
            rule: "management_top_level_key_of_its_type",
            kind: "declarative-ec2",
            doc: "{\n  \"tags\": {}}",
            at: ":2:3: EC2 declarative policy document has the top-level key \"tags\", which its type does not allow",
            help: "an EC2 declarative policy has the top-level key \"ec2_attributes\" (AWS Organizations User Guide, orgs_manage_policies_declarative_syntax)",
        },
        DocCase {
            rule: "management_operators",
            kind: "backup",
            doc: "{\"plans\": {\"daily\": {\n  \"regions\": {\"@@asign\": [\"us-east-1\"]}}}}",
            at: ":2:15: backup policy document: \"@@asign\" is not an inheritance operator",
            help: "the operators are @@assign, @@append, @@remove, @@operators_allowed_for_child_policies; did you mean \"@@assign\"?",
        },
        DocCase {
            rule: "management_operators_allowed_for_child_policies",
            kind: "ai-opt-out",
            doc: "{\"services\": {\"default\": {\n  \"@@operators_allowed_for_child_policies\": [\"@@everything\"]}}}",
            at: ":2:45: AI services opt-out policy document: \"@@operators_allowed_for_child_policies\" is [\"@@everything\"], not a list of operators",
            help: "list what child policies may use: [\"@@assign\", \"@@append\", \"@@remove\"], or [\"@@none\"]",
        },
    ]
}

#[test]
fn every_document_grammar_rule_names_file_line_and_help() {
    let mut failures = Vec::new();
    for case in doc_cases() {
        let f = Fixture::new();
        let json = f.write("p.json", case.doc);
        let toml = toml(&[
            BASE,
            &format!(
                "[policies.p]\nkind = \"{}\"\nfile = \"p.json\"\n",
                case.kind
            ),
        ]);
        let e = match f.load(&toml) {
            Ok(_) => {
                failures.push(format!("{}: no problem found", case.rule));
                continue;
            }
            Err(e) => e,
        };
        let want = vec![format!("{}{}", json.display(), case.at)];
        let help = e.problems[0].help.clone().unwrap_or_default();
        if lines(&e) != want || !help.starts_with(case.help) {
            failures.push(format!(
                "{}:\n  want {want:?}\n  got  {:?}\n  help {help:?}",
                case.rule,
                lines(&e)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

const TAG: &str = r#"{"tags": {"costcenter": {"tag_key": {"@@assign": "CostCenter"}}}}"#;

#[test]
fn a_kind_is_one_govern_knows() {
    let f = Fixture::new();
    let p = f.problem(&toml(&[
        BASE,
        "[policies.p]\nkind = \"tags\"\nfile = \"p.json\"\n",
    ]));
    assert_eq!(
        p.to_string(),
        f.at(":5:8: policies.p.kind: unknown policy type `tags`")
    );
    let help = p.help.unwrap();
    assert!(
        help.starts_with("`kind` is one of \"scp\" (SERVICE_CONTROL_POLICY), \"rcp\" (RESOURCE_CONTROL_POLICY), \"tag\" (TAG_POLICY)"),
        "{help}"
    );
    // The API name is accepted too.
    f.write("t.json", TAG);
    let loaded = f
        .load(&toml(&[
            BASE,
            "[policies.t]\nkind = \"TAG_POLICY\"\nfile = \"t.json\"\n",
        ]))
        .unwrap();
    assert_eq!(
        loaded.desired.policies[&PolicyName::parse("t").unwrap()].kind,
        ::govern::model::PolicyKind::TagPolicy
    );
}

#[test]
fn templates_make_scps_only_and_aws_managed_rcps_are_not_declared() {
    let f = Fixture::new();
    let problems = f.problems(&toml(&[
        BASE,
        "[policies.r]\nkind = \"tag\"\ntemplate = \"deny-regions\"\n",
        "[policies.RCPFullAWSAccess]\nkind = \"rcp\"\nfile = \"x.json\"\n",
    ]));
    assert_eq!(
        problems,
        [
            f.at(":6:12: policies.r.template: templates generate SCPs, and this policy is a tag policy"),
            f.at(":7:11: policies.RCPFullAWSAccess: `RCPFullAWSAccess` is AWS-managed and cannot be declared"),
        ]
    );
}

#[test]
fn size_and_per_target_limits_are_per_kind() {
    let f = Fixture::new();
    let tag = f.write("t.json", TAG);
    f.write("u.json", TAG);
    let len = TAG.replace(' ', "").chars().count();
    let problems = f.problems(&toml(&[
        BASE,
        &format!(
            "[limits]\ntag_max_chars = {}\ntag_per_target = 1\n",
            len - 1
        ),
        "[policies.t]\nkind = \"tag\"\nfile = \"t.json\"\n",
        "[policies.u]\nkind = \"tag\"\nfile = \"u.json\"\n",
        "[root]\npolicies = [\"FullAWSAccess\", \"t\", \"u\"]\n",
    ]));
    assert_eq!(
        problems,
        [
            format!(
                "{}: tag policy document is {len} characters minified, over the limit of {} ([limits] tag_max_chars)",
                tag.display(),
                len - 1
            ),
            format!(
                "{}: tag policy document is {len} characters minified, over the limit of {} ([limits] tag_max_chars)",
                f.path("u.json").display(),
                len - 1
            ),
            f.at(":14:12: root.policies: 2 tag policies attached, over the limit of 1 per target ([limits] tag_per_target)"),
        ]
    );
    // AWS's defaults: 2,500 characters for an AI services opt-out policy.
    let big = format!(
        r#"{{"services": {{"default": {{"opt_out_policy": {{"@@assign": "optOut"}}}}, "x": {{"opt_out_policy": {{"@@assign": "{}"}}}}}}}}"#,
        "o".repeat(2500)
    );
    let f = Fixture::new();
    let ai = f.write("a.json", &big);
    let p = f.problem(&toml(&[
        BASE,
        "[policies.a]\nkind = \"ai-opt-out\"\nfile = \"a.json\"\n",
    ]));
    assert!(
        p.to_string().starts_with(&format!(
            "{}: AI services opt-out policy document is",
            ai.display()
        )) && p
            .to_string()
            .ends_with("over the limit of 2500 ([limits] ai_opt_out_max_chars)"),
        "{p}"
    );
}

#[test]
fn a_policies_list_names_an_scp() {
    let f = Fixture::new();
    f.write("t.json", TAG);
    let p = f.problem(&toml(&[
        BASE,
        "[policies.t]\nkind = \"tag\"\nfile = \"t.json\"\n",
        "[ous.A]\npolicies = [\"t\"]\n",
    ]));
    assert_eq!(
        p.to_string(),
        f.at(":8:12: ous.A.policies: the list names no SCP: `policies` is the exact set of SCPs too, and every target keeps at least one")
    );
}

#[test]
fn moved_names_two_addresses_of_one_type_the_new_one_declared() {
    let f = Fixture::new();
    f.write("t.json", TAG);
    f.write("s.json", SCP);
    let problems = f.problems(&toml(&[
        BASE,
        "[policies.t]\nkind = \"tag\"\nfile = \"t.json\"\n",
        "[policies.s]\nfile = \"s.json\"\n",
        "[[moved]]\nfrom = \"old\"\nto = \"scp:s\"\n",
        "[[moved]]\nfrom = \"scp:old\"\nto = \"tag:t\"\n",
        "[[moved]]\nfrom = \"scp:old\"\nto = \"scp:nope\"\n",
        "[[moved]]\nfrom = \"scp:s\"\nto = \"scp:s\"\n",
    ]));
    assert_eq!(
        problems,
        [
            f.at(":10:8: moved.from: `old` is not a policy address"),
            f.at(":14:6: moved.to: an SCP cannot become a tag policy: `from` and `to` are of one policy type"),
            f.at(":17:6: moved.to: no SCP named `nope` is declared under [policies]"),
            f.at(":19:8: moved.from: `s` is still declared under [policies]: a moved policy has only its new name"),
        ]
    );
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

// ---- include: a configuration over several files (issue 17) ----------------------------------

/// Accounts, OUs and exemptions in files of their own load as if written in org.toml, and the files
/// are the configuration's (its digest, saved plans and bundles cover them).
#[test]
fn included_files_load_as_part_of_the_configuration() {
    let f = Fixture::new();
    f.write(
        "accounts/prod.toml",
        "# Production\n[accounts.prod-app]\nemail = \"aws+prod@example.com\"\nou = \"Workloads/Prod\"\n",
    );
    f.write(
        "accounts/dev.toml",
        "[accounts.dev-app]\nemail = \"aws+dev@example.com\"\n\n[ous.\"Workloads/Prod\"]\n",
    );
    f.write("accounts/.prod.toml.swp", "not toml");
    let loaded = f
        .load(&toml(&["include = [\"accounts/*.toml\"]\n", BASE]))
        .unwrap_or_else(|e| panic!("{}", lines(&e).join("\n")));
    let names: Vec<&str> = loaded.desired.accounts.keys().map(String::as_str).collect();
    assert_eq!(names, ["dev-app", "prod-app"]);
    assert!(loaded
        .desired
        .ous
        .keys()
        .any(|p| p.as_str() == "Workloads/Prod"));
    let files: Vec<PathBuf> = loaded.files.clone();
    assert_eq!(
        files,
        [
            f.path("org.toml"),
            f.path("accounts/dev.toml"),
            f.path("accounts/prod.toml")
        ]
    );
}

/// A problem in an included file names that file and its own line, and sorts after org.toml's.
#[test]
fn problems_in_included_files_name_their_file_and_line() {
    let f = Fixture::new();
    let prod = f.write(
        "accounts/prod.toml",
        "[accounts.prod-app]\nemail = \"aws+prod@example.com\"\n\n[accounts.other]\nemail = \"not an email\"\n",
    );
    let dev = f.write(
        "accounts/dev.toml",
        "[accounts.dev-app]\nemail = \"AWS+PROD@example.com\"\nou = \"Nowhere\"\n",
    );
    let problems = f.problems(&toml(&[
        "include = [\"accounts/*.toml\"]\n",
        BASE,
        "[accounts.x]\nemail = \"aws+x@example.com\"\nou = \"Missing\"\n",
    ]));
    assert_eq!(
        problems,
        [
            f.at(":7:6: accounts.x.ou: OU `Missing` is not declared under [ous]"),
            format!("{}:3:6: accounts.dev-app.ou: OU `Nowhere` is not declared under [ous]", dev.display()),
            format!("{}:2:9: accounts.prod-app.email: email `aws+prod@example.com` is also used by account `dev-app` ({} line 2); emails compare case-insensitively", prod.display(), dev.display()),
            format!("{}:5:9: accounts.other.email: `not an email` is not a valid email address: it contains white space", prod.display()),
        ]
    );
}

#[test]
fn included_files_hold_only_accounts_ous_and_exemptions() {
    let f = Fixture::new();
    let extra = f.write(
        "more.toml",
        "[accounts.a]\nemail = \"aws+a@example.com\"\n[organization]\nhome_region = \"eu-west-1\"\n",
    );
    let p = f.problem(&toml(&["include = [\"more.toml\"]\n", BASE]));
    assert_eq!(
        p.to_string(),
        format!(
            "{}:3:2: organization: `organization` cannot be in an included file",
            extra.display()
        )
    );
    // Keys before the first table would land in org.toml's last table: refused.
    let loose = f.write("loose.toml", "email = \"aws+a@example.com\"\n");
    let p = f.problem(&toml(&["include = [\"loose.toml\"]\n", BASE]));
    assert_eq!(
        p.to_string(),
        format!(
            "{}:1:1: email: `email` cannot be in an included file",
            loose.display()
        )
    );
    // Patterns stay inside the directory; a name without `*` must exist.
    for (pattern, message) in [
        (
            "../x.toml",
            "`../x.toml` is not a relative path inside org.toml's directory",
        ),
        (
            "/etc/*.toml",
            "`/etc/*.toml` is not a relative path inside org.toml's directory",
        ),
        ("missing.toml", "`missing.toml` does not exist"),
    ] {
        let p = f.problem(&toml(&[&format!("include = [\"{pattern}\"]\n"), BASE]));
        assert_eq!(
            p.to_string(),
            f.at(&format!(":1:12: include: {message}")),
            "{pattern}"
        );
    }
}
