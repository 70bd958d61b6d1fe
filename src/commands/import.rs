//! `govern import --out FILE`: read the organization once, as `plan` does, and write org.toml (with
//! org.schema.json beside it for editors) and
//! its SCP files so that the next `govern plan` plans no change. Only reads AWS.
//!
//! The text is made by the pure [`crate::import`]; this file does the I/O: discovery, the refusal
//! to overwrite, and writing through a staging directory that is validated as `govern validate`
//! would before anything is moved into place, so a file validate rejects is never left behind.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::cli::ImportArgs;
use crate::connect::{connect, Also, Expect, Settings as Connect};
use crate::discover::Scope;
use crate::error::{Error, Result};
use crate::exit;
use crate::import::{plural, Imported, Settings};
use crate::model::ContactType;

use super::Context;

pub async fn run(ctx: &Context, args: &ImportArgs) -> Result<u8> {
    let dir = args
        .out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    if args.out.exists() && !args.force {
        return Err(refused(
            format!(
                "{} exists; govern import does not overwrite it",
                args.out.display()
            ),
            "pass --force to replace it, or --out another file",
        ));
    }

    // No org.toml yet: the session's region, else us-east-1 (Organizations is global).
    let connection = connect(
        &Connect {
            session: &ctx.session,
            region: "us-east-1",
            member_role: &args.member_role,
            external_id: args.external_id.clone(),
            command: "import",
        },
        Expect::CallersOwn,
    )
    .await?;
    let session_region = connection
        .clients
        .members
        .management()
        .region()
        .map(|r| r.to_string());
    let mut actual = connection.organization(Expect::CallersOwn).await?;
    // Every OU's and account's tags, so that the file declares them (one request each).
    let every = crate::discover::tags::everything(&actual);
    crate::discover::tags::tags(&connection.clients, &mut actual, every).await?;

    // Read inside every account only what the file can say: all three contact types, opt-in
    // regions when a region deny becomes allowed_regions, and keys and secrets for the rotation note.
    let deny = crate::import::recover_region_deny(&actual.policies, &args.member_role);
    let key_regions: Vec<String> = match &deny {
        Some(d) => d.allowed.iter().map(|r| r.as_str().to_string()).collect(),
        None => vec![session_region.clone().unwrap_or_else(|| "us-east-1".into())],
    };
    let scope = Scope {
        contacts: ContactType::ALL.into_iter().collect::<BTreeSet<_>>(),
        regions: deny.is_some(),
        key_regions: key_regions.clone(),
        // What a baseline added later reads stays off unless import learns to write it.
        ..Scope::default()
    };
    connection
        .members(
            &mut actual,
            &scope,
            ctx.concurrency,
            // Import has always read trusted access and delegations, and never the fallback.
            Also {
                fallback: false,
                logging: true,
                root_access: true,
            },
        )
        .await?;
    // The security services, in the Regions import's allowed_regions will hold (the delegated
    // administrators were read with trusted access above). A service whose admin API does not
    // answer (an emulator without it, a Region the service is not offered in) is left out of
    // [security] with a warning: import writes what it could read.
    for spec in crate::model::SERVICES {
        let read = crate::connect::read_security(
            &connection.clients,
            &mut actual,
            &[spec.service],
            &key_regions,
            true,
        )
        .await;
        if let Err(e) = read {
            tracing::warn!("{} not read, so [security] leaves it out: {e}", spec.title);
        }
    }
    // The organization trail in the session's region, its bucket and govern's key in the account
    // that holds the trail's key (or the one delegated administrator, the log archive).
    let logging = match actual
        .delegated_admins
        .iter()
        .filter(|(_, s)| !s.is_empty())
        .collect::<Vec<_>>()[..]
    {
        [(id, _)] => Some(id.clone()),
        _ => None,
    };
    crate::trail::discover(
        &connection.clients,
        &mut actual,
        session_region.as_deref().unwrap_or("us-east-1"),
        logging.as_ref(),
    )
    .await?;

    let imported = crate::import::generate(
        &actual,
        &Settings {
            session_region,
            member_role: args.member_role.clone(),
            external_id: args.external_id.clone(),
            key_regions,
        },
    );
    write(&args.out, &dir, &imported, args.force)?;
    report(&args.out, &actual.organization_id, &imported);

    let unread = &imported.summary.unread;
    if !unread.is_empty() {
        return Err(refused(
            format!(
                "the import is incomplete: {} account{} could not be read inside ({}); {} written, without their contacts and regions",
                unread.len(),
                plural(unread.len()),
                unread.iter().map(|(id, why)| format!("{id}: {why}")).collect::<Vec<_>>().join("; "),
                args.out.display()
            ),
            "fix access to those accounts (the member role, --member-role, --external-id) and import again with --force",
        ));
    }
    Ok(exit::OK)
}

