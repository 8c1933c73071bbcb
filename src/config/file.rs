//! The config file, `.piiscan.toml`: found from the scan root upward (or named with
//! `--config`), validated on load with every problem reported at once, each naming the file,
//! the line and the key, and merged under the command line (a flag wins over the file).

use super::FailOn;
use crate::classify::TierPolicy;
use crate::error::Problems;
use crate::finding::{Confidence, Kind};
use crate::fingerprint::Fingerprint;
use crate::rules::UserRules;
use crate::select::{normalise_allowed, Allow};
use crate::user_toml::Reader;
use std::path::{Path, PathBuf};
use toml_edit::TableLike;

/// The file name looked for.
pub const FILE_NAME: &str = ".piiscan.toml";

/// The top-level keys of a config file.
const KEYS: &[&str] = &[
    "kinds",
    "exclude_kinds",
    "min_confidence",
    "exclude_paths",
    "allow",
    "rules",
    "tier_policy",
    "fail_on",
    "limits",
    "fingerprint_key_file",
    "fingerprint_includes_path",
];

/// The keys of `[limits]`.
const LIMIT_KEYS: &[&str] = &["max_archive_bytes", "max_archive_ratio", "max_archive_entries", "max_archive_depth"];

/// One `[[allow]]` entry, with the reason the user gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowEntry {
    /// What it allows.
    pub allow: Allow,
    /// Why.
    pub reason: String,
}

/// Limits set in the file (those not set keep their defaults or flags).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LimitSettings {
    /// `max_archive_bytes`.
    pub max_bytes: Option<u64>,
    /// `max_archive_ratio`.
    pub max_ratio: Option<u64>,
    /// `max_archive_entries`.
    pub max_entries: Option<u64>,
    /// `max_archive_depth`.
    pub max_depth: Option<u32>,
}

/// A config file, validated.
#[derive(Debug, Clone, Default)]
pub struct ConfigFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// Only these kinds are reported.
    pub kinds: Option<Vec<Kind>>,
    /// These kinds are never reported.
    pub exclude_kinds: Vec<Kind>,
    /// The confidence floor.
    pub min_confidence: Option<Confidence>,
    /// Globs of paths not to read (as `-g '!GLOB'`).
    pub exclude_paths: Vec<String>,
    /// Values and fingerprints not to report, with reasons.
    pub allow: Vec<AllowEntry>,
    /// Custom rules.
    pub rules: UserRules,
    /// The tier policy.
    pub tier_policy: Option<TierPolicy>,
    /// When the exit code is 1.
    pub fail_on: Option<FailOn>,
    /// Archive limits.
    pub limits: LimitSettings,
    /// The fingerprint key file (relative paths are the config file's directory's).
    pub fingerprint_key_file: Option<PathBuf>,
    /// Whether paths enter fingerprints.
    pub fingerprint_includes_path: bool,
}

/// Finds the config file for a scan of `root`: `.piiscan.toml` in `root` (its directory, for a
/// file) or the nearest directory above it.
pub fn discover(root: &Path) -> Option<PathBuf> {
    let start = if root.is_dir() { root.to_path_buf() } else { root.parent()?.to_path_buf() };
    let start = if start.as_os_str().is_empty() { PathBuf::from(".") } else { start };
    let start = std::fs::canonicalize(&start).unwrap_or(start);
    start.ancestors().map(|dir| dir.join(FILE_NAME)).find(|candidate| candidate.is_file())
}

/// Reads and validates a config file: every problem, or the file.
pub fn load(path: &Path) -> Result<ConfigFile, Problems> {
    let (name, text) = crate::user_toml::read_file(path)?;
    let mut reader = Reader::new(&name, &text);
    let mut config = ConfigFile { path: path.to_path_buf(), ..ConfigFile::default() };
    if let Some(doc) = reader.parse() {
        read(&mut reader, doc.as_table(), &mut config);
    }
    if let Some(file) = &config.fingerprint_key_file {
        if file.is_relative() {
            config.fingerprint_key_file = Some(path.parent().unwrap_or(Path::new(".")).join(file));
        }
    }
    if reader.problems.is_empty() {
        Ok(config)
    } else {
        Err(Problems(reader.problems))
    }
}

