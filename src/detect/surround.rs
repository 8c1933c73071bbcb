//! Scoring that knows where a value sits. Kinds without a check digit (mobile, ip, geo,
//! landline) and cards whose BIN length does not match look the same in an export and in code or
//! documentation: `17179869184` is a valid mobile number and 2^34, `2.5.198.17` a public address
//! and a section number. What tells them apart is the text around the value:
//!
//! - **noise shapes**: a digit run glued to an identifier (`XXH_STATIC_13879238742`), inside a
//!   URL (path, query, fragment), a numeric literal in code (`f(17179869184, 0)`, `x = ...;`),
//!   a line that is a table of plain numbers, a `+` country code other than 86;
//! - **support**: a keyword or labelled column (the context's keyword sets), or a record with
//!   other personal information on the same line.
//!
//! A value in a noise shape without support drops to [`Confidence::Low`] (not reported at the
//! default floor, still counted). An IPv4 address needs more: it is kept only where it plausibly
//! is an address (an address-like key, a URL host, a `:port`, the first field of a log line, a
//! field of a record with other personal information) and never in a version shape.

use crate::context::Context;
use crate::finding::{Confidence, Detection, Kind};
use crate::reference::KeywordSet;

/// What the surroundings say about one detection, before records are looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Keeps its confidence.
    Keep,
    /// Keeps it only with other personal information on its line, else low.
    NeedsRecord,
    /// Low whatever the line holds.
    Low,
    /// Not reported at all (an IPv4 in a version shape).
    Drop,
}

/// Adjusts the confidence of `out`'s detections (offsets in `text`, a line-aligned window) by
/// where they sit. Called once per window, after every detector ran and overlaps were resolved.
pub fn adjust(text: &[u8], ctx: &Context, out: &mut Vec<Detection>) {
    if !out.iter().any(is_judged) {
        return;
    }
    let verdicts: Vec<Verdict> = out.iter().map(|d| verdict(text, ctx, d)).collect();
    if !verdicts.contains(&Verdict::NeedsRecord) {
        // No line needs reading (an export's values sit under their columns).
        let mut k = 0;
        out.retain_mut(|d| {
            let v = verdicts[k];
            k += 1;
            if v == Verdict::Low {
                d.confidence = Confidence::Low;
            }
            v != Verdict::Drop
        });
        return;
    }
    // Each detection's line, counted once over the window (detections are sorted by start):
    // a multi-megabyte line (an extended INSERT) is one record, and is not searched per value.
    let mut lines = Vec::with_capacity(out.len());
    let (mut line, mut at) = (0usize, 0usize);
    for d in out.iter() {
        let to = d.start.max(at);
        line += memchr::memchr_iter(b'\n', &text[at..to]).count();
        at = to;
        lines.push(line);
    }
    // The lines and kinds of the detections able to support others: those that keep a
    // reportable confidence on their own.
    let mut supporting: Vec<(usize, Kind)> = out
        .iter()
        .zip(&verdicts)
        .zip(&lines)
        .filter(|((d, v), _)| **v == Verdict::Keep && d.confidence > Confidence::Low)
        .map(|((d, _), &line)| (line, d.kind))
        .collect();
    supporting.sort_unstable_by_key(|&(line, _)| line);
    let mut k = 0;
    out.retain_mut(|d| {
        let (v, line) = (verdicts[k], lines[k]);
        k += 1;
        match v {
            Verdict::Keep => {}
            Verdict::Drop => return false,
            Verdict::Low => d.confidence = Confidence::Low,
            Verdict::NeedsRecord => {
                // Other personal information on the line: a detection of another kind (the
                // same address twice, in a URL and beside it, is no record).
                let from = supporting.partition_point(|&(l, _)| l < line);
                let record = supporting[from..].iter().take_while(|&&(l, _)| l == line).any(|&(_, k)| k != d.kind);
                if !record {
                    d.confidence = Confidence::Low;
                }
            }
        }
        true
    });
}

/// Kinds with no check digit: their shape alone says little.
fn is_weak(kind: Kind) -> bool {
    matches!(kind, Kind::Mobile | Kind::Ip | Kind::Geo | Kind::Landline | Kind::Plate)
}

/// Whether a detection's confidence depends on where it sits: the weak kinds, and cards whose
/// Luhn digit passed but whose length is not their BIN's.
fn is_judged(d: &Detection) -> bool {
    d.confidence > Confidence::Low
        && (is_weak(d.kind) || d.kind == Kind::BankCard && d.confidence == Confidence::Medium)
}

