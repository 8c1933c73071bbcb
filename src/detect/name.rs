//! Match and validate stage for `name`: Chinese personal names. A run of 2-4 Chinese characters
//! that starts with a surname from the table is a name when a name label (姓名, 收件人, 联系人,
//! name ...) is its key or column, or stands right before it inside the same run of Chinese
//! (收件人张三). Without a label a surname-led word is just a word (王国, 高兴).

use crate::context::Context;
use crate::reference::{keywords, surnames, CodeSet, KeywordSet};
use std::ops::Range;
use std::sync::OnceLock;

fn is_ideograph(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// Whether `s` (2-4 ideographs) starts with a surname and has a given name after it.
fn surname_led(s: &str) -> bool {
    let mut chars = s.chars();
    let (Some(first), Some(second)) = (chars.next(), chars.next()) else { return false };
    // At most two more: a sentence is not read to its end to learn that it is too long.
    let count = 2 + chars.take(3).count();
    if count > 4 {
        return false;
    }
    let table = surnames();
    (count >= 3 && table.is_compound(first, second)) || table.is_single(first)
}

/// The name labels written in Chinese (姓名, 收件人 ...), which can stand inside a run of
/// Chinese right before the name, and the set of their last characters: the quick test of
/// whether a label can end where a name would start.
struct NameLabels {
    labels: Vec<&'static str>,
    ends: CodeSet,
}

fn name_labels() -> &'static NameLabels {
    static LABELS: OnceLock<NameLabels> = OnceLock::new();
    LABELS.get_or_init(|| {
        let labels: Vec<&'static str> =
            keywords().get(KeywordSet::Name).iter().map(String::as_str).filter(|k| !k.is_ascii()).collect();
        let ends = CodeSet::of_chars(labels.iter().filter_map(|l| l.chars().last()));
        NameLabels { labels, ends }
    })
}

/// Finds names; returns (start, end) spans.
/// Names are all ideographs, so only the non-ASCII runs (`non_ascii`, ascending) are read.
pub fn find(text: &[u8], non_ascii: &[Range<usize>], ctx: &Context, out: &mut Vec<(usize, usize)>) {
    if non_ascii.is_empty() {
        return;
    }
    let NameLabels { labels, ends: label_ends } = name_labels();
    // One validation pass over the text; broken sequences (a lossily scanned file) split it.
    for run in non_ascii {
        find_in_run(text, run.clone(), ctx, labels, label_ends, out);
    }
}

fn find_in_run(
    text: &[u8],
    run: Range<usize>,
    ctx: &Context,
    labels: &[&str],
    label_ends: &CodeSet,
    out: &mut Vec<(usize, usize)>,
) {
    let mut base = run.start;
    for chunk in text[run].utf8_chunks() {
        let valid = chunk.valid();
        let mut seg_start: Option<usize> = None;
        for (off, c) in valid.char_indices().chain(std::iter::once((valid.len(), ' '))) {
            match (is_ideograph(c), seg_start) {
                (true, None) => seg_start = Some(off),
                (false, Some(s)) => {
                    let seg = Segment { text, start: base + s, seg: &valid[s..off] };
                    seg.find(ctx, labels, label_ends, out);
                    seg_start = None;
                }
                _ => {}
            }
        }
        base += valid.len() + chunk.invalid().len();
    }
}

struct Segment<'a> {
    text: &'a [u8],
    start: usize,
    seg: &'a str,
}

impl Segment<'_> {
    /// Whether what precedes the segment can separate a key or a field from its value: a line
    /// start, ASCII punctuation or space, or a full-width colon. In running prose a segment
    /// follows other text or CJK punctuation (，。), and is no field.
    fn after_separator(&self) -> bool {
        let before = &self.text[..self.start];
        before.is_empty()
            || before.ends_with("：".as_bytes())
            || before.last().is_some_and(|&b| b < 0x80 && !b.is_ascii_alphanumeric())
    }

    fn find(&self, ctx: &Context, labels: &[&str], label_ends: &CodeSet, out: &mut Vec<(usize, usize)>) {
        let (start, seg) = (self.start, self.seg);
        let end = start + seg.len();
        if surname_led(seg) {
            // A whole field: judged by its key, column or a label just before it.
            if self.after_separator()
                && !glued(self.text, start, end)
                && ctx.has_label_or_column(KeywordSet::Name, start)
            {
                out.push((start, end));
            }
            return;
        }
        // 收件人张三: a label inside the run, the name (2-4 characters) running to the segment's end.
        // Where the last two, three and four characters start (a label must come before them).
        let mut cuts = seg.char_indices().rev().map(|(o, _)| o).skip(1).take(3);
        while let Some(cut) = cuts.next().filter(|&cut| cut > 0) {
            let (head, rest) = seg.split_at(cut);
            let could_end_label = head.chars().next_back().is_some_and(|c| label_ends.contains_char(c));
            if could_end_label && labels.iter().any(|l| head.ends_with(l)) && surname_led(rest) {
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
        find(text.as_bytes(), &crate::matcher::non_ascii_runs(text.as_bytes()), &ctx, &mut out);
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
