//! Match and validate stage for `address`: an aho-corasick gazetteer of province, prefecture
//! and county names (full and short forms, current and retired) finds administrative names;
//! each run of adjacent names is extended to the right over the street part (road, number,
//! estate, building, room). What counts as an address (DOMAIN.md §3.9): a door number or a road,
//! together with at least one administrative level; a bare place name is a location mention.

use crate::reference::{region_names, AdminLevel, CodeSet};
use aho_corasick::{AhoCorasick, MatchKind};
use std::ops::Range;
use std::sync::OnceLock;

/// The longest street part considered, in characters.
const MAX_BODY_CHARS: usize = 48;

struct Gazetteer {
    automaton: AhoCorasick,
    levels: Vec<AdminLevel>,
    /// Where a name can start, when every name is long enough to be filtered this way.
    openings: Option<Openings>,
}

impl Gazetteer {
    /// Every occurrence of a name in `run` (a run of non-ASCII bytes starting at `base` in the
    /// text), overlapping ones too, with text offsets. The automaton reads only the stretches
    /// of the run where a name can start and end; in prose and names most of a run is neither.
    fn occurrences(&self, run: &[u8], base: usize, out: &mut Vec<(usize, usize, AdminLevel)>) {
        let mut search = |range: Range<usize>| {
            out.extend(
                self.automaton
                    .find_overlapping_iter(&run[range.clone()])
                    .map(|m| (base + range.start + m.start(), base + range.start + m.end(), self.levels[m.pattern()])),
            )
        };
        let Some(openings) = &self.openings else {
            search(0..run.len());
            return;
        };
        // The stretch being gathered: from a possible start to the end of the longest name
        // there, extended while the next possible start falls inside it.
        let mut stretch: Option<Range<usize>> = None;
        let mut next = 0;
        while next + Openings::BYTES <= run.len() {
            let at = next;
            // On to the next byte that is not a continuation byte: the only bytes a name (or
            // any character) starts at.
            next += 1 + run[next + 1..].iter().take(3).take_while(|&&b| b & 0xC0 == 0x80).count();
            if !openings.may_start(&run[at..]) {
                continue;
            }
            let reach = run.len().min(at + openings.longest);
            match &mut stretch {
                Some(current) if at < current.end => current.end = current.end.max(reach),
                _ => {
                    if let Some(done) = stretch.replace(at..reach) {
                        search(done);
                    }
                }
            }
        }
        if let Some(done) = stretch {
            search(done);
        }
    }
}

/// A filter of the positions where an administrative name can start: a hashed set of the
/// first [`Openings::BYTES`] bytes of every name. Every name is at least two characters (six
/// bytes of UTF-8) long; a position whose next six bytes open no name starts none.
struct Openings {
    bits: Vec<u64>,
    /// The longest name, in bytes.
    longest: usize,
}

impl Openings {
    const BYTES: usize = 6;
    /// log2 of the number of bits: the 7,600 names have some 3,300 openings, which set about
    /// 1.3% of 2^18 bits (a smaller table measured no faster).
    const LOG_BITS: u32 = 18;

    /// The filter for `names`, or `None` if one is too short for it.
    fn new<'a>(names: impl Iterator<Item = &'a str>) -> Option<Openings> {
        let mut bits = vec![0u64; (1 << Openings::LOG_BITS) / 64];
        let mut longest = 0;
        for name in names {
            let slot = Openings::slot(name.as_bytes())?;
            bits[slot / 64] |= 1 << (slot % 64);
            longest = longest.max(name.len());
        }
        Some(Openings { bits, longest })
    }

    /// The bit of the opening of `bytes`, if it has [`Openings::BYTES`] bytes.
    #[inline]
    fn slot(bytes: &[u8]) -> Option<usize> {
        let opening: &[u8; Openings::BYTES] = bytes.get(..Openings::BYTES)?.try_into().ok()?;
        let mut key = [0u8; 8];
        key[..Openings::BYTES].copy_from_slice(opening);
        let hash = u64::from_le_bytes(key).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        Some((hash >> (64 - Openings::LOG_BITS)) as usize)
    }

    /// Whether a name may start at the beginning of `bytes`.
    #[inline]
    fn may_start(&self, bytes: &[u8]) -> bool {
        // A name starts at a character's first byte, never at a continuation byte.
        bytes.first().is_some_and(|&b| b & 0xC0 != 0x80)
            && Openings::slot(bytes).is_some_and(|slot| self.bits[slot / 64] >> (slot % 64) & 1 == 1)
    }
}