fn verdict(text: &[u8], ctx: &Context, d: &Detection) -> Verdict {
    if !is_judged(d) {
        return Verdict::Keep;
    }
    let (start, end) = (d.start, d.end);
    match d.kind {
        Kind::Ip => {
            if version_shape(text, start, end) || network(text, start, end) {
                Verdict::Drop
            } else if address_like(text, start, end) || ctx.column_of(start).is_some_and(address_column) {
                Verdict::Keep
            } else {
                Verdict::NeedsRecord
            }
        }
        Kind::Mobile if foreign_code(text, start) => Verdict::Low,
        Kind::Mobile | Kind::Landline | Kind::Geo | Kind::BankCard => {
            let set = match d.kind {
                Kind::Geo => KeywordSet::Geo,
                Kind::BankCard => KeywordSet::BankCard,
                _ => KeywordSet::Mobile,
            };
            // In a noise shape only the value's own key or column counts: a keyword elsewhere on a
            // line of code (`coordinates`, the `sim` of `simple`) says nothing about it.
            // A value glued by `-` or `_` is the tail of an identifier, which the label reader
            // would take for its key (`telemetry-metadata-1481066021297` holds `tel`).
            // The key is asked first: it keeps the value in any shape, and an export's values
            // mostly have one (the shape checks read the whole line).
            let tail = start > 0 && matches!(text[start - 1], b'-' | b'_');
            if !tail && ctx.has_label_or_column(set, start) {
                return Verdict::Keep;
            }
            if !noise_shape(text, start, end, matches!(d.kind, Kind::Geo | Kind::BankCard)) {
                return Verdict::Keep;
            }
            if !tail && bracketed_label(text, start, set) {
                Verdict::Keep
            } else {
                Verdict::NeedsRecord
            }
        }
        // Plates start with a province character: code and docs do not make them by accident.
        _ => Verdict::Keep,
    }
}

/// A key before an opening bracket around the value: `mobile=[19508428800]`, `tel(13812345678)`
/// (the context's own label stops at the bracket).
fn bracketed_label(text: &[u8], start: usize, set: KeywordSet) -> bool {
    let before = &text[line_start(text, start)..start];
    let Some(trimmed) = before.strip_suffix(b"[").or_else(|| before.strip_suffix(b"(")) else {
        return false;
    };
    crate::reference::keywords().sets_in(last_word(trimmed)) & set.bit() != 0
}

/// How far the shape checks read before and after a value on its line: on a multi-megabyte
/// line every value would otherwise read back to the line start, quadratic in its length.
const REACH: usize = 1024;

/// The start of `at`'s line, or [`REACH`] bytes before `at` if the line starts further back.
fn line_start(text: &[u8], at: usize) -> usize {
    let floor = at.saturating_sub(REACH);
    memchr::memrchr(b'\n', &text[floor..at]).map_or(floor, |p| floor + p + 1)
}

/// The end of `at`'s line, or [`REACH`] bytes after `at` if it ends further on.
fn line_end(text: &[u8], at: usize) -> usize {
    let ceiling = (at + REACH).min(text.len());
    memchr::memchr(b'\n', &text[at..ceiling]).map_or(ceiling, |p| at + p)
}

/// A `+` right before the digits that is not `+86`: an international number of another country
/// (`+15555551212`), whose national part only happens to look like a Chinese mobile. A `+86`
/// number's span starts at its `+`.
fn foreign_code(text: &[u8], start: usize) -> bool {
    start > 0 && text[start - 1] == b'+'
}

/// Whether the value at `start..end` sits where numbers in code and documents sit: glued to an
/// identifier, inside a URL, as a numeric literal in code, or in a table of plain numbers.
fn noise_shape(text: &[u8], start: usize, end: usize, few: bool) -> bool {
    glued(text, start, end)
        || in_url(text, start)
        || code_literal(text, start, end)
        || number_table(text, start, end, few)
        || computed(text, start, end)
}

/// Arithmetic: the value's line states a result (`ddsub922 subtract 133.00001 33.00001 ->
/// 99.99`, `a => b`, spaced: an HTML comment's `-->` is none), or an operator stands inside the value's span (a coordinate pair read
/// across `(-1.1329138213) + (1.1329138213*x)`).
fn computed(text: &[u8], start: usize, end: usize) -> bool {
    let line = &text[line_start(text, start)..line_end(text, end)];
    let inner = text[start..end].iter().skip(1);
    // ` -> ` or ` => `, found from their `>` (a substring searcher built per value cost more
    // than the check).
    let arrow = memchr::memchr_iter(b'>', line)
        .any(|i| i >= 2 && line[i - 2] == b' ' && matches!(line[i - 1], b'-' | b'=') && line.get(i + 1) == Some(&b' '));
    arrow || inner.into_iter().any(|&b| matches!(b, b'+' | b'*' | b'(' | b')'))
}

/// Part of an identifier or a dotted name: `XXH_STATIC_13879238742`, `U17179869183`,
/// `metadata-1481066021297`, `PhysRevE.76.056709`, `19850014994_1985014994`.
fn glued(text: &[u8], start: usize, end: usize) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let before = start.checked_sub(1).map(|i| text[i]);
    let before2 = start.checked_sub(2).map(|i| text[i]);
    let after = text.get(end).copied();
    let joined_before = match before {
        Some(b) if b.is_ascii_alphabetic() || b == b'_' => true,
        Some(b'-' | b'.') => before2.is_some_and(|b| b.is_ascii_alphabetic()),
        _ => false,
    };
    let joined_after = match after {
        Some(b) if b.is_ascii_alphabetic() || b == b'_' => true,
        Some(b'-') => text.get(end + 1).is_some_and(|&b| word(b)),
        _ => false,
    };
    joined_before || joined_after
}

