//! Validate stage, e-mail confidence: an address in an authorship line (a copyright notice, an
//! `Author:` or `Maintainer:` header, a commit trailer such as `Signed-off-by:`, package
//! metadata such as Cargo's `authors = [..]`, setup.py's `author_email=`, package.json's
//! `"author":` or PKG-INFO's `Author-email:`) is a contact its owner published on purpose, not a
//! leak: it is reported at low confidence. Files named AUTHORS, CONTRIBUTORS or MAINTAINERS
//! (and the like) are lists of such lines; [`is_authorship_file`] names them.

/// Words that, before an address on its line, say the line names an author or a right holder.
/// Matched with ASCII case ignored; see [`is_word_marker`] for the word boundaries.
const MARKERS: &[&[u8]] = &[
    b"copyright",
    "©".as_bytes(),
    b"(c) ",
    b"author",
    b"maintainer",
    b"contributor",
    b"signed-off-by",
    b"co-authored-by",
    b"reviewed-by",
    b"acked-by",
    b"tested-by",
    b"reported-by",
    b"suggested-by",
    "作者".as_bytes(),
    "版权".as_bytes(),
    "维护者".as_bytes(),
];

/// How many enclosing blocks (an array of authors, then each author's object) are climbed to
/// find the key of a multi-line `authors = [` or `"contributors": [`.
const MAX_LEVELS: usize = 3;
/// How many lines above an address that key is looked for.
const MAX_LINES_UP: usize = 64;

/// Whether the e-mail address starting at `start` in `text` sits in an authorship line, or in a
/// multi-line block (array or object) under an authorship key.
pub fn in_authorship_line(text: &[u8], start: usize) -> bool {
    let line_start = memchr::memrchr(b'\n', &text[..start]).map_or(0, |p| p + 1);
    if has_marker(&text[line_start..start]) {
        return true;
    }
    enclosing_key_is_authorship(text, line_start)
}

/// Whether a file's name says it lists authors (`AUTHORS`, `CONTRIBUTORS.md`, `MAINTAINERS`,
/// `CREDITS`, `.mailmap`, Python's `PKG-INFO` and `METADATA`): every address in it is published
/// on purpose. `name` is the file's name without its directory.
pub fn is_authorship_file(name: &str) -> bool {
    let (stem, ext) = name.split_once('.').unwrap_or((name, ""));
    // A list is plain text; `authors.rs` or `authors.json` is code or data about authors.
    let listing = matches!(ext.to_ascii_lowercase().as_str(), "" | "md" | "txt" | "rst" | "markdown" | "adoc");
    let stem = stem.to_ascii_uppercase();
    (listing
        && matches!(
            stem.as_str(),
            "AUTHORS" | "AUTHOR" | "CONTRIBUTORS" | "MAINTAINERS" | "CREDITS" | "PKG-INFO" | "METADATA"
        ))
        || name == ".mailmap"
}

fn has_marker(before: &[u8]) -> bool {
    // One vector-prefiltered search for all markers: trying every marker at every byte of the
    // line before each address was a sixth of a scan of an export with an e-mail column.
    static SEARCH: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    let search = SEARCH.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(MARKERS)
            .expect("the built-in authorship markers build an automaton")
    });
    search.find_overlapping_iter(before).any(|m| is_word_marker(before, m.start(), MARKERS[m.pattern().as_usize()]))
}

/// Whether `marker`, found at `i` in `line` (ASCII case ignored), stands as a word: not inside a
/// longer ASCII word on the left, and `author` not the start of `authority` or `authorization`.
fn is_word_marker(line: &[u8], i: usize, marker: &[u8]) -> bool {
    if marker[0].is_ascii_alphabetic() && i > 0 && line[i - 1].is_ascii_alphabetic() {
        return false;
    }
    let next = line.get(i + marker.len()).map(u8::to_ascii_lowercase);
    !(marker == b"author" && next == Some(b'i'))
}

/// Climbs from the line at `line_start` to the lines that open its enclosing blocks (the first
/// line above with less indentation, and so on) and asks whether one of them is an authorship
/// key opening a block (`authors = [`, `"contributors": [`, `author:`).
fn enclosing_key_is_authorship(text: &[u8], line_start: usize) -> bool {
    let mut indent = indentation(line_of(text, line_start));
    let mut levels = 0;
    let mut at = line_start;
    for _ in 0..MAX_LINES_UP {
        if at == 0 || indent == 0 || levels == MAX_LEVELS {
            return false;
        }
        let above = memchr::memrchr(b'\n', &text[..at - 1]).map_or(0, |p| p + 1);
        let line = line_of(text, above);
        at = above;
        if line.trim_ascii().is_empty() || indentation(line) >= indent {
            continue;
        }
        indent = indentation(line);
        levels += 1;
        let opens = line.trim_ascii_end().last().is_some_and(|b| matches!(b, b'[' | b'{' | b':' | b'('));
        if opens && has_marker(line) {
            return true;
        }
        if !opens {
            return false;
        }
    }
    false
}

