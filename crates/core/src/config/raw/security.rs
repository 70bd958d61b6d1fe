//! `[security]` as written (issue 16 part 3): the administrator and the list of services.

use toml_edit::TableLike;

use super::{Entry, List, RawFile, Reader, Sp};

#[derive(Debug, Default)]
pub(crate) struct RawSecurity {
    pub administrator: Option<Sp<String>>,
    pub services: Option<List>,
}

const SECURITY: &[(&str, &str)] = &[
    (
        "administrator",
        "the name of a member account declared under [accounts], like \"audit\"",
    ),
    (
        "services",
        "a list of security services, like [\"guardduty\", \"securityhub\"]",
    ),
];

#[cfg(test)]
pub(super) fn accepted_paths(out: &mut std::collections::BTreeSet<String>) {
    for (key, _) in SECURITY {
        out.insert(format!("security.{key}"));
    }
}

impl Reader<'_> {
    pub(super) fn security(&mut self, top: &dyn TableLike, file: &mut RawFile) {
        let Some((key_span, t)) = self.sub_table(top, &[], "security") else {
            return;
        };
        let path = ["security"];
        self.unknown_keys(t, &path, SECURITY);
        self.required(
            t,
            &path,
            &key_span,
            SECURITY,
            &["administrator", "services"],
        );
        let body = RawSecurity {
            administrator: self.string(t, &path, "administrator", SECURITY),
            services: self.list(t, &path, "services", SECURITY),
        };
        file.security = Some(Entry {
            name: "security".into(),
            key_span,
            body,
        });
    }
}
