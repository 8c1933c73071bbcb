//! Match and validate stage for user-defined rules (`--patterns FILE`): regular expressions
//! over bytes, the same boundary rule as the built-in detectors (a match glued to an ASCII
//! letter or digit is not a match), and optional context keywords.
//!
//! Rules are compiled into multi-pattern regexes (`regex-automata`'s `meta::Regex`), so a
//! window of text is searched once per group whatever the number of rules, while the
//! candidate pass has it in cache. Patterns are compiled in ASCII mode (`\d`, `\w`, `\s` and
//! `[^...]` are ASCII classes or single bytes; Chinese literals still match): the identifiers
//! users add are ASCII, and Unicode classes make the automata larger and slower. A pattern that
//! only parses in Unicode mode (a Chinese character inside a class, `[:：]`) is compiled in
//! Unicode mode, in a group of its own kind. Rules whose matches can only begin with a digit
//! go into a group with the literal prefilter off: a prefilter on ten one-byte prefixes stops
//! at every digit of an export and only slows the search down.

use crate::context::Context;
use crate::finding::{Category, Confidence, Detection, Kind, Tier};
use regex_automata::meta::{self, Regex};
use regex_automata::util::syntax;
use regex_syntax::hir::literal::{ExtractKind, Extractor};

/// One user rule, validated.
#[derive(Debug, Clone)]
pub struct CustomRule {
    /// The kind reported (the rule's `kind` name).
    pub kind: Kind,
    /// The pattern; a group named `value` selects the reported part of the match.
    pub pattern: String,
    /// Lower-cased keywords, one of which must label the match or stand near it; empty for none.
    pub keywords: Vec<String>,
    /// Reported category.
    pub category: Category,
    /// Reported tier.
    pub tier: Tier,
}

fn syntax_config(unicode: bool) -> syntax::Config {
    syntax::Config::new().unicode(unicode).utf8(false)
}

fn builder(unicode: bool, prefilter: bool) -> meta::Builder {
    let mut b = Regex::builder();
    b.syntax(syntax_config(unicode)).configure(Regex::config().auto_prefilter(prefilter).utf8_empty(false));
    b
}

/// Whether `pattern` needs Unicode mode: it does not parse in ASCII mode.
fn needs_unicode(pattern: &str) -> bool {
    syntax::parse_with(pattern, &syntax_config(false)).is_err()
}

/// Checks that `pattern` compiles as a user rule; the error names the cause and where it is,
/// on one line (the compiler's own error says only "error parsing pattern 0").
pub fn validate(pattern: &str) -> Result<(), String> {
    let unicode = needs_unicode(pattern);
    let parsed = regex_syntax::ParserBuilder::new().unicode(unicode).utf8(false).build().parse(pattern);
    if let Err(e) = parsed {
        return Err(match &e {
            regex_syntax::Error::Parse(p) => format!("{} at character {}", p.kind(), p.span().start.column),
            regex_syntax::Error::Translate(t) => format!("{} at character {}", t.kind(), t.span().start.column),
            other => other.to_string().replace('\n', " "),
        });
    }
    builder(unicode, true).build(pattern).map(|_| ()).map_err(|e| match std::error::Error::source(&e) {
        Some(cause) => format!("{e}: {cause}").replace('\n', " "),
        None => e.to_string().replace('\n', " "),
    })
}

/// Whether every match of `pattern` starts with an ASCII digit.
fn digit_led(pattern: &str) -> bool {
    let Ok(hir) = syntax::parse_with(pattern, &syntax_config(false)) else { return false };
    let seq = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
    seq.literals().is_some_and(|lits| {
        !lits.is_empty() && lits.iter().all(|l| l.as_bytes().first().is_some_and(u8::is_ascii_digit))
    })
}

/// The user's rules, compiled for searching.
#[derive(Debug, Clone, Default)]
pub struct CustomRules {
    groups: Vec<RuleGroup>,
}

#[derive(Debug, Clone)]
struct RuleGroup {
    regex: Regex,
    rules: Vec<CustomRule>,
}

