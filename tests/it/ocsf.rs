//! A validator of OCSF records against the schema's own definition files (tests/ocsf/schema-1.6.0,
//! vendored: see its README), and its own tests. OCSF publishes its schema as class, object,
//! profile and dictionary files rather than as one JSON Schema; this reads them as the OCSF server
//! resolves them, for the one class govern writes:
//!
//! - a class is its `extends` chain merged (child over parent, enums merged), plus the attributes of
//!   the profiles it `$include`s that the record applies (`metadata.profiles`); an attribute tied to
//!   a profile (`"profile": "cloud"`) exists only when that profile is applied;
//! - an attribute's type and `is_array` come from dictionary.json, overridden by the class or object;
//!   a scalar type resolves through dictionary's `types` to string, integer, long, float, boolean or
//!   JSON; an object type to objects/<type>.json, validated the same way (`object` is any object);
//! - every `required` attribute is present, no attribute is unknown or deprecated, enum values are
//!   listed, an enum's sibling (`status` of `status_id`) is its caption unless the value is 99
//!   (Other), `at_least_one` / `just_one` constraints hold;
//! - `category_uid`, `class_uid` and `type_uid` are the class's (category × 1000 + class uid,
//!   class × 100 + activity).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_json::{json, Map, Value};

pub const SCHEMA_DIR: &str = "tests/ocsf/schema-1.6.0";

fn schema_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(SCHEMA_DIR)
        .join(rel)
}