/// Inside a URL: `scheme://` earlier on the line with no space or quote since.
fn in_url(text: &[u8], start: usize) -> bool {
    let from = line_start(text, start).max(start.saturating_sub(512));
    let before = &text[from..start];
    let token_start = before
        .iter()
        .rposition(|&b| matches!(b, b' ' | b'\t' | b'"' | b'\'' | b'<' | b'>' | b'(' | b')' | b'`'))
        .map_or(0, |p| p + 1);
    let token = &before[token_start..];
    memchr::memchr_iter(b':', token).any(|i| token[i + 1..].starts_with(b"//"))
}

/// An unquoted number between code punctuation: an argument (`f(17179869184, 0)`), a list item
/// (`[1, 13537929600]`), an assignment or comparison (`x = 13440780582;`, `== 19508428800`),
/// a generic argument (`Const<17179869184>`).
fn code_literal(text: &[u8], start: usize, end: usize) -> bool {
    let ls = line_start(text, start);
    let le = line_end(text, end);
    let mut i = start;
    // A sign belongs to the literal.
    if i > ls && matches!(text[i - 1], b'-' | b'+') {
        i -= 1;
    }
    let prev = text[ls..i].iter().rev().find(|&&b| b != b' ' && b != b'\t').copied();
    let next = text[end..le].iter().find(|&&b| b != b' ' && b != b'\t').copied();
    // After a comma only inside an open bracket: `a,13812345678,b` is a delimited record.
    let opens =
        matches!(prev, Some(b'(' | b'[' | b'{' | b'<' | b'=')) || prev == Some(b',') && unclosed_bracket(&text[ls..i]);
    let closes = matches!(next, Some(b')' | b']' | b'}' | b'>' | b';' | b','));
    // `x == 19508428800` at a line's end (Python has no `;`).
    let compared = next.is_none() && i >= 2 && matches!(&text[i - 2..i], b"==" | b"= ");
    opens && closes || compared
}

/// Whether `before` opens a bracket it does not close.
fn unclosed_bracket(before: &[u8]) -> bool {
    let mut depth = 0i32;
    for &b in before.iter().rev() {
        match b {
            b')' | b']' | b'}' => depth += 1,
            b'(' | b'[' | b'{' if depth == 0 => return true,
            b'(' | b'[' | b'{' => depth -= 1,
            _ => {}
        }
    }
    false
}

/// A line that is a table of measured numbers (`ddsub922 subtract 133.0000000123456
/// 33.00000001234565 -> 99.99`, an array of floats): besides the value, more numbers with four
/// or more decimals (amounts have two, and exports of amounts are not tables of this kind). One is
/// enough next to a coordinate pair or a card number, two next to a phone number.
fn number_table(text: &[u8], start: usize, end: usize, few: bool) -> bool {
    let (ls, le) = (line_start(text, start), line_end(text, end));
    let precise = count_precise_decimals(&text[ls..start]) + count_precise_decimals(&text[end..le]);
    precise >= if few { 1 } else { 2 }
}

/// Numbers with a decimal point and at least four decimals in `bytes` (`0.27268`, not `1.2.3.4`
/// or `12.50`).
fn count_precise_decimals(bytes: &[u8]) -> usize {
    // From the dots (few on a line, found by a vector search) rather than from every digit:
    // this runs for each weak value without a key, on its whole line.
    let digits_from = |mut i: usize| {
        let from = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        i - from
    };
    memchr::memchr_iter(b'.', bytes)
        .filter(|&dot| {
            if dot == 0 || !bytes[dot - 1].is_ascii_digit() {
                return false;
            }
            let mut int_start = dot - 1;
            while int_start > 0 && bytes[int_start - 1].is_ascii_digit() {
                int_start -= 1;
            }
            let frac = digits_from(dot + 1);
            // One dot in the run of digits and dots: `1.2.3.4` and `1.23456.7` are no decimals.
            let dotted_before = int_start > 0 && bytes[int_start - 1] == b'.';
            let dotted_after = bytes.get(dot + 1 + frac) == Some(&b'.');
            frac >= 4 && !dotted_before && !dotted_after
        })
        .count()
}

/// Words before a dotted quad that make it a version or a section number.
const VERSION_WORDS: &[&str] = &[
    "v",
    "ver",
    "version",
    "versions",
    "schema",
    "section",
    "sections",
    "sec",
    "release",
    "build",
    "revision",
    "rev",
    "firmware",
    "fw",
    "sdk",
    "api",
    "chapter",
    "clause",
    "appendix",
    "appnote",
    "table",
    "figure",
    "see",
    "node",
    "版本",
    "版本号",
    "章",
    "节",
];

