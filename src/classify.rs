//! Classify stage: a detection's kind, together with what else its record holds, gives its
//! legal category and its Art. 5 tier (DOMAIN.md "Project defaults").
//!
//! The record (see [`crate::record`]) is the unit of context: a card is property information
//! when the same CSV row, JSON object, SQL tuple or log line also identifies its holder.

use crate::finding::{Category, Detection, Kind, Tier};
use crate::layout::{line_span, Record, RecordReader, RecordSpan, Structure};
use rayon::prelude::*;

/// Detections per parallel job in [`classify_window`]: enough that a job outweighs its
/// scheduling.
const PER_JOB: usize = 8192;

/// How ID numbers and home addresses are tiered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TierPolicy {
    /// By the text of the interpretation: tier C.
    #[default]
    Textual,
    /// As some courts do: tier B.
    Strict,
}

/// The information category of a kind, independent of context (its descriptor's).
pub fn category(kind: Kind) -> Category {
    kind.info().category
}

/// Kinds that identify the holder of a card found in the same record.
fn identifies_holder(kind: Kind) -> bool {
    kind.info().identifies_holder
}

/// A detection's category and tier on its own, before its record is looked at.
fn own_class(d: &Detection, policy: TierPolicy) -> (Category, Tier) {
    d.fixed_class.unwrap_or_else(|| {
        let info = d.kind.info();
        let tier = if policy == TierPolicy::Strict { info.strict_tier } else { info.tier };
        (category(d.kind), tier)
    })
}

/// Category and tier for each detection (same order), given the text they were found in.
/// `detections` must be sorted by start offset.
pub fn classify(text: &[u8], detections: &[Detection], policy: TierPolicy) -> Vec<(Category, Tier)> {
    classify_window(text, 0, detections, policy)
}

/// [`classify`] for the window `text` of a larger file that starts at `base`; detection offsets
/// are the file's. Records are those of the window, read by the layout stage: a record cut by
/// the window's edge is read as two. (A counting scan gets each finding's record exactly from
/// [`RecordClassifier`]; this is for the findings listed.)
pub fn classify_window(
    text: &[u8],
    base: usize,
    detections: &[Detection],
    policy: TierPolicy,
) -> Vec<(Category, Tier)> {
    // A dense export has hundreds of thousands of detections per window, and this runs between
    // the windows' parallel scans: the per-detection steps run on all cores too.
    let mut classes: Vec<(Category, Tier)> =
        detections.par_iter().with_min_len(PER_JOB).map(|d| own_class(d, policy)).collect();
    // Records only matter for the card-holder rule; most files have no card at all.
    if !detections.iter().any(|d| d.kind == Kind::BankCard) {
        return classes;
    }
    let structure = Structure::sniff(text);
    let mut reader = RecordReader::new(&structure);
    let mut records = Vec::new();
    reader.feed(text, 0, 0..text.len(), true, &mut records);
    let spans = RecordCursor::new(&records).spans(text, detections.iter().map(|d| d.start - base));
    // Detections are sorted by start and records are disjoint, so the detections of one record
    // are consecutive: one walk over the groups finds the cards that share a record with a
    // holder.
    let mut group = 0;
    while group < detections.len() {
        let span = spans[group];
        let len = spans[group..].iter().take_while(|&&s| s == span).count();
        let members = group..group + len;
        if detections[members.clone()].iter().any(|d| identifies_holder(d.kind)) {
            for (d, class) in detections[members.clone()].iter().zip(&mut classes[members]) {
                if d.kind == Kind::BankCard && d.fixed_class.is_none() {
                    class.1 = Tier::A;
                }
            }
        }
        group += len;
    }
    classes
}

/// Finds the record of ascending offsets among sorted, disjoint records: the record holding
/// the offset, else its line.
struct RecordCursor<'r> {
    records: &'r [Record],
    next: usize,
}

impl<'r> RecordCursor<'r> {
    fn new(records: &'r [Record]) -> Self {
        RecordCursor { records, next: 0 }
    }

