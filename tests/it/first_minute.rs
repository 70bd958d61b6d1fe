//! The first minute: every error a newcomer can meet before anything works is one line naming the
//! cause and one `help:` line with the fix, exit 1, and nothing else on stderr at the default
//! verbosity (the whole error chain, and the SDK's own warnings, only with -v).
//!
//! Each test runs the binary on a newcomer's machine (`Govern::fresh_home`: a temp HOME with its own
//! `~/.aws`, no inherited AWS_* variable, instance metadata off) and points AWS_ENDPOINT_URL at
//! loopback (a closed port, the emulator or the test proxy), so nothing beyond 127.0.0.1 is tried.

use std::net::{Ipv4Addr, TcpListener};
use std::path::PathBuf;
use std::process::Output;
use std::time::Duration;

use crate::support::Govern;
use govern_testkit::{Emulator, Faults, Proxy, Rule, Seeder};

/// moto's account for any key it did not issue itself, and the management account here.
const ACCOUNT: &str = "123456789012";
const CI_ROLE: &str = "arn:aws:iam::123456789012:role/ci";

/// The help line every credentials error ends with when nothing was found.
const NO_CREDENTIALS_HELP: &str = "  help: sign in with `aws sso login --profile NAME` and set AWS_PROFILE=NAME (or pass --profile NAME), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";

/// A newcomer's machine: a temp directory that is HOME (with an empty `.aws/`) and holds org.toml.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".aws")).unwrap();
        std::fs::write(
            dir.path().join("org.toml"),
            format!(
                "[organization]\nmanagement_account = \"{ACCOUNT}\"\nhome_region = \"us-east-1\"\n"
            ),
        )
        .unwrap();
        Home { dir }
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
    fn show(&self, rel: &str) -> String {
        self.path(rel).to_str().unwrap().to_string()
    }
    fn write(&self, rel: &str, text: &str) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    /// `govern --config org.toml ARGS` on this machine.
    fn govern(&self, args: &[&str]) -> Govern {
        Govern::new(&[])
            .config(&self.path("org.toml"))
            .fresh_home(self.dir.path())
            .args(args)
    }
}

