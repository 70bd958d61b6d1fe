//! `govern fmt`: org.toml (and its included files) in canonical order, so that two people's edits and
//! `govern import`'s output read alike and diffs stay small. Only tables move: org.toml's sections
//! organization-wide first, then policies, root, OUs, accounts and exemptions, the named tables of `[policies]`, `[ous]`, `[accounts]` and
//! `[exemptions]` sorted by name (an OU after its parent), each table's sub-tables after it in their
//! own order. Keys, values and comments are kept as written; a comment above a table moves with it.

use toml_edit::{DocumentMut, Item, Table};

/// The top-level sections: what is organization-wide first, then the tree (the order of the sample
/// and of `govern import`'s files).
const ORDER: &[&str] = &[
    "organization",
    "limits",
    "contacts",
    "key_rotation",
    "logging",
    "root_access",
    "security",
    "policies",
    "root",
    "ous",
    "accounts",
    "exemptions",
];

/// Sections whose tables are named by the user: sorted by that name.
const NAMED: &[&str] = &["policies", "ous", "accounts", "exemptions"];

/// `text` in canonical order; `Err` with the TOML error when it does not parse (nothing to format).
pub fn canonical(text: &str) -> Result<String, String> {
    // An editor's `#:schema` line stays the first line, whatever table it sat above.
    let (schema, rest) = match text.strip_prefix("#:schema") {
        Some(_) => match text.split_once('\n') {
            Some((first, rest)) => (Some(first), rest),
            None => (Some(text), ""),
        },
        None => (None, text),
    };
    let mut doc: DocumentMut = rest.parse().map_err(|e: toml_edit::TomlError| {
        e.to_string().lines().next().unwrap_or_default().to_string()
    })?;
    let mut position = 0;
    let root = doc.as_table_mut();
    let mut keys: Vec<String> = root.iter().map(|(k, _)| k.to_string()).collect();
    // Known sections in their order, then anything else as it was (validate reports it).
    keys.sort_by_key(|k| ORDER.iter().position(|o| o == k).unwrap_or(ORDER.len()));
    for key in keys {
        let named = NAMED.contains(&key.as_str());
        if let Some(item) = root.get_mut(&key) {
            place(item, named, &mut position);
        }
    }
    let body = doc.to_string();
    Ok(match schema {
        Some(line) => format!("{line}\n{body}"),
        None => body,
    })
}

/// Gives `item`'s tables increasing positions: the table itself, then its sub-tables (sorted by
/// name when `named`, else in their order in the file).
fn place(item: &mut Item, named: bool, position: &mut usize) {
    match item {
        Item::Table(t) => place_table(t, named, position),
        Item::ArrayOfTables(array) => {
            for t in array.iter_mut() {
                place_table(t, false, position);
            }
        }
        Item::None | Item::Value(_) => {}
    }
}

fn place_table(table: &mut Table, named: bool, position: &mut usize) {
    // An implicit table (`[accounts]` above `[accounts.a]`) has no header to place.
    if !table.is_implicit() {
        table.set_position(*position);
        *position += 1;
    }
    let mut children: Vec<(String, Option<usize>)> = table
        .iter()
        .filter(|(_, item)| item.is_table() || item.is_array_of_tables())
        .map(|(k, item)| (k.to_string(), first_position(item)))
        .collect();
    if named {
        children.sort_by(|a, b| a.0.cmp(&b.0));
    } else {
        children.sort_by_key(|(_, p)| p.unwrap_or(usize::MAX));
    }
    for (key, _) in children {
        if let Some(item) = table.get_mut(&key) {
            place(item, false, position);
        }
    }
}

/// Where `item` is in the file now: its own position, or its first sub-table's (an implicit
/// `[accounts]` has none of its own).
fn first_position(item: &Item) -> Option<usize> {
    match item {
        Item::Table(t) => t
            .position()
            .or_else(|| t.iter().filter_map(|(_, i)| first_position(i)).min()),
        Item::ArrayOfTables(a) => a.iter().filter_map(Table::position).min(),
        Item::None | Item::Value(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHUFFLED: &str = r#"#:schema ./org.schema.json
include = ["accounts/*.toml"]

# Production lives here.
[accounts.prod]
email = "aws+prod@example.com" # keep me
ou = "Workloads/Prod"

[accounts.prod.contacts.security]
name = "Sec"

[ous."Workloads/Prod"]

[logging]
account = "audit"

[organization]
management_account = "123456789012"
home_region = "us-east-1"

[accounts.audit]
email = "aws+audit@example.com"

[ous.Workloads]
"#;

    const CANONICAL: &str = r#"#:schema ./org.schema.json
include = ["accounts/*.toml"]

[organization]
management_account = "123456789012"
home_region = "us-east-1"

[logging]
account = "audit"

[ous.Workloads]

[ous."Workloads/Prod"]

[accounts.audit]
email = "aws+audit@example.com"

# Production lives here.
[accounts.prod]
email = "aws+prod@example.com" # keep me
ou = "Workloads/Prod"

[accounts.prod.contacts.security]
name = "Sec"
"#;

    #[test]
    fn tables_move_into_canonical_order_with_their_comments() {
        assert_eq!(canonical(SHUFFLED).unwrap(), CANONICAL);
    }

    #[test]
    fn formatting_is_idempotent() {
        assert_eq!(canonical(CANONICAL).unwrap(), CANONICAL);
    }

    #[test]
    fn invalid_toml_is_not_formatted() {
        assert!(canonical("[accounts.a\n").is_err());
    }
}