fn line_of(text: &[u8], start: usize) -> &[u8] {
    let end = memchr::memchr(b'\n', &text[start..]).map_or(text.len(), |p| start + p);
    &text[start..end]
}

fn indentation(line: &[u8]) -> usize {
    line.iter().take_while(|b| matches!(b, b' ' | b'\t')).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_email(text: &str) -> bool {
        let at = text.rfind('@').expect("an address");
        let start =
            text[..at].rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_')).map_or(0, |p| p + 1);
        in_authorship_line(text.as_bytes(), start)
    }

    #[test]
    fn authorship_lines_are_recognised() {
        for text in [
            "# Copyright (c) 2021 Jane Doe <jane@example.org>",
            "// (c) 2019 Wang Wei wang.wei@163.com",
            " * © 2020 Li Lei <lilei@qq.com>",
            "Author: Zhang San <zhangsan@qq.com>",
            " * @author zhangsan@company.com.cn",
            "__author__ = 'x' ; __author_email__ = 'x@163.com'",
            "Maintainer: Debian Rust Team <pkg-rust@lists.debian.org>",
            "Signed-off-by: Wang Wu <wang.wu@163.com>",
            "Co-authored-by: bot <bot@users.noreply.github.com>",
            "Reviewed-by: Li Si <lisi@126.com>",
            "authors = [\"Jane Doe <jane@example.org>\"]",
            "    author_email='jane@example.org',",
            "  \"author\": \"Jane Doe <jane@example.org>\",",
            "Author-email: Jane Doe <jane@example.org>",
            "Maintainer-email: jane@example.org",
            "# 作者：张三 zhangsan@qq.com",
        ] {
            assert!(at_email(text), "{text}");
        }
    }

    #[test]
    fn blocks_under_an_authorship_key_are_recognised() {
        let cargo = "[package]\nname = \"x\"\nauthors = [\n    \"Jane Doe <jane@example.org>\",\n    \"Li Si <lisi@126.com>\",\n]\n";
        assert!(in_authorship_line(cargo.as_bytes(), cargo.find("lisi@").expect("address")));
        let json = "{\n  \"contributors\": [\n    {\n      \"name\": \"Li Si\",\n      \"email\": \"lisi@126.com\"\n    }\n  ]\n}\n";
        assert!(in_authorship_line(json.as_bytes(), json.find("lisi@").expect("address")));
        let yaml = "maintainers:\n  - Li Si <lisi@126.com>\n";
        assert!(in_authorship_line(yaml.as_bytes(), yaml.find("lisi@").expect("address")));
    }

    #[test]
    fn other_lines_are_not() {
        for text in [
            "email=zhangsan@qq.com",
            "客户张三，邮箱 zhangsan@qq.com",
            "Authorization: user jane@example.org",
            "authority contact: jane@example.org",
            "\"email\":\"wang.wu@163.com\",\"name\":\"王五\"",
            "From: \"孟建军\" <mengjj@qq.com>",
        ] {
            assert!(!at_email(text), "{text}");
        }
        // An export's rows under a key that is no authorship key.
        let json =
            "{\n  \"users\": [\n    {\n      \"name\": \"Li Si\",\n      \"email\": \"lisi@126.com\"\n    }\n  ]\n}\n";
        assert!(!in_authorship_line(json.as_bytes(), json.find("lisi@").expect("address")));
        // An address after the block has closed.
        let toml = "authors = [\n    \"Jane <jane@example.org>\",\n]\n[contact]\n  mail = \"lisi@126.com\"\n";
        assert!(!in_authorship_line(toml.as_bytes(), toml.find("lisi@").expect("address")));
    }

    #[test]
    fn authorship_files_are_named() {
        for name in
            ["AUTHORS", "AUTHORS.md", "CONTRIBUTORS.txt", "MAINTAINERS", "CREDITS", "PKG-INFO", "METADATA", ".mailmap"]
        {
            assert!(is_authorship_file(name), "{name}");
        }
        for name in ["authors.rs", "authors.json", "users.csv", "README.md", "export.jsonl"] {
            assert!(!is_authorship_file(name), "{name}");
        }
    }
}