/// An address on loopback where nothing listens: connections are refused at once.
fn closed_port() -> String {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// A failed run at the default verbosity: exit 1, and stderr is exactly the cause and its `help:`
/// line, with no `{` of a Debug structure. Returns the two lines as printed.
fn cause_and_help(out: &Output) -> (String, String) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains('{'), "a Debug structure on stderr:\n{err}");
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 2, "not one line and its help:\n{err}");
    assert!(lines[1].starts_with("  help: "), "{err}");
    (lines[0].to_string(), lines[1].to_string())
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn no_credentials_anywhere_names_the_sources_tried() {
    let home = Home::new();
    let run = |flags: &[&str]| {
        home.govern(flags)
            .args(&["plan"])
            .env("AWS_ENDPOINT_URL", &closed_port())
            .run()
    };
    let (cause, help) = cause_and_help(&run(&[]));
    assert_eq!(
        cause,
        format!(
            "  x no AWS credentials found; tried: environment variables, profile `default` ({}, {}), \
             web identity, container credentials, EC2 instance metadata (disabled)",
            home.show(".aws/config"),
            home.show(".aws/credentials")
        )
    );
    assert_eq!(help, NO_CREDENTIALS_HELP);

    // With -v, the whole chain: what each provider said.
    let out = run(&["-v"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("Attempted:") && err.contains("$AWS_WEB_IDENTITY_TOKEN_FILE was not set"),
        "{err}"
    );
}

#[test]
fn a_profile_that_does_not_exist_lists_the_profiles_that_do() {
    let home = Home::new();
    let endpoint = closed_port();
    let run = |g: Govern| g.env("AWS_ENDPOINT_URL", &endpoint).run();

    // Nothing configured yet: no profile at all.
    let (cause, help) = cause_and_help(&run(home.govern(&["--profile", "dev", "plan"])));
    assert_eq!(
        cause,
        format!(
            "  x the AWS profile `dev` (from --profile) does not exist: {} and {} define no profile",
            home.show(".aws/config"),
            home.show(".aws/credentials")
        )
    );
    assert_eq!(
        help,
        "  help: create it with `aws configure sso --profile dev`, or leave out --profile to use the default chain"
    );

    home.write(
        ".aws/config",
        "[profile dev]\nregion = us-east-1\n\n[profile prod]\nregion = eu-west-1\n",
    );
    home.write(
        ".aws/credentials",
        "[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\n",
    );
    let (cause, help) = cause_and_help(&run(home.govern(&["plan"]).env("AWS_PROFILE", "stagin")));
    assert_eq!(
        cause,
        "  x the AWS profile `stagin` (from AWS_PROFILE) does not exist; the profiles are: default, dev, prod"
    );
    assert_eq!(
        help,
        "  help: set AWS_PROFILE to one of them, or create `stagin` with `aws configure sso --profile stagin`"
    );
}

/// The SDK's token cache file for an sso-session: `~/.aws/sso/cache/<sha1 of its name>.json`.
/// `printf corp | sha1sum`.
const CORP_CACHE: &str = ".aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json";

#[test]
fn an_expired_sso_sign_in_says_to_sign_in_again() {
    let home = Home::new();
    home.write(
        ".aws/config",
        &format!(
            "[profile dev]\nsso_session = corp\nsso_account_id = {ACCOUNT}\n\
             sso_role_name = Admin\nregion = us-east-1\n\n\
             [sso-session corp]\nsso_start_url = https://example.awsapps.com/start\n\
             sso_region = us-east-1\nsso_registration_scopes = sso:account:access\n"
        ),
    );
    let endpoint = closed_port();
    let run = |flags: &[&str]| {
        home.govern(flags)
            .args(&["plan"])
            .env("AWS_PROFILE", "dev")
            .env("AWS_ENDPOINT_URL", &endpoint)
            .run()
    };

    // `aws sso login` never ran: no token in the cache.
    let (cause, help) = cause_and_help(&run(&[]));
    assert_eq!(
        cause,
        "  x profile `dev` is not signed in to AWS SSO (sso-session `corp`)"
    );
    assert_eq!(help, "  help: sign in: aws sso login --profile dev");

    // It ran, yesterday: the token expired, and without a refresh token the SDK cannot renew it
    // (it fails without any request, as it does for a real cache past its expiresAt).
    home.write(
        CORP_CACHE,
        r#"{"startUrl": "https://example.awsapps.com/start", "region": "us-east-1",
            "accessToken": "expired-token", "expiresAt": "2020-01-01T00:00:00Z"}"#,
    );
    let (cause, help) = cause_and_help(&run(&[]));
    assert_eq!(
        cause,
        "  x the AWS SSO sign-in of profile `dev` (sso-session `corp`) has expired"
    );
    assert_eq!(help, "  help: sign in again: aws sso login --profile dev");

    // With -v the SDK's own warning from the provider is shown too.
    let err = stderr(&run(&["-v"]));
    assert!(
        err.contains("provider failed to provide credentials"),
        "{err}"
    );
}

/// The token cache file of a profile with its own `sso_start_url`: the sha1 of the URL.
/// `printf https://example.awsapps.com/start | sha1sum`.
const START_URL_CACHE: &str = ".aws/sso/cache/e8be5486177c5b5392bd9aa76563515b29358e6e.json";