fn read(reader: &mut Reader, top: &dyn TableLike, config: &mut ConfigFile) {
    reader.unknown_keys(top, KEYS, "");
    // Rules first: `kinds` and `allow` may name the kinds they define.
    let rule_tables = reader.tables(top, "rules", "rules");
    config.rules = crate::rules::user_rules(reader, &rule_tables);
    config.kinds = kinds(reader, top, "kinds", &config.rules);
    config.exclude_kinds = kinds(reader, top, "exclude_kinds", &config.rules).unwrap_or_default();
    config.min_confidence = choice(
        reader,
        top,
        "min_confidence",
        &[("low", Confidence::Low), ("medium", Confidence::Medium), ("high", Confidence::High)],
    );
    config.tier_policy =
        choice(reader, top, "tier_policy", &[("textual", TierPolicy::Textual), ("strict", TierPolicy::Strict)]);
    config.fail_on = choice(
        reader,
        top,
        "fail_on",
        &[("any", FailOn::Any), ("serious", FailOn::Serious), ("especially_serious", FailOn::EspeciallySerious)],
    );
    for (glob, span) in reader.strings(top, "exclude_paths", "exclude_paths").unwrap_or_default() {
        match globset::Glob::new(&glob) {
            Ok(_) => config.exclude_paths.push(glob),
            Err(e) => reader.problem(span, "exclude_paths", format!("invalid glob `{glob}`: {}", e.kind())),
        }
    }
    for (i, (entry, span)) in reader.tables(top, "allow", "allow").into_iter().enumerate() {
        let at = format!("allow[{i}]");
        reader.unknown_keys(entry, &["value", "fingerprint", "kind", "reason"], &at);
        let value = reader.string(entry, "value", &format!("{at}.value"));
        let fingerprint = reader.string(entry, "fingerprint", &format!("{at}.fingerprint"));
        let kind = reader.string(entry, "kind", &format!("{at}.kind")).and_then(|k| {
            let parsed = parse_kind(&k, &config.rules);
            if parsed.is_none() {
                let span = Reader::span_of(entry, "kind", entry.get("kind").unwrap_or(&toml_edit::Item::None));
                reader.problem(span, &format!("{at}.kind"), unknown_kind(&k));
            }
            parsed
        });
        let reason = reader.string(entry, "reason", &format!("{at}.reason"));
        if reason.as_deref().is_none_or(|r| r.trim().is_empty())
            && entry.get("reason").is_none_or(|r| r.as_str().is_some())
        {
            reader.problem(span.clone(), &at, "needs a `reason` (why this is not a leak)");
        }
        let allow = match (value, fingerprint) {
            (Some(value), None) => Some(Allow::Value { kind, value: normalise_allowed(&value) }),
            (None, Some(fp)) => match fp.parse::<Fingerprint>() {
                Ok(fp) => Some(Allow::Fingerprint(fp)),
                Err(e) => {
                    reader.problem(span.clone(), &format!("{at}.fingerprint"), e);
                    None
                }
            },
            (Some(_), Some(_)) => {
                reader.problem(span.clone(), &at, "give a `value` or a `fingerprint`, not both");
                None
            }
            (None, None) => {
                if entry.get("value").is_none() && entry.get("fingerprint").is_none() {
                    reader.problem(span.clone(), &at, "needs a `value` or a `fingerprint`");
                }
                None
            }
        };
        if let (Some(allow), Some(reason)) = (allow, reason) {
            config.allow.push(AllowEntry { allow, reason });
        }
    }
    if let Some(item) = top.get("limits") {
        match item.as_table_like() {
            Some(limits) => {
                reader.unknown_keys(limits, LIMIT_KEYS, "limits");
                config.limits.max_bytes = size(reader, limits, "max_archive_bytes");
                config.limits.max_ratio = reader.integer(limits, "max_archive_ratio", "limits.max_archive_ratio");
                config.limits.max_entries = reader.integer(limits, "max_archive_entries", "limits.max_archive_entries");
                config.limits.max_depth = reader
                    .integer(limits, "max_archive_depth", "limits.max_archive_depth")
                    .map(|d| u32::try_from(d).unwrap_or(u32::MAX));
            }
            None => reader.problem(Reader::span_of(top, "limits", item), "limits", "must be a table ([limits])"),
        }
    }
    config.fingerprint_key_file =
        reader.string(top, "fingerprint_key_file", "fingerprint_key_file").map(|p| expand_home(&p));
    config.fingerprint_includes_path =
        reader.boolean(top, "fingerprint_includes_path", "fingerprint_includes_path").unwrap_or(false);
}

/// A size as an integer of bytes or a string with a unit (`"64G"`).
fn size(reader: &mut Reader, table: &dyn TableLike, key: &str) -> Option<u64> {
    let item = table.get(key)?;
    let path = format!("limits.{key}");
    if let Some(n) = item.as_integer() {
        return u64::try_from(n).ok().or_else(|| {
            reader.problem(item.span(), &path, "must not be negative");
            None
        });
    }
    match item.as_str().map(crate::walk::parse_size) {
        Some(Ok(n)) => Some(n),
        Some(Err(e)) => {
            reader.problem(item.span(), &path, e);
            None
        }
        None => {
            reader.problem(item.span(), &path, "must be a number of bytes or a size such as \"64G\"");
            None
        }
    }
}

/// One of `choices` at `key`; an unknown value lists the valid ones.
fn choice<T: Copy>(reader: &mut Reader, table: &dyn TableLike, key: &str, choices: &[(&str, T)]) -> Option<T> {
    let value = reader.string(table, key, key)?;
    match choices.iter().find(|(name, _)| *name == value) {
        Some((_, v)) => Some(*v),
        None => {
            let valid: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
            let span = Reader::span_of(table, key, table.get(key).unwrap_or(&toml_edit::Item::None));
            reader.problem(span, key, format!("unknown value `{value}`; valid: {}", valid.join(", ")));
            None
        }
    }
}

