//! SCP documents compared as JSON values, never as text: AWS stores a document exactly as it was sent
//! (only the console strips white space), so two spellings of one policy must not count as drift.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A policy document in canonical form: parsed JSON whose objects keep their keys sorted (serde_json's
/// default map), so equality, hashing and rendering never depend on the spelling it came in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PolicyDocument(Value);

impl PolicyDocument {
    pub fn parse(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text).map(Self)
    }
    pub fn from_value(v: Value) -> Self {
        Self(v)
    }
    pub fn value(&self) -> &Value {
        &self.0
    }
    /// What govern sends to AWS, and what the size limit is measured on.
    pub fn minified(&self) -> String {
        serde_json::to_string(&self.0).expect("a JSON value always serializes")
    }
    /// What the plan shows and diffs.
    pub fn pretty(&self) -> String {
        serde_json::to_string_pretty(&self.0).expect("a JSON value always serializes")
    }
    /// Characters as AWS counts them for the SCP size quota.
    pub fn minified_len(&self) -> usize {
        self.minified().chars().count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelling_does_not_matter() {
        let a = PolicyDocument::parse(r#"{"Version":"2012-10-17","Statement":[]}"#).unwrap();
        let b = PolicyDocument::parse("{\n  \"Statement\": [ ],\n  \"Version\": \"2012-10-17\"\n}")
            .unwrap();
        assert_eq!(a, b);
        assert_eq!(b.minified(), r#"{"Statement":[],"Version":"2012-10-17"}"#);
    }
}