fn gazetteer() -> Option<&'static Gazetteer> {
    static CELL: OnceLock<Option<Gazetteer>> = OnceLock::new();
    CELL.get_or_init(|| {
        let names = region_names();
        // Standard semantics build in half the time of leftmost-longest (about 5 ms instead
        // of 11 for 7,600 names), which is most of a small file's scan; `find` picks the
        // leftmost-longest matches from the overlapping ones itself.
        let automaton =
            AhoCorasick::builder().match_kind(MatchKind::Standard).build(names.iter().map(|(n, _)| n.as_str())).ok()?;
        let openings = Openings::new(names.iter().map(|(n, _)| n.as_str()));
        Some(Gazetteer { automaton, levels: names.iter().map(|(_, l)| *l).collect(), openings })
    })
    .as_ref()
}

/// An address found in text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressMatch {
    /// Byte span in the text.
    pub start: usize,
    /// End of the span (exclusive).
    pub end: usize,
    /// Characters of the administrative prefix (shown unmasked).
    pub admin_chars: usize,
    /// Whether a door number was found (high confidence) or only an estate in a township.
    pub has_door_number: bool,
    /// For an address split over several fields (`"city":"深圳市","district":"南山区",...`):
    /// its parts joined without the syntax between them, the value reported. `None`: the
    /// value is the span's text.
    pub joined: Option<String>,
}

const ROAD_SUFFIXES: &[&str] = &["大道", "大街", "胡同", "路", "街", "巷", "弄"];
const DOOR_SUFFIXES: &[&str] = &["号楼", "单元", "号", "弄", "栋", "幢", "座", "室", "层", "楼", "户"];
const ESTATE_MARKERS: &[&str] = &["小区", "花园", "公寓", "大厦", "家园", "新村", "社区", "苑", "村", "组", "庄"];
const TOWNSHIP_MARKERS: &[&str] = &["街道", "镇", "乡"];

fn is_body_char(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '0'..='9' | 'A'..='Z' | 'a'..='z' | '０'..='９' | 'Ａ'..='Ｚ' | '-' | '－' | '#' | '—')
        && !matches!(c, '的' | '是' | '在' | '了')
}

/// The character at the start of `bytes` and its width, if it can be part of an address's
/// street part (or is a space that may separate two parts). Every such character is ASCII or
/// three bytes long in UTF-8, so only those two forms are decoded; anything else (other widths,
/// invalid UTF-8) ends the street part, as a full decoder's answer would.
fn body_or_space_at(bytes: &[u8]) -> Option<(char, usize)> {
    let (c, width) = match *bytes {
        [b, ..] if b < 0x80 => (u32::from(b), 1),
        [b0 @ 0xE0..=0xEF, b1, b2, ..] if b1 & 0xC0 == 0x80 && b2 & 0xC0 == 0x80 => {
            (u32::from(b0 & 0x0F) << 12 | u32::from(b1 & 0x3F) << 6 | u32::from(b2 & 0x3F), 3)
        }
        _ => return None,
    };
    // Overlong forms (a three-byte form below U+0800) and surrogates are not UTF-8.
    if width == 3 && c < 0x800 {
        return None;
    }
    let c = char::from_u32(c)?;
    (is_body_char(c) || matches!(c, ' ' | '\u{3000}')).then_some((c, width))
}

/// Whether `c` starts one of the road, door, estate or township words: the only characters at
/// which the street part's reader looks for them.
fn is_suffix_lead(c: char) -> bool {
    static LEADS: OnceLock<CodeSet> = OnceLock::new();
    LEADS
        .get_or_init(|| {
            let words = [ROAD_SUFFIXES, DOOR_SUFFIXES, ESTATE_MARKERS, TOWNSHIP_MARKERS].concat();
            CodeSet::of_chars(words.iter().filter_map(|w| w.chars().next()))
        })
        .contains_char(c)
}

