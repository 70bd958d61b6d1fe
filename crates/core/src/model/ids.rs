//! Identifiers shared by every layer. Each one is validated once, where it is built, so the rest of the
//! code can rely on its shape.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a string could not become an identifier; the caller adds where the string came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct IdError(pub String);

/// Whether `c` must never reach a terminal raw: a control character (C0, DEL, C1) or a Unicode
/// bidirectional control, which reorders what a reviewer reads ("Trojan Source", CVE-2021-42574).
pub fn unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` made safe to print on a terminal or in a CI log: names read from AWS are untrusted
/// (issue 14), and an ESC in an OU name would otherwise reach the terminal raw (colours, cursor
/// moves, a rewritten line). Control characters (C0, DEL, C1) and the Unicode bidirectional
/// controls, which reorder what a reviewer reads, are written as `\u{..}`; a backslash is doubled,
/// so that an escaped text never reads as another.
pub fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| unsafe_char(c) || c == '\\') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else if c == '\\' {
            out.push_str("\\\\");
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Why a name cannot be one govern addresses, if it holds an [`unsafe_char`]: a NUL is named as
/// such (a truncated C string, or a file that is not text), others by code point.
pub fn unsafe_chars_in(what: &str, name: &str) -> Option<String> {
    let c = name.chars().find(|c| unsafe_char(*c))?;
    let shown = escape(name);
    Some(if c == '\0' {
        format!("{what} `{shown}` contains a NUL character (U+0000), which no name may hold")
    } else if c.is_control() {
        format!(
            "{what} `{shown}` contains the control character U+{:04X}; names are printed on terminals and in CI logs, so govern allows none",
            c as u32
        )
    } else {
        format!(
            "{what} `{shown}` contains the bidirectional control U+{:04X}, which reorders how the name reads",
            c as u32
        )
    })
}

/// A 12-digit AWS account id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountId(String);

impl AccountId {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(s.to_string()))
        } else {
            Err(IdError(format!(
                "`{s}` is not an AWS account id: expected exactly 12 digits"
            )))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AccountId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Self::parse(&s)
    }
}
impl From<AccountId> for String {
    fn from(a: AccountId) -> String {
        a.0
    }
}
impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The path of an organizational unit below the root, e.g. `Workloads/Prod`. Never empty: the root is
/// [`Parent::Root`], not an empty path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OuPath(String);

/// OUs nest at most five levels below the root (Organizations quota).
pub const MAX_OU_DEPTH: usize = 5;
/// OU names are 1..=128 characters (CreateOrganizationalUnit).
pub const MAX_OU_NAME: usize = 128;

impl OuPath {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        if s.is_empty() {
            return Err(IdError(
                "an OU path cannot be empty (omit `ou` to place an account under the root)".into(),
            ));
        }
        let shown = escape(s);
        let segments: Vec<&str> = s.split('/').collect();
        if let Some(i) = segments.iter().position(|seg| seg.trim().is_empty()) {
            return Err(IdError(format!(
                "OU path `{shown}` has an empty segment (segment {}): use names separated by single `/`, like `Workloads/Prod`",
                i + 1
            )));
        }
        if segments.len() > MAX_OU_DEPTH {
            return Err(IdError(format!(
                "OU path `{shown}` is {} levels deep: AWS allows at most {MAX_OU_DEPTH} levels below the root",
                segments.len()
            )));
        }
        if let Some(seg) = segments
            .iter()
            .find(|seg| seg.chars().count() > MAX_OU_NAME)
        {
            return Err(IdError(format!(
                "OU name `{}` is longer than {MAX_OU_NAME} characters",
                escape(seg)
            )));
        }
        if let Some(why) = unsafe_chars_in("OU path", s) {
            return Err(IdError(why));
        }
        Ok(Self(s.to_string()))
    }

    /// The path that stands for an OU whose name govern cannot address (a `/` or a control
    /// character in its name, or inside such an OU): `/` and its id, e.g. `/ou-ab12-cd34ef56`.
    /// [`OuPath::parse`] refuses an empty first segment, so org.toml can never declare one and no
    /// OU that govern can address has one; saved plans and bundles read it back (serde).
    pub fn by_id(ou_id: &str) -> Self {
        Self(format!("/{ou_id}"))
    }

    /// The OU id of a path made by [`OuPath::by_id`].
    pub fn id_only(&self) -> Option<&str> {
        self.0.strip_prefix('/')
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The last segment: the OU's own name.
    pub fn name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }
    pub fn depth(&self) -> usize {
        self.0.split('/').count()
    }
    /// This path after the OU at `from` is renamed to `to` (same parent): `from` itself or a path
    /// below it gets `to` in front; any other path is None.
    pub fn renamed(&self, from: &OuPath, to: &OuPath) -> Option<OuPath> {
        if self == from {
            return Some(to.clone());
        }
        let rest = self.0.strip_prefix(&format!("{}/", from.0))?;
        Some(OuPath(format!("{}/{rest}", to.0)))
    }
    pub fn parent(&self) -> Parent {
        match self.0.rsplit_once('/') {
            Some((head, _)) => Parent::Ou(OuPath(head.to_string())),
            None => Parent::Root,
        }
    }
    /// This path and every ancestor, outermost first.
    pub fn ancestors_and_self(&self) -> Vec<OuPath> {
        // An OU known only by its id ([`OuPath::by_id`]): its ancestors have no path here.
        if self.id_only().is_some() {
            return vec![self.clone()];
        }
        let mut out = Vec::new();
        let mut acc = String::new();
        for seg in self.0.split('/') {
            if !acc.is_empty() {
                acc.push('/');
            }
            acc.push_str(seg);
            out.push(OuPath(acc.clone()));
        }
        out
    }
    pub fn child(parent: &Parent, name: &str) -> Result<Self, IdError> {
        match parent {
            Parent::Root => Self::parse(name),
            Parent::Ou(p) => Self::parse(&format!("{}/{}", p.0, name)),
        }
    }
}

impl TryFrom<String> for OuPath {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        // What discovery wrote for an OU it cannot address (`/` and an OU id, nothing else).
        if let Some(id) = s.strip_prefix('/') {
            if id.starts_with("ou-")
                && id.len() <= 68
                && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            {
                return Ok(Self(s));
            }
        }
        Self::parse(&s)
    }
}
impl From<OuPath> for String {
    fn from(p: OuPath) -> String {
        p.0
    }
}
impl fmt::Display for OuPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where an account or OU sits: directly under the root, or in an OU.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Parent {
    Root,
    Ou(OuPath),
}

impl fmt::Display for Parent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Parent::Root => f.write_str("root"),
            Parent::Ou(p) => write!(f, "ou:{p}"),
        }
    }
}

/// The name of a service control policy. Names are unique within an organization (CreatePolicy answers
/// DuplicatePolicyException), so govern keys policies by name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PolicyName(String);

/// The AWS-managed SCP attached everywhere by default; it needs no declaration in org.toml.
pub const FULL_AWS_ACCESS: &str = "FullAWSAccess";
/// Policy names are 1..=128 characters (CreatePolicy).
pub const MAX_POLICY_NAME: usize = 128;

impl PolicyName {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let n = s.chars().count();
        if n == 0 || n > MAX_POLICY_NAME {
            return Err(IdError(format!(
                "policy name `{}` must be 1 to {MAX_POLICY_NAME} characters",
                escape(s)
            )));
        }
        if let Some(why) = unsafe_chars_in("policy name", s) {
            return Err(IdError(why));
        }
        Ok(Self(s.to_string()))
    }
    /// How an SCP whose name govern cannot address is listed (unmanaged, never planned): `(id
    /// p-…)`. Only discovery makes one; it is never looked up among the organization's policies.
    pub fn by_id(policy_id: &str) -> Self {
        Self(format!("(id {policy_id})"))
    }
    pub fn full_aws_access() -> Self {
        Self(FULL_AWS_ACCESS.to_string())
    }
    pub fn is_full_aws_access(&self) -> bool {
        self.0 == FULL_AWS_ACCESS
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PolicyName {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Self::parse(&s)
    }
}
impl From<PolicyName> for String {
    fn from(p: PolicyName) -> String {
        p.0
    }
}
impl fmt::Display for PolicyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An AWS region name from the list govern knows (see [`KNOWN_REGIONS`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Region(String);

/// Commercial, GovCloud and China regions as of 2026-11. A region AWS opens later is rejected until this
/// list learns it: a typo in `allowed_regions` would otherwise deny a real region everywhere.
pub const KNOWN_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "cn-north-1",
    "cn-northwest-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-gov-east-1",
    "us-gov-west-1",
    "us-west-1",
    "us-west-2",
];

impl Region {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        if KNOWN_REGIONS.contains(&s) {
            Ok(Self(s.to_string()))
        } else {
            Err(IdError(format!(
                "`{s}` is not an AWS region govern knows (for example us-east-1, eu-west-1)"
            )))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Region {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Self::parse(&s)
    }
}
impl From<Region> for String {
    fn from(r: Region) -> String {
        r.0
    }
}
impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An account's root email address. AWS requires it to be unique across all of AWS, which is why a
/// declared account without an id is matched by email.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// A deliberately plain check (AWS's own pattern is not published in full): one `@`, a non-empty
    /// local part, a dotted domain, no spaces, 6..=64 characters as CreateAccount requires.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let bad = |why: &str| {
            Err(IdError(format!(
                "`{s}` is not a valid email address: {why}"
            )))
        };
        if s.len() < 6 || s.len() > 64 {
            return bad("AWS accepts 6 to 64 characters");
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return bad("it contains white space");
        }
        let Some((local, domain)) = s.split_once('@') else {
            return bad("it has no `@`");
        };
        if local.is_empty() || domain.contains('@') {
            return bad("expected exactly one `@` with a name before it");
        }
        if !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
        {
            return bad("the domain after `@` must look like example.com");
        }
        Ok(Self(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Self::parse(&s)
    }
}
impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}
impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids_are_twelve_digits() {
        assert!(AccountId::parse("123456789012").is_ok());
        assert!(AccountId::parse("12345678901").is_err());
        assert!(AccountId::parse("12345678901a").is_err());
    }

    #[test]
    fn ou_paths() {
        let p = OuPath::parse("Workloads/Prod").unwrap();
        assert_eq!(p.name(), "Prod");
        assert_eq!(p.parent(), Parent::Ou(OuPath::parse("Workloads").unwrap()));
        assert_eq!(p.depth(), 2);
        assert_eq!(
            p.ancestors_and_self()
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>(),
            ["Workloads", "Workloads/Prod"]
        );
        assert!(OuPath::parse("a//b").is_err());
        assert!(OuPath::parse("/a").is_err());
        assert!(OuPath::parse("a/b/c/d/e/f").is_err());
        assert!(OuPath::parse("a/b/c/d/e").is_ok());
    }

    #[test]
    fn emails() {
        assert!(Email::parse("aws+log@example.com").is_ok());
        assert!(Email::parse("no-at.example.com").is_err());
        assert!(Email::parse("a@b@example.com").is_err());
        assert!(Email::parse("a@localhost").is_err());
    }
}

#[cfg(test)]
mod escape_tests {
    use super::escape;

    #[test]
    fn control_and_bidi_characters_are_escaped_and_plain_text_is_kept() {
        assert_eq!(escape("Workloads/Prod"), "Workloads/Prod");
        assert_eq!(escape("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(escape("x\ny\0"), "x\\u{a}y\\u{0}");
        assert_eq!(escape("\u{202e}gpj"), "\\u{202e}gpj");
        assert_eq!(escape("a\\u{1b}"), "a\\\\u{1b}");
    }
}