    /// The record holding `offset`, if one does; offsets must come in ascending order.
    fn record_of(&mut self, offset: usize) -> Option<&'r Record> {
        while self.next < self.records.len() && self.records[self.next].span.end <= offset {
            self.next += 1;
        }
        self.records.get(self.next).filter(|r| r.span.start <= offset)
    }

    /// The span of each offset's record, or of its line in `text`.
    fn spans(mut self, text: &[u8], offsets: impl Iterator<Item = usize>) -> Vec<RecordSpan> {
        let mut last_line: Option<RecordSpan> = None;
        offsets
            .map(|at| match self.record_of(at) {
                Some(r) => r.span,
                None => match last_line.filter(|l| l.start <= at && at <= l.end) {
                    Some(line) => line,
                    None => {
                        let line = line_span(text, at);
                        last_line = Some(line);
                        line
                    }
                },
            })
            .collect()
    }
}

/// What one record says about one person, ready to be counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFacts<'a> {
    /// Where the record is.
    pub span: RecordSpan,
    /// Its tier and driving category, not counting the track rule.
    pub tier: Tier,
    /// The category that gave the tier.
    pub category: Category,
    /// A timestamped precise position of its person: part of a track (tier A) when the same
    /// person has at least two.
    pub position: bool,
    /// The person's strongest identifier: ID number, else phone, else card, else e-mail, else a
    /// travel document or sole-proprietor code.
    pub person: Option<(Kind, &'a str)>,
    /// The record's findings (kind and value as found), in text order: what identifies the
    /// item (Art. 11: the same content in any format is the same item).
    pub content: Vec<(Kind, &'a str)>,
    /// The dates and times written in the record, in order, a date as `yyyymmdd` and a clock
    /// time as `hhmmss` (`2024-05-01 12:00` gives 20240501 and 120000): two stays or calls of
    /// one person differ in them. Filled for records of tier A or B and for positions.
    pub times: Vec<u32>,
    /// The bank cards that made the record tier A (property information: a card with its
    /// holder). Each card is one item, an account's authentication group, however many rows
    /// of a statement repeat it; `rest` is what the record is without them.
    pub cards: Vec<&'a str>,
    /// The record's tier and category leaving its cards out; equal to (`tier`, `category`)
    /// when `cards` is empty.
    pub rest: (Tier, Category),
}

/// How strongly a kind identifies a person; lower is stronger. `None`: not an identifier.
fn identifier_rank(kind: Kind) -> Option<u8> {
    kind.info().identifier_rank
}

/// One automaton over every record-context keyword: pattern index -> context index.
struct ContextMatcher {
    automaton: aho_corasick::AhoCorasick,
    context_of: Vec<usize>,
    ascii: Vec<bool>,
}

fn context_matcher() -> &'static ContextMatcher {
    static CELL: std::sync::OnceLock<ContextMatcher> = std::sync::OnceLock::new();
    CELL.get_or_init(|| {
        let mut words = Vec::new();
        let mut context_of = Vec::new();
        for (i, ctx) in crate::reference::category_contexts().iter().enumerate() {
            for w in &ctx.keywords {
                words.push(w.clone());
                context_of.push(i);
            }
        }
        let ascii = words.iter().map(|w| w.is_ascii()).collect();
        // A DFA: every record of a counting scan is searched, and the keywords are few.
        let automaton = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(&words)
            .expect("built-in category keywords build an automaton");
        ContextMatcher { automaton, context_of, ascii }
    })
}

/// Bit i set: the record-context category i has a keyword in `text`. ASCII keywords match as
/// whole tokens (`lat` is not in `translate`), CJK ones anywhere.
fn context_hits(text: &[u8]) -> u32 {
    let m = context_matcher();
    let mut hits = 0u32;
    for found in m.automaton.find_overlapping_iter(text) {
        let p = found.pattern().as_usize();
        if m.ascii[p] && !crate::reference::is_identifier_word(text, found.start(), found.end()) {
            continue;
        }
        hits |= 1 << m.context_of[p];
    }
    hits
}

/// A date or a clock time: `2024-05-01`, `2024/5/1`, `2024年5月`, `12:30`.
fn has_time(text: &str) -> bool {
    static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    RE.get_or_init(|| regex::Regex::new(r"[0-9]{4}[-/年][0-9]{1,2}|[0-9]{1,2}:[0-9]{2}").ok())
        .as_ref()
        .is_some_and(|re| re.is_match(text))
}