#[test]
fn a_legacy_sso_profile_whose_token_sso_refuses() {
    // A profile with its own sso_start_url (as `aws configure sso` wrote them before sso-session):
    // the SDK reads the cached token without checking its expiry and asks the SSO portal for the
    // role's credentials.
    let home = Home::new();
    home.write(
        ".aws/config",
        &format!(
            "[profile old]\nsso_start_url = https://example.awsapps.com/start\n\
             sso_region = us-east-1\nsso_account_id = {ACCOUNT}\nsso_role_name = Admin\n"
        ),
    );
    // The proxy answers as the SSO portal does to an expired (or revoked) token: 401
    // UnauthorizedException. It forwards nothing (its upstream is a closed port).
    let proxy = Proxy::start(
        &closed_port(),
        Faults::none().rule(Rule::access_denied("sso:GetRoleCredentials")),
    );
    let run = || {
        home.govern(&["plan"])
            .env("AWS_PROFILE", "old")
            .env("AWS_ENDPOINT_URL", &proxy.endpoint())
            .run()
    };

    let (cause, help) = cause_and_help(&run());
    assert_eq!(cause, "  x profile `old` is not signed in to AWS SSO");
    assert_eq!(help, "  help: sign in: aws sso login --profile old");
    assert_eq!(proxy.count("sso:GetRoleCredentials"), 0);

    home.write(
        START_URL_CACHE,
        r#"{"startUrl": "https://example.awsapps.com/start", "region": "us-east-1",
            "accessToken": "expired-token", "expiresAt": "2020-01-01T00:00:00Z"}"#,
    );
    let (cause, help) = cause_and_help(&run());
    assert_eq!(
        cause,
        "  x the AWS SSO sign-in of profile `old` has expired"
    );
    assert_eq!(help, "  help: sign in again: aws sso login --profile old");
    assert_eq!(proxy.count("sso:GetRoleCredentials"), 1);
}

/// What GitHub Actions hands a job with `id-token: write`: a JWT in a file (moto accepts any).
const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm9yZy9yZXBvIn0.c2ln";

