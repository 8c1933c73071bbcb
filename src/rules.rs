//! Rule files. The built-in `patterns/rules.toml` describes, per kind, its default category and
//! tier, and carries examples that must (and negative examples that must not) produce a finding
//! when run through the real detector; `cargo test` and `piiscan rules --check` run them.
//!
//! User pattern files (`--patterns FILE`) use the same vocabulary plus a `regex` and optional
//! `keywords`, and define new kinds; their examples are checked the same way.

use crate::classify::category;
use crate::detect::{CustomRule, DetectOptions, Detector};
use crate::error::Problems;
use crate::finding::{Category, Kind, Tier};
use crate::reference::RULES_TOML;
use crate::user_toml::Reader;
use serde::Deserialize;
use std::fmt;
use std::ops::Range;
use std::path::Path;
use toml_edit::TableLike;

/// A positive example: text and the normalised value it must yield.
#[derive(Debug, Clone, Deserialize)]
pub struct Example {
    /// Input text.
    pub text: String,
    /// Expected normalised value.
    pub value: String,
}

/// A negative example: text that must yield nothing of the rule's kind, and why.
#[derive(Debug, Clone, Deserialize)]
pub struct NegativeExample {
    /// Input text.
    pub text: String,
    /// Why it is not a finding.
    pub why: String,
}

/// One rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Kind name (output contract).
    pub kind: String,
    /// Default category name.
    pub category: String,
    /// Default tier letter.
    pub tier: String,
    /// What the rule finds.
    pub description: String,
    /// Must match.
    pub examples: Vec<Example>,
    /// Must not match.
    pub negative_examples: Vec<NegativeExample>,
    /// User rules only: the pattern (bytes; a group named `value` selects the reported part).
    #[serde(default)]
    pub regex: Option<String>,
    /// User rules only: context keywords, one of which must label the match or stand near it.
    #[serde(default)]
    pub keywords: Vec<String>,
}

#[derive(Deserialize)]
struct RuleFile {
    rule: Vec<Rule>,
}

/// Parses the built-in rules. They are data compiled into the binary: rules that fail to parse
/// are a build defect, caught by the tests, never a silent empty list.
pub fn builtin() -> Vec<Rule> {
    let file: RuleFile = toml::from_str(RULES_TOML).unwrap_or_else(|e| panic!("patterns/rules.toml: {e}"));
    for r in &file.rule {
        assert!(Kind::from_name(&r.kind).is_some(), "patterns/rules.toml: unknown kind `{}`", r.kind);
    }
    file.rule
}

/// A user pattern file, read and compiled.
#[derive(Debug, Clone, Default)]
pub struct UserRules {
    /// The rules as written (for `rules --check`).
    pub rules: Vec<Rule>,
    /// The compiled detectors.
    pub compiled: Vec<CustomRule>,
}

impl UserRules {
    /// Adds the rules of another file.
    pub fn extend(&mut self, other: UserRules) {
        self.rules.extend(other.rules);
        self.compiled.extend(other.compiled);
    }
}

/// Reads and compiles a user pattern file (`[[rule]]` tables). Every rule needs a new
/// snake_case `kind`, a `regex`, a known `category` and a tier `A`, `B` or `C`; every problem of
/// the file is reported, each with its line and rule.
pub fn load_user_file(path: &Path) -> Result<UserRules, Problems> {
    let (name, text) = crate::user_toml::read_file(path)?;
    let mut reader = Reader::new(&name, &text);
    let rules = match reader.parse() {
        Some(doc) => {
            reader.unknown_keys(doc.as_table(), &["rule"], "");
            let tables = reader.tables(doc.as_table(), "rule", "rule");
            user_rules(&mut reader, &tables)
        }
        None => UserRules::default(),
    };
    if reader.problems.is_empty() {
        Ok(rules)
    } else {
        Err(Problems(reader.problems))
    }
}

/// The keys a user rule may have.
const RULE_KEYS: &[&str] =
    &["kind", "category", "tier", "description", "regex", "keywords", "examples", "negative_examples"];

