//! Match and validate stage for `name`: Chinese personal names. A run of 2-4 Chinese characters
//! that starts with a surname from the table is a name when a name label (姓名, 收件人, 联系人,
//! name ...) is its key or column, or stands right before it inside the same run of Chinese
//! (收件人张三). Without a label a surname-led word is just a word (王国, 高兴).

use crate::context::Context;
use crate::reference::{keywords, surnames, KeywordSet};

fn is_ideograph(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// Whether `s` (2-4 ideographs) starts with a surname and has a given name after it.
fn surname_led(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    if !(2..=4).contains(&chars.len()) {
        return false;
    }
    let two: String = chars[..2].iter().collect();
    let one: String = chars[..1].iter().collect();
    (chars.len() >= 3 && surnames().contains(two.as_str())) || surnames().contains(one.as_str())
}

/// Finds names; returns (start, end) spans.
pub fn find(text: &[u8], ctx: &Context, out: &mut Vec<(usize, usize)>) {
    if text.is_ascii() {
        return;
    }
    let labels: Vec<&str> =
        keywords().get(KeywordSet::Name).iter().map(String::as_str).filter(|k| !k.is_ascii()).collect();
    let mut pos = 0;
    while pos < text.len() {
        let Some(run_start) = text[pos..].iter().position(|&b| b >= 0x80).map(|p| pos + p) else { break };
        let run_end = text[run_start..].iter().position(|&b| b < 0x80).map_or(text.len(), |p| run_start + p);
        pos = run_end;
        let Ok(run) = std::str::from_utf8(&text[run_start..run_end]) else { continue };
        // Segments: maximal runs of ideographs inside the non-ASCII run (punctuation splits).
        let mut seg_start: Option<usize> = None;
        for (off, c) in run.char_indices().chain(std::iter::once((run.len(), ' '))) {
            match (is_ideograph(c), seg_start) {
                (true, None) => seg_start = Some(off),
                (false, Some(s)) => {
                    segment(text, ctx, run_start + s, &run[s..off], &labels, out);
                    seg_start = None;
                }
                _ => {}
            }
        }
    }
}

fn segment(text: &[u8], ctx: &Context, start: usize, seg: &str, labels: &[&str], out: &mut Vec<(usize, usize)>) {
    let end = start + seg.len();
    if surname_led(seg) {
        // A whole field: judged by its key, column or a label just before it.
        if ctx.has_label_or_column(KeywordSet::Name, start) && !glued(text, start, end) {
            out.push((start, end));
        }
        return;
    }
    // 收件人张三: a label inside the run, the name running to the end of the segment.
    for label in labels {
        if let Some(at) = seg.rfind(label) {
            let rest = &seg[at + label.len()..];
            if surname_led(rest) {
                out.push((end - rest.len(), end));
                return;
            }
        }
    }
}

/// Names stand alone: not glued to ASCII letters (`张三abc` is an identifier).
fn glued(text: &[u8], start: usize, end: usize) -> bool {
    (start > 0 && text[start - 1].is_ascii_alphanumeric()) || text.get(end).is_some_and(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<&str> {
        let ctx = Context::new(text.as_bytes());
        let mut out = Vec::new();
        find(text.as_bytes(), &ctx, &mut out);
        out.into_iter().map(|(s, e)| &text[s..e]).collect()
    }

    #[test]
    fn labelled_names() {
        assert_eq!(names("姓名：张三，电话"), ["张三"]);
        assert_eq!(names("快递请寄到这里，收件人欧阳娜娜，电话"), ["欧阳娜娜"]);
        assert_eq!(names("{\"name\":\"李秀英\",\"age\":3}"), ["李秀英"]);
        assert_eq!(names("id,姓名,手机\n1,王伟,13800138000\n"), ["王伟"]);
    }

    #[test]
    fn words_are_not_names() {
        assert!(names("王国的历史很长，高兴").is_empty());
        assert!(names("id,城市\n1,张家口\n").is_empty());
        assert!(names("姓名：这是一个很长的句子").is_empty());
    }
}
