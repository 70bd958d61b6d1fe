//! Saved plan files on disk: written whole (temp file, then rename), read with their version checked.

use std::path::Path;

use crate::error::{Error, Result};
use crate::plan::saved::{SavedPlan, SAVED_FORMAT_VERSION, SAVED_KIND};

pub fn write(path: &Path, saved: &SavedPlan) -> Result<()> {
    let io = |context: String| move |source| Error::Io { context, source };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(format!("creating {}", dir.display())))?;
    }
    let mut text = serde_json::to_string_pretty(saved).expect("a saved plan always serializes");
    text.push('\n');
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let tmp = path.with_file_name(format!(
        ".{}.{}.tmp",
        name.unwrap_or_default(),
        std::process::id()
    ));
    std::fs::write(&tmp, text).map_err(io(format!("writing {}", tmp.display())))?;
    std::fs::rename(&tmp, path).map_err(io(format!("writing {}", path.display())))
}

pub fn read(path: &Path) -> Result<SavedPlan> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        context: format!("reading the saved plan {}", path.display()),
        source,
    })?;
    let refuse = |message: String| Error::Refused {
        message,
        hint: Some(format!(
            "make a new plan with `govern plan -o {}`",
            path.display()
        )),
    };
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| refuse(format!("{} is not JSON: {e}", path.display())))?;
    if value["kind"] != SAVED_KIND || value["format_version"] != SAVED_FORMAT_VERSION {
        return Err(refuse(format!(
            "{} is not a saved plan of format version {SAVED_FORMAT_VERSION}",
            path.display()
        )));
    }
    let saved: SavedPlan = serde_json::from_value(value).map_err(|e| {
        refuse(format!(
            "{} is not a saved plan govern can read: {e}",
            path.display()
        ))
    })?;
    let broken = saved.integrity();
    if !broken.is_empty() {
        return Err(Error::Refused {
            message: format!(
                "{} is not the plan that was reviewed: {}",
                path.display(),
                broken.join("; ")
            ),
            hint: Some(format!(
                "make and review a new plan with `govern plan -o {}`",
                path.display()
            )),
        });
    }
    let mine = env!("CARGO_PKG_VERSION");
    if saved.govern_version != mine {
        return Err(refuse(format!(
            "{} was made by govern {}, this is govern {mine}: the planner may differ",
            path.display(),
            saved.govern_version
        )));
    }
    Ok(saved)
}