/// Reads and compiles user rules from TOML tables (a pattern file's `[[rule]]`, a config file's
/// `[[rules]]`), noting every problem in `reader`.
pub fn user_rules(reader: &mut Reader, tables: &[(&dyn TableLike, Option<Range<usize>>)]) -> UserRules {
    let mut out = UserRules::default();
    let mut seen = std::collections::HashSet::new();
    for (i, (table, span)) in tables.iter().enumerate() {
        let label =
            table.get("kind").and_then(|k| k.as_str()).map_or(format!("rule {}", i + 1), |k| format!("rule {k}"));
        let problems_before = reader.problems.len();
        reader.unknown_keys(*table, RULE_KEYS, &label);
        let description = reader.string(*table, "description", &format!("{label}: description")).unwrap_or_default();
        let keywords = reader.strings(*table, "keywords", &format!("{label}: keywords")).unwrap_or_default();
        let kind = reader.required(*table, span.clone(), &label, "kind", |k| {
            if k.is_empty() || !k.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
                Err("must be snake_case ASCII".to_string())
            } else if Kind::from_name(&k).is_some() {
                Err("is a built-in kind; pick a new name".to_string())
            } else if !seen.insert(k.clone()) {
                Err("defined twice".to_string())
            } else {
                Ok(k)
            }
        });
        let regex = reader.required(*table, span.clone(), &label, "regex", |pattern| {
            crate::detect::custom::validate(&pattern).map(|()| pattern).map_err(|e| format!("bad regex: {e}"))
        });
        let category = reader.required(*table, span.clone(), &label, "category", |c| {
            Category::from_name(&c).ok_or_else(|| {
                let valid: Vec<&str> = Category::ALL.iter().map(|c| c.name()).collect();
                format!("unknown category `{c}`; valid: {}", valid.join(", "))
            })
        });
        let tier = reader.required(*table, span.clone(), &label, "tier", |t| {
            Tier::from_name(&t).ok_or_else(|| format!("must be A, B or C, not `{t}`"))
        });
        let positives = examples(reader, *table, "examples", &label, "value");
        let negatives = examples(reader, *table, "negative_examples", &label, "why");
        if reader.problems.len() > problems_before {
            continue;
        }
        let (Some(kind), Some(pattern), Some(category), Some(tier)) = (kind, regex, category, tier) else { continue };
        // Kinds live as long as the process; leaking the few names keeps `Kind` a small Copy type.
        let leaked = Kind::Custom(Box::leak(kind.clone().into_boxed_str()));
        let keywords: Vec<String> = keywords.into_iter().map(|(k, _)| k).collect();
        out.compiled.push(CustomRule {
            kind: leaked,
            pattern: pattern.clone(),
            keywords: keywords.iter().map(|k| k.to_lowercase()).collect(),
            category,
            tier,
        });
        out.rules.push(Rule {
            kind,
            category: category.name().to_string(),
            tier: tier.name().to_string(),
            description,
            examples: positives.into_iter().map(|(text, value)| Example { text, value }).collect(),
            negative_examples: negatives.into_iter().map(|(text, why)| NegativeExample { text, why }).collect(),
            regex: Some(pattern),
            keywords,
        });
    }
    out
}

/// The `text` and `second` (`value` or `why`) of each example at `key` of a rule.
fn examples(reader: &mut Reader, table: &dyn TableLike, key: &str, label: &str, second: &str) -> Vec<(String, String)> {
    let path = format!("{label}: {key}");
    let mut out = Vec::new();
    for (i, (example, span)) in reader.tables(table, key, &path).into_iter().enumerate() {
        let at = format!("{path}[{i}]");
        reader.unknown_keys(example, &["text", second], &at);
        let text = reader.string(example, "text", &format!("{at}.text"));
        let other = reader.string(example, second, &format!("{at}.{second}"));
        match (text, other) {
            (Some(text), Some(other)) => out.push((text, other)),
            (text, other) => {
                if text.is_none() && example.get("text").is_none() {
                    reader.problem(span.clone(), &at, "missing `text`");
                }
                if other.is_none() && example.get(second).is_none() {
                    reader.problem(span, &at, format!("missing `{second}`"));
                }
            }
        }
    }
    out
}

/// One failed example.
#[derive(Debug, Clone)]
pub struct ExampleFailure {
    /// The rule's kind.
    pub kind: String,
    /// The example text.
    pub text: String,
    /// What went wrong.
    pub problem: String,
}

impl fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rule {}: example {:?}: {}", self.kind, self.text, self.problem)
    }
}

