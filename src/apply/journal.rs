//! The apply journal, `<state-dir>/<plan-id>.journal.jsonl`: one JSON line per event of every change
//! apply runs, each flushed to disk (sync_data) before apply goes on, so an interrupted or crashed
//! apply leaves a true account of what it started and finished.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Started,
    Finished,
    Failed,
    Skipped,
}

#[derive(Serialize)]
struct Line<'a> {
    address: &'a str,
    event: Event,
    time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    /// The AWS request ids of the calls the change made (what AWS support asks for).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    request_ids: &'a [String],
}

pub struct Journal {
    file: File,
    path: PathBuf,
}

impl Journal {
    /// Opens (appending: a re-run of the same plan adds to it) the journal of plan `plan_id` in `dir`.
    pub fn open(dir: &Path, plan_id: &str) -> Result<Journal> {
        let io = |context: String| move |source| Error::Io { context, source };
        std::fs::create_dir_all(dir).map_err(io(format!("creating {}", dir.display())))?;
        let path = dir.join(format!("{plan_id}.journal.jsonl"));
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io(format!("opening the journal {}", path.display())))?;
        Ok(Journal { file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one event and waits until it is on disk.
    pub fn record(
        &mut self,
        address: &str,
        event: Event,
        error: Option<&str>,
        request_ids: &[String],
    ) -> Result<()> {
        let line = Line {
            address,
            event,
            time: super::record::now_rfc3339(),
            error,
            request_ids,
        };
        let mut text = serde_json::to_string(&line).expect("a journal line always serializes");
        text.push('\n');
        self.file
            .write_all(text.as_bytes())
            .and_then(|()| self.file.sync_data())
            .map_err(|source| Error::Io {
                context: format!("writing the journal {}", self.path.display()),
                source,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_json_with_an_optional_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(dir.path(), "abc123def456").unwrap();
        j.record("ou:Security", Event::Started, None, &[]).unwrap();
        j.record("ou:Security", Event::Failed, Some("boom"), &[])
            .unwrap();
        let text = std::fs::read_to_string(dir.path().join("abc123def456.journal.jsonl")).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["event"], "started");
        assert!(lines[0].get("error").is_none());
        assert_eq!(lines[1]["error"], "boom");
        assert!(lines[1]["time"].as_str().unwrap().ends_with('Z'));
    }
}