/// Two precise coordinates (four or more decimals, within ±180): a position fix.
fn has_position(text: &str) -> bool {
    static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    RE.get_or_init(|| regex::Regex::new(r"(?:^|[^0-9.])-?(?:1[0-7][0-9]|[0-9]{1,2})\.[0-9]{4,}").ok())
        .as_ref()
        .is_some_and(|re| re.find_iter(text).count() >= 2)
}

/// Where a record's category context comes from.
#[derive(Debug, Clone, Copy)]
enum Context {
    /// Its column names, with these hits.
    Columns(u32),
    /// Its own text: JSON keys, log labels, words.
    Body,
}

/// Records per parallel job in [`RecordClassifier::stride`].
const RECORDS_PER_JOB: usize = 512;

/// A finding of a record still open at a stride's end, kept for the next stride.
#[derive(Debug, Clone)]
struct Member {
    start: usize,
    kind: Kind,
    value: crate::finding::Value,
    class: (Category, Tier),
    fixed: bool,
}

/// What a record's classification reads of one of its findings, borrowed from the stride's
/// detections (or from a [`Member`] carried from the stride before).
#[derive(Debug, Clone, Copy)]
struct MemberRef<'a> {
    start: usize,
    kind: Kind,
    value: &'a str,
    class: (Category, Tier),
    fixed: bool,
}

impl Member {
    fn as_ref(&self) -> MemberRef<'_> {
        MemberRef { start: self.start, kind: self.kind, value: &self.value, class: self.class, fixed: self.fixed }
    }
}

impl MemberRef<'_> {
    fn to_owned(self) -> Member {
        Member { start: self.start, kind: self.kind, value: self.value.into(), class: self.class, fixed: self.fixed }
    }
}

/// How much of a record its context is read from: its first megabyte. A record longer than
/// that (a runaway quoted cell) has said what it is by then, and a record cut by a stride's end
/// is carried to the next stride in memory only up to this.
const MAX_BODY: usize = 1 << 20;

/// Groups a text's detections into records and classifies each record (see the module docs):
/// the highest tier among its findings' tiers and its context (column names, JSON keys, SQL
/// columns, words in the record), context only counting for records that identify a person.
/// Masked findings are not counted.
///
/// Fed stride by stride, in order, with each stride's detections: records come from the layout
/// stage's [`RecordReader`], and the findings and bytes of a record cut by a stride's end are
/// carried until it ends, so the records and their facts do not depend on the strides.
#[derive(Debug)]
pub struct RecordClassifier {
    policy: TierPolicy,
    reader: Option<RecordReader>,
    /// Findings of the record still open at the last stride's end.
    pending: Vec<Member>,
    /// The open record's bytes held so far (at most [`MAX_BODY`]) and where they start.
    carry: Vec<u8>,
    carry_start: usize,
    /// Context hits of each column-name list, by its id in the reader.
    column_hits: Vec<Option<u32>>,
    /// The stride's records, its record groups and their members (indices, see
    /// [`CARRIED`]): reused from stride to stride.
    records: Vec<Record>,
    groups: Vec<Group>,
    grouped: Vec<u32>,
}

/// The findings of one record in a stride.
#[derive(Debug, Clone)]
struct Group {
    span: RecordSpan,
    columns: Option<u32>,
    /// Its members' indices in `RecordClassifier::grouped`.
    members: std::ops::Range<u32>,
}

/// Marks a member index as one carried from the stride before (else it is a detection's).
const CARRIED: u32 = 1 << 31;

impl RecordClassifier {
    /// A classifier for one text; its structure is sniffed from the first stride.
    pub fn new(policy: TierPolicy) -> Self {
        RecordClassifier {
            policy,
            reader: None,
            pending: Vec::new(),
            carry: Vec::new(),
            carry_start: 0,
            column_hits: Vec::new(),
            records: Vec::new(),
            groups: Vec::new(),
            grouped: Vec::new(),
        }
    }