/// Whether the dotted quad at `start..end` is a version or section number: `Chrome/122.0.0.0`,
/// `v=9.30.42.45`, `ver: 7.24.51.76`, `version 1.5.4.1`, `[27.4.5.1]`, `§ 2.1.1.1`,
/// `2.1.1.1. Header`, `1.2.3.4-beta`, `PDF 1.7.2.2a`, `(2.1.7.61)` after a word.
pub fn version_shape(text: &[u8], start: usize, end: usize) -> bool {
    let ls = line_start(text, start);
    let before = &text[ls..start];
    let after = &text[end..line_end(text, end)];
    // `Name/1.2.3.4` (a product token), glued to a word or a dash (`MS-XLS2.5.1.1`, `v1.2.3.4`).
    if let Some(&b) = before.last() {
        if b.is_ascii_alphabetic() || b == b'_' || b == b'-' {
            return true;
        }
        if b == b'/' && before.len() >= 2 && before[before.len() - 2].is_ascii_alphanumeric() {
            return true;
        }
    }
    // A suffix: `1.2.3.4a`, `1.2.3.4-rc1`, `2.1.1.1. Header`, `1.2.3.4_x`.
    match after {
        [b, ..] if b.is_ascii_alphabetic() || *b == b'_' => return true,
        [b'-', b, ..] if b.is_ascii_alphanumeric() => return true,
        [b'.', b' ', ..] | [b'.'] => return true,
        _ => {}
    }
    // Bracketed: `[27.4.5.1]`, `(2.1.7.61)`.
    if matches!((before.last(), after.first()), (Some(b'['), Some(b']')) | (Some(b'('), Some(b')'))) {
        return true;
    }
    if before.ends_with("§".as_bytes()) || before.trim_ascii_end().ends_with("§".as_bytes()) {
        return true;
    }
    // The key's identifier words (`__version__`, `app_version`, `buildNumber`), each whole: a
    // prefix would let `v` match `value`.
    // (A non-ASCII key such as 版本 is compared whole.)
    let is_version_word = |word: &[u8]| VERSION_WORDS.iter().any(|w| word.eq_ignore_ascii_case(w.as_bytes()));
    let key = last_word(before);
    is_version_word(key) || identifier_words(key).any(is_version_word)
}

/// The words of an identifier, split at non-alphanumeric bytes and where a lower-case letter is
/// followed by an upper-case one (`userName`: `user`, `Name`).
fn identifier_words(key: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut start = 0;
    let mut at = 0;
    std::iter::from_fn(move || {
        while at <= key.len() {
            let i = at;
            at += 1;
            let boundary = i == key.len()
                || !key[i].is_ascii_alphanumeric()
                || (i > start && key[i - 1].is_ascii_lowercase() && key[i].is_ascii_uppercase());
            if !boundary {
                continue;
            }
            let word = &key[start..i];
            start = if i < key.len() && key[i].is_ascii_alphanumeric() { i } else { i + 1 };
            if !word.is_empty() {
                return Some(word);
            }
        }
        None
    })
}

/// The last word before a value, skipping separators (`=`, `:`, `：`, quotes, spaces, `#`).
fn last_word(before: &[u8]) -> &[u8] {
    let end = last_word_end(before);
    let mut start = end;
    while start > 0
        && end - start < 48
        && (before[start - 1].is_ascii_alphanumeric()
            || matches!(before[start - 1], b'_' | b'-')
            || before[start - 1] >= 0x80)
    {
        start -= 1;
    }
    // Do not start inside a multi-byte character.
    while start < end && (before[start] & 0xC0) == 0x80 {
        start += 1;
    }
    &before[start..end]
}

/// Where the separators that end `before` start.
fn last_word_end(before: &[u8]) -> usize {
    let mut end = before.len();
    loop {
        if end >= 3 && before[end - 3..end] == *"：".as_bytes() {
            end -= 3;
        } else if end > 0 && matches!(before[end - 1], b'=' | b':' | b'"' | b'\'' | b' ' | b'\t' | b'#' | b'?' | b'&') {
            end -= 1;
        } else {
            break;
        }
    }
    end
}

/// Word starts of a key that name an address: `ip`, `clientIp`, `sourceIPAddress`,
/// `remote_addr`, `host`, `登录IP`.
const ADDRESS_WORDS: &[&str] = &["ip", "addr", "host", "client", "remote", "peer", "src", "source", "inet"];

/// Words of a key that name a machine's address rather than a person's: `PublicIp` of a cloud
/// instance, `OutsideIpAddress` of a VPN, `gateway`, `AWS_INSTANCE_IPV4`. Such a value needs a
/// record with other personal information, like a value without a key.
const MACHINE_WORDS: &[&str] = &[
    "public",
    "private",
    "outside",
    "inside",
    "egress",
    "ingress",
    "ingest",
    "nat",
    "instance",
    "server",
    "gateway",
    "dns",
    "nameserver",
    "proxy",
    "router",
    "elastic",
    "listen",
    "bind",
    "endpoint",
    "subnet",
    "range",
    "resolver",
];

/// Whether the IPv4 at `start..end` plausibly is an address: an address-like key before it, a
/// URL host (`://1.2.3.4`, `user@1.2.3.4`), a `:port` after it, or the first field of an
/// unindented line (an access log).
pub fn address_like(text: &[u8], start: usize, end: usize) -> bool {
    let ls = line_start(text, start);
    let before = &text[ls..start];
    if before.ends_with(b"://") || before.ends_with(b"@") {
        return true;
    }
    if text.get(end) == Some(&b':') && text.get(end + 1).is_some_and(u8::is_ascii_digit) {
        return true;
    }
    if before.is_empty() && matches!(text.get(end), Some(b' ' | b'\t')) {
        return true;
    }
    let word = last_word(before);
    // `sock.ip == "1.2.3.4"` compares; it does not label.
    let between = &before[before.len() - trailing_separators(before)..];
    if contains(between, b"==") || contains(between, b"!=") {
        return false;
    }
    address_key(word) && !has_word(word, MACHINE_WORDS)
}

