//! A TOML writer that owns layout and comments: every key and string goes through toml_edit's own
//! encoder, so a name that is not a bare key is quoted, escapes are right and non-ASCII text stays
//! as it is.

/// Comments are wrapped to fit this many columns.
const WIDTH: usize = 100;

#[derive(Debug, Default)]
pub(crate) struct Toml {
    text: String,
}

impl Toml {
    pub fn finish(self) -> String {
        self.text
    }

    /// A line as it is (e.g. the `#:schema` directive, which must not be wrapped).
    pub fn verbatim(&mut self, l: &str) {
        self.line(l);
    }

    /// `# text`, wrapped at word boundaries.
    pub fn comment(&mut self, text: &str) {
        let mut line = String::from("#");
        for word in text.split_whitespace() {
            if line.len() > 1 && line.len() + 1 + word.len() > WIDTH {
                self.line(&line);
                line = String::from("#");
            }
            line.push(' ');
            line.push_str(word);
        }
        self.line(&line);
    }

    pub fn blank(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with("\n\n") {
            self.text.push('\n');
        }
    }

    /// `[a.b."c d"]`.
    pub fn table(&mut self, path: &[&str]) {
        let keys: Vec<String> = path.iter().map(|k| key(k)).collect();
        self.line(&format!("[{}]", keys.join(".")));
    }

    pub fn string(&mut self, k: &str, v: &str) {
        self.line(&format!("{} = {}", key(k), string(v)));
    }

    pub fn strings<'a>(&mut self, k: &str, values: impl IntoIterator<Item = &'a str>) {
        let items: Vec<String> = values.into_iter().map(string).collect();
        self.line(&format!("{} = [{}]", key(k), items.join(", ")));
    }

    /// `tags = { owner = "platform" }`, nothing when `tags` is empty.
    pub fn tags(&mut self, tags: &std::collections::BTreeMap<String, String>) {
        if tags.is_empty() {
            return;
        }
        let items: Vec<String> = tags
            .iter()
            .map(|(k, v)| format!("{} = {}", key(k), string(v)))
            .collect();
        self.line(&format!("tags = {{ {} }}", items.join(", ")));
    }

    pub fn integer(&mut self, k: &str, v: i64) {
        self.line(&format!("{} = {v}", key(k)));
    }

    pub fn boolean(&mut self, k: &str, v: bool) {
        self.line(&format!("{} = {v}", key(k)));
    }

    /// What `write` writes, with every line commented out (`# [key_rotation]`).
    pub fn commented(&mut self, write: impl FnOnce(&mut Toml)) {
        let mut inner = Toml::default();
        write(&mut inner);
        for l in inner.text.lines() {
            self.line(&format!("# {l}"));
        }
    }

    fn line(&mut self, l: &str) {
        self.text.push_str(l);
        self.text.push('\n');
    }
}

/// A key, bare when TOML allows (`deny-s3`), else quoted (`"Workloads/Prod"`, `"Zugriff für"`).
pub(crate) fn key(k: &str) -> String {
    toml_edit::Key::new(k).display_repr().into_owned()
}

fn string(v: &str) -> String {
    toml_edit::Value::from(v).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_strings_are_encoded_by_toml_edit() {
        let mut t = Toml::default();
        t.comment("A section.");
        t.table(&["ous", "Workloads/Prod"]);
        t.strings("policies", ["FullAWSAccess", "Zugriff für \"Prüfer\""]);
        t.table(&["accounts", "Shared services", "contacts", "security"]);
        t.string("name", "Ünal\tO'Brien");
        t.integer("n", 3);
        t.blank();
        t.commented(|t| {
            t.table(&["key_rotation"]);
            t.integer("kms_rotation_period_days", 365);
        });
        let text = t.finish();
        assert_eq!(
            text,
            "# A section.\n[ous.\"Workloads/Prod\"]\npolicies = [\"FullAWSAccess\", 'Zugriff für \"Prüfer\"']\n\
             [accounts.\"Shared services\".contacts.security]\nname = \"Ünal\\tO'Brien\"\nn = 3\n\n\
             # [key_rotation]\n# kms_rotation_period_days = 365\n"
        );
        let parsed: toml_edit::DocumentMut = text.parse().unwrap();
        assert_eq!(
            parsed["accounts"]["Shared services"]["contacts"]["security"]["name"].as_str(),
            Some("Ünal\tO'Brien")
        );
    }

    #[test]
    fn comments_wrap() {
        let mut t = Toml::default();
        t.comment(&"word ".repeat(40));
        let text = t.finish();
        assert!(text
            .lines()
            .all(|l| l.len() <= WIDTH && l.starts_with("# ")));
        assert_eq!(text.lines().count(), 3);
    }
}