    /// Classifies the records that end in the stride `range` of the text (held in `window` from
    /// `origin` on); `detections` are the stride's, sorted, in the text's offsets. `eof`: the
    /// text ends with this stride. The facts are handed to `sink` a slice at a time, on all
    /// cores: a dense export has a hundred thousand records per stride, and nothing of them
    /// needs to outlive its fingerprints.
    #[allow(clippy::too_many_arguments)]
    pub fn stride(
        &mut self,
        window: &[u8],
        origin: usize,
        range: std::ops::Range<usize>,
        eof: bool,
        detections: &[Detection],
        sink: &(dyn Fn(&[RecordFacts<'_>]) + Sync),
    ) {
        let reader = self.reader.get_or_insert_with(|| {
            let head =
                &window[range.start - origin..window.len().min(range.start - origin + crate::layout::SNIFF_BYTES)];
            RecordReader::new(&Structure::sniff(head))
        });
        self.records.clear();
        reader.feed(window, origin, range.clone(), eof, &mut self.records);
        let open = if eof { None } else { reader.open_record() };
        let policy = self.policy;
        let carried = std::mem::take(&mut self.pending);
        // Members by index: a carried one (from `carried`) or a detection of this stride, so
        // that the grouping buffers live across strides (fresh ones each stride were a page
        // fault per 4 KiB of them).
        let member = |index: u32| -> MemberRef<'_> {
            if index & CARRIED != 0 {
                carried[(index & !CARRIED) as usize].as_ref()
            } else {
                let d = &detections[index as usize];
                MemberRef {
                    start: d.start,
                    kind: d.kind,
                    value: &d.value,
                    class: own_class(d, policy),
                    fixed: d.fixed_class.is_some(),
                }
            }
        };
        let counted = |d: &Detection| !d.kind.is_masked() && !masked_address(window, origin, d);
        let indices = (0..carried.len() as u32)
            .map(|i| i | CARRIED)
            .chain((0..detections.len() as u32).filter(|&i| counted(&detections[i as usize])));
        let mut cursor = RecordCursor::new(&self.records);
        // Groups in text order: (span, columns, their members' range in `grouped`).
        let (groups, grouped) = (&mut self.groups, &mut self.grouped);
        groups.clear();
        grouped.clear();
        let mut add = |span: RecordSpan, columns: Option<u32>, index: u32| {
            let at = grouped.len() as u32;
            match groups.last_mut() {
                Some(g) if g.span == span => g.members.end += 1,
                _ => groups.push(Group { span, columns, members: at..at + 1 }),
            }
            grouped.push(index);
        };
        let mut pending = Vec::new();
        let mut last_line: Option<RecordSpan> = None;
        for index in indices {
            let start = if index & CARRIED != 0 {
                carried[(index & !CARRIED) as usize].start
            } else {
                detections[index as usize].start
            };
            if let Some(r) = cursor.record_of(start) {
                add(r.span, r.columns, index);
                continue;
            }
            if open.is_some_and(|o| start >= o) {
                pending.push(member(index).to_owned());
                continue;
            }
            let line = match last_line {
                Some(l) if l.start <= start && start <= l.end => l,
                _ => line_in(window, origin, start),
            };
            last_line = Some(line);
            add(line, None, index);
        }
        for i in 0..self.groups.len() {
            if let Some(id) = self.groups[i].columns {
                self.hits_of_columns(id);
            }
        }
        let this = &*self;
        this.groups.par_chunks(RECORDS_PER_JOB).for_each(|chunk| {
            let mut members = Vec::new();
            let mut facts: Vec<RecordFacts> = Vec::with_capacity(chunk.len());
            facts.extend(chunk.iter().filter_map(|group| {
                members.clear();
                let range = group.members.start as usize..group.members.end as usize;
                members.extend(this.grouped[range].iter().map(|&i| member(i)));
                // A record with named columns takes its context from the names: words
                // inside its values (a comment that mentions a hotel) do not make it a
                // lodging record. JSON objects and lines carry their keys and labels in
                // the record itself.
                let context = match group.columns {
                    Some(id) => Context::Columns(this.column_hits[id as usize].unwrap_or(0)),
                    None => Context::Body,
                };
                record_facts(group.span, &this.body(window, origin, group.span), context, &members, policy)
            }));
            sink(&facts);
        });
        self.pending = pending;
        self.keep_open(window, origin, range, open);
    }

    /// Context hits of a column-name list, computed once per list.
    fn hits_of_columns(&mut self, id: u32) -> u32 {
        let i = id as usize;
        if self.column_hits.len() <= i {
            self.column_hits.resize(i + 1, None);
        }
        if let Some(hits) = self.column_hits[i] {
            return hits;
        }
        let names = self.reader.as_ref().map(|r| r.columns(id).join("\t")).unwrap_or_default();
        let hits = context_hits(names.as_bytes());
        self.column_hits[i] = Some(hits);
        hits
    }

    /// The first [`MAX_BODY`] bytes of a record, from the carried bytes of a record begun in an
    /// earlier stride.
    fn body<'w>(&self, window: &'w [u8], origin: usize, span: RecordSpan) -> std::borrow::Cow<'w, [u8]> {
        let end = span.end.min(span.start.saturating_add(MAX_BODY));
        if span.start >= origin {
            return std::borrow::Cow::Borrowed(&window[span.start - origin..end - origin]);
        }
        // Begun before the window: the carry holds it from its start.
        let mut body = self.carry.clone();
        let held_to = self.carry_start + self.carry.len();
        if end > held_to && held_to >= origin {
            body.extend_from_slice(&window[held_to - origin..end - origin]);
        }
        body.truncate(end - span.start);
        std::borrow::Cow::Owned(body)
    }

