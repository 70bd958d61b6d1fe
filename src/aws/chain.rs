//! What the standard credential chain is made of on this machine: the profile files, the profile it
//! uses, and the settings of that profile's SSO and web identity sources. Read (with the SDK's own
//! parser) before credentials load, so that an error can name what was tried and what to fix; the
//! SDK still does the loading.

use std::path::PathBuf;

use aws_config::profile::{Profile, ProfileFileLoadError};
use aws_runtime::env_config::file::EnvConfigFiles;
use aws_types::os_shim_internal::{Env, Fs};
use sha1::{Digest, Sha1};

/// Where the name of the profile in use came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileFrom {
    /// `--profile NAME`.
    Flag,
    /// `AWS_PROFILE=NAME`.
    Env,
    /// Neither: the profile named `default`, which need not exist.
    Default,
}

/// The credential chain's sources as configured here.
#[derive(Debug, Clone)]
pub struct ChainSetup {
    /// The profile the chain reads.
    pub profile: String,
    pub profile_from: ProfileFrom,
    /// Whether either file defines that profile.
    pub profile_exists: bool,
    /// Every profile either file defines, sorted.
    pub profiles: Vec<String>,
    /// The shared config and credentials files as people name them: `~/.aws/config` and
    /// `~/.aws/credentials`, or what AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE say.
    pub config_file: String,
    pub credentials_file: String,
    /// The profile's SSO sign-in, if it uses one.
    pub sso: Option<Sso>,
    /// Web identity (OIDC), from the profile or the environment, if set.
    pub web_identity: Option<WebIdentity>,
    /// AWS_EC2_METADATA_DISABLED=true.
    pub imds_disabled: bool,
}

/// An SSO profile's sign-in.
#[derive(Debug, Clone)]
pub struct Sso {
    /// The `[sso-session NAME]` it uses; none for a profile with its own `sso_start_url`.
    pub session: Option<String>,
    /// `sso_region`, where the SSO portal is.
    pub region: Option<String>,
    /// Where `aws sso login` leaves the token and the SDK reads it:
    /// `~/.aws/sso/cache/<sha1 of the session name, or of the start URL>.json`.
    pub token_cache: Option<PathBuf>,
}

/// Web identity: a token file (CI's OIDC token) exchanged for a role's credentials.
#[derive(Debug, Clone)]
pub struct WebIdentity {
    pub token_file: PathBuf,
    pub role_arn: Option<String>,
    /// Where the token file is set: `AWS_WEB_IDENTITY_TOKEN_FILE` or the profile's key.
    pub setting: String,
}

impl ChainSetup {
    /// Reads the profile files as the SDK does, with `--profile` (if given) as the profile in use.
    pub async fn read(profile_flag: Option<&str>) -> Result<ChainSetup, ProfileFileLoadError> {
        let set = aws_config::profile::load(
            &Fs::real(),
            &Env::real(),
            &EnvConfigFiles::default(),
            profile_flag.map(|p| p.to_string().into()),
        )
        .await?;
        let profile = set.selected_profile().to_string();
        let profile_from = match profile_flag {
            Some(_) => ProfileFrom::Flag,
            None if env("AWS_PROFILE").is_some() => ProfileFrom::Env,
            None => ProfileFrom::Default,
        };
        let selected = set.get_profile(&profile);
        let mut profiles: Vec<String> = set.profiles().map(str::to_string).collect();
        profiles.sort();
        let sso = selected.and_then(|p| sso(p, &set));
        Ok(ChainSetup {
            profile_exists: selected.is_some(),
            profiles,
            config_file: file_name("AWS_CONFIG_FILE", "~/.aws/config"),
            credentials_file: file_name("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"),
            sso,
            web_identity: web_identity(selected, &profile),
            imds_disabled: env("AWS_EC2_METADATA_DISABLED")
                .is_some_and(|v| v.eq_ignore_ascii_case("true")),
            profile,
            profile_from,
        })
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn file_name(var: &str, default: &str) -> String {
    env(var).unwrap_or_else(|| default.to_string())
}

fn sso(profile: &Profile, set: &aws_config::profile::ProfileSet) -> Option<Sso> {
    let (session, key, region) = match profile.get("sso_session") {
        Some(name) => (
            Some(name.to_string()),
            name.to_string(),
            set.sso_session(name)
                .and_then(|s| s.get("sso_region"))
                .or_else(|| profile.get("sso_region")),
        ),
        None => {
            let url = profile.get("sso_start_url")?;
            (None, url.to_string(), profile.get("sso_region"))
        }
    };
    Some(Sso {
        session,
        region: region.map(str::to_string),
        token_cache: home().map(|home| {
            home.join(".aws/sso/cache").join(format!(
                "{}.json",
                hex::encode(Sha1::digest(key.as_bytes()))
            ))
        }),
    })
}

/// HOME, as the SDK finds it (and on Windows USERPROFILE).
fn home() -> Option<PathBuf> {
    env("HOME")
        .or_else(|| env("USERPROFILE"))
        .map(PathBuf::from)
}

fn web_identity(profile: Option<&Profile>, name: &str) -> Option<WebIdentity> {
    if let Some(file) = profile.and_then(|p| p.get("web_identity_token_file")) {
        return Some(WebIdentity {
            token_file: PathBuf::from(file),
            role_arn: profile.and_then(|p| p.get("role_arn")).map(str::to_string),
            setting: format!("web_identity_token_file of profile `{name}`"),
        });
    }
    env("AWS_WEB_IDENTITY_TOKEN_FILE").map(|file| WebIdentity {
        token_file: PathBuf::from(file),
        role_arn: env("AWS_ROLE_ARN"),
        setting: "AWS_WEB_IDENTITY_TOKEN_FILE".to_string(),
    })
}