impl CustomRules {
    /// Compiles the rules (each already [`validate`]d) in up to three regexes: digit-led ASCII
    /// rules, other ASCII rules, and Unicode rules. Should a combined regex exceed the automata's
    /// size limits, its rules are compiled one by one instead.
    pub fn new(rules: Vec<CustomRule>) -> Self {
        let (unicode, ascii): (Vec<CustomRule>, Vec<CustomRule>) =
            rules.into_iter().partition(|r| needs_unicode(&r.pattern));
        let (digits, others): (Vec<CustomRule>, Vec<CustomRule>) =
            ascii.into_iter().partition(|r| digit_led(&r.pattern));
        let mut groups = Vec::new();
        for (rules, is_unicode, prefilter) in [(digits, false, false), (others, false, true), (unicode, true, true)] {
            if rules.is_empty() {
                continue;
            }
            let patterns: Vec<&str> = rules.iter().map(|r| r.pattern.as_str()).collect();
            match builder(is_unicode, prefilter).build_many(&patterns) {
                Ok(regex) => groups.push(RuleGroup { regex, rules }),
                Err(_) => groups.extend(rules.into_iter().filter_map(|r| {
                    let regex = builder(is_unicode, prefilter).build(&r.pattern).ok()?;
                    Some(RuleGroup { regex, rules: vec![r] })
                })),
            }
        }
        CustomRules { groups }
    }

    /// Whether there is no rule.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Appends the matches in `text`. Within one regex the leftmost match wins, and at the same
    /// start the rule listed first.
    pub fn find(&self, text: &[u8], ctx: &Context, out: &mut Vec<Detection>) {
        for group in &self.groups {
            for caps in group.regex.captures_iter(text) {
                let Some(rule) = caps.pattern().and_then(|p| group.rules.get(p.as_usize())) else { continue };
                let Some(span) = caps.get_group_by_name("value").or_else(|| caps.get_match().map(|m| m.span())) else {
                    continue;
                };
                let (start, end) = (span.start, span.end);
                if start == end || glued(text, start, end) {
                    continue;
                }
                if !rule.keywords.is_empty() && !ctx.has_any(&rule.keywords, start, end) {
                    continue;
                }
                out.push(Detection {
                    kind: rule.kind,
                    start,
                    end,
                    value: String::from_utf8_lossy(&text[start..end]).into_owned().into(),
                    confidence: Confidence::Medium,
                    public_prefix_chars: 0,
                    fixed_class: Some((rule.category, rule.tier)),
                });
            }
        }
    }
}

fn glued(text: &[u8], start: usize, end: usize) -> bool {
    let before = start > 0 && text[start - 1].is_ascii_alphanumeric() && text[start].is_ascii_alphanumeric();
    let after = end < text.len() && text[end].is_ascii_alphanumeric() && text[end - 1].is_ascii_alphanumeric();
    before || after
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(kind: &'static str, pattern: &str) -> CustomRule {
        CustomRule {
            kind: Kind::Custom(kind),
            pattern: pattern.into(),
            keywords: Vec::new(),
            category: Category::Identity,
            tier: Tier::C,
        }
    }

    fn found(rules: &CustomRules, text: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        rules.find(text.as_bytes(), &Context::new(text.as_bytes()), &mut out);
        out.into_iter().map(|d| (d.kind.name().to_string(), d.value.to_string())).collect()
    }

    #[test]
    fn digit_led_patterns_are_told_apart() {
        assert!(digit_led(r"\d{6}"));
        assert!(digit_led(r"(?:88|99)\d{4}"));
        assert!(!digit_led(r"EMP\d{6}"));
        assert!(!digit_led(r"[A-Z0-9]{8}"));
        assert!(!digit_led(r"\d*x"));
    }

    #[test]
    fn one_search_serves_every_rule() {
        let rules = CustomRules::new(vec![
            rule("employee_id", r"EMP-\d{6}"),
            rule("member_no", r"\d{4}-\d{4}"),
            rule("wechat", r"(?:微信|wx)[:：]\s*(?P<value>[A-Za-z][-_A-Za-z0-9]{5,19})"),
        ]);
        assert_eq!(rules.groups.len(), 3, "digit-led, other ASCII, Unicode");
        let text = "EMP-123456 会员 1234-5678 微信：zhang_san88 EMP-1234567";
        assert_eq!(
            found(&rules, text),
            [
                ("member_no".into(), "1234-5678".into()),
                ("employee_id".into(), "EMP-123456".into()),
                ("wechat".into(), "zhang_san88".into()),
            ]
        );
    }

    #[test]
    fn ascii_classes() {
        let rules = CustomRules::new(vec![rule("code", r"K\d{4}")]);
        assert!(found(&rules, "K１２３４").is_empty(), "full-width digits are not \\d in ASCII mode");
        assert_eq!(found(&rules, "(K1234)").len(), 1);
    }
}