fn load(rel: &str) -> Value {
    let path = schema_path(rel);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (vendored OCSF file missing?)", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// An attribute as a class or object defines it, merged over the dictionary's.
#[derive(Debug, Clone)]
struct Attr {
    spec: Map<String, Value>,
}

impl Attr {
    fn get(&self, k: &str) -> Option<&Value> {
        self.spec.get(k)
    }
    fn ty(&self) -> &str {
        self.get("type").and_then(Value::as_str).unwrap_or("")
    }
    fn is_array(&self) -> bool {
        self.get("is_array")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
    fn required(&self) -> bool {
        self.get("requirement").and_then(Value::as_str) == Some("required")
    }
    fn deprecated(&self) -> bool {
        self.get("@deprecated").is_some()
    }
    fn enumeration(&self) -> Option<&Map<String, Value>> {
        self.get("enum").and_then(Value::as_object)
    }
}

/// A class or object resolved: its attributes and constraints.
#[derive(Debug, Clone, Default)]
struct Shape {
    attrs: BTreeMap<String, Attr>,
    constraints: Map<String, Value>,
}

/// Merges `over` into `base`: keys of `over` win, `enum` maps are merged value by value.
fn merge_spec(base: &mut Map<String, Value>, over: &Map<String, Value>) {
    for (k, v) in over {
        match (k.as_str(), base.get_mut(k), v) {
            ("enum", Some(Value::Object(b)), Value::Object(o)) => {
                for (ek, ev) in o {
                    match (b.get_mut(ek), ev) {
                        (Some(Value::Object(bv)), Value::Object(ov)) => {
                            for (kk, vv) in ov {
                                bv.insert(kk.clone(), vv.clone());
                            }
                        }
                        _ => {
                            b.insert(ek.clone(), ev.clone());
                        }
                    }
                }
            }
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

pub struct Schema {
    dictionary: Map<String, Value>,
    types: Map<String, Value>,
    categories: Map<String, Value>,
    /// Profiles the record applies.
    profiles: BTreeSet<String>,
    objects: std::cell::RefCell<BTreeMap<String, Shape>>,
}

impl Schema {
    pub fn load(profiles: &[&str]) -> Schema {
        let dict = load("dictionary.json");
        Schema {
            dictionary: dict["attributes"].as_object().unwrap().clone(),
            types: dict["types"]["attributes"].as_object().unwrap().clone(),
            categories: load("categories.json")["attributes"]
                .as_object()
                .unwrap()
                .clone(),
            profiles: profiles.iter().map(|p| p.to_string()).collect(),
            objects: Default::default(),
        }
    }

    /// The attributes a definition file declares, with its `$include`d applied profiles.
    fn declared(&self, def: &Value, shape: &mut Shape) {
        let attrs = def["attributes"].as_object().cloned().unwrap_or_default();
        for (name, spec) in attrs {
            if name == "$include" {
                for inc in spec.as_array().unwrap() {
                    let inc = inc.as_str().unwrap();
                    let profile = inc
                        .strip_prefix("profiles/")
                        .and_then(|p| p.strip_suffix(".json"))
                        .unwrap_or_else(|| panic!("an include that is not a profile: {inc}"));
                    if self.profiles.contains(profile) {
                        let p = load(inc);
                        assert_eq!(p["name"], profile, "{inc}");
                        self.declared(&p, shape);
                    }
                }
                continue;
            }
            let spec = spec.as_object().unwrap().clone();
            if let Some(Value::String(p)) = spec.get("profile") {
                if !self.profiles.contains(p) {
                    continue;
                }
            }
            match shape.attrs.get_mut(&name) {
                Some(a) => merge_spec(&mut a.spec, &spec),
                None => {
                    let mut base = self
                        .dictionary
                        .get(&name)
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_else(|| panic!("{name} is not in dictionary.json"));
                    merge_spec(&mut base, &spec);
                    shape.attrs.insert(name, Attr { spec: base });
                }
            }
        }
        if let Some(c) = def.get("constraints").and_then(Value::as_object) {
            shape.constraints = c.clone();
        }
    }

    fn resolve(&self, def: &Value, find: &dyn Fn(&str) -> Value) -> Shape {
        let mut shape = match def.get("extends").and_then(Value::as_str) {
            Some(parent) => self.resolve(&find(parent), find),
            None => Shape::default(),
        };
        self.declared(def, &mut shape);
        shape
    }

    fn object(&self, name: &str) -> Shape {
        if let Some(s) = self.objects.borrow().get(name) {
            return s.clone();
        }
        let def = load(&format!("objects/{name}.json"));
        let shape = self.resolve(&def, &|p| load(&format!("objects/{p}.json")));
        self.objects
            .borrow_mut()
            .insert(name.to_string(), shape.clone());
        shape
    }

    /// The JSON kind a scalar type resolves to.
    fn base_type(&self, ty: &str) -> String {
        let mut t = ty.to_string();
        for _ in 0..5 {
            match self
                .types
                .get(&t)
                .and_then(|d| d.get("type"))
                .and_then(Value::as_str)
            {
                Some(next) => t = next.to_string(),
                None => break,
            }
        }
        t
    }

    /// Problems with a Compliance Finding record, each with its JSON path; empty when it conforms.
    pub fn check_compliance_finding(&self, record: &Value) -> Vec<String> {
        let class_def = load("events/findings/compliance_finding.json");
        let find = |name: &str| match name {
            "finding" => load("events/findings/finding.json"),
            "base_event" => load("events/base_event.json"),
            other => panic!("class {other} is not vendored"),
        };
        let mut class = self.resolve(&class_def, &find);
        let mut problems = Vec::new();
        // The class's place, as the OCSF server derives it: category_uid and class_uid take the
        // one value of this class (category × 1000 + class uid), type_uid one per activity (class ×
        // 100 + activity), each captioned (their siblings category_name, class_name, type_name).
        let category = find("finding")["category"].as_str().unwrap().to_string();
        let category_uid = self.categories[&category]["uid"].as_u64().unwrap();
        let class_uid = category_uid * 1000 + class_def["uid"].as_u64().unwrap();
        let class_caption = class_def["caption"].as_str().unwrap().to_string();
        let activities = class.attrs["activity_id"].enumeration().unwrap().clone();
        let mut set_enum = |name: &str, e: Map<String, Value>| {
            class
                .attrs
                .get_mut(name)
                .unwrap()
                .spec
                .insert("enum".into(), Value::Object(e));
        };
        set_enum(
            "category_uid",
            Map::from_iter([(
                category_uid.to_string(),
                json!({"caption": self.categories[&category]["caption"]}),
            )]),
        );
        set_enum(
            "class_uid",
            Map::from_iter([(class_uid.to_string(), json!({"caption": class_caption}))]),
        );
        set_enum(
            "type_uid",
            activities
                .iter()
                .map(|(id, a)| {
                    let uid = class_uid * 100 + id.parse::<u64>().unwrap();
                    let caption = format!("{class_caption}: {}", a["caption"].as_str().unwrap());
                    (uid.to_string(), json!({ "caption": caption }))
                })
                .collect(),
        );
        if let Some(activity) = record["activity_id"].as_u64() {
            let type_uid = class_uid * 100 + activity;
            if record["type_uid"] != json!(type_uid) {
                problems.push(format!("type_uid: expected {type_uid}"));
            }
        }
        self.check_object("", &class, record, &mut problems);
        problems
    }

    fn check_object(&self, at: &str, shape: &Shape, v: &Value, problems: &mut Vec<String>) {
        let Some(obj) = v.as_object() else {
            problems.push(format!("{at}: not an object"));
            return;
        };
        let path = |k: &str| {
            if at.is_empty() {
                k.to_string()
            } else {
                format!("{at}.{k}")
            }
        };
        for (name, attr) in &shape.attrs {
            if attr.required() && !obj.contains_key(name) {
                problems.push(format!("{}: required, missing", path(name)));
            }
        }
        for (k, value) in obj {
            let Some(attr) = shape.attrs.get(k) else {
                problems.push(format!(
                    "{}: not an attribute of this class or object",
                    path(k)
                ));
                continue;
            };
            if attr.deprecated() {
                problems.push(format!("{}: deprecated", path(k)));
            }
            if attr.is_array() {
                match value.as_array() {
                    Some(items) => {
                        for (i, item) in items.iter().enumerate() {
                            self.check_value(&format!("{}[{i}]", path(k)), attr, item, problems);
                        }
                    }
                    None => problems.push(format!("{}: not an array", path(k))),
                }
            } else {
                self.check_value(&path(k), attr, value, problems);
            }
            // An enum's sibling carries its caption (Other: the source's own word).
            if let (Some(e), Some(sib)) = (
                attr.enumeration(),
                attr.get("sibling").and_then(Value::as_str),
            ) {
                let key = value.to_string();
                if let (Some(caption), Some(given)) = (
                    e.get(&key).and_then(|c| c["caption"].as_str()),
                    obj.get(sib).and_then(Value::as_str),
                ) {
                    if key != "99" && caption != given {
                        problems.push(format!(
                            "{}: `{given}`, but {} {key} is `{caption}`",
                            path(sib),
                            path(k)
                        ));
                    }
                }
            }
        }
        for (kind, names) in &shape.constraints {
            let names: Vec<&str> = names
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
                .collect();
            let present = names.iter().filter(|n| obj.contains_key(**n)).count();
            let ok = match kind.as_str() {
                "at_least_one" => present >= 1,
                "just_one" => present == 1,
                other => panic!("constraint {other} unknown to this validator"),
            };
            if !ok {
                problems.push(format!("{at}: constraint {kind} of {names:?}"));
            }
        }
    }

    fn check_value(&self, at: &str, attr: &Attr, v: &Value, problems: &mut Vec<String>) {
        let ty = attr.ty();
        if self.types.contains_key(ty) {
            let ok = match self.base_type(ty).as_str() {
                "string_t" => v.is_string(),
                "integer_t" | "long_t" => v.is_i64() || v.is_u64(),
                "float_t" => v.is_number(),
                "boolean_t" => v.is_boolean(),
                "json_t" => true,
                other => panic!("{at}: base type {other} unknown to this validator"),
            };
            if !ok {
                problems.push(format!("{at}: not a {ty}: {v}"));
            }
            if let Some(e) = attr.enumeration() {
                if !e.contains_key(&v.to_string()) {
                    problems.push(format!(
                        "{at}: {v} is not one of {:?}",
                        e.keys().collect::<Vec<_>>()
                    ));
                }
            }
        } else if ty == "object" {
            if !v.is_object() {
                problems.push(format!("{at}: not an object"));
            }
        } else {
            let shape = self.object(ty);
            self.check_object(at, &shape, v, problems);
        }
    }
}

/// A record as govern writes one, from the core's own mapping.
fn sample() -> Value {
    let row = govern_core::control::Row {
        control_id: "GOV.KMS.1".into(),
        title: "t".into(),
        frameworks: vec!["AWS Security Hub KMS.4".into()],
        account_id: "111122223333".into(),
        account_name: "prod-app".into(),
        ou_path: "ou:Workloads/Prod".into(),
        ou_id: "ou-ab12-cd34ef56".into(),
        region: "eu-west-1".into(),
        resource: "kms:111122223333/eu-west-1/k".into(),
        resource_arn: "arn:aws:kms:eu-west-1:111122223333:key/k".into(),
        status: govern_core::control::Status::Fail,
        expected: "e".into(),
        observed: "rotation off".into(),
        evidence: "state/accounts/111122223333.json".into(),
        evaluated_at: "2026-01-02T03:04:05Z".into(),
    };
    govern_core::evidence::ocsf::finding(
        &govern_core::evidence::ocsf::Context {
            organization_id: "o-abc",
            management_account: "123456789012",
            govern_version: "0.1.0",
        },
        &row,
    )
}

#[test]
fn a_record_of_govern_conforms_and_the_validator_names_what_breaks_one() {
    let schema = Schema::load(&["cloud"]);
    let good = sample();
    assert_eq!(schema.check_compliance_finding(&good), Vec::<String>::new());

    // Each breakage is named; the validator is what the bundle test relies on.
    let broken = |f: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        f(&mut v);
        schema.check_compliance_finding(&v)
    };
    let p = broken(&|v| {
        v.as_object_mut().unwrap().remove("compliance");
    });
    assert_eq!(p, ["compliance: required, missing"]);
    let p = broken(&|v| v["compliance"]["status_id"] = json!(7));
    assert!(
        p.iter()
            .any(|x| x.starts_with("compliance.status_id: 7 is not one of")),
        "{p:?}"
    );
    let p = broken(&|v| v["compliance"]["status"] = json!("Pass"));
    assert_eq!(
        p,
        ["compliance.status: `Pass`, but compliance.status_id 3 is `Fail`"]
    );
    let p = broken(&|v| v["cloud"]["account"]["colour"] = json!("red"));
    assert_eq!(
        p,
        ["cloud.account.colour: not an attribute of this class or object"]
    );
    let p = broken(&|v| v["time"] = json!("2026-01-02T03:04:05Z"));
    assert_eq!(p, [r#"time: not a timestamp_t: "2026-01-02T03:04:05Z""#]);
    let p = broken(&|v| v["class_uid"] = json!(2001));
    assert_eq!(p, [r#"class_uid: 2001 is not one of ["2003"]"#]);
    let p = broken(&|v| v["type_uid"] = json!(200302));
    assert!(
        p.contains(&"type_uid: expected 200301".to_string()),
        "{p:?}"
    );
    let p = broken(&|v| v["compliance"]["standards"] = json!("CIS"));
    assert_eq!(p, ["compliance.standards: not an array"]);
    let p = broken(&|v| {
        v["cloud"].as_object_mut().unwrap().remove("provider");
    });
    assert_eq!(p, ["cloud.provider: required, missing"]);
    let p = broken(&|v| {
        let org = v["cloud"]["org"].as_object_mut().unwrap();
        org.remove("uid");
        org.remove("ou_uid");
        org.remove("ou_name");
    });
    assert_eq!(
        p,
        [r#"cloud.org: constraint at_least_one of ["name", "uid"]"#]
    );
    // The cloud profile is what allows `cloud`: without it, the attribute is unknown.
    assert!(Schema::load(&[])
        .check_compliance_finding(&good)
        .contains(&"cloud: not an attribute of this class or object".to_string()));
    // A deprecated attribute is refused.
    let p = broken(&|v| v["compliance"]["status_detail"] = json!("x"));
    assert_eq!(p, ["compliance.status_detail: deprecated"]);
}
