//! The frameworks the catalogue cites, and one CSV per framework (`cis.csv`, `pci.csv`, …) beside
//! the full `controls.csv`: the rows of the controls that cite it, with only that framework's
//! references in their `frameworks` column, so an auditor of one framework opens one file.
//!
//! A reference is a string of the catalogue (`CIS AWS Foundations 1.2`, `PCI DSS 4.0.1 3.7.4`); its
//! framework is the one whose prefix it starts with. A reference of no framework here (a Prowler
//! check name) stays in `controls.csv` and the OCSF requirements, and in no framework CSV.

use super::controls::Row;

/// One framework the catalogue cites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Framework {
    /// Its CSV's name without `.csv`.
    pub key: &'static str,
    /// Its name as a standard (OCSF `compliance.standards`).
    pub standard: &'static str,
    /// How the catalogue's references to it begin.
    pub prefix: &'static str,
}

/// Every framework with its own CSV, in the order the docs list them.
pub const FRAMEWORKS: &[Framework] = &[
    Framework {
        key: "cis",
        standard: "CIS Amazon Web Services Foundations Benchmark",
        prefix: "CIS AWS Foundations ",
    },
    Framework {
        key: "securityhub",
        standard: "AWS Security Hub controls",
        prefix: "AWS Security Hub ",
    },
    Framework {
        key: "pci",
        standard: "PCI DSS",
        prefix: "PCI DSS ",
    },
    Framework {
        key: "iso27001",
        standard: "ISO/IEC 27001:2022",
        prefix: "ISO/IEC 27001:2022 ",
    },
    Framework {
        key: "soc2",
        standard: "SOC 2",
        prefix: "SOC 2 ",
    },
];

impl Framework {
    /// The bundle file of its rows.
    pub fn file(&self) -> String {
        format!("{}.csv", self.key)
    }

    pub fn cites(&self, reference: &str) -> bool {
        reference.starts_with(self.prefix)
    }
}

/// The framework a reference belongs to, if any.
pub fn of(reference: &str) -> Option<&'static Framework> {
    FRAMEWORKS.iter().find(|f| f.cites(reference))
}

/// The standards a row's references belong to, each once, in [`FRAMEWORKS`] order.
pub fn standards(row: &Row) -> Vec<&'static str> {
    FRAMEWORKS
        .iter()
        .filter(|f| row.frameworks.iter().any(|r| f.cites(r)))
        .map(|f| f.standard)
        .collect()
}

/// `<key>.csv` for every framework: the header of `controls.csv` and the rows citing it, each with
/// only that framework's references. Written even when no row cites it (a header alone), so a
/// bundle always has the same files.
pub fn csvs(rows: &[Row]) -> Vec<(String, String)> {
    FRAMEWORKS
        .iter()
        .map(|f| {
            let own: Vec<Row> = rows
                .iter()
                .filter(|r| r.frameworks.iter().any(|x| f.cites(x)))
                .map(|r| {
                    let mut r = r.clone();
                    r.frameworks.retain(|x| f.cites(x));
                    r
                })
                .collect();
            (f.file(), super::csv(&own))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_of_the_catalogue_but_tool_checks_has_a_framework() {
        for c in crate::evidence::controls::catalogue() {
            for r in c.frameworks {
                assert!(
                    of(r).is_some() || r.starts_with("Prowler "),
                    "{}: {r} belongs to no framework",
                    c.id
                );
            }
        }
    }

    #[test]
    fn a_framework_csv_holds_the_rows_citing_it_with_its_references_only() {
        let row = |refs: &[&str]| Row {
            control_id: "GOV.X".into(),
            title: "t".into(),
            frameworks: refs.iter().map(|r| r.to_string()).collect(),
            account_id: String::new(),
            account_name: String::new(),
            ou_path: String::new(),
            ou_id: String::new(),
            region: "global".into(),
            resource: "r".into(),
            resource_arn: String::new(),
            status: crate::control::Status::Pass,
            expected: "e".into(),
            observed: "o".into(),
            evidence: "x".into(),
            evaluated_at: "2026-01-01T00:00:00Z".into(),
        };
        let rows = [
            row(&["CIS AWS Foundations 1.2", "PCI DSS 4.0 A1.2.3.1"]),
            row(&["AWS Security Hub KMS.4"]),
        ];
        let files: std::collections::BTreeMap<String, String> = csvs(&rows).into_iter().collect();
        assert_eq!(
            files.keys().cloned().collect::<Vec<_>>(),
            [
                "cis.csv",
                "iso27001.csv",
                "pci.csv",
                "securityhub.csv",
                "soc2.csv"
            ]
        );
        let cis = &files["cis.csv"];
        assert_eq!(cis.lines().count(), 2, "{cis}");
        assert!(cis.contains(",CIS AWS Foundations 1.2,"), "{cis}");
        assert!(!cis.contains("PCI"), "{cis}");
        assert_eq!(files["soc2.csv"].lines().count(), 1, "a header alone");
        assert_eq!(
            standards(&rows[0]),
            ["CIS Amazon Web Services Foundations Benchmark", "PCI DSS"]
        );
    }
}
