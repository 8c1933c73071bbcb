//! Rule files. The built-in `patterns/rules.toml` describes, per kind, its default category and
//! tier, and carries examples that must (and negative examples that must not) produce a finding
//! when run through the real detector; `cargo test` and `piiscan rules --check` run them.
//!
//! User pattern files (`--patterns FILE`) use the same vocabulary plus a `regex` and optional
//! `keywords`, and define new kinds; their examples are checked the same way.

use crate::classify::category;
use crate::detect::{CustomRule, DetectOptions, Detector};
use crate::finding::{Category, Kind, Tier};
use crate::reference::RULES_TOML;
use serde::Deserialize;
use std::fmt;
use std::path::Path;

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

/// A rule file that cannot be used: it does not parse, or a rule in it is wrong.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {cause}")]
pub struct RuleError {
    /// The file, as given.
    pub file: String,
    /// What is wrong, naming the rule.
    pub cause: String,
}

fn rule_error(file: &str, cause: impl Into<String>) -> RuleError {
    RuleError { file: file.to_string(), cause: cause.into() }
}

/// Parses the built-in rules.
pub fn builtin() -> Result<Vec<Rule>, RuleError> {
    let rules = parse_file("patterns/rules.toml", RULES_TOML)?;
    for r in &rules {
        if Kind::from_name(&r.kind).is_none() {
            return Err(rule_error("patterns/rules.toml", format!("unknown kind `{}`", r.kind)));
        }
    }
    Ok(rules)
}

fn parse_file(name: &str, text: &str) -> Result<Vec<Rule>, RuleError> {
    let file: RuleFile =
        toml::from_str(text).map_err(|e| rule_error(name, e.to_string().trim_end().replace('\n', " ")))?;
    Ok(file.rule)
}

/// A user pattern file, read and compiled.
#[derive(Debug, Clone)]
pub struct UserRules {
    /// The rules as written (for `rules --check`).
    pub rules: Vec<Rule>,
    /// The compiled detectors.
    pub compiled: Vec<CustomRule>,
}

/// Reads and compiles a user pattern file. Every rule needs a new snake_case `kind`, a `regex`,
/// a known `category` and a tier `A`, `B` or `C`.
pub fn load_user_file(path: &Path) -> Result<UserRules, RuleError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| rule_error(&name, format!("cannot read: {e}")))?;
    let rules = parse_file(&name, &text)?;
    let mut compiled = Vec::with_capacity(rules.len());
    for r in &rules {
        let at = |cause: String| rule_error(&name, format!("rule `{}`: {cause}", r.kind));
        let valid_name =
            !r.kind.is_empty() && r.kind.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid_name {
            return Err(at("kind must be snake_case ASCII".into()));
        }
        if Kind::from_name(&r.kind).is_some() {
            return Err(at("is a built-in kind; pick a new name".into()));
        }
        let pattern = r.regex.as_deref().ok_or_else(|| at("missing `regex`".into()))?;
        crate::detect::custom::validate(pattern).map_err(|e| at(format!("bad regex: {e}")))?;
        let category =
            Category::from_name(&r.category).ok_or_else(|| at(format!("unknown category `{}`", r.category)))?;
        let tier = Tier::from_name(&r.tier).ok_or_else(|| at(format!("tier must be A, B or C, not `{}`", r.tier)))?;
        // Kinds live as long as the process; leaking the few names keeps `Kind` a small Copy type.
        let kind = Kind::Custom(Box::leak(r.kind.clone().into_boxed_str()));
        let keywords = r.keywords.iter().map(|k| k.to_lowercase()).collect();
        compiled.push(CustomRule { kind, pattern: pattern.to_string(), keywords, category, tier });
    }
    Ok(UserRules { rules, compiled })
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
        let rules = builtin().expect("rules parse");
        for kind in Kind::ALL {
            let rule = rules.iter().find(|r| r.kind == kind.name()).unwrap_or_else(|| panic!("no rule for {kind}"));
            assert!(!rule.examples.is_empty() && !rule.negative_examples.is_empty(), "{kind}");
        }
        let well_covered = rules.iter().filter(|r| r.examples.len() >= 2 && r.negative_examples.len() >= 2).count();
        assert!(well_covered >= 6);
    }

    #[test]
    fn every_example_holds() {
        let failures = check_all(&builtin().expect("rules parse"), &[]);
        let report: Vec<String> = failures.iter().map(ToString::to_string).collect();
        assert!(failures.is_empty(), "{}", report.join("\n"));
    }

    fn user_file(text: &str) -> Result<UserRules, RuleError> {
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
    fn user_rule_errors_name_the_file_and_rule() {
        let err = user_file(&EMPLOYEE.replace("EMP[0-9]{6}", "EMP[0-9")).expect_err("bad regex");
        assert!(err.to_string().contains("mine.toml") && err.to_string().contains("employee_id"), "{err}");
        let err = user_file(&EMPLOYEE.replace("employee_id", "mobile")).expect_err("built-in name");
        assert!(err.to_string().contains("built-in"), "{err}");
        let err = user_file(&EMPLOYEE.replace("identity", "nonsense")).expect_err("category");
        assert!(err.to_string().contains("unknown category"), "{err}");
        assert!(user_file("[[rule]\n").is_err());
    }

    #[test]
    fn builtin_rules_name_builtin_kinds() {
        assert!(parse_file(
            "x",
            "[[rule]]\nkind='nope'\ncategory='x'\ntier='C'\ndescription=''\nexamples=[]\nnegative_examples=[]\n"
        )
        .is_ok());
        assert!(builtin().is_ok());
    }
}
