//! Match and validate stage for `email`: every `@` is an anchor; the local part is grown to the
//! left and the domain to the right over their allowed characters, then checked (label syntax,
//! a real top-level domain, not an scp-style `git@host:path`).

use crate::reference::tlds;

fn is_local(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

fn is_domain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-')
}

/// The full-width commercial at, `＠` (U+FF20), as Chinese input methods type it.
const FULLWIDTH_AT: &[u8] = "\u{ff20}".as_bytes();

/// Finds e-mail addresses around the `@` positions `ats` (ascending); returns byte spans.
pub fn find(text: &[u8], ats: &[usize], out: &mut Vec<(usize, usize)>) {
    find_around(text, ats.iter().map(|&at| (at, 1)), out);
}

/// Finds e-mail addresses written with a full-width `＠` in the runs of non-ASCII bytes
/// `non_ascii` (ascending, as the matcher notes them): the rest of such an address is ASCII.
pub fn find_fullwidth(text: &[u8], non_ascii: &[std::ops::Range<usize>], out: &mut Vec<(usize, usize)>) {
    // One searcher for the whole scan: building one per run of Chinese cost more than the
    // search.
    static FINDER: std::sync::OnceLock<memchr::memmem::Finder<'static>> = std::sync::OnceLock::new();
    let finder = FINDER.get_or_init(|| memchr::memmem::Finder::new(FULLWIDTH_AT));
    let ats = non_ascii
        .iter()
        .flat_map(|run| finder.find_iter(&text[run.clone()]).map(move |i| (run.start + i, FULLWIDTH_AT.len())));
    find_around(text, ats, out);
}

/// The reported value of the address at `span`: lower-cased, a full-width `＠` made `@`.
pub fn normalise(address: &[u8]) -> String {
    String::from_utf8_lossy(address).replace('\u{ff20}', "@").to_lowercase()
}

/// Finds addresses around `(position, width)` of each at sign, ascending.
fn find_around(text: &[u8], ats: impl Iterator<Item = (usize, usize)>, out: &mut Vec<(usize, usize)>) {
    let mut last_end = 0;
    for (at, width) in ats {
        if at < last_end {
            continue;
        }
        // A local part has at most 64 bytes and a domain at most 253: never look further, so a
        // long run of word characters between many '@' costs nothing quadratic.
        let mut start = at;
        while start > last_end && at - start <= 64 && is_local(text[start - 1]) {
            start -= 1;
        }
        // A local part does not start with a dot or a symbol.
        while start < at && matches!(text[start], b'.' | b'-' | b'+' | b'%') {
            start += 1;
        }
        let domain = at + width;
        let mut end = domain;
        while end < text.len() && end - domain < 254 && is_domain(text[end]) {
            end += 1;
        }
        // Sentence punctuation after the address is not part of it.
        while end > domain && matches!(text[end - 1], b'.' | b'-') {
            end -= 1;
        }
        if let Some(span) = validate(text, start, at, domain, end) {
            out.push(span);
            last_end = span.1;
        }
    }
}

fn validate(text: &[u8], start: usize, at: usize, domain_start: usize, end: usize) -> Option<(usize, usize)> {
    let local = &text[start..at];
    let domain = &text[domain_start..end];
    if local.is_empty() || local.len() > 64 || local.ends_with(b".") || has_double_dot(local) {
        return None;
    }
    if domain.len() > 253 || has_double_dot(domain) {
        return None;
    }
    let labels: Vec<&[u8]> = domain.split(|&b| b == b'.').collect();
    if labels.len() < 2 {
        return None;
    }
    for label in &labels {
        if label.is_empty() || label.len() > 63 || label.starts_with(b"-") || label.ends_with(b"-") {
            return None;
        }
    }
    let tld = labels[labels.len() - 1].to_ascii_lowercase();
    let tld_ok = tld.starts_with(b"xn--")
        || std::str::from_utf8(&tld).is_ok_and(|t| t.bytes().all(|b| b.is_ascii_alphabetic()) && tlds().contains(t));
    if !tld_ok {
        return None;
    }
    // `git@github.com:org/repo.git` is an scp-style remote, not a mailbox.
    if text.get(end) == Some(&b':') && text.get(end + 1).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'/') {
        return None;
    }
    // Glued to another `@` or a domain-ish continuation: not a clean address.
    let glued_at = |i: usize| text[i..].starts_with(b"@") || text[i..].starts_with(FULLWIDTH_AT);
    if glued_at(end) || (start > 0 && text[start - 1] == b'@') || text[..start].ends_with(FULLWIDTH_AT) {
        return None;
    }
    Some((start, end))
}

fn has_double_dot(s: &[u8]) -> bool {
    s.windows(2).any(|w| w == b"..")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emails(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let ats: Vec<usize> = memchr::memchr_iter(b'@', text.as_bytes()).collect();
        find(text.as_bytes(), &ats, &mut out);
        out.into_iter().map(|(s, e)| &text[s..e]).collect()
    }

    #[test]
    fn finds_addresses() {
        assert_eq!(emails("邮箱zhang.san@qq.com。"), ["zhang.san@qq.com"]);
        assert_eq!(emails("mailto:li_si+x@mail.example.com.cn."), ["li_si+x@mail.example.com.cn"]);
        assert_eq!(emails("\"a@163.com\",\"b@126.com\""), ["a@163.com", "b@126.com"]);
    }

    #[test]
    fn rejects_look_alikes() {
        assert!(emails("logo@2x.png icon@3x.jpg").is_empty());
        assert!(emails("lodash@4.17.21 @types/node").is_empty());
        assert!(emails("git@github.com:org/repo.git").is_empty());
        assert!(emails("user@localhost a..b@qq.com x@-bad.com").is_empty());
    }

    fn fullwidth(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let runs: Vec<std::ops::Range<usize>> = {
            let b = text.as_bytes();
            let mut runs = Vec::new();
            let mut i = 0;
            while i < b.len() {
                if b[i] >= 0x80 {
                    let start = i;
                    while i < b.len() && b[i] >= 0x80 {
                        i += 1;
                    }
                    runs.push(start..i);
                } else {
                    i += 1;
                }
            }
            runs
        };
        find_fullwidth(text.as_bytes(), &runs, &mut out);
        out.into_iter().map(|(s, e)| normalise(&text.as_bytes()[s..e])).collect()
    }

    #[test]
    fn full_width_at_signs() {
        for (local, domain) in [("zhang.san", "qq.com"), ("Li_Si", "163.com"), ("wang-wu+x", "mail.example.cn")] {
            let text = format!("邮箱：{local}＠{domain}。");
            assert_eq!(fullwidth(&text), [format!("{local}@{domain}").to_lowercase()], "{text}");
            assert_eq!(emails(&text), Vec::<&str>::new(), "an ASCII-only search does not see it");
        }
        for text in ["＠qq.com", "用户＠qq.com", "a＠b", "x＠localhost", "a＠@qq.com", "a＠b＠qq.com"] {
            assert_eq!(fullwidth(text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn the_detector_reports_full_width_addresses_normalised() {
        let detector = crate::detect::Detector::new(crate::detect::DetectOptions::default());
        let text = "联系人邮箱：Zhang.San＠QQ.com，备用 li_si@163.com";
        let found: Vec<(String, &str)> = detector
            .detect(text.as_bytes())
            .into_iter()
            .map(|d| (d.value.to_string(), &text[d.start..d.end]))
            .collect();
        assert_eq!(
            found,
            [("zhang.san@qq.com".to_string(), "Zhang.San＠QQ.com"), ("li_si@163.com".to_string(), "li_si@163.com")]
        );
    }
}