#[test]
fn web_identity_without_its_token_file() {
    let home = Home::new();
    let token = home.path("oidc/token");
    let (cause, help) = cause_and_help(
        &home
            .govern(&["plan"])
            .env("AWS_ENDPOINT_URL", &closed_port())
            .env("AWS_REGION", "us-east-1")
            .env("AWS_WEB_IDENTITY_TOKEN_FILE", token.to_str().unwrap())
            .env("AWS_ROLE_ARN", CI_ROLE)
            .run(),
    );
    assert_eq!(
        cause,
        format!(
            "  x the web identity token file {} does not exist (AWS_WEB_IDENTITY_TOKEN_FILE)",
            token.display()
        )
    );
    assert_eq!(
        help,
        "  help: in GitHub Actions, give the job `permissions: id-token: write` and get credentials with aws-actions/configure-aws-credentials (docs/ci/); elsewhere, point AWS_WEB_IDENTITY_TOKEN_FILE at the OIDC token"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn web_identity_the_role_refuses() {
    let emu = Emulator::start();
    Seeder::new(&emu.sdk_config().await).await;
    let proxy = Proxy::start(&emu.endpoint(), Faults::none());
    let home = Home::new();
    home.write("oidc/token", TOKEN);
    let run = || {
        home.govern(&["plan"])
            .env("AWS_ENDPOINT_URL", &proxy.endpoint())
            .env("AWS_REGION", "us-east-1")
            .env("AWS_WEB_IDENTITY_TOKEN_FILE", &home.show("oidc/token"))
            .env("AWS_ROLE_ARN", CI_ROLE)
            .run()
    };

    // The exchange works (moto trusts every token): the setup is right.
    let out = run();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(proxy.count("sts:AssumeRoleWithWebIdentity"), 1);

    // The proxy answers as AWS does when the role's trust policy does not trust the token.
    proxy.set_faults(Faults::none().rule(Rule::access_denied("sts:AssumeRoleWithWebIdentity")));
    let (cause, help) = cause_and_help(&run());
    assert_eq!(
        cause,
        format!("  x the role {CI_ROLE} refused the web identity token: AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity")
    );
    assert_eq!(
        help,
        "  help: the role's trust policy must allow sts:AssumeRoleWithWebIdentity for this token's issuer (an IAM OIDC provider), audience and subject (for GitHub: token.actions.githubusercontent.com, sts.amazonaws.com, repo:OWNER/REPO:…)"
    );
}

/// No region anywhere: neither AWS_REGION, AWS_DEFAULT_REGION, --region nor the profile sets one.
/// The commands that read org.toml use its home_region (which validate requires); import, which has
/// no org.toml, uses us-east-1 (Organizations is global). The credential providers that call AWS
/// themselves get the same region: here a profile that assumes a role from a source profile's keys,
/// whose STS call must be signed for a region.
#[tokio::test(flavor = "multi_thread")]
async fn no_region_anywhere_is_home_region_or_us_east_1() {
    let emu = Emulator::start();
    Seeder::new(&emu.sdk_config().await).await;
    let home = Home::new();
    home.write(
        ".aws/config",
        &format!("[profile admin]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/admin\nsource_profile = base\n"),
    );
    home.write(
        ".aws/credentials",
        "[base]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    );
    let run = |args: &[&str]| {
        home.govern(args)
            .env("AWS_ENDPOINT_URL", &emu.endpoint())
            .env("AWS_PROFILE", "admin")
            .run()
    };
    let out = run(&["plan"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let imported = home.path("imported/org.toml");
    let out = run(&["import", "--out", imported.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&imported).unwrap();
    assert!(text.contains("home_region = \"us-east-1\""), "{text}");

    // org.toml without home_region is refused before AWS is asked anything, by the config reader.
    home.write(
        "org.toml",
        &format!("[organization]\nmanagement_account = \"{ACCOUNT}\"\n"),
    );
    let out = run(&["plan"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("organization: missing required key `home_region`")
            && err.contains("help: add `home_region`"),
        "{err}"
    );
    assert!(!err.contains('{'), "{err}");
}

#[test]
fn an_endpoint_that_cannot_be_reached_is_named() {
    let home = Home::new();
    let endpoint = closed_port();
    // The first call is GetCallerIdentity, or with --assume-role the AssumeRole before it.
    for flags in [&[][..], &["--assume-role", CI_ROLE][..]] {
        let (cause, help) = cause_and_help(
            &home
                .govern(flags)
                .args(&["plan"])
                .env("AWS_ENDPOINT_URL", &endpoint)
                .env("AWS_ACCESS_KEY_ID", "testing")
                .env("AWS_SECRET_ACCESS_KEY", "testing")
                // The SDK retries a refused connection (8 attempts); 1 ms apart here, not seconds.
                .env("GOVERN_RETRY_BASE_MS", "1")
                .run(),
        );
        assert_eq!(
            cause,
            format!("  x AWS could not be reached at {endpoint}: connection refused")
        );
        assert_eq!(
            help,
            "  help: check AWS_ENDPOINT_URL (is the emulator or proxy it names running?), or unset it to reach AWS"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clock_aws_refuses_says_how_far_off_it_is() {
    let emu = Emulator::start();
    Seeder::new(&emu.sdk_config().await).await;
    // The proxy answers as AWS does when its clock is 20 minutes ahead of this machine's: the
    // signature has expired (SignatureDoesNotMatch), and its Date header says what time it is.
    let ahead = Duration::from_secs(20 * 60);
    let proxy = Proxy::start(
        &emu.endpoint(),
        Faults::none().rule(Rule::clock_skew("sts:GetCallerIdentity", ahead).times(1)),
    );
    let home = Home::new();
    let run = |env: &[(&str, &str)]| {
        let mut g = home
            .govern(&["plan"])
            .env("AWS_ENDPOINT_URL", &proxy.endpoint())
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing");
        for (k, v) in env {
            g = g.env(k, v);
        }
        g.run()
    };

    // The SDK learns AWS's time from the Date header and signs again: the run works.
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(proxy.count("sts:GetCallerIdentity"), 2);

    // When it does not correct (here its documented switch turns that off; a proxy that drops the
    // Date header does the same), AWS's refusal reaches govern.
    proxy.set_faults(Faults::none().rule(Rule::clock_skew("sts:GetCallerIdentity", ahead)));
    let (cause, help) = cause_and_help(&run(&[("AWS_DISABLE_CLOCK_SKEW_CORRECTION", "true")]));
    assert_eq!(
        cause,
        "  x AWS refused the request's signature: this machine's clock is 20 minutes behind AWS's (SignatureDoesNotMatch)"
    );
    assert_eq!(
        help,
        "  help: set the clock right and keep it synchronised (`timedatectl set-ntp true` on Linux; \"Set time automatically\" on macOS and Windows): AWS accepts requests signed within 5 minutes of its time"
    );
}
