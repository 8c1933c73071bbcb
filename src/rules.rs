//! The built-in rules of `patterns/rules.toml`: per kind, its description, default category and
//! tier, and examples that must (and negative examples that must not) produce a finding when run
//! through the real detector. `cargo test` and `piiscan rules --check` run them.

use crate::classify::category;
use crate::detect::{DetectOptions, Detector};
use crate::finding::Kind;
use crate::reference::RULES_TOML;
use serde::Deserialize;
use std::fmt;

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
}

#[derive(Deserialize)]
struct RuleFile {
    rule: Vec<Rule>,
}

/// A rule file that does not parse or names an unknown kind.
#[derive(Debug, thiserror::Error)]
#[error("patterns/rules.toml: {0}")]
pub struct RuleError(String);

/// Parses the built-in rules.
pub fn builtin() -> Result<Vec<Rule>, RuleError> {
    parse(RULES_TOML)
}

/// Parses a rule file.
pub fn parse(text: &str) -> Result<Vec<Rule>, RuleError> {
    let file: RuleFile = toml::from_str(text).map_err(|e| RuleError(e.to_string()))?;
    for r in &file.rule {
        if Kind::from_name(&r.kind).is_none() {
            return Err(RuleError(format!("unknown kind `{}`", r.kind)));
        }
    }
    Ok(file.rule)
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

/// Runs every rule's examples through the detector; returns the failures.
pub fn check_all(rules: &[Rule]) -> Vec<ExampleFailure> {
    let detector = Detector::new(DetectOptions { include_masked: true });
    let mut failures = Vec::new();
    for rule in rules {
        let Some(kind) = Kind::from_name(&rule.kind) else {
            continue;
        };
        let fail =
            |text: &str, problem: String| ExampleFailure { kind: rule.kind.clone(), text: text.to_string(), problem };
        if category(kind).name() != rule.category {
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
        let failures = check_all(&builtin().expect("rules parse"));
        let report: Vec<String> = failures.iter().map(ToString::to_string).collect();
        assert!(failures.is_empty(), "{}", report.join("\n"));
    }

    #[test]
    fn unknown_kind_is_rejected() {
        let err =
            parse("[[rule]]\nkind='nope'\ncategory='x'\ntier='C'\ndescription=''\nexamples=[]\nnegative_examples=[]\n");
        assert!(err.is_err());
    }
}