/// Runs every rule's examples through the detector (built-ins plus `custom`); returns the
/// failures.
pub fn check_all(rules: &[Rule], custom: &[CustomRule]) -> Vec<ExampleFailure> {
    let detector = Detector::with_custom_rules(DetectOptions { include_masked: true }, custom.to_vec());
    let mut failures = Vec::new();
    for rule in rules {
        let builtin = Kind::from_name(&rule.kind);
        let Some(kind) = builtin.or_else(|| custom.iter().map(|c| c.kind).find(|k| k.name() == rule.kind)) else {
            continue;
        };
        let fail =
            |text: &str, problem: String| ExampleFailure { kind: rule.kind.clone(), text: text.to_string(), problem };
        if builtin.is_some() && category(kind).name() != rule.category {
            failures.push(fail("", format!("category is {} in code", category(kind).name())));
        }
        for ex in &rule.examples {
            let found = detector.detect(ex.text.as_bytes());
            if !found.iter().any(|d| d.kind == kind && d.value == ex.value) {
                let got: Vec<String> = found.iter().map(|d| format!("{}={}", d.kind, d.value)).collect();
                failures.push(fail(&ex.text, format!("expected {}, found [{}]", ex.value, got.join(", "))));
            }
        }
        for ex in &rule.negative_examples {
            // Masked kinds are only reported on request; the negatives of other kinds must hold
            // in the default configuration too.
            let found = detector.detect(ex.text.as_bytes());
            if let Some(d) = found.iter().find(|d| d.kind == kind) {
                failures.push(fail(&ex.text, format!("unexpected {} ({})", d.value, ex.why)));
            }
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_rule_with_enough_examples() {
        let rules = builtin();
        for kind in Kind::ALL {
            let rule = rules.iter().find(|r| r.kind == kind.name()).unwrap_or_else(|| panic!("no rule for {kind}"));
            assert!(!rule.examples.is_empty() && !rule.negative_examples.is_empty(), "{kind}");
        }
        let well_covered = rules.iter().filter(|r| r.examples.len() >= 2 && r.negative_examples.len() >= 2).count();
        assert!(well_covered >= 6);
    }

    #[test]
    fn every_example_holds() {
        let failures = check_all(&builtin(), &[]);
        let report: Vec<String> = failures.iter().map(ToString::to_string).collect();
        assert!(failures.is_empty(), "{}", report.join("\n"));
    }

    fn user_file(text: &str) -> Result<UserRules, Problems> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("mine.toml");
        std::fs::write(&path, text).expect("write");
        load_user_file(&path)
    }

    const EMPLOYEE: &str = r#"
[[rule]]
kind = "employee_id"
category = "identity"
tier = "C"
description = "staff numbers"
regex = 'EMP[0-9]{6}'
keywords = ["工号", "employee"]
examples = [{ text = "工号 EMP123456", value = "EMP123456" }]
negative_examples = [
  { text = "EMP123456", why = "no keyword" },
  { text = "工号 xEMP123456", why = "glued to a letter" },
]
"#;

    #[test]
    fn user_rules_load_and_pass_their_examples() {
        let user = user_file(EMPLOYEE).expect("loads");
        assert_eq!(user.compiled[0].kind.name(), "employee_id");
        let failures = check_all(&user.rules, &user.compiled);
        assert!(failures.is_empty(), "{failures:?}");
    }

    #[test]
    fn user_rule_errors_name_the_file_rule_and_line() {
        let err = user_file(&EMPLOYEE.replace("EMP[0-9]{6}", "EMP[0-9")).expect_err("bad regex");
        let shown = err.to_string();
        assert!(
            shown.contains("mine.toml:7: rule employee_id: regex: bad regex") && shown.contains("unclosed"),
            "{shown}"
        );
        let err = user_file(&EMPLOYEE.replace("employee_id", "mobile")).expect_err("built-in name");
        assert!(err.to_string().contains("built-in"), "{err}");
        let err = user_file(&EMPLOYEE.replace("identity", "nonsense")).expect_err("category");
        assert!(err.to_string().contains("unknown category `nonsense`; valid: whereabouts"), "{err}");
        assert!(user_file("[[rule]\n").is_err());
        // Every problem in one run.
        let many = EMPLOYEE
            .replace("EMP[0-9]{6}", "EMP[0-9")
            .replace("tier = \"C\"", "tier = \"D\"")
            .replace("description", "descr");
        let err = user_file(&many).expect_err("three problems");
        assert_eq!(err.0.len(), 3, "{err}");
    }

    #[test]
    fn builtin_rules_name_builtin_kinds() {
        assert!(builtin().iter().all(|r| Kind::from_name(&r.kind).is_some()));
    }
}
