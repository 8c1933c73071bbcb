//! Match and validate stage for `name`: Chinese personal names. A run of 2-4 Chinese characters
//! that starts with a surname from the table is a name when a name label (姓名, 收件人, 车主,
//! name ...) is its key or column, labels its cell (an HTML table header, an XML element, a
//! report column, a mail header: `layout::cells`), or stands right before it inside the same
//! run of Chinese (收件人张三). Without a label a surname-led word is just a word (王国, 高兴).
//! A name of an ethnic minority written with a middle dot (热依拉·艾山) is a name as the whole
//! value of a labelled field or cell. A rare surname that is also an everyday word (南, 席) starts
//! a name only as the whole value of a field, never after a label inside running text; and a
//! value that is an organisation (支付宝（中国）网络技术有限公司 under 户名) gives no name at all.

use crate::context::Context;
use crate::reference::{keywords, surnames, CodeSet, KeywordSet};
use std::ops::Range;
use std::sync::OnceLock;

fn is_ideograph(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// The dots that join the parts of a transcribed name (热依拉·艾山), as they are written: the
/// middle dot, a bullet, the katakana middle dot and the full-width full stop.
fn is_name_dot(c: char) -> bool {
    matches!(c, '\u{00B7}' | '\u{2022}' | '\u{30FB}' | '\u{FF0E}' | '\u{2027}')
}

/// Whether `s` (2-4 ideographs) starts with a surname and has a given name after it. A rare
/// surname that is also an everyday word (南, 席) counts only when `rare_ok`.
fn surname_led(s: &str, rare_ok: bool) -> bool {
    let mut chars = s.chars();
    let (Some(first), Some(second)) = (chars.next(), chars.next()) else { return false };
    // At most two more: a sentence is not read to its end to learn that it is too long.
    let count = 2 + chars.take(3).count();
    if count > 4 {
        return false;
    }
    let table = surnames();
    (count >= 3 && table.is_compound(first, second)) || (table.is_single(first) && (rare_ok || !table.is_rare(first)))
}

/// Most parts of a dotted name, and most characters of one part (阿不都热合曼 has six).
const DOTTED_PARTS: usize = 4;
const DOTTED_PART_CHARS: usize = 8;

/// Whether `s` is a name written with middle dots: two to four parts of Chinese characters.
fn dotted_name(s: &str) -> bool {
    let mut parts = 0;
    for part in s.split(is_name_dot) {
        let n = part.chars().count();
        if n == 0 || n > DOTTED_PART_CHARS || !part.chars().all(is_ideograph) {
            return false;
        }
        parts += 1;
    }
    (2..=DOTTED_PARTS).contains(&parts)
}

/// Words that make a value an organisation, anywhere in it: a company, a bank, a hospital ...
const ORGANISATION_WORDS: &[&str] = &[
    "公司",
    "有限",
    "银行",
    "分行",
    "支行",
    "中心",
    "集团",
    "医院",
    "诊所",
    "学校",
    "大学",
    "学院",
    "中学",
    "小学",
    "幼儿园",
    "协会",
    "委员会",
    "政府",
    "研究所",
    "事务所",
    "合作社",
    "基金会",
    "工作室",
    "俱乐部",
    "科技",
    "股份",
    "商行",
    "超市",
    "酒店",
    "宾馆",
    "药房",
    "药店",
    "营业部",
    "办事处",
    "派出所",
    "法院",
    "检察院",
    "居委会",
    "村委会",
    "街道",
    "社区",
    "网络",
    "传媒",
    "物业",
    "实业",
    "贸易",
    "工厂",
];

/// Characters that end an organisation's name (税务局, 五金店, 机械厂, 销售部); read only at the
/// end of a value longer than a two- or three-character name, where they are no given name.
const ORGANISATION_ENDS: &[char] =
    &['局', '店', '厂', '部', '院', '所', '行', '社', '馆', '站', '处', '司', '校', '厅', '委', '办', '队'];

/// Characters that end a place's name (南京路, 席家村); read only at the end of a value of three
/// characters or more.
const PLACE_ENDS: &[char] = &['路', '街', '巷', '省', '市', '县', '镇', '村', '区', '乡'];

/// How far past a candidate its field is read for the organisation test.
const FIELD_MAX: usize = 120;

/// The field a candidate starting at `start` and ending at `end` stands in, up to a delimiter,
/// a quote, a tag, a line end or CJK punctuation that ends a clause.
fn field_after(text: &[u8], start: usize, end: usize) -> &str {
    let limit = text.len().min(end + FIELD_MAX);
    // Byte by byte to the first stop (usually a delimiter a few bytes on): checking the whole
    // reach as UTF-8 first cost more than the rest of the name rules.
    const CJK_STOPS: [&[u8]; 4] = ["，".as_bytes(), "。".as_bytes(), "；".as_bytes(), "、".as_bytes()];
    let mut at = end;
    while at < limit {
        let b = text[at];
        let ascii_stop =
            matches!(b, b'\n' | b'\r' | b'\t' | b',' | b'"' | b'\'' | b'<' | b'|' | b';' | b'}' | b']' | b' ');
        if ascii_stop || (matches!(b, 0xE3 | 0xEF) && CJK_STOPS.iter().any(|p| text[at..limit].starts_with(p))) {
            break;
        }
        at += 1;
    }
    // The field as text: up to a broken sequence, or where the reach cut a character.
    text[start..at].utf8_chunks().next().map_or("", |chunk| chunk.valid())
}

/// Whether the field holding a candidate is an organisation (or a place): it holds an
/// organisation word, ends with an organisation's or a place's type character, or has a bracket
/// inside it (支付宝（中国）网络…).
fn is_organisation(field: &str) -> bool {
    // One search for all the words (a `contains` per word was most of a name column's cost).
    static WORDS: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    let words = WORDS.get_or_init(|| {
        aho_corasick::AhoCorasick::new(ORGANISATION_WORDS).expect("the built-in organisation words build an automaton")
    });
    if words.is_match(field) {
        return true;
    }
    let chars = field.chars().count();
    let last = field.chars().next_back().unwrap_or(' ');
    if (chars >= 4 && ORGANISATION_ENDS.contains(&last)) || (chars >= 3 && PLACE_ENDS.contains(&last)) {
        return true;
    }
    // A bracketed place inside the value (支付宝（中国）网络…, …（北京）科技…): two to six
    // ideographs in brackets with more of the name after them. A trailing `（先生）` is a
    // courtesy, and a remark in free text (许杰（手机尾号5131）反映…) holds digits or is one
    // character (（男）).
    let Some(open) = field.find(['（', '(']) else { return false };
    let inner_start = open + field[open..].chars().next().map_or(1, char::len_utf8);
    let Some(close) = field[inner_start..].find(['）', ')']).map(|c| inner_start + c) else { return false };
    let inner = &field[inner_start..close];
    let place = (2..=6).contains(&inner.chars().count()) && inner.chars().all(is_ideograph);
    place && field[close..].chars().skip(1).any(is_ideograph)
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
        let mut chars = valid.char_indices().peekable();
        while let Some((off, c)) = chars.next() {
            if is_ideograph(c) {
                seg_start.get_or_insert(off);
                continue;
            }
            // A name dot between two Chinese characters joins the parts of one name.
            if seg_start.is_some() && is_name_dot(c) && chars.peek().is_some_and(|&(_, next)| is_ideograph(next)) {
                continue;
            }
            if let Some(s) = seg_start.take() {
                Segment { text, start: base + s, seg: &valid[s..off] }.find(ctx, labels, label_ends, out);
            }
        }
        if let Some(s) = seg_start {
            Segment { text, start: base + s, seg: &valid[s..] }.find(ctx, labels, label_ends, out);
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

    /// Whether the segment is the whole value of a field or cell with a name label.
    fn is_labelled_field(&self, ctx: &Context) -> bool {
        let (start, end) = (self.start, self.start + self.seg.len());
        self.after_separator()
            && !glued(self.text, start, end)
            && (ctx.has_label_or_column(KeywordSet::Name, start) || ctx.in_labelled_cell(KeywordSet::Name, start, end))
    }

    fn find(&self, ctx: &Context, labels: &[&str], label_ends: &CodeSet, out: &mut Vec<(usize, usize)>) {
        let (start, seg) = (self.start, self.seg);
        let end = start + seg.len();
        let dotted = seg.contains(is_name_dot);
        if (dotted && dotted_name(seg)) || (!dotted && surname_led(seg, true)) {
            // A whole field: judged by its key, column, cell or a label just before it. (A dotted
            // segment may also hold its label: 收件人热依拉·艾山, read below.)
            if self.is_labelled_field(ctx) && !is_organisation(field_after(self.text, start, end)) {
                out.push((start, end));
                return;
            }
        }
        // 收件人张三, 收件人热依拉·艾山: a label inside the run, the name running to the
        // segment's end. Where a plain name's last two, three and four characters start, or
        // where a dotted name's first part may start (a label must come before them).
        let name_after = |cut: usize| {
            let (head, rest) = seg.split_at(cut);
            let could_end_label = head.chars().next_back().is_some_and(|c| label_ends.contains_char(c));
            // Cheapest first: most cuts of most runs end no label.
            let is_name = || if dotted { dotted_name(rest) } else { surname_led(rest, false) };
            (could_end_label
                && labels.iter().any(|l| head.ends_with(l))
                && is_name()
                && !is_organisation(field_after(self.text, end - rest.len(), end)))
            .then_some(end - rest.len())
        };
        // (Every run of Chinese comes here: no allocation.)
        let found = if dotted {
            let first_part = seg.find(is_name_dot).unwrap_or(seg.len());
            seg[..first_part].char_indices().map(|(o, _)| o).skip(1).find_map(name_after)
        } else {
            seg.char_indices().rev().map(|(o, _)| o).skip(1).take(3).filter(|&cut| cut > 0).find_map(name_after)
        };
        if let Some(name_start) = found {
            out.push((name_start, end));
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

    #[test]
    fn rare_surnames_need_a_whole_field() {
        assert_eq!(names("姓名：南磊，男"), ["南磊"]);
        assert_eq!(names("车主,车牌\n席晓,京A12345\n"), ["席晓"]);
        // After a label inside running text, a rare surname that is a word is read as the word.
        assert!(names("请联系人南方的同事").is_empty());
        assert_eq!(names("请交给收件人覃敏"), ["覃敏"]);
    }

    #[test]
    fn dotted_names_under_labels() {
        assert_eq!(names("姓名：热依拉·艾山，电话"), ["热依拉·艾山"]);
        assert_eq!(names("{\"name\":\"买买提•吐尔逊\"}"), ["买买提•吐尔逊"]);
        assert_eq!(names("收件人阿依古丽・努尔"), ["阿依古丽・努尔"]);
        assert_eq!(names("id,姓名\n1,扎西．次仁\n"), ["扎西．次仁"]);
        // Without a label, a dotted title is no name; nor is one dot alone or five parts.
        assert!(names("《哈利·波特》").is_empty());
        assert!(names("姓名：·艾山").is_empty());
        assert!(names("姓名：甲·乙·丙·丁·戊").is_empty());
    }

    #[test]
    fn organisations_under_holder_labels_give_no_name() {
        assert!(names("户名：支付宝（中国）网络技术有限公司").is_empty());
        assert!(names("持卡人,卡号\n王府井百货商行,6222\n").is_empty());
        assert!(names("法人：华为公司").is_empty());
        assert!(names("户名：南京市税务局").is_empty());
        assert!(names("<tr><td>姓名</td><td>南京路</td></tr>").is_empty(), "a place");
        assert!(names("收款人：张江高科技园区管理委员会").is_empty());
        // A courtesy after a name is no organisation.
        assert_eq!(names("联系人：王伟（先生）"), ["王伟"]);
        assert_eq!(names("客户许杰（手机尾号5131）反映北京市5号文件的问题。"), ["许杰"]);
        assert!(names("户名：腾讯科技（深圳）网络有限公司").is_empty());
        assert_eq!(names("车主：李建行"), ["李建行"], "a three-character name may end in 行");
    }
}
