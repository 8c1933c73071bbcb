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

/// Finds e-mail addresses around the `@` positions `ats` (ascending); returns byte spans.
pub fn find(text: &[u8], ats: &[usize], out: &mut Vec<(usize, usize)>) {
    let mut last_end = 0;
    for &at in ats {
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
        let mut end = at + 1;
        while end < text.len() && end - at <= 254 && is_domain(text[end]) {
            end += 1;
        }
        // Sentence punctuation after the address is not part of it.
        while end > at + 1 && matches!(text[end - 1], b'.' | b'-') {
            end -= 1;
        }
        if let Some(span) = validate(text, start, at, end) {
            out.push(span);
            last_end = span.1;
        }
    }
}

fn validate(text: &[u8], start: usize, at: usize, end: usize) -> Option<(usize, usize)> {
    let local = &text[start..at];
    let domain = &text[at + 1..end];
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
    if text.get(end) == Some(&b'@') || (start > 0 && text[start - 1] == b'@') {
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
}