/// A list of kind names or rule ids: built-in kinds, or kinds of the file's rules.
fn kinds(reader: &mut Reader, table: &dyn TableLike, key: &str, rules: &UserRules) -> Option<Vec<Kind>> {
    let names = reader.strings(table, key, key)?;
    let mut out = Vec::new();
    for (name, span) in names {
        match parse_kind(&name, rules) {
            Some(kind) => out.push(kind),
            None => reader.problem(span, key, unknown_kind(&name)),
        }
    }
    Some(out)
}

/// A kind named in an allow entry: a built-in one, or one of the file's rules.
fn parse_kind(name: &str, rules: &UserRules) -> Option<Kind> {
    Kind::from_name_or_rule_id(name)
        .or_else(|| rules.compiled.iter().map(|r| r.kind).find(|k| k.name() == name || k.rule_id() == name))
}

/// The message for an unknown kind: the valid ones.
pub fn unknown_kind(name: &str) -> String {
    let valid: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
    format!("unknown kind `{name}`; valid: {}", valid.join(", "))
}

fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Result<ConfigFile, Problems> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, text).expect("write");
        load(&path)
    }

    #[test]
    fn a_full_config_loads() {
        let c = config(
            r#"
kinds = ["mobile", "cn.id_card", "email"]
exclude_kinds = ["ip"]
min_confidence = "high"
exclude_paths = ["tests/fixtures/**"]
tier_policy = "strict"
fail_on = "serious"
fingerprint_includes_path = true

[[allow]]
value = "138 0013 8000"
kind = "mobile"
reason = "the MIIT sample number in our docs"

[[allow]]
fingerprint = "0123456789abcdef0123456789abcdef"
reason = "a fixture"

[[rules]]
kind = "employee_id"
category = "identity"
tier = "C"
description = "staff numbers"
regex = 'EMP[0-9]{6}'
examples = [{ text = "EMP123456", value = "EMP123456" }]
negative_examples = [{ text = "xEMP123456", why = "glued" }]

[limits]
max_archive_bytes = "1G"
max_archive_ratio = 50
"#,
        )
        .expect("valid");
        assert_eq!(c.kinds, Some(vec![Kind::Mobile, Kind::IdCard, Kind::Email]));
        assert_eq!(c.exclude_kinds, [Kind::Ip]);
        assert_eq!(c.min_confidence, Some(Confidence::High));
        assert_eq!(c.fail_on, Some(FailOn::Serious));
        assert_eq!(c.allow[0].allow, Allow::Value { kind: Some(Kind::Mobile), value: "13800138000".into() });
        assert_eq!(c.rules.compiled.len(), 1);
        assert_eq!(c.limits.max_bytes, Some(1 << 30));
        assert_eq!(c.limits.max_ratio, Some(50));
        assert!(c.fingerprint_includes_path);
    }

    #[test]
    fn every_problem_is_reported_with_its_line_and_key() {
        let err = config(
            r#"kinds = ["mobile", "phone"]
min_confidence = "sure"
colour = "red"

[[allow]]
value = "13800138000"

[[rules]]
kind = "badge"
category = "identity"
tier = "Z"
regex = "B[0-9"

[limits]
max_archive_ratio = -1
"#,
        )
        .expect_err("invalid");
        let shown: Vec<String> = err.0.iter().map(ToString::to_string).collect();
        let expect = [
            ":1: kinds: unknown kind `phone`; valid: id_card, mobile",
            ":2: min_confidence: unknown value `sure`; valid: low, medium, high",
            ":3: colour: unknown key; valid keys: kinds",
            ":5: allow[0]: needs a `reason`",
            ":11: rule badge: tier: must be A, B or C, not `Z`",
            ":12: rule badge: regex: bad regex: unclosed character class",
            ":15: limits.max_archive_ratio: must be a non-negative integer",
        ];
        for e in expect {
            assert!(shown.iter().any(|s| s.contains(e)), "missing `{e}` in:\n{}", shown.join("\n"));
        }
        assert_eq!(shown.len(), expect.len(), "{}", shown.join("\n"));
    }

    #[test]
    fn the_nearest_file_above_the_root_is_found() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("a/b")).expect("mkdir");
        std::fs::write(dir.path().join(FILE_NAME), "").expect("write");
        let found = discover(&dir.path().join("a/b")).expect("found");
        assert_eq!(found, std::fs::canonicalize(dir.path()).expect("canonical").join(FILE_NAME));
        std::fs::write(dir.path().join("a").join(FILE_NAME), "").expect("write");
        assert!(discover(&dir.path().join("a/b")).expect("found").ends_with(format!("a/{FILE_NAME}")));
    }
}