fn is_digit_char(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

/// Finds addresses in UTF-8 text (invalid sequences end a candidate).
/// Administrative names are all CJK, so the automaton only reads the non-ASCII runs
/// (`non_ascii`, ascending); skipping the ASCII in between (digits, Latin, delimiters) roughly
/// halves the work on exports.
pub fn find(text: &[u8], non_ascii: &[Range<usize>], out: &mut Vec<AddressMatch>) {
    if non_ascii.is_empty() {
        return;
    }
    let Some(gaz) = gazetteer() else { return };
    let mut matches: Vec<(usize, usize, AdminLevel)> = Vec::new();
    let mut overlapping = Vec::new();
    for run in non_ascii {
        overlapping.clear();
        gaz.occurrences(&text[run.clone()], run.start, &mut overlapping);
        // Leftmost-longest, non-overlapping: the longest name at the first start, then on
        // after its end.
        overlapping.sort_unstable_by_key(|&(s, e, _)| (s, std::cmp::Reverse(e)));
        let mut cursor = 0;
        for &m in &overlapping {
            if m.0 >= cursor {
                matches.push(m);
                cursor = m.1;
            }
        }
    }
    let mut i = 0;
    let mut covered_until = 0;
    while i < matches.len() {
        let (start, mut end, level) = matches[i];
        if start < covered_until {
            i += 1;
            continue;
        }
        // Administrative names nest downwards (province, prefecture, county); a name after the
        // county, or one at the same level, belongs to the street part (市南区香港中路).
        let mut levels = 1;
        let mut deepest = level;
        let mut j = i + 1;
        let mut gaps = Vec::new();
        while j < matches.len() && matches[j].2 > deepest {
            if !adjacent(text, end, matches[j].0) {
                match field_gap(text, end) {
                    Some(next) if next == matches[j].0 => gaps.push(end..next),
                    _ => break,
                }
            }
            end = matches[j].1;
            deepest = matches[j].2;
            levels += 1;
            j += 1;
        }
        match extend(text, start, end, levels, gaps) {
            Some(found) => {
                covered_until = found.end;
                out.push(found);
            }
            None => covered_until = end,
        }
        i = j;
    }
}

/// Whether the next administrative name follows directly or after one space.
fn adjacent(text: &[u8], end: usize, next_start: usize) -> bool {
    next_start == end
        || (next_start == end + 1 && text[end] == b' ')
        || (next_start == end + 3 && &text[end..next_start] == "\u{3000}".as_bytes())
}

/// Where the next field's value starts when `end` closes a field of a record and another
/// opens right after: JSON (`","city":"`), XML (`</province><city>`), CSV or TSV (`,` `\t`,
/// quoted or not). An address split over such fields (province, city, district and detail in
/// their own keys or elements) is read as one. The gap is at most [`MAX_FIELD_GAP`] bytes.
fn field_gap(text: &[u8], end: usize) -> Option<usize> {
    let gap = &text[end..text.len().min(end + MAX_FIELD_GAP)];
    let skip_space = |i: usize| i + gap[i..].iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
    let name_len = |i: usize, stop: &[u8]| gap[i..].iter().take_while(|b| !stop.contains(b) && **b != b'\n').count();
    let next = match gap.first()? {
        // JSON: `"` `,` `"key"` `:` `"`.
        b'"' if gap.get(skip_space(1)) == Some(&b',') && gap.get(skip_space(skip_space(1) + 1)) == Some(&b'"') => {
            let key = skip_space(skip_space(1) + 1) + 1;
            let key_end = key + name_len(key, b"\"");
            if gap.get(key_end) != Some(&b'"') {
                // A quoted CSV cell (`"广东省","深圳市"`): the value starts after the quote.
                return Some(end + key);
            }
            let colon = skip_space(key_end + 1);
            if gap.get(colon) != Some(&b':') {
                return Some(end + key);
            }
            let open = skip_space(colon + 1);
            (gap.get(open) == Some(&b'"')).then_some(open + 1)?
        }
        // XML: `</name>` then `<name ...>`.
        b'<' if gap.get(1) == Some(&b'/') => {
            let close = 2 + name_len(2, b"<>");
            let open = skip_space(close + 1);
            if gap.get(close) != Some(&b'>') || gap.get(open) != Some(&b'<') {
                return None;
            }
            let open_end = open + 1 + name_len(open + 1, b"<>");
            (gap.get(open_end) == Some(&b'>')).then_some(open_end + 1)?
        }
        b',' | b'\t' => 1,
        // A quoted CSV cell that goes on on the next line (`"广东省深圳市` / `南山区…"`).
        b'\n' if in_quoted_cell(text, end) => 1,
        b'\r' if gap.get(1) == Some(&b'\n') && in_quoted_cell(text, end) => 2,
        _ => return None,
    };
    (next <= gap.len()).then_some(end + next)
}

/// Whether `at` (a line end) is inside a quoted cell opened on its line: an odd number of `"`
/// from the line start. (A cell whose quote opened lines further up is not joined.)
fn in_quoted_cell(text: &[u8], at: usize) -> bool {
    let line_start = memchr::memrchr(b'\n', &text[..at]).map_or(0, |p| p + 1);
    memchr::memchr_iter(b'"', &text[line_start..at]).count() % 2 == 1
}

/// The longest syntax between two fields of one address: a key or element name of some 40
/// bytes with its quotes and punctuation.
const MAX_FIELD_GAP: usize = 48;

/// Extends an administrative run over the street part and decides whether it is an address.
/// `gaps` are the field separators inside the administrative run; the street part may itself
/// be the next field's value.
fn extend(
    text: &[u8],
    start: usize,
    admin_end: usize,
    admin_levels: usize,
    mut gaps: Vec<Range<usize>>,
) -> Option<AddressMatch> {
    let direct = street(text, admin_end, admin_levels, false);
    let (body_start, (last, door)) = match direct {
        Some(found) => (admin_end, found),
        None => {
            // The detail in a field of its own: a road or an estate and a door number.
            let next = field_gap(text, admin_end)?;
            let found = street(text, next, admin_levels, true)?;
            gaps.push(admin_end..next);
            (next, found)
        }
    };
    let end = body_start + last;
    let admin: usize = std::str::from_utf8(&text[start..admin_end]).map_or(0, |s| s.chars().count());
    // The gaps are ASCII: as many characters as bytes.
    let inner_gaps: usize = gaps.iter().filter(|g| g.end <= admin_end).map(|g| g.len()).sum();
    let admin_chars = admin.saturating_sub(inner_gaps);
    let joined = (!gaps.is_empty()).then(|| {
        let mut value = Vec::with_capacity(end - start);
        let mut from = start;
        for g in &gaps {
            value.extend_from_slice(&text[from..g.start]);
            from = g.end;
        }
        value.extend_from_slice(&text[from..end]);
        String::from_utf8_lossy(&value).into_owned()
    });
    Some(AddressMatch { start, end, admin_chars, has_door_number: door, joined })
}

/// Reads the street part at `at` (after `admin_levels` administrative names): the end of the
/// address, relative to `at`, and whether it has a door number. `own_field`: the street part
/// is a field of its own, which must hold a road or an estate with its door number.
fn street(text: &[u8], at: usize, admin_levels: usize, own_field: bool) -> Option<(usize, bool)> {
    let admin_end = at;
    // Only the next few dozen characters can belong to this address; never look further, and
    // decode only as far as the street part runs (most place mentions end at once).
    let window = &text[admin_end..text.len().min(admin_end + MAX_BODY_CHARS * 4)];
    let mut valid = 0;
    while let Some((_, width)) = body_or_space_at(&window[valid..]) {
        valid += width;
    }
    let rest = std::str::from_utf8(&window[..valid]).ok()?;
    // The street part runs over address characters; a single space between two of them (some
    // exports separate the levels: 北京市朝阳区 建国路88号) does not end it.
    let mut body_end = 0;
    let mut chars = rest.char_indices().take(MAX_BODY_CHARS).peekable();
    while let Some((off, c)) = chars.next() {
        let spaced = matches!(c, ' ' | '\u{3000}') && chars.peek().is_some_and(|&(_, n)| is_body_char(n));
        if !(is_body_char(c) || spaced) {
            break;
        }
        body_end = off + c.len_utf8();
    }
    let body = &rest[..body_end];
    // Ends are byte offsets into `body`.
    let (mut road_end, mut door_end, mut estate_end, mut township) = (None, None, None, false);
    let mut prev: Option<char> = None;
    let mut iter = body.char_indices().peekable();
    while let Some((off, c)) = iter.next() {
        let tail = &body[off..];
        if !is_suffix_lead(c) && !is_digit_char(c) {
            prev = Some(c);
            continue;
        }
        if let Some(s) = ROAD_SUFFIXES.iter().find(|s| tail.starts_with(**s)) {
            // A road needs a name of its own: 上海路 right after 上海 is the place, not a road.
            if prev.is_some_and(|p| !is_digit_char(p)) {
                road_end = Some(off + s.len());
            }
        }
        if off > 0 {
            if let Some(s) = ESTATE_MARKERS.iter().find(|s| tail.starts_with(**s)) {
                estate_end = Some(off + s.len());
            }
            township |= TOWNSHIP_MARKERS.iter().any(|s| tail.starts_with(*s));
        }
        if is_digit_char(c) {
            let ordinal = prev == Some('第');
            let mut after = off + c.len_utf8();
            while let Some(&(o, d)) = iter.peek() {
                if !(is_digit_char(d) || d == '-' || d == '－') {
                    break;
                }
                after = o + d.len_utf8();
                prev = Some(d);
                iter.next();
            }
            if let Some(s) = DOOR_SUFFIXES.iter().find(|s| body[after..].starts_with(**s)) {
                if !ordinal {
                    door_end = Some(after + s.len());
                }
            }
            continue;
        }
        prev = Some(c);
    }
    // A road without a door number (深圳市南山区科技园路) is a place, not where someone lives;
    // a village in a township is (河北省保定市清苑区东闾乡北王庄村).
    let is_address = if own_field {
        door_end.is_some() && (road_end.is_some() || estate_end.is_some())
    } else {
        (door_end.is_some() && (admin_levels >= 2 || road_end.is_some() || estate_end.is_some() || township))
            || (estate_end.is_some() && township && admin_levels >= 2)
    };
    if !is_address {
        return None;
    }
    let last = [road_end, door_end, estate_end].into_iter().flatten().max()?;
    Some((last, door_end.is_some()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addresses(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        find(text.as_bytes(), &crate::matcher::non_ascii_runs(text.as_bytes()), &mut out);
        out.into_iter().map(|m| &text[m.start..m.end]).collect()
    }

    #[test]
    fn full_addresses() {
        assert_eq!(addresses("住址：北京市朝阳区建国路88号，电话"), ["北京市朝阳区建国路88号"]);
        assert_eq!(
            addresses("广东省深圳市南山区科技南十二路2号金蝶软件园B栋3层"),
            ["广东省深圳市南山区科技南十二路2号金蝶软件园B栋3层"]
        );
        assert_eq!(
            addresses("收货地址:浙江杭州西湖区文三路478号华星时代广场A座1201室"),
            ["浙江杭州西湖区文三路478号华星时代广场A座1201室"]
        );
        assert_eq!(addresses("河北省保定市清苑区东闾乡北王庄村"), ["河北省保定市清苑区东闾乡北王庄村"]);
        assert_eq!(addresses("山东省青岛市市南区香港中路10号"), ["山东省青岛市市南区香港中路10号"]);
        assert_eq!(addresses("地址: 北京市 朝阳区 建国路 88号 电话"), ["北京市 朝阳区 建国路 88号"]);
    }

    #[test]
    fn street_characters_decoded_as_a_full_decoder_would() {
        let full = |bytes: &[u8]| {
            let width = match bytes.first()? {
                b if *b < 0x80 => 1,
                b if *b >= 0xF0 => 4,
                b if *b >= 0xE0 => 3,
                _ => 2,
            };
            let c = std::str::from_utf8(bytes.get(..width)?).ok()?.chars().next()?;
            (is_body_char(c) || matches!(c, ' ' | '\u{3000}')).then_some((c, width))
        };
        let mut rng = piiscan_synth::Rng::new(5);
        let interesting =
            [0x00, 0x23, 0x41, 0x7F, 0x80, 0x8F, 0x9F, 0xA0, 0xBF, 0xC2, 0xE0, 0xE3, 0xE4, 0xED, 0xEF, 0xF0];
        for _ in 0..200_000 {
            let bytes: Vec<u8> = (0..rng.below(5))
                .map(|_| if rng.below(2) == 0 { *rng.pick(&interesting) } else { rng.below(256) as u8 })
                .collect();
            assert_eq!(body_or_space_at(&bytes), full(&bytes), "{bytes:02X?}");
        }
        for c in ['北', '号', '０', 'Ｚ', '－', '—', '\u{3000}', '#', '的', '，', '\u{3400}'] {
            let mut buf = [0u8; 4];
            assert_eq!(body_or_space_at(c.encode_utf8(&mut buf).as_bytes()), full(c.encode_utf8(&mut buf).as_bytes()));
        }
    }

    #[test]
    fn suffix_leads_are_exactly_the_first_characters_of_the_suffix_words() {
        let words = [ROAD_SUFFIXES, DOOR_SUFFIXES, ESTATE_MARKERS, TOWNSHIP_MARKERS].concat();
        let leads: Vec<char> = words.iter().filter_map(|w| w.chars().next()).collect();
        for c in ('\u{0}'..='\u{FFFF}').chain(['\u{10000}', '\u{20000}']) {
            assert_eq!(is_suffix_lead(c), leads.contains(&c), "{c:?}");
        }
    }

    #[test]
    fn filtered_search_finds_every_name_the_whole_run_holds() {
        let gaz = gazetteer().expect("gazetteer");
        assert!(gaz.openings.is_some(), "every name is long enough for the opening filter");
        let names = region_names();
        let mut rng = piiscan_synth::Rng::new(9);
        let filler = ["的", "路", "号", "市", "区", "省", "县", "，", "é", "\u{10000}"];
        for _ in 0..3_000 {
            let mut run = Vec::new();
            for _ in 0..rng.below(12) {
                match rng.below(4) {
                    0 => run.extend_from_slice(names[rng.below(names.len())].0.as_bytes()),
                    1 => {
                        // Part of a name: its opening without the rest, or its rest alone.
                        let name = names[rng.below(names.len())].0.as_bytes();
                        let cut = rng.below(name.len() + 1);
                        run.extend_from_slice(if rng.below(2) == 0 { &name[..cut] } else { &name[cut..] });
                    }
                    2 => run.extend_from_slice(rng.pick(&filler).as_bytes()),
                    _ => run.push(0x80 + rng.below(0x80) as u8),
                }
            }
            let mut filtered = Vec::new();
            gaz.occurrences(&run, 7, &mut filtered);
            let whole: Vec<_> = gaz
                .automaton
                .find_overlapping_iter(&run[..])
                .map(|m| (7 + m.start(), 7 + m.end(), gaz.levels[m.pattern()]))
                .collect();
            filtered.sort_unstable_by_key(|&(s, e, _)| (s, e));
            let mut whole = whole;
            whole.sort_unstable_by_key(|&(s, e, _)| (s, e));
            assert_eq!(filtered, whole, "{}", String::from_utf8_lossy(&run));
        }
    }

    #[test]
    fn place_mentions_are_not_addresses() {
        assert!(addresses("他在北京市工作了3年").is_empty());
        assert!(addresses("上海市人民政府发布通知").is_empty());
        assert!(addresses("北京市2023年第5号公告").is_empty());
        assert!(addresses("广州的北京路很热闹").is_empty());
    }

    fn joined(text: &str) -> Vec<(&str, Option<String>, usize)> {
        let mut out = Vec::new();
        find(text.as_bytes(), &crate::matcher::non_ascii_runs(text.as_bytes()), &mut out);
        out.into_iter().map(|m| (&text[m.start..m.end], m.joined, m.admin_chars)).collect()
    }

    /// Parts of generated addresses: (province, city, district, road, door).
    fn parts() -> Vec<[String; 5]> {
        let places = [
            ("广东省", "深圳市", "南山区", "科技园路"),
            ("浙江省", "杭州市", "西湖区", "文三路"),
            ("四川省", "成都市", "武侯区", "人民南路"),
            ("湖北省", "武汉市", "洪山区", "珞喻路"),
        ];
        let mut rng = piiscan_synth::Rng::new(16);
        places
            .iter()
            .map(|&(p, c, d, r)| {
                let door = format!("{}号{}栋{}室", 1 + rng.below(300), 1 + rng.below(20), 101 + rng.below(1800));
                [p, c, d, r].map(String::from).into_iter().chain([door]).collect::<Vec<_>>().try_into().unwrap()
            })
            .collect()
    }

    #[test]
    fn addresses_split_over_fields_are_one() {
        for [p, c, d, r, door] in parts() {
            let whole = format!("{p}{c}{d}{r}{door}");
            for (text, first) in [
                (format!(r#"{{"province":"{p}","city":"{c}","district":"{d}","address":"{r}{door}"}}"#), &p),
                (format!(r#"{{"province": "{p}", "city": "{c}", "district": "{d}", "detail": "{r}{door}"}}"#), &p),
                (format!(r#"{{"city":"{c}","address":"{d}{r}{door}"}}"#), &c),
                (
                    format!(
                        "<province>{p}</province><city>{c}</city><district>{d}</district><street>{r}{door}</street>"
                    ),
                    &p,
                ),
                (format!("张三,{p},{c},{d},{r}{door},13800138000"), &p),
                (format!("\"{p}\",\"{c}\",\"{d}\",\"{r}{door}\""), &p),
                // A quoted cell that goes on on the next line, between names or before the
                // detail.
                (format!("张三,\"{p}{c}\n{d}{r}{door}\",13800138000"), &p),
                (format!("张三,\"{p}{c}{d}\r\n{r}{door}\",13800138000"), &p),
            ] {
                let found = joined(&text);
                assert_eq!(found.len(), 1, "{text}: {found:?}");
                let (span, value, admin_chars) = &found[0];
                let expected = whole.strip_prefix(&p[..]).filter(|_| *first == c).unwrap_or(&whole);
                assert_eq!(value.as_deref(), Some(expected), "{text}");
                assert!(span.starts_with(first.as_str()) && span.ends_with(door.as_str()), "{text}: {span}");
                let admin = expected.chars().count() - format!("{r}{door}").chars().count();
                assert_eq!(*admin_chars, admin, "{text}");
                let detector = crate::detect::Detector::new(crate::detect::DetectOptions::default());
                let reported: Vec<String> = detector
                    .detect(text.as_bytes())
                    .into_iter()
                    .filter(|f| f.kind == crate::finding::Kind::Address)
                    .map(|f| f.value.to_string())
                    .collect();
                assert_eq!(reported, [expected], "{text}");
            }
        }
    }

    #[test]
    fn fields_that_do_not_make_an_address_across_lines() {
        // Without an open quote a line end ends the address: two lines are two values.
        for [p, c, d, r, door] in parts() {
            let text = format!("张三,{p}{c}\n{d}{r}{door},13800138000");
            let found = joined(&text);
            assert!(found.iter().all(|(_, value, _)| value.is_none()), "{text}: {found:?}");
        }
    }

    #[test]
    fn fields_that_do_not_make_an_address() {
        for [p, c, d, r, door] in parts() {
            for text in [
                // A road with no door number, in one field or several.
                format!("{p}{c}{d}{r}"),
                format!(r#"{{"city":"{c}","district":"{d}","road":"{r}"}}"#),
                // A bare number in the next field is no door of this address.
                format!(r#"{{"city":"{c}","district":"{d}","count":"3号"}}"#),
                // Same-level names are a list, not an address; an unrelated field breaks it.
                format!(r#"{{"from":"{c}","to":"{d}"}}"#).replace(&d, "上海市"),
                format!(r#"{{"province":"{p}","note":"hello","address":"{r}{door}"}}"#),
            ] {
                assert_eq!(joined(&text), [], "{text}");
            }
        }
    }
}
