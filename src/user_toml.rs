//! Reading TOML the user wrote (config and pattern files) with every problem collected, each
//! with its file, line and key, instead of stopping at the first: a CI job that fails on a bad
//! config should say everything that is wrong in one run.

use crate::error::{Problem, Problems};
use std::ops::Range;
use toml_edit::{ImDocument, Item, TableLike, Value};

/// Reads a user's file: its name as shown and its text, or the problem.
pub fn read_file(path: &std::path::Path) -> Result<(String, String), Problems> {
    let name = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => Ok((name, text)),
        Err(e) => Err(Problems(vec![Problem {
            file: name,
            line: None,
            key: String::new(),
            message: format!("cannot read: {e}"),
        }])),
    }
}

/// A TOML file being read, and the problems found so far.
pub struct Reader<'t> {
    file: String,
    text: &'t str,
    /// Every problem, in file order of discovery.
    pub problems: Vec<Problem>,
}

impl<'t> Reader<'t> {
    /// A reader of `text`, the contents of the file shown as `file`.
    pub fn new(file: &str, text: &'t str) -> Self {
        Reader { file: file.to_string(), text, problems: Vec::new() }
    }

    /// Parses the file; `None` (with the problem noted) if it is not TOML.
    pub fn parse(&mut self) -> Option<ImDocument<String>> {
        match ImDocument::parse(self.text.to_string()) {
            Ok(doc) => Some(doc),
            Err(e) => {
                let message = e.message().trim().replace('\n', " ");
                self.problem(e.span(), "", format!("not valid TOML: {message}"));
                None
            }
        }
    }

    /// Notes a problem at `span` (a byte range of the file), about `key`.
    pub fn problem(&mut self, span: Option<Range<usize>>, key: &str, message: impl Into<String>) {
        let line = span.map(|s| self.text[..s.start.min(self.text.len())].bytes().filter(|&b| b == b'\n').count() + 1);
        self.problems.push(Problem { file: self.file.clone(), line, key: key.to_string(), message: message.into() });
    }

    /// The span of `item`, or of its key in `table` when the item has none of its own (tables).
    pub fn span_of(table: &dyn TableLike, key: &str, item: &Item) -> Option<Range<usize>> {
        item.span().or_else(|| table.key(key).and_then(|k| k.span()))
    }

    /// A string at `key` of `table` (`path` names it in messages).
    pub fn string(&mut self, table: &dyn TableLike, key: &str, path: &str) -> Option<String> {
        let item = table.get(key)?;
        match item.as_str() {
            Some(s) => Some(s.to_string()),
            None => {
                self.problem(
                    Self::span_of(table, key, item),
                    path,
                    format!("must be a string, not {}", item.type_name()),
                );
                None
            }
        }
    }

    /// A required string at `key` of `table` (a rule's, labelled `label`, at `span`), checked
    /// and converted by `parse`; a missing key or a value `parse` refuses is a problem.
    pub fn required<T>(
        &mut self,
        table: &dyn TableLike,
        span: Option<Range<usize>>,
        label: &str,
        key: &str,
        parse: impl FnOnce(String) -> Result<T, String>,
    ) -> Option<T> {
        let Some(item) = table.get(key) else {
            self.problem(span, label, format!("missing `{key}`"));
            return None;
        };
        let path = format!("{label}: {key}");
        let value = self.string(table, key, &path)?;
        match parse(value) {
            Ok(v) => Some(v),
            Err(message) => {
                self.problem(Self::span_of(table, key, item), &path, message);
                None
            }
        }
    }

    /// A non-negative integer at `key` of `table`.
    pub fn integer(&mut self, table: &dyn TableLike, key: &str, path: &str) -> Option<u64> {
        let item = table.get(key)?;
        match item.as_integer().and_then(|n| u64::try_from(n).ok()) {
            Some(n) => Some(n),
            None => {
                self.problem(Self::span_of(table, key, item), path, "must be a non-negative integer");
                None
            }
        }
    }

    /// A boolean at `key` of `table`.
    pub fn boolean(&mut self, table: &dyn TableLike, key: &str, path: &str) -> Option<bool> {
        let item = table.get(key)?;
        match item.as_bool() {
            Some(b) => Some(b),
            None => {
                self.problem(Self::span_of(table, key, item), path, "must be true or false");
                None
            }
        }
    }

    /// A list of strings at `key` of `table`, each with its span.
    pub fn strings(
        &mut self,
        table: &dyn TableLike,
        key: &str,
        path: &str,
    ) -> Option<Vec<(String, Option<Range<usize>>)>> {
        let item = table.get(key)?;
        let Some(array) = item.as_array() else {
            self.problem(
                Self::span_of(table, key, item),
                path,
                format!("must be a list of strings, not {}", item.type_name()),
            );
            return None;
        };
        let mut out = Vec::new();
        for (i, value) in array.iter().enumerate() {
            match value.as_str() {
                Some(s) => out.push((s.to_string(), value.span())),
                None => self.problem(
                    value.span(),
                    &format!("{path}[{i}]"),
                    format!("must be a string, not {}", value.type_name()),
                ),
            }
        }
        Some(out)
    }

    /// The tables of a list at `key` of `table` (`[[key]]` or `key = [{...}, ...]`), each with
    /// its span.
    pub fn tables<'d>(
        &mut self,
        table: &'d dyn TableLike,
        key: &str,
        path: &str,
    ) -> Vec<(&'d dyn TableLike, Option<Range<usize>>)> {
        let Some(item) = table.get(key) else { return Vec::new() };
        if let Some(aot) = item.as_array_of_tables() {
            return aot.iter().map(|t| (t as &dyn TableLike, t.span())).collect();
        }
        if let Some(array) = item.as_array() {
            let mut out = Vec::new();
            for (i, value) in array.iter().enumerate() {
                match value {
                    Value::InlineTable(t) => out.push((t as &dyn TableLike, t.span())),
                    other => self.problem(other.span(), &format!("{path}[{i}]"), "must be a table"),
                }
            }
            return out;
        }
        self.problem(
            Self::span_of(table, key, item),
            path,
            format!("must be a list of tables ([[{key}]]), not {}", item.type_name()),
        );
        Vec::new()
    }

    /// Notes every key of `table` not in `known`.
    pub fn unknown_keys(&mut self, table: &dyn TableLike, known: &[&str], path: &str) {
        for (key, item) in table.iter() {
            if !known.contains(&key) {
                let at = if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
                let span = Self::span_of(table, key, item);
                self.problem(span, &at, format!("unknown key; valid keys: {}", known.join(", ")));
            }
        }
    }
}