/// A column named like an address (`ip`, `client_ip`, `登录IP`) but not a machine's role. A
/// header cell with spaces in it is a line of text read as a header (`from ipaddress import
/// IPv4Address, IPv6Address` atop a Python file), not a column name.
fn address_column(name: &str) -> bool {
    !name.contains(' ') && address_key(name.as_bytes()) && !has_word(name.as_bytes(), MACHINE_WORDS)
}

/// How many separator bytes (what [`last_word`] skips) end `before`.
fn trailing_separators(before: &[u8]) -> usize {
    before.len() - last_word_end(before)
}

/// Not a host: a network in CIDR notation (`20.1.0.0/24`), a network address (`11.0.0.0`), or
/// the IPv4 tail of an IPv6 address (`::ffff:1.2.3.4`, `2001:1.1.1.1`).
fn network(text: &[u8], start: usize, end: usize) -> bool {
    if text.get(end) == Some(&b'/') && text.get(end + 1).is_some_and(u8::is_ascii_digit) {
        return true;
    }
    if text[..end].ends_with(b".0") {
        return true;
    }
    // The hex digits and colons right before the address, themselves not part of a word.
    let mut t = start;
    while t > 0 && (text[t - 1].is_ascii_hexdigit() || text[t - 1] == b':') {
        t -= 1;
    }
    let token = &text[t..start];
    let glued_to_word = t > 0 && text[t - 1].is_ascii_alphanumeric();
    token.len() >= 2 && token.last() == Some(&b':') && !glued_to_word
}

/// Whether `needle` occurs in the short `hay` (a key, the separators before a value).
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Whether a key names an address: one of [`ADDRESS_WORDS`] starts one of its words, or it holds
/// `IP` or 地址.
fn address_key(key: &[u8]) -> bool {
    contains(key, "地址".as_bytes()) || contains(key, b"IP") || has_word(key, ADDRESS_WORDS)
}

/// Whether one of `words` starts a word of `key` (words split at `_`, `-`, digits and
/// lower-to-upper case changes): `ip` is in `clientIp` and `ip_addr`, not in `description`.
fn has_word(key: &[u8], words: &[&str]) -> bool {
    let word_start = |i: usize| {
        i == 0 || !key[i - 1].is_ascii_alphabetic() || key[i - 1].is_ascii_lowercase() && key[i].is_ascii_uppercase()
    };
    (0..key.len()).filter(|&i| key[i].is_ascii_alphabetic() && word_start(i)).any(|i| {
        let rest = key[i..].to_ascii_lowercase();
        words.iter().any(|w| rest.starts_with(w.as_bytes()))
    })
}

#[cfg(test)]
mod tests {

    #[test]
    fn identifier_words_split_at_separators_and_case() {
        let words = |k: &str| {
            identifier_words(k.as_bytes()).map(|w| String::from_utf8_lossy(w).into_owned()).collect::<Vec<_>>()
        };
        assert_eq!(words("__version__"), ["version"]);
        assert_eq!(words("appVersion"), ["app", "Version"]);
        assert_eq!(words("BUILD_VERSION"), ["BUILD", "VERSION"]);
        assert_eq!(words("value"), ["value"]);
        assert!(words("").is_empty());
    }

    /// A Python file whose first line has a comma is read as having a header; its cells are no
    /// column names for the IP rule.
    #[test]
    fn a_text_line_read_as_a_header_names_no_address_column() {
        let text = "from ipaddress import IPv4Address, IPv6Address\n\nhost = 3\nlast = \"58.61.1.2\"\n";
        assert_ne!(confidence_of(text, Kind::Ip, "58.61.1.2"), Some(Confidence::Medium));
        assert_ne!(confidence_of(text, Kind::Ip, "58.61.1.2"), Some(Confidence::High));
    }

    #[test]
    fn precise_decimals_are_single_dotted_runs_with_four_decimals() {
        assert_eq!(count_precise_decimals(b"0.27268 and 12.50 and 3.14159"), 2);
        assert_eq!(count_precise_decimals(b"1.2.3.4 1.23456.7 7.12345. .5678 v2.0001x"), 1);
        assert_eq!(count_precise_decimals(b"no numbers here"), 0);
    }
    use super::*;