/// Checks for files it would replace, writes everything to a staging directory beside FILE,
/// validates it there, then moves the SCP files and FILE (last) into place.
fn write(out: &Path, dir: &Path, imported: &Imported, force: bool) -> Result<()> {
    if !force {
        let clobbered: Vec<String> = imported
            .files
            .iter()
            .filter(|(rel, text)| {
                std::fs::read_to_string(dir.join(rel)).is_ok_and(|have| have != **text)
            })
            .map(|(rel, _)| dir.join(rel).display().to_string())
            .collect();
        if !clobbered.is_empty() {
            return Err(refused(
                format!(
                    "govern import would replace {} SCP file{} with other content: {}",
                    clobbered.len(),
                    plural(clobbered.len()),
                    clobbered.join(", ")
                ),
                "pass --force to replace them, or --out a file in another directory",
            ));
        }
    }
    let stage = Stage::new(dir)?;
    let name = out.file_name().unwrap_or("org.toml".as_ref());
    let staged = stage.0.join(name);
    for (rel, text) in &imported.files {
        put(&stage.0.join(rel), text)?;
    }
    put(&staged, &imported.org_toml)?;
    if let Err(e) = crate::config::load(&staged) {
        let problems: Vec<String> = e.problems.iter().map(ToString::to_string).collect();
        return Err(refused(
            format!(
                "the generated org.toml does not validate, so nothing was written: {}",
                problems.join("; ")
            ),
            "check the values given with --member-role and --external-id; otherwise this is a bug in \
             govern import: please report it with these problems",
        ));
    }
    for rel in imported.files.keys() {
        let to = dir.join(rel);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, "create", e))?;
        }
        std::fs::rename(stage.0.join(rel), &to).map_err(|e| io(&to, "write", e))?;
    }
    std::fs::rename(&staged, out).map_err(|e| io(out, "write", e))?;
    // Generated, never edited by hand: replaced without asking, so it matches this govern.
    let schema = dir.join(crate::import::SCHEMA_FILE);
    put(&schema, &crate::config::schema::generate())?;
    Ok(())
}

/// `.govern-import-<pid>/` beside the output, removed when dropped. Beside it, so the relative
/// `file` paths resolve the same and the final moves are renames on one file system.
struct Stage(PathBuf);

impl Stage {
    fn new(dir: &Path) -> Result<Stage> {
        let path = dir.join(format!(".govern-import-{}", std::process::id()));
        std::fs::create_dir_all(&path).map_err(|e| io(&path, "create", e))?;
        Ok(Stage(path))
    }
}

impl Drop for Stage {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn put(path: &Path, text: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| io(parent, "create", e))?;
    }
    std::fs::write(path, text).map_err(|e| io(path, "write", e))
}

fn io(path: &Path, what: &str, source: std::io::Error) -> Error {
    Error::Io {
        context: format!("cannot {what} {}", path.display()),
        source,
    }
}

fn refused(message: String, hint: &str) -> Error {
    Error::Refused {
        message,
        hint: Some(hint.into()),
    }
}

/// One paragraph on stderr: what was written and what the file says. stdout stays empty.
fn report(out: &Path, organization: &str, imported: &Imported) {
    let s = &imported.summary;
    let template = match &s.region_deny {
        Some(d) => format!(
            ", {} as the deny-regions template (allowed_regions {})",
            d.policies.len(),
            d.allowed
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => String::new(),
    };
    let mut text = format!(
        "Imported {organization} into {}: {} OUs, {} accounts{}, {} ({} files under baselines/{template}); {} per-account contact{}, {} exemption{}.",
        out.display(),
        s.ous,
        s.accounts,
        match imported.files.keys().filter(|f| f.starts_with("accounts/")).count() {
            0 => String::new(),
            n => format!(" (in {n} files under accounts/)"),
        },
        crate::import::policies_phrase(&s.policies),
        imported.files.keys().filter(|f| f.starts_with("baselines/")).count(),
        s.contact_overrides,
        plural(s.contact_overrides),
        s.exemptions,
        plural(s.exemptions),
    );
    if !s.not_declared.is_empty() {
        text.push_str(&format!(
            " {} account(s) could not be declared (see the comments in the file).",
            s.not_declared.len()
        ));
    }
    // Names are unique within a policy type only; org.toml names each policy once.
    for why in &s.not_declared_policies {
        text.push_str(&format!(" Left out: {why}."));
    }
    text.push_str(" `govern plan` on it plans no change.");
    eprintln!("{text}");
}
