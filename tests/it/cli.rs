//! The command line as users and CI meet it: help examples, completions, logging that keeps stdout
//! clean, and the govern invocations in docs/ci/ workflows.

use crate::support::Govern;
use std::path::PathBuf;
use std::process::{Command, Output};

use ::govern::cli::Cli;
use clap::{CommandFactory, Parser};
use govern_testkit::{Emulator, Faults, Proxy, Seeder};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn govern(args: &[&str]) -> Command {
    Govern::new(args).command()
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn every_subcommand_shows_an_example_in_its_help() {
    fn check(cmd: &clap::Command, path: &str, missing: &mut Vec<String>, seen: &mut usize) {
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let path = format!("{path} {}", sub.get_name());
            *seen += 1;
            let after = sub
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            if !after.contains("Example") || !after.contains(&format!("{path} ")) {
                missing.push(path.clone());
            }
            check(sub, &path, missing, seen);
        }
    }
    let mut missing = Vec::new();
    let mut seen = 0;
    check(&Cli::command(), "govern", &mut missing, &mut seen);
    assert!(seen >= 8, "only {seen} subcommands found");
    assert!(
        missing.is_empty(),
        "subcommands without an `Example` of themselves in after_help: {missing:?}"
    );
}

#[test]
fn completions_for_every_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _govern"),
        ("zsh", "#compdef govern"),
        ("fish", "complete -c govern"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[govern]"),
    ] {
        let out = govern(&["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{}", text(&out));
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(script.contains(marker), "{shell}: no `{marker}`:\n{script}");
        // Subcommands and global flags are completed.
        assert!(
            script.contains("evidence") && script.contains("--assume-role"),
            "{shell}"
        );
    }
    // A usage error exits 1, never 2 (which means "changes" to CI).
    let out = govern(&["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("possible values"));
}

/// Help fits the command: validate and show never reach AWS, so their help leaves out the AWS and
/// scope options (which still parse there, being global); the commands that reach AWS show them
/// under their own headings.
#[test]
fn help_shows_only_the_options_a_command_uses() {
    for offline in ["validate", "fmt", "show", "schema"] {
        let out = govern(&[offline, "--help"]).output().unwrap();
        assert!(out.status.success(), "{}", text(&out));
        let help = String::from_utf8_lossy(&out.stdout);
        for absent in [
            "--profile",
            "--assume-role",
            "--max-attempts",
            "--target",
            "--shard",
            "AWS options",
        ] {
            assert!(
                !help.contains(absent),
                "`govern {offline} --help` shows {absent}:\n{help}"
            );
        }
        assert!(help.contains("--config"), "{help}");
    }
    for online in ["plan", "apply", "drift", "import"] {
        let out = govern(&[online, "--help"]).output().unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        let aws = help
            .find("AWS options:")
            .unwrap_or_else(|| panic!("{online}:\n{help}"));
        let profile = help.find("--profile").unwrap();
        assert!(
            profile > aws,
            "{online}: --profile is not under AWS options:\n{help}"
        );
        assert!(help.contains("Scope options:"), "{online}:\n{help}");
    }
    // Still accepted where hidden, and the value reaches the same field.
    let matches = ::govern::cli::command()
        .try_get_matches_from(["govern", "validate", "--profile", "p", "--concurrency", "3"])
        .unwrap();
    let cli = <Cli as clap::FromArgMatches>::from_arg_matches(&matches).unwrap();
    assert_eq!(cli.profile.as_deref(), Some("p"));
    assert_eq!(cli.concurrency.to_string(), "3");
}

/// An installed govern documents itself: the schema it checks org.toml against, and its man pages,
/// without a source checkout.
#[test]
fn the_binary_prints_its_schema_and_writes_man_pages() {
    let out = govern(&["schema"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let committed = std::fs::read_to_string(repo().join("docs/org.schema.json")).unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), committed);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("schema.json");
    let out = govern(&["schema", "--output", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(out.stdout.is_empty(), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), committed);

    let man = dir.path().join("man1");
    let out = govern(&["man", man.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    for page in [
        "govern.1",
        "govern-plan.1",
        "govern-drift-merge.1",
        "govern-evidence-verify.1",
    ] {
        let roff =
            std::fs::read_to_string(man.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(roff.contains(".TH"), "{page} is not a man page:\n{roff}");
    }
    let page = std::fs::read_to_string(man.join("govern-plan.1")).unwrap();
    assert!(page.contains("detailed\\-exitcode"), "{page}");
}

#[tokio::test(flavor = "multi_thread")]
async fn json_logs_go_to_stderr_and_stdout_stays_the_plan() {
    let emu = Emulator::start();
    let proxy = Proxy::start(&emu.endpoint(), Faults::default());
    Seeder::new(&emu.sdk_config().await).await;
    let state = tempfile::tempdir().unwrap();
    let plan_json = |flags: &[&str]| {
        let out = Govern::new(flags)
            .args(&["plan", "--json"])
            .config(&repo().join("org.toml"))
            .state_dir(state.path())
            .env_remove("RUST_LOG")
            .through(&proxy, &emu)
            .run();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        out
    };
    let out = plan_json(&["--log-format", "json", "-vv"]);

    let plan: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{}", text(&out)));
    assert!(plan["changes"].as_array().is_some_and(|c| !c.is_empty()));

    let stderr = String::from_utf8_lossy(&out.stderr);
    let events: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let message = |m: &str| {
        events
            .iter()
            .find(|e| e["fields"]["message"] == m)
            .unwrap_or_else(|| panic!("no `{m}` event in:\n{stderr}"))
    };
    let connected = message("connected");
    assert_eq!(connected["level"], "INFO");
    assert_eq!(connected["fields"]["command"], "plan");
    assert_eq!(connected["fields"]["account"], "123456789012");
    let read = message("organization read");
    assert!(read["fields"]["organization"]
        .as_str()
        .is_some_and(|o| o.starts_with("o-")));
    // -vv: each account read is logged at debug.
    let debug = message("account read");
    assert_eq!(debug["level"], "DEBUG");

    // Without -v only warnings and errors are logged: a clean run prints nothing to stderr.
    let out = plan_json(&[]);
    assert!(out.stderr.is_empty(), "{}", text(&out));
}

/// A workflow script with the GitHub expressions it uses replaced by a value they take (the first
/// shard of eight), so that its govern lines parse as they would on a runner.
fn github_expressions(script: &str) -> String {
    script
        .replace("${{ matrix.shard }}", "1")
        .replace("${{ strategy.job-total }}", "8")
}

/// Whether a subcommand reaches AWS (and so needs `--assume-role` in a workflow).
fn makes_aws_calls(command: &::govern::cli::Command) -> bool {
    use ::govern::cli::{Command, DriftAction, EvidenceAction};
    match command {
        Command::Validate(_) | Command::Show(_) | Command::Fmt(_) => false,
        Command::Drift(args) => !matches!(args.action, Some(DriftAction::Merge(_))),
        Command::Evidence(args) => match &args.action {
            Some(EvidenceAction::Merge(merge)) => merge.bundle.sign_key.is_some(),
            Some(EvidenceAction::Verify(verify)) => verify.kms,
            None => true,
        },
        _ => true,
    }
}

/// The govern command lines in a shell script: each simple command (split at `&&`, `||`, `;`, `|`
/// and newlines) whose first word is `govern`, as words, with redirections left out.
fn govern_invocations(script: &str) -> Vec<Vec<String>> {
    let joined = script.replace("\\\n", " ");
    let mut out = Vec::new();
    for line in joined.lines() {
        let line = line.split(" #").next().unwrap_or("");
        for part in line
            .split("&&")
            .flat_map(|p| p.split("||"))
            .flat_map(|p| p.split(';'))
            .flat_map(|p| p.split('|'))
        {
            let words = shlex::split(part.trim())
                .unwrap_or_else(|| panic!("cannot split shell words: {part}"));
            if words.first().map(String::as_str) != Some("govern") {
                continue;
            }
            let mut args = Vec::new();
            let mut skip_next = false;
            for w in words {
                if skip_next {
                    skip_next = false;
                } else if w == ">" || w == ">>" || w == "2>" || w == "<" {
                    skip_next = true;
                } else if !(w.starts_with('>') || w.starts_with("2>")) {
                    args.push(w);
                }
            }
            out.push(args);
        }
    }
    out
}

#[test]
fn ci_workflows_are_yaml_and_every_govern_line_parses() {
    let dir = repo().join("docs/ci");
    let mut workflows: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    workflows.sort();
    let names: Vec<String> = workflows
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "apply.yml",
            "drift.yml",
            "evidence.yml",
            "plan.yml",
            "sharded.yml"
        ]
    );

    let mut commands = std::collections::BTreeSet::new();
    for path in &workflows {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let yaml: serde_json::Value =
            serde_norway::from_str(&std::fs::read_to_string(path).unwrap())
                .unwrap_or_else(|e| panic!("{name} is not YAML: {e}"));
        assert_eq!(
            yaml["permissions"]["id-token"], "write",
            "{name}: OIDC needs id-token: write"
        );
        let jobs = yaml["jobs"]
            .as_object()
            .unwrap_or_else(|| panic!("{name}: no jobs"));
        let mut invocations = Vec::new();
        for (job, body) in jobs {
            let steps = body["steps"]
                .as_array()
                .unwrap_or_else(|| panic!("{name}: {job}: no steps"));
            assert!(
                steps.iter().any(|s| s["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("aws-actions/configure-aws-credentials@"))),
                "{name}: {job} does not get credentials through OIDC"
            );
            for step in steps {
                if let Some(script) = step["run"].as_str() {
                    invocations.extend(govern_invocations(&github_expressions(script)));
                }
            }
        }
        assert!(!invocations.is_empty(), "{name}: no govern command");
        for args in invocations {
            let cli = Cli::try_parse_from(&args)
                .unwrap_or_else(|e| panic!("{name}: `{}` does not parse:\n{e}", args.join(" ")));
            // Commands that make no AWS call need no role.
            if makes_aws_calls(&cli.command) {
                assert!(
                    cli.assume_role.is_some(),
                    "{name}: `{}` does not use --assume-role",
                    args.join(" ")
                );
            }
            commands.insert(cli.command.name());
        }
    }
    assert_eq!(
        commands.into_iter().collect::<Vec<_>>(),
        ["apply", "drift", "evidence", "plan", "show", "validate"]
    );
}

#[test]
fn govern_lines_are_found_in_scripts() {
    let found = govern_invocations(
        "set +e\ngovern --assume-role \"$R\" plan --format markdown > plan.md\ncode=$?\n\
         govern validate && govern drift --output d.md || true\n",
    );
    assert_eq!(
        found,
        [
            vec![
                "govern",
                "--assume-role",
                "$R",
                "plan",
                "--format",
                "markdown"
            ],
            vec!["govern", "validate"],
            vec!["govern", "drift", "--output", "d.md"],
        ]
    );
}

/// `govern fmt` puts org.toml and its included files in canonical order (issue 17), keeping what
/// they mean; `--check` changes nothing and fails while a file is out of order.
#[test]
fn fmt_orders_the_configuration_and_check_fails_until_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let org = dir.path().join("org.toml");
    std::fs::write(
        &org,
        "include = [\"accounts/*.toml\"]\n\n[ous.Workloads]\n\n[organization]\nmanagement_account = \"123456789012\"\nhome_region = \"us-east-1\"\n",
    )
    .unwrap();
    let accounts = dir.path().join("accounts/team.toml");
    std::fs::create_dir_all(accounts.parent().unwrap()).unwrap();
    std::fs::write(
        &accounts,
        "[accounts.zeta]\nemail = \"aws+z@example.com\"\n\n# alpha's comment\n[accounts.alpha]\nemail = \"aws+a@example.com\"\nou = \"Workloads\"\n",
    )
    .unwrap();
    let config = org.to_str().unwrap();
    let run = |args: &[&str]| govern(args).output().unwrap();
    let before = run(&["validate", "--config", config]);
    assert!(before.status.success(), "{}", text(&before));

    let check = run(&["fmt", "--check", "--config", config]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check));
    let listed = String::from_utf8_lossy(&check.stdout).into_owned();
    assert!(
        listed.contains(&format!("not in canonical order: {}", org.display())),
        "{listed}"
    );
    assert!(
        listed.contains(&format!("not in canonical order: {}", accounts.display())),
        "{listed}"
    );
    assert!(
        std::fs::read_to_string(&org)
            .unwrap()
            .starts_with("include"),
        "--check wrote"
    );

    let fmt = run(&["fmt", "--config", config]);
    assert!(fmt.status.success(), "{}", text(&fmt));
    // Tables move with the comments above them; keys and values stay as written.
    assert_eq!(
        std::fs::read_to_string(&accounts).unwrap(),
        "\n# alpha's comment\n[accounts.alpha]\nemail = \"aws+a@example.com\"\nou = \"Workloads\"\n[accounts.zeta]\nemail = \"aws+z@example.com\"\n"
    );
    assert!(run(&["fmt", "--check", "--config", config])
        .status
        .success());
    let after = run(&["validate", "--config", config]);
    assert_eq!(
        String::from_utf8_lossy(&after.stdout),
        String::from_utf8_lossy(&before.stdout)
    );
}

/// What `govern import` writes is already in canonical order.
#[test]
fn imported_files_are_in_canonical_order() {
    for golden in ["demo", "baselines"] {
        let path = repo().join(format!("tests/it/golden/{golden}/import/org.toml"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            ::govern::config::fmt::canonical(&text).unwrap(),
            text,
            "{} is not in fmt's order",
            path.display()
        );
    }
}

/// The sharded workflow runs shards 1 to N (N read from the matrix, never typed twice) and merges
/// only after all of them, with both merges of the README.
#[test]
fn the_sharded_workflow_covers_every_shard_once_then_merges() {
    let path = repo().join("docs/ci/sharded.yml");
    let yaml: serde_json::Value =
        serde_norway::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let shards: Vec<u64> = yaml["jobs"]["shard"]["strategy"]["matrix"]["shard"]
        .as_array()
        .expect("a matrix of shards")
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(shards, (1..=shards.len() as u64).collect::<Vec<_>>());
    assert_eq!(yaml["jobs"]["shard"]["strategy"]["fail-fast"], false);
    assert_eq!(yaml["jobs"]["merge"]["needs"], "shard");
    // The organization is read once, before the shards, and each shard's drift starts from it.
    assert_eq!(yaml["jobs"]["shard"]["needs"], "organization");

    let scripts = |job: &str| -> String {
        yaml["jobs"][job]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["run"].as_str())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let read = govern_invocations(&scripts("organization"));
    assert_eq!(read.len(), 1, "{read:?}");
    assert!(
        read[0].ends_with(
            &["drift", "organization", "--output", "organization.json"].map(String::from)
        ),
        "{read:?}"
    );
    let shard_lines = govern_invocations(&scripts("shard"));
    assert_eq!(shard_lines.len(), 2, "{shard_lines:?}");
    let drift = &shard_lines[0];
    let at = drift
        .iter()
        .position(|w| w == "--organization")
        .expect("--organization");
    assert_eq!(drift[at + 1], "organization.json");
    for line in &shard_lines {
        let at = line.iter().position(|w| w == "--shard").expect("--shard");
        assert_eq!(
            line[at + 1],
            "${{ matrix.shard }}/${{ strategy.job-total }}"
        );
    }
    let merges: Vec<String> = govern_invocations(&scripts("merge"))
        .iter()
        .map(|l| {
            l.iter()
                .filter(|w| !w.starts_with('-') && !w.contains('$') && *w != "govern")
                .take(2)
                .cloned()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    assert_eq!(merges, ["drift merge", "evidence merge", "evidence verify"]);
}

/// The AWS-native recipe (docs/aws/sharded-batch.yaml) is a CloudFormation template whose every
/// reference resolves, whose state machine runs the shards' array job and then the merge, and
/// whose every govern command line parses (with a shard's values for the variables).
#[test]
fn the_batch_recipe_is_a_template_whose_govern_lines_parse() {
    let path = repo().join("docs/aws/sharded-batch.yaml");
    let template: serde_json::Value =
        serde_norway::from_str(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("sharded-batch.yaml is not YAML: {e}"));
    let resources = template["Resources"].as_object().expect("Resources");
    let parameters = template["Parameters"].as_object().expect("Parameters");
    let kinds: std::collections::BTreeSet<&str> = resources
        .values()
        .map(|r| r["Type"].as_str().unwrap())
        .collect();
    for kind in [
        "AWS::Batch::JobDefinition",
        "AWS::Batch::JobQueue",
        "AWS::StepFunctions::StateMachine",
        "AWS::Scheduler::Schedule",
    ] {
        assert!(kinds.contains(kind), "no {kind}");
    }

    // Every Ref, GetAtt and ${Name} names a parameter, a resource or a pseudo parameter.
    let known = |name: &str| {
        let name = name.split('.').next().unwrap();
        parameters.contains_key(name) || resources.contains_key(name) || name.starts_with("AWS::")
    };
    fn walk(v: &serde_json::Value, found: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v) {
                        ("Ref", serde_json::Value::String(s)) => found.push(s.clone()),
                        ("Fn::GetAtt", serde_json::Value::Array(a)) => {
                            found.push(a[0].as_str().unwrap().to_string())
                        }
                        ("Fn::Sub", serde_json::Value::String(s)) => {
                            let mut rest = s.as_str();
                            while let Some(at) = rest.find("${") {
                                let end = rest[at..].find('}').unwrap() + at;
                                found.push(rest[at + 2..end].to_string());
                                rest = &rest[end..];
                            }
                        }
                        _ => walk(v, found),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, found)),
            _ => {}
        }
    }
    let mut references = Vec::new();
    walk(&template["Resources"], &mut references);
    walk(&template["Outputs"], &mut references);
    assert!(references.len() > 20);
    for name in &references {
        assert!(
            known(name),
            "`{name}` is neither a parameter nor a resource"
        );
    }

    // The state machine: the array job of Shards children, then the merge even when a shard failed.
    let definition = resources["Run"]["Properties"]["DefinitionString"]["Fn::Sub"]
        .as_str()
        .unwrap()
        .replace("${Shards}", "8")
        .replace("${AWS::Partition}", "aws")
        .replace("${Queue}", "queue")
        .replace("${OrganizationJob}", "organization-job")
        .replace("${ShardJob}", "shard-job")
        .replace("${MergeJob}", "merge-job");
    let asl: serde_json::Value = serde_json::from_str(&definition)
        .unwrap_or_else(|e| panic!("the state machine is not JSON: {e}\n{definition}"));
    let states = &asl["States"];
    assert_eq!(asl["StartAt"], "Organization");
    assert_eq!(
        states["Organization"]["Parameters"]["JobDefinition"],
        "organization-job"
    );
    assert_eq!(states["Organization"]["Next"], "Shards");
    assert_eq!(states["Shards"]["Parameters"]["ArrayProperties"]["Size"], 8);
    assert_eq!(states["Shards"]["Parameters"]["JobDefinition"], "shard-job");
    assert_eq!(states["Shards"]["Next"], "Merge");
    assert_eq!(states["Shards"]["Catch"][0]["Next"], "Merge");
    assert_eq!(states["Merge"]["Parameters"]["JobDefinition"], "merge-job");
    assert_eq!(states["Merge"]["End"], true);

    // The containers' scripts, with shard 1 of 8 for the shell's arithmetic.
    let script = |job: &str| {
        resources[job]["Properties"]["ContainerProperties"]["Command"][2]
            .as_str()
            .unwrap()
            .replace("\"$shard/$SHARDS\"", "1/8")
    };
    let mut subcommands = Vec::new();
    for job in ["OrganizationJob", "ShardJob", "MergeJob"] {
        let lines = govern_invocations(&script(job));
        assert!(!lines.is_empty(), "{job}: no govern command");
        for args in lines {
            let cli = Cli::try_parse_from(&args)
                .unwrap_or_else(|e| panic!("{job}: `{}` does not parse:\n{e}", args.join(" ")));
            if makes_aws_calls(&cli.command) {
                assert!(cli.assume_role.is_some(), "{job}: `{}`", args.join(" "));
            }
            assert_eq!(cli.shard.is_some(), job == "ShardJob", "{}", args.join(" "));
            // A shard's drift starts from the organization the first job wrote.
            if let (true, ::govern::cli::Command::Drift(d)) = (job == "ShardJob", &cli.command) {
                assert_eq!(
                    d.organization.as_deref(),
                    Some(std::path::Path::new("organization.json"))
                );
            }
            subcommands.push(format!("{job} {}", cli.command.name()));
        }
    }
    assert_eq!(
        subcommands,
        [
            "OrganizationJob drift",
            "ShardJob drift",
            "ShardJob evidence",
            "MergeJob drift",
            "MergeJob evidence",
            "MergeJob evidence"
        ]
    );
}