    /// Keeps the bytes of the record still open at the stride's end (up to [`MAX_BODY`]).
    fn keep_open(&mut self, window: &[u8], origin: usize, range: std::ops::Range<usize>, open: Option<usize>) {
        let Some(start) = open else {
            self.carry.clear();
            return;
        };
        if start >= origin && (self.carry.is_empty() || self.carry_start != start) {
            self.carry.clear();
            self.carry_start = start;
            let to = range.end.min(start + MAX_BODY);
            self.carry.extend_from_slice(&window[start - origin..to.max(start) - origin]);
            return;
        }
        let held_to = self.carry_start + self.carry.len();
        let to = range.end.min(self.carry_start + MAX_BODY);
        if to > held_to && held_to >= origin {
            self.carry.extend_from_slice(&window[held_to - origin..to - origin]);
        }
    }
}

/// The line around `offset` (the text's) in a window that starts at `origin`.
fn line_in(window: &[u8], origin: usize, offset: usize) -> RecordSpan {
    let span = line_span(window, offset - origin);
    RecordSpan { start: span.start + origin, end: span.end + origin }
}

/// An address whose detail is masked (`广东省肇庆市鼎湖区建设路***`): like a masked phone or ID
/// number, it is not counted.
fn masked_address(window: &[u8], origin: usize, d: &Detection) -> bool {
    if d.kind != Kind::Address {
        return false;
    }
    let after = d.end.saturating_sub(origin);
    let follows = window.get(after..window.len().min(after + 3)).unwrap_or(&[]);
    memchr::memchr(b'*', d.value.as_bytes()).is_some()
        || follows.starts_with(b"**")
        || follows.starts_with("＊".as_bytes())
}

/// The dates and times in a record, normalised (`2024-5-1` and `2024/05/01` give 20240501;
/// `14:00` and `14:00:00` give 140000): what tells two stays or calls of one person apart.
/// Hand-written (a regex here was a sixth of a counting scan of an export with a date on every
/// row): a date is 4 digits, a separator (`-` `/` `.` `年`), 1-2 digits, a separator (`-` `/`
/// `.` `月`), 1-2 digits; a time is 1-2 digits, `:`, 2 digits, and optionally `:` and 2 digits.
fn times_in(body: &[u8]) -> Vec<u32> {
    // One forward walk (three vector searches, a substring search whose searcher was built per
    // record, and a sort of their hits were a quarter of what counting adds on an export with
    // dates on every row). A separator only matters right after a digit, and `年` is looked for
    // as a whole: its lead byte E5 starts a third of common Chinese characters.
    static SEPARATOR: [bool; 256] = {
        let mut table = [false; 256];
        table[b':' as usize] = true;
        table[b'-' as usize] = true;
        table[b'/' as usize] = true;
        table[b'.' as usize] = true;
        table[0xE5] = true;
        table
    };
    let mut out = Vec::new();
    let mut p = 1;
    while p < body.len() {
        let b = body[p];
        if !SEPARATOR[usize::from(b)] || !body[p - 1].is_ascii_digit() {
            p += 1;
            continue;
        }
        if b == b':' {
            if let Some((time, end)) = time_at(body, p) {
                out.push(time);
                p = end;
                continue;
            }
        } else if b != 0xE5 || body[p..].starts_with("年".as_bytes()) {
            if let Some((date, end)) = date_at(body, p) {
                out.push(date);
                p = end;
                continue;
            }
        }
        p += 1;
    }
    out
}