    fn at<'a>(text: &'a str, needle: &str) -> (&'a [u8], usize, usize) {
        let start = text.find(needle).expect("needle in text");
        (text.as_bytes(), start, start + needle.len())
    }

    #[test]
    fn version_shapes() {
        for (text, value) in [
            ("Mozilla/5.0 Chrome/122.0.0.0 Safari", "122.0.0.0"),
            ("MicroMessenger/8.0.74.174 NetType/WIFI", "8.0.74.174"),
            ("Edg/121.0.2277.128", "121.0.2277.128"),
            ("ver: 7.24.51.76", "7.24.51.76"),
            ("version = 3.6.23.1", "3.6.23.1"),
            ("<script src=\"app.js?v=9.30.42.45\">", "9.30.42.45"),
            ("// see [27.4.5.1] and", "27.4.5.1"),
            ("Workbook(2.1.7.61) or", "2.1.7.61"),
            ("section 6.5.2.2 lines", "6.5.2.2"),
            ("§ 4.4.3.2 of the note", "4.4.3.2"),
            ("  2.1.1.1. Header Magic Bytes", "2.1.1.1"),
            ("release 1.5.4.1-beta", "1.5.4.1"),
            ("Section 7.3.17.1.", "7.3.17.1"),
            ("版本：5.8.8.1", "5.8.8.1"),
            ("__version__ = \"3.5.0.1\"", "3.5.0.1"),
            ("appVersion: 2.3.10.4", "2.3.10.4"),
            ("BUILD_VERSION=4.1.0.12", "4.1.0.12"),
        ] {
            let (t, s, e) = at(text, value);
            assert!(version_shape(t, s, e), "{text}");
        }
    }

    #[test]
    fn addresses_are_no_versions() {
        for (text, value) in [
            ("login ip=114.114.114.114 ok", "114.114.114.114"),
            ("\"clientIp\": \"58.61.1.2\",", "58.61.1.2"),
            ("http://61.135.169.121/index", "61.135.169.121"),
            ("58.250.137.36 - - [10/Mar/2016:19:29:25 +0100]", "58.250.137.36"),
            ("张三,13812345678,121.42.1.9,北京", "121.42.1.9"),
        ] {
            let (t, s, e) = at(text, value);
            assert!(!version_shape(t, s, e), "{text}");
        }
    }

    #[test]
    fn address_like_places() {
        for (text, value) in [
            ("login ip=114.114.114.114 ok", "114.114.114.114"),
            ("\"clientIp\": \"58.61.1.2\",", "58.61.1.2"),
            ("\"sourceIPAddress\":\"72.21.198.70\"", "72.21.198.70"),
            ("remote_addr: 101.6.7.8", "101.6.7.8"),
            ("登录IP：222.73.1.1", "222.73.1.1"),
            ("服务器地址 117.1.2.3", "117.1.2.3"),
            ("curl http://61.135.169.121/index", "61.135.169.121"),
            ("ssh root@121.40.1.2", "121.40.1.2"),
            ("mysql -h db 120.1.2.3:3306", "120.1.2.3"),
            ("58.250.137.36 - - [10/Mar/2016:19:29:25 +0100]", "58.250.137.36"),
        ] {
            let (t, s, e) = at(text, value);
            assert!(address_like(t, s, e), "{text}");
        }
        for (text, value) in [
            ("\"description\": \"58.61.1.2\"", "58.61.1.2"),
            ("zip 58.61.1.2 and", "58.61.1.2"),
            ("assert!(parse(\"1.1.1.1\"))", "1.1.1.1"),
            ("{\"data\": \"13.28.24.13\", \"valid\": true}", "13.28.24.13"),
            ("  comparing the 31.1.3.2 diff", "31.1.3.2"),
        ] {
            let (t, s, e) = at(text, value);
            assert!(!address_like(t, s, e), "{text}");
        }
    }

    #[test]
    fn noise_shapes_of_digit_runs() {
        for (text, value) in [
            ("check_concise_float(17179869184, 0, 17179869184.0_f32);", "17179869184"),
            ("check_round(13122380800, 767);", "13122380800"),
            ("pub const FLAG: u64 = 17179869184;", "17179869184"),
            ("impl ToUInt for Const<17179869183> {", "17179869183"),
            ("#define XXH_STATIC_13879238742", "13879238742"),
            ("type Output = U18579869183;", "18579869183"),
            ("(\"2399-01-01T00:00:00Z\", 13537929600),", "13537929600"),
            ("    assert G1.order() == 19508428800", "19508428800"),
            ("mp.subs({x:0}) == -16630256576", "16630256576"),
            ("self.assertEqual(13577625587, f(1000000000000, cb))", "13577625587"),
            ("pull/3856#event-13924913068>", "13924913068"),
            ("http://ntrs.nasa.gov/casi/19850014994_1985014994.pdf", "19850014994"),
            ("https://example.com/u/15912345678/profile", "15912345678"),
            ("https://example.com/api?uid=18612345678&x=1", "18612345678"),
            ("\"id\": \"telemetry-metadata-1481066021297\"", "1481066021297"),
            ("log0084 log 0.27268135358180667 13412345678 -> 4.8236724223559229", "13412345678"),
        ] {
            let (t, s, e) = at(text, value);
            assert!(noise_shape(t, s, e, false), "{text}");
        }
        let (t, s, e) = at("dddiv divide 6215736513855159 62157365 -> 0.9999999999975573 Inexact", "6215736513855159");
        assert!(noise_shape(t, s, e, true), "a card among measured numbers");
    }

    #[test]
    fn plain_places_are_no_noise() {
        for (text, value) in [
            ("您好，我是张三，手机13812345678，麻烦尽快回电。", "13812345678"),
            ("phone=13812345678 amount=1", "13812345678"),
            ("    TEST_PHONE_1 = \"13912345678\"", "13912345678"),
            ("{\"phone\":\"15012345678\",\"name\":\"李四\"}", "15012345678"),
            ("1\t6222021234567890\t12.50\t3.00\t1700000000000\tx\t13812345678", "13812345678"),
            ("1,2024-01-02,9,张三,\"北京\",12.50,A1,58.1.2.3,1700,好评,13812345678", "13812345678"),
            ("call me at 13812345678 tomorrow", "13812345678"),
            ("Sample number: 13500135000 <!-- a comment -->", "13500135000"),
        ] {
            let (t, s, e) = at(text, value);
            assert!(!noise_shape(t, s, e, false), "{text}");
        }
    }

    #[test]
    fn geo_in_tables_and_names() {
        for (text, value) in [
            ("https://doi.org/10.1103/PhysRevE.76.056709", "76.056709"),
            ("ddsub922 subtract 133.0000000123456 33.00000001234565 ->  99.9999", "33.00000001234565"),
        ] {
            let (t, s, e) = at(text, value);
            assert!(noise_shape(t, s, e, true), "{text}");
        }
        for (text, value) in [
            ("expx1027 exp 4.490067  -> 89.12742 Inexact Rounded", "4.490067  -> 89.12742"),
            ("comx3204 compare 97.6473211725 4.8620911587 -> 1", "97.6473211725 4.8620911587"),
            ("q = f((-1.1329138213) + (1.1329138213*x)*Dx)", "1.1329138213) + (1.1329138213"),
            (
                "Point2D(0.000714285723396502, -1.99999996811224, evaluate=False)",
                "0.000714285723396502, -1.99999996811224",
            ),
        ] {
            let (t, s, e) = at(text, value);
            assert!(noise_shape(t, s, e, true), "{text}");
        }
        for (text, value) in [
            ("GPS 31.230416, 121.473701 ok", "31.230416, 121.473701"),
            ("lng=116.397470 lat=39.908823", "116.397470 lat=39.908823"),
        ] {
            let (t, s, e) = at(text, value);
            assert!(!noise_shape(t, s, e, true), "{text}");
        }
    }

    fn detect(text: &str) -> Vec<(Kind, String, Confidence)> {
        let detector = crate::detect::Detector::new(crate::detect::DetectOptions::default());
        detector.detect(text.as_bytes()).into_iter().map(|d| (d.kind, d.value.to_string(), d.confidence)).collect()
    }

    fn confidence_of(text: &str, kind: Kind, value: &str) -> Option<Confidence> {
        detect(text).into_iter().find(|(k, v, _)| *k == kind && v == value).map(|(_, _, c)| c)
    }

    /// The values of the noise examples keep their confidence where an export puts them: a
    /// labelled column, a JSON key, a log line with a keyword, a record with other personal
    /// information.
    #[test]
    fn exports_keep_their_confidence() {
        let supported = [
            ("name,mobile,city\n张三,17179869184,北京\n", Kind::Mobile, "17179869184"),
            ("id,phone,amount\n1,13577625587,12.50\n", Kind::Mobile, "13577625587"),
            ("{\"phone\": 13122380800, \"uid\": 7}", Kind::Mobile, "13122380800"),
            // A column named for an address is the address's key, in CSV as in SQL.
            ("id,client_ip,at\n1,58.61.1.2,2024-01-01\n", Kind::Ip, "58.61.1.2"),
            ("INSERT INTO t (id, login_ip) VALUES (1, '58.61.1.2');\n", Kind::Ip, "58.61.1.2"),
            ("2024-05-01 INFO sms sent, mobile=[19508428800] ok", Kind::Mobile, "19508428800"),
            ("张三,13537929600,110101199003074514", Kind::Mobile, "13537929600"),
            ("INSERT INTO t (name, tel) VALUES ('李四', 15912345678);", Kind::Mobile, "15912345678"),
            ("user,ip,ts\n110101199003074514,122.0.0.1,1\n", Kind::Ip, "122.0.0.1"),
            ("{\"clientIp\":\"58.74.51.76\",\"uid\":1}", Kind::Ip, "58.74.51.76"),
            ("login ip=9.30.42.45 ok", Kind::Ip, "9.30.42.45"),
            ("登录IP：27.4.5.1", Kind::Ip, "27.4.5.1"),
            ("121.42.1.9 - - [10/Mar/2016:19:29:25 +0100] \"GET / HTTP/1.1\" 200", Kind::Ip, "121.42.1.9"),
            ("张三,13812345678,121.42.1.9", Kind::Ip, "121.42.1.9"),
            ("张三,39.908823,116.397470,12.50,北京", Kind::Geo, "39.908823,116.397470"),
            ("name,lat,lng\n张三,39.908823,116.397470\n", Kind::Geo, "39.908823,116.397470"),
        ];
        for (text, kind, value) in supported {
            let conf = confidence_of(text, kind, value);
            assert!(conf.is_some_and(|c| c >= Confidence::Medium), "{text}: {conf:?} in {:?}", detect(text));
        }
    }

    /// The same values in code and docs drop below the default floor (or, for versions and
    /// networks, are not reported).
    #[test]
    fn code_and_docs_drop_below_the_floor() {
        let noise = [
            ("    check_concise_float(17179869184, 0, 17179869184.0_f32);", Kind::Mobile, "17179869184"),
            ("    self.assertEqual(13577625587, f(1000000000000, cb))", Kind::Mobile, "13577625587"),
            ("    assert is_quad_residue(13122380800, 13604889600) is True", Kind::Mobile, "13122380800"),
            ("    assert G1.order() == 19508428800", Kind::Mobile, "19508428800"),
            ("See <https://github.com/o/r/pull/1#event-13924913068>", Kind::Mobile, "13924913068"),
            ("\"PhoneNumber\": \"+15555551212\",", Kind::Mobile, "15555551212"),
            ("https://doi.org/10.1103/PhysRevE.76.056709", Kind::Geo, "10.1103,76.056709"),
            ("expx1027 exp 34.490067  -> 89.12742 Inexact Rounded", Kind::Geo, "34.490067,89.12742"),
            ("  2.5.198.17 of the spec", Kind::Ip, "2.5.198.17"),
            ("see the 1.1.3.2/1.1.3.3 diff", Kind::Ip, "1.1.3.3"),
            ("{\"data\": \"13.28.24.13\", \"valid\": true}", Kind::Ip, "13.28.24.13"),
            ("\"PublicIp\": \"54.225.120.92\",", Kind::Ip, "54.225.120.92"),
            ("\"id\": \"get-telemetry-metadata-14810660212\",", Kind::Mobile, "14810660212"),
            ("aws ec2 move-address-to-vpc --public-ip 54.123.4.56", Kind::Ip, "54.123.4.56"),
        ];
        for (text, kind, value) in noise {
            let conf = confidence_of(text, kind, value);
            assert!(conf.is_none_or(|c| c == Confidence::Low), "{text}: {conf:?}");
        }
        // The URL host is an address; the same value beside it is no record of another kind.
        let twice = detect("('http://12.34.56.78/foo/', '12.34.56.78', None),");
        let reported: Vec<_> = twice.iter().filter(|(k, _, c)| *k == Kind::Ip && *c >= Confidence::Medium).collect();
        assert_eq!(reported.len(), 1, "{twice:?}");
        let versions = [
            ("Mozilla/5.0 Chrome/122.0.0.0 Safari/537.36", "122.0.0.0"),
            ("MicroMessenger/8.0.74.174 NetType/WIFI", "8.0.74.174"),
            ("ver: 7.24.51.76", "7.24.51.76"),
            ("<script src=\"app.js?v=9.30.42.45\">", "9.30.42.45"),
            ("// [27.4.5.1] Rules for the conversion", "27.4.5.1"),
            ("release 1.5.4.1 fixes the parser", "1.5.4.1"),
            ("from source 20.1.0.0/24 to 10.1.0.0/24", "20.1.0.0"),
            ("assertInvalid('::ffff:58.2.3.4')", "58.2.3.4"),
        ];
        for (text, value) in versions {
            assert!(confidence_of(text, Kind::Ip, value).is_none(), "{text}");
        }
    }

    /// Every mobile, IP, coordinate and landline planted in the generated documents of every
    /// format is reported at the default floor: the noise rules change no export's result.
    #[test]
    fn generated_documents_keep_every_weak_value_reportable() {
        use piiscan_synth::{document, render, DocFormat, Rng};
        let detector = crate::detect::Detector::new(crate::detect::DetectOptions::default());
        for (i, format) in DocFormat::ALL.into_iter().enumerate() {
            let lines = document(format, 600, &mut Rng::new(16 + i as u64));
            let text = render(&lines);
            let found = detector.detect(text.as_bytes());
            let mut line_starts = vec![0];
            line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|p| p + 1));
            for (n, line) in lines.iter().enumerate() {
                let kinds = line.kinds.iter().filter_map(|label| Kind::from_name(label.name()));
                for kind in kinds.filter(|k| is_weak(*k)) {
                    let reported = found.iter().any(|d| {
                        d.kind == kind
                            && d.confidence >= Confidence::Medium
                            && d.start >= line_starts[n]
                            && d.start < line_starts[n + 1]
                    });
                    assert!(reported, "{format:?}: {kind:?} in {:?}", line.text);
                }
            }
        }
    }

    /// An extended INSERT is one line: its tuples are records however far apart, and the shape
    /// checks read a bounded stretch of it.
    #[test]
    fn long_lines_are_one_record() {
        let mut text = String::from("INSERT INTO t VALUES (1,'110101199003074514',0)");
        for i in 0..400 {
            text.push_str(&format!(",({i},'x',0)"));
        }
        text.push_str(",(2,'y',13812345678);\n");
        assert_eq!(confidence_of(&text, Kind::Mobile, "13812345678"), Some(Confidence::High));
        let bare = text.replace("110101199003074514", "1");
        assert_eq!(confidence_of(&bare, Kind::Mobile, "13812345678"), Some(Confidence::Low));
    }

    #[test]
    fn foreign_country_codes() {
        let (t, s, _) = at("\"PhoneNumber\": \"+15555551212\"", "15555551212");
        assert!(foreign_code(t, s));
        let (t, s, _) = at("tel 13812345678", "13812345678");
        assert!(!foreign_code(t, s));
    }
}