/// A clock time whose `:` is at `colon` (`9:05`, `14:00:00`), as `hhmmss`, and where it ends.
fn time_at(body: &[u8], colon: usize) -> Option<(u32, usize)> {
    let (h, hs) = digits_before(body, colon, 2);
    let (m, me) = digits_after(body, colon + 1, 2);
    let whole_hour = hs < colon && (hs == 0 || !body[hs - 1].is_ascii_digit());
    if !whole_hour || me != colon + 3 || body.get(me).is_some_and(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut end = me;
    let mut sec = 0;
    if body.get(me) == Some(&b':') {
        let (s, se) = digits_after(body, me + 1, 2);
        if se == me + 3 {
            sec = s;
            end = se;
        }
    }
    Some((h * 10_000 + m * 100 + sec, end))
}

/// The value of up to `max` digits ending just before `end`, and where they start.
fn digits_before(body: &[u8], end: usize, max: usize) -> (u32, usize) {
    let mut start = end;
    while start > 0 && end - start < max && body[start - 1].is_ascii_digit() {
        start -= 1;
    }
    (body[start..end].iter().fold(0, |n, &d| n * 10 + u32::from(d - b'0')), start)
}

/// The value of up to `max` digits from `start`, and where they end.
fn digits_after(body: &[u8], start: usize, max: usize) -> (u32, usize) {
    let mut end = start;
    while end < body.len() && end - start < max && body[end].is_ascii_digit() {
        end += 1;
    }
    (body[start..end].iter().fold(0, |n, &d| n * 10 + u32::from(d - b'0')), end)
}

/// A date whose first separator is at `sep` (after four digits), and where it ends.
fn date_at(body: &[u8], sep: usize) -> Option<(u32, usize)> {
    let (year, ys) = digits_before(body, sep, 4);
    if sep - ys != 4 || (ys > 0 && body[ys - 1].is_ascii_digit()) {
        return None;
    }
    let after_sep = |at: usize, ascii: &[u8], wide: &str| -> Option<usize> {
        match body.get(at) {
            Some(b) if ascii.contains(b) => Some(at + 1),
            _ if body[at.min(body.len())..].starts_with(wide.as_bytes()) => Some(at + wide.len()),
            _ => None,
        }
    };
    let month_start = after_sep(sep, b"-/.", "年")?;
    let (month, me) = digits_after(body, month_start, 2);
    let day_start = (me > month_start).then(|| after_sep(me, b"-/.", "月")).flatten()?;
    let (day, de) = digits_after(body, day_start, 2);
    (de > day_start && body.get(de).is_none_or(|b| !b.is_ascii_digit()))
        .then(|| (year * 10_000 + month * 100 + day, de))
}

/// What one record says, from its findings and its context; `None` when nothing in it is
/// counted.
fn record_facts<'a>(
    span: RecordSpan,
    body: &[u8],
    context: Context,
    members: &[MemberRef<'a>],
    policy: TierPolicy,
) -> Option<RecordFacts<'a>> {
    if members.is_empty() {
        return None;
    }
    // In text order: identity sorts the normalised values (`aggregate::items_of`).
    let content: Vec<(Kind, &'a str)> = members.iter().map(|m| (m.kind, m.value)).collect();
    let person = content
        .iter()
        .filter_map(|(k, v)| identifier_rank(*k).map(|r| (r, *k, v)))
        .min_by_key(|(r, _, _)| *r)
        .map(|(_, k, v)| (k, *v));
    // A card with its holder in the same record is property information (tier A): each such
    // card is an item of its own (an account's authentication group), and the record is
    // classified again without it.
    let holder = members.iter().any(|m| identifies_holder(m.kind));
    let is_holder_card = |m: &MemberRef| holder && m.kind == Kind::BankCard && !m.fixed;
    let mut cards: Vec<&'a str> = members.iter().filter(|m| is_holder_card(m)).map(|m| m.value).collect();
    cards.sort();
    cards.dedup();
    let (mut tier, mut category) = members
        .iter()
        .filter(|m| !is_holder_card(m))
        .map(|m| (m.class.1, m.class.0))
        .min()
        .unwrap_or((Tier::C, Category::Property));
    if policy == TierPolicy::Strict && tier > Tier::B {
        if let Some(m) = members.iter().find(|m| m.kind.info().strict_tier == Tier::B) {
            tier = Tier::B;
            category = m.class.0;
        }
    }
    // A name says there is a person (context applies) but is no key for merging people: two
    // 张伟 are rarely the same person.
    let has_person = person.is_some() || content.iter().any(|(k, _)| *k == Kind::Name);
    let has_geo = content.iter().any(|(k, _)| *k == Kind::Geo);
    let mut position = false;
    if has_geo && person.is_some() {
        position = has_time(&String::from_utf8_lossy(body));
    }
    if has_person {
        let hits = match context {
            Context::Columns(hits) => hits,
            Context::Body => context_hits(body),
        };
        for (i, ctx) in crate::reference::category_contexts().iter().enumerate() {
            if hits & (1 << i) == 0 {
                continue;
            }
            if ctx.category == Category::Whereabouts {
                let body = String::from_utf8_lossy(body);
                position |= has_position(&body) && has_time(&body);
            } else if (ctx.tier, ctx.category) < (tier, category) {
                tier = ctx.tier;
                category = ctx.category;
            }
        }
    }
    let rest = (tier, category);
    let times = if tier < Tier::C || position { times_in(body) } else { Vec::new() };
    let (tier, category) = if cards.is_empty() { rest } else { (Tier::A, Category::Property) };
    Some(RecordFacts { span, tier, category, position, person, content, times, cards, rest })
}

/// [`RecordClassifier`] over a whole text at once: `sink` gets each record's facts.
pub fn classify_records(
    text: &[u8],
    detections: &[Detection],
    policy: TierPolicy,
    sink: &(dyn Fn(&[RecordFacts<'_>]) + Sync),
) {
    RecordClassifier::new(policy).stride(text, 0, 0..text.len(), true, detections, sink);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Confidence;

    fn det(kind: Kind, start: usize) -> Detection {
        Detection {
            kind,
            start,
            end: start + 1,
            value: "".into(),
            confidence: Confidence::High,
            public_prefix_chars: 0,
            fixed_class: None,
        }
    }

    #[test]
    fn card_with_holder_is_property_tier_a() {
        let text = b"card a\ncard b phone\n";
        let d = [det(Kind::BankCard, 0), det(Kind::BankCard, 7), det(Kind::Mobile, 14)];
        let c = classify(text, &d, TierPolicy::Textual);
        assert_eq!(c[0], (Category::Property, Tier::C));
        assert_eq!(c[1], (Category::Property, Tier::A));
        assert_eq!(c[2], (Category::Contact, Tier::C));
    }

    #[test]
    fn holder_in_the_same_csv_row_across_a_quoted_newline() {
        let text = "card,note,phone\n6222020000000001230,\"two\nlines\",13800138000\n6222020000000001230,x,\n";
        let d = [det(Kind::BankCard, 16), det(Kind::Mobile, 48), det(Kind::BankCard, 60)];
        let c = classify(text.as_bytes(), &d, TierPolicy::Textual);
        assert_eq!(c.iter().map(|x| x.1).collect::<Vec<_>>(), [Tier::A, Tier::C, Tier::C]);
    }

    /// [`RecordFacts`] with owned values, for tests.
    #[derive(Debug)]
    struct Facts {
        tier: Tier,
        category: Category,
        position: bool,
        person: Option<(Kind, String)>,
        content: Vec<(Kind, String)>,
        times: Vec<u32>,
        cards: Vec<String>,
        rest: (Tier, Category),
    }

    fn facts(text: &str) -> Vec<Facts> {
        let detector = crate::detect::Detector::new(crate::detect::DetectOptions::default());
        let d = detector.detect(text.as_bytes());
        let out = std::sync::Mutex::new(Vec::new());
        classify_records(text.as_bytes(), &d, TierPolicy::Textual, &|facts| {
            out.lock().expect("lock").extend(facts.iter().map(|f| Facts {
                tier: f.tier,
                category: f.category,
                position: f.position,
                person: f.person.map(|(k, v)| (k, v.to_string())),
                content: f.content.iter().map(|(k, v)| (*k, v.to_string())).collect(),
                times: f.times.clone(),
                cards: f.cards.iter().map(|c| c.to_string()).collect(),
                rest: f.rest,
            }))
        });
        out.into_inner().expect("lock")
    }

    #[test]
    fn record_context_sets_tiers() {
        let text = "姓名,身份证号,入住时间,房号\n张三,11010519491231002X,2024-05-01 12:00,1203\n";
        let f = facts(text);
        assert_eq!((f[0].tier, f[0].category), (Tier::B, Category::Accommodation));
        assert_eq!(f[0].person, Some((Kind::IdCard, "11010519491231002X".into())));
        let log = "2024-05-01 12:00 phone=13800138000 lat=39.908823 lng=116.397470\n";
        let f = facts(log);
        assert!(f[0].position);
        assert_eq!(f[0].tier, Tier::C);
        let plain = "name,phone,platform\n张三,13800138000,translate\n";
        assert_eq!(facts(plain)[0].tier, Tier::C, "lat/track inside longer words are not keywords");
    }

    #[test]
    fn sector_dump_context() {
        // camelCase JSON keys name their words.
        let json = "{\"patientName\":\"张三\",\"phone\":\"13800138000\",\"diagnosisName\":\"高血压\"}\n";
        assert_eq!((facts(json)[0].tier, facts(json)[0].category), (Tier::B, Category::Health));
        assert_eq!(facts("{\"translateName\":\"x\",\"phone\":\"13800138000\"}")[0].tier, Tier::C);
        // A header below a title and an export date.
        let csv = "某诊所就诊记录\n导出时间 2024-05-01\n\n姓名,手机号,疾病诊断\n张三,13800138000,高血压\n";
        assert_eq!(facts(csv)[0].category, Category::Health);
        // An INSERT without a column list takes its CREATE TABLE's columns and comments.
        let sql = "CREATE TABLE `v` (\n `n` varchar(8) COMMENT '姓名',\n `p` varchar(11),\n `d` text COMMENT '诊断'\n);\nINSERT INTO `v` VALUES ('张三','13800138000','高血压');\n";
        assert_eq!(facts(sql)[0].category, Category::Health);
        // A landline on a call record is its party.
        let cdr = "主叫号码,被叫号码,通话时长\n010-62345678,021-51234567,35\n";
        let f = facts(cdr);
        assert_eq!((f[0].tier, f[0].category), (Tier::B, Category::CommunicationRecords));
        assert_eq!(f[0].person.as_ref().map(|p| p.0), Some(Kind::Landline));
    }

    #[test]
    fn statement_rows_count_their_cards_apart() {
        let text = "户名,卡号,交易时间,交易金额\n张三,6222020000000001230,2024-05-01 10:00,30\n";
        let f = facts(text);
        assert_eq!((f[0].tier, f[0].category), (Tier::A, Category::Property));
        assert_eq!(f[0].cards.len(), 1);
        assert_eq!(f[0].rest, (Tier::B, Category::Transaction));
        assert_eq!(f[0].times, [20240501, 100000]);
    }

    #[test]
    fn masked_addresses_are_not_counted() {
        let text = "name,phone,addr\n张三,138****5678,广东省肇庆市鼎湖区建设路***\n";
        assert!(facts(text).iter().all(|f| f.content.iter().all(|(k, _)| *k != Kind::Address)), "{:?}", facts(text));
    }

    #[test]
    fn times_are_normalised() {
        let t = |s: &str| times_in(s.as_bytes());
        assert_eq!(t("2024-5-1 9:05"), [20240501, 90500]);
        assert_eq!(t("入住 2024年05月01日 14:00:00，退房 2024/05/02 12:00:30"), [20240501, 140000, 20240502, 120030]);
        assert_eq!(t("2024.05.01"), [20240501]);
        assert!(
            t("amount 1960.77, order 20240-5-1, v1.2.3, 123:45").is_empty(),
            "{:?}",
            t("amount 1960.77, order 20240-5-1, v1.2.3, 123:45")
        );
    }

    #[test]
    fn strict_policy_moves_ids_and_addresses_to_b() {
        let d = [det(Kind::IdCard, 0), det(Kind::Address, 2), det(Kind::Mobile, 4)];
        let c = classify(b"abcdef", &d, TierPolicy::Strict);
        assert_eq!(c.iter().map(|x| x.1).collect::<Vec<_>>(), [Tier::B, Tier::B, Tier::C]);
    }
}
