//! Validate stage: turns the candidate finder's chains, the `@` anchors and the gazetteer hits
//! into [`Detection`]s. Shapes come from the matcher; truth comes from here (check digits,
//! dates, prefix and BIN tables, context keywords). One file per kind holds its validator.
//!
//! When candidates overlap, the stronger check wins: an e-mail address swallows the phone in
//! its local part, and an ID number is never also read as a card or phone because each chain
//! position is interpreted once, strongest reading first.

pub mod address;
pub mod authorship;
pub mod bank_card;
pub mod custom;
pub mod email;
pub mod geo;
pub mod hk_id;
pub mod id_card;
pub mod ip;
pub mod landline;
pub mod masked;
pub mod mobile;
pub mod name;
pub mod passport;
pub mod plate;
pub mod surround;
pub mod tw_id;
pub mod uscc;

use crate::context::{Context, SharedContext};
use rayon::prelude::*;

/// Texts larger than this are scanned in line-aligned pieces on all cores.
pub const PARALLEL_CHUNK: usize = 512 << 10;
use crate::finding::{Confidence, Detection, Kind, Value};
use crate::matcher::{Anchors, CandidateScanner, Chain, Engine, Group, TokenClass};
use crate::reference::KeywordSet;
pub use custom::{CustomRule, CustomRules};
use std::sync::Arc;

/// Detection options.
#[derive(Debug, Clone, Copy, Default)]
pub struct DetectOptions {
    /// Report masked values as `mobile_masked` / `id_card_masked`.
    pub include_masked: bool,
}

/// The compiled detector set. Cheap to share between threads.
#[derive(Debug, Default, Clone)]
pub struct Detector {
    scanner: CandidateScanner,
    options: DetectOptions,
    custom: Arc<CustomRules>,
}

impl Detector {
    /// A detector with the given options.
    pub fn new(options: DetectOptions) -> Self {
        Detector { scanner: CandidateScanner::new(), options, custom: Arc::default() }
    }

    /// The same detector with a chosen byte classifier (tests and benches compare them).
    pub fn with_engine(self, engine: Engine) -> Self {
        Detector { scanner: CandidateScanner::with_engine(engine), ..self }
    }

    /// A detector that also runs the user's rules.
    pub fn with_custom_rules(options: DetectOptions, custom: Vec<CustomRule>) -> Self {
        Detector { custom: Arc::new(CustomRules::new(custom)), ..Detector::new(options) }
    }

    /// All detections in `text`, sorted by start offset, overlaps resolved. Large texts are
    /// split at line boundaries and the pieces scanned on all cores: every detector is
    /// line-local, and lookups that reach further (CSV header, SQL column lists, records) see the
    /// whole text, so the result is the same as one pass.
    pub fn detect(&self, text: &[u8]) -> Vec<Detection> {
        self.detect_in_chunks(text, PARALLEL_CHUNK)
    }

    /// [`Detector::detect`] with the select stage's `hook` called on every piece's detections
    /// as it is scanned (in parallel, with the piece still in cache).
    pub fn detect_with(&self, text: &[u8], hook: Option<PieceHook>) -> Vec<Detection> {
        self.detect_in_chunks_with(text, PARALLEL_CHUNK, hook)
    }

    /// [`Detector::detect`] with a chosen chunk size (tests use tiny ones).
    pub fn detect_in_chunks(&self, text: &[u8], chunk: usize) -> Vec<Detection> {
        self.detect_in_chunks_with(text, chunk, None)
    }

    fn detect_in_chunks_with(&self, text: &[u8], chunk: usize, hook: Option<PieceHook>) -> Vec<Detection> {
        if text.len() <= chunk {
            let (mut found, markers) = self.detect_window(text, &Context::new(text));
            if let Some(hook) = hook {
                hook(&Piece { window: text, origin: 0, range: 0..text.len(), markers: &markers }, &mut found);
            }
            return found;
        }
        let shared = SharedContext::new(text);
        let mut found = Vec::new();
        self.detect_pieces(text, 0, 0..text.len(), &shared, chunk, &mut found, hook);
        found
    }

    /// Detections in the line-aligned `range` of `text`, with the file's shared context
    /// computed beforehand, appended to `out`: how a file too large to hold at once is scanned
    /// stride by stride, into one buffer that every stride reuses. `text` is the part of the
    /// file's text that starts at offset `origin` (the whole text, or a stride read into memory
    /// with what its lookups need around it): `range` is `text`'s, the detections' offsets are
    /// the file's.
    pub fn detect_range(
        &self,
        text: &[u8],
        origin: usize,
        range: std::ops::Range<usize>,
        shared: &SharedContext,
        out: &mut Vec<Detection>,
        hook: Option<PieceHook>,
    ) {
        self.detect_pieces(text, origin, range, shared, PARALLEL_CHUNK, out, hook)
    }

    #[allow(clippy::too_many_arguments)]
    fn detect_pieces(
        &self,
        text: &[u8],
        origin: usize,
        range: std::ops::Range<usize>,
        shared: &SharedContext,
        chunk: usize,
        out: &mut Vec<Detection>,
        hook: Option<PieceHook>,
    ) {
        let mut bounds = vec![range.start];
        while let Some(&last) = bounds.last() {
            if last >= range.end {
                break;
            }
            let target = (last + chunk).min(range.end);
            bounds.push(piece_end(text, target, range.end));
        }
        let pieces: Vec<Vec<Detection>> = bounds
            .windows(2)
            .collect::<Vec<_>>()
            .par_iter()
            .map(|w| {
                let (start, end) = (w[0], w[1]);
                let ctx = Context::window(text, origin, start, shared);
                let (mut found, mut markers) = self.detect_window(&text[start..end], &ctx);
                for d in &mut found {
                    d.start += origin + start;
                    d.end += origin + start;
                }
                if let Some(hook) = hook {
                    for m in &mut markers {
                        *m += origin + start;
                    }
                    hook(&Piece { window: text, origin, range: start..end, markers: &markers }, &mut found);
                }
                found
            })
            .collect();
        // One copy per piece, not an iterator step per detection: a dense export has millions.
        out.reserve(pieces.iter().map(Vec::len).sum());
        for piece in pieces {
            out.extend(piece);
        }
    }

    /// Detections in `text`, a line-aligned window of a file, and the `piiscan:allow` markers
    /// the matcher saw in it; `ctx` knows where the window starts. Offsets are relative to the
    /// window.
    fn detect_window(&self, text: &[u8], ctx: &Context) -> (Vec<Detection>, Vec<usize>) {
        let mut out = Vec::new();
        let mut chain = Chain::default();
        let mut anchors = Anchors::default();
        self.scanner.scan(text, &mut chain, &mut anchors, |c| interpret_chain(text, c, ctx, &mut out));

        let mut spans = Vec::new();
        email::find(text, &anchors.at, &mut spans);
        email::find_fullwidth(text, &anchors.non_ascii, &mut spans);
        for (start, end) in spans {
            let value = email::normalise(&text[start..end]);
            let confidence =
                if authorship::in_authorship_line(text, start) { Confidence::Low } else { Confidence::High };
            out.push(detection(Kind::Email, start, end, value, confidence));
        }

        let mut decimals = Vec::new();
        crate::matcher::dotted_numbers(text, &anchors.dots, |r| {
            let (start, end) = (r.start, r.end);
            match r.dots {
                1 => decimals.extend(geo::decimal_at(text, start, end, r.first_dot)),
                2 => {
                    let glued = |b: Option<&u8>| b.is_some_and(|&b| b.is_ascii_alphanumeric() || b"./=".contains(&b));
                    if !glued(start.checked_sub(1).map(|i| &text[i])) && !glued(text.get(end)) {
                        if let Some(digits) = mobile::dotted(&text[start..end]) {
                            out.push(detection(Kind::Mobile, start, end, digits, Confidence::Medium));
                        }
                    }
                }
                3 => {
                    let run = &text[start..end];
                    if ip::parse(run).is_some_and(ip::is_public) && !after_version_word(text, start) {
                        let value = String::from_utf8_lossy(run).into_owned();
                        out.push(detection(Kind::Ip, start, end, value, Confidence::Medium));
                    }
                }
                // Neither an address nor a decimal number (a version, a date, a section number).
                _ => {}
            }
        });
        for (start, end, value) in geo::pairs(text, &decimals, |s, e| ctx.has_keyword(KeywordSet::Geo, s, e)) {
            out.push(detection(Kind::Geo, start, end, value, Confidence::High));
        }

        let mut plates = Vec::new();
        plate::find(text, &anchors.non_ascii, &mut plates);
        for (start, end, value) in plates {
            out.push(detection(Kind::Plate, start, end, value, Confidence::High));
        }

        let mut names = Vec::new();
        name::find(text, &anchors.non_ascii, ctx, &mut names);
        for (start, end) in names {
            let value = String::from_utf8_lossy(&text[start..end]).into_owned();
            out.push(detection(Kind::Name, start, end, value, Confidence::Medium));
        }

        let mut addresses = Vec::new();
        address::find(text, &anchors.non_ascii, &mut addresses);
        for a in addresses {
            let value = a.joined.unwrap_or_else(|| String::from_utf8_lossy(&text[a.start..a.end]).into_owned());
            let confidence = if a.has_door_number { Confidence::High } else { Confidence::Medium };
            let mut d = detection(Kind::Address, a.start, a.end, value, confidence);
            d.public_prefix_chars = a.admin_chars;
            out.push(d);
        }

        if !self.custom.is_empty() {
            self.custom.find(text, ctx, &mut out);
        }

        hk_id::keep_in_records(text, &mut out);
        resolve_overlaps(&mut out);
        surround::adjust(text, ctx, &mut out);
        if !self.options.include_masked {
            out.retain(|d| !d.kind.is_masked());
        }
        (out, std::mem::take(&mut anchors.markers))
    }
}

/// A piece of a text just scanned, handed with its detections to the select stage's hook.
#[derive(Debug)]
pub struct Piece<'a> {
    /// The text from `origin` on (the whole text, or a stride read with its margins).
    pub window: &'a [u8],
    /// Where `window` starts in the text.
    pub origin: usize,
    /// The piece, in `window`'s offsets.
    pub range: std::ops::Range<usize>,
    /// The `piiscan:allow` markers the matcher saw in the piece, in the text's offsets.
    pub markers: &'a [usize],
}

/// Called on the detections of every piece (in the text's offsets) as the piece is scanned, in
/// parallel: the select stage keeps what it reports.
pub type PieceHook<'h> = &'h (dyn Fn(&Piece, &mut Vec<Detection>) + Sync);

/// Where a piece ends: after the first line end from `target` on, unless the line it ends
/// opens a quoted cell that goes on on the next line (an odd number of `"`, the last one at the
/// start of a field: `,"广东省深圳市`), when the cut moves one line further, so that an address
/// whose cell goes on over a line end is read in one piece (see `address::field_gap`). Only the
/// line is read, not the piece before it: a quote opened lines further up is not joined either.
fn piece_end(text: &[u8], target: usize, end: usize) -> usize {
    let next_line = |from: usize| memchr::memchr(b'\n', &text[from..end]).map_or(end, |p| from + p + 1);
    let cut = next_line(target);
    let line_start = memchr::memrchr(b'\n', &text[..target]).map_or(0, |p| p + 1);
    let line = &text[line_start..cut];
    let mut quotes = memchr::memrchr_iter(b'"', line);
    let opens_cell = quotes.next().is_some_and(|last| {
        let field_start = last == 0 || matches!(line[last - 1], b',' | b'\t' | b';' | b'|');
        let closes = line.get(last + 1).is_none_or(|b| matches!(b, b',' | b'\t' | b';' | b'|' | b'\r' | b'\n'));
        field_start && !closes && quotes.count().is_multiple_of(2)
    });
    if opens_cell && cut < end {
        next_line(cut)
    } else {
        cut
    }
}

fn detection(kind: Kind, start: usize, end: usize, value: impl Into<Value>, confidence: Confidence) -> Detection {
    Detection { kind, start, end, value: value.into(), confidence, public_prefix_chars: 0, fixed_class: None }
}

/// Higher wins when two detections overlap (the kind's descriptor says how strong it is).
fn strength(kind: Kind) -> u8 {
    kind.info().strength
}

fn resolve_overlaps(out: &mut Vec<Detection>) {
    out.sort_by_key(|d| (d.start, std::cmp::Reverse(d.end)));
    let rank = |d: &Detection| (strength(d.kind), d.end - d.start);
    let mut keep = vec![true; out.len()];
    // Sorted by start, so the detections overlapping `i` from the right are the ones that start
    // before it ends: a short forward walk, not a pass over the whole file.
    for i in 0..out.len() {
        if out[i].kind == Kind::Address {
            continue;
        }
        let mut j = i + 1;
        while j < out.len() && out[j].start < out[i].end {
            if out[j].kind != Kind::Address {
                if rank(&out[i]) < rank(&out[j]) {
                    keep[i] = false;
                } else {
                    keep[j] = false;
                }
            }
            j += 1;
        }
    }
    let mut k = 0;
    out.retain(|_| {
        k += 1;
        keep[k - 1]
    });
}

/// `version 1.2.3.4`, `v1.2.3.4`: a version, not an address.
fn after_version_word(text: &[u8], start: usize) -> bool {
    let before = &text[start.saturating_sub(10)..start];
    let lower = before.to_ascii_lowercase();
    lower.ends_with(b"v") || lower.trim_ascii_end().ends_with(b"version") || lower.trim_ascii_end().ends_with(b"ver")
}

/// Whether the digit run at `span` is part of a decimal number (`18055466029.31`, `0.13800138000`).
fn in_decimal(text: &[u8], start: usize, end: usize) -> bool {
    let before = start >= 2 && text[start - 1] == b'.' && text[start - 2].is_ascii_digit();
    let after = text.get(end) == Some(&b'.') && text.get(end + 1).is_some_and(u8::is_ascii_digit);
    before || after
}

/// Interprets a chain left to right: at each position, the strongest multi-group reading
/// (country code + phone, grouped phone, grouped card, grouped ID), else the group alone.
fn interpret_chain(text: &[u8], chain: &Chain, ctx: &Context, out: &mut Vec<Detection>) {
    let groups = &chain.groups;
    let first = groups[0].span.start;
    let last = groups[groups.len() - 1].span.end;
    if in_decimal(text, first, last) {
        float_mobile(text, chain, ctx, out);
        return;
    }
    let mut i = 0;
    while i < groups.len() {
        if let Some((consumed, d)) = grouped(text, chain, i) {
            out.push(d);
            i += consumed;
            continue;
        }
        single(text, chain, &groups[i], ctx, out);
        i += 1;
    }
}

/// `13318107952.0`: a phone column exported as floats. Only the lone 11-digit reading.
fn float_mobile(text: &[u8], chain: &Chain, ctx: &Context, out: &mut Vec<Detection>) {
    let [g] = chain.groups.as_slice() else { return };
    let s = chain.norm(g);
    let (start, end) = (g.span.start, g.span.end);
    if g.class != TokenClass::Digits || s.len() != 11 || !mobile::float_export(text, start, end) {
        return;
    }
    if let Some(conf) = mobile::validate(s).filter(|_| !ctx.has_negative_label(start)) {
        out.push(detection(Kind::Mobile, start, end, s, conf));
    }
}

fn digits_of(chain: &Chain, groups: &[Group]) -> Option<String> {
    let mut s = String::new();
    for (k, g) in groups.iter().enumerate() {
        let ok = g.class == TokenClass::Digits || (g.class == TokenClass::DigitsX && k == groups.len() - 1);
        if !ok {
            return None;
        }
        s.push_str(chain.norm(g));
    }
    Some(s)
}

/// Whether `groups` has exactly the group lengths of `shape`. Asked for every chain (a log has
/// one date-time chain per line), so it allocates nothing.
fn has_shape(chain: &Chain, groups: &[Group], shape: &[usize]) -> bool {
    groups.len() == shape.len() && groups.iter().zip(shape).all(|(g, &len)| chain.norm(g).len() == len)
}

/// Multi-group readings starting at group `i`: `(groups consumed, detection)`.
fn grouped(text: &[u8], chain: &Chain, i: usize) -> Option<(usize, Detection)> {
    let groups = &chain.groups;
    let rest = &groups[i..];
    if rest.len() < 2 {
        return None;
    }
    // Country code: 86 / 0086 (+86) then an 11-digit number or 3-4-4 groups.
    let code = chain.norm(&rest[0]);
    if code == "86" || code == "0086" {
        for take in [3usize, 1] {
            if rest.len() > take {
                let body = &rest[1..=take];
                let shape_ok = has_shape(chain, body, if take == 3 { &[3, 4, 4] } else { &[11] });
                if let (true, Some(digits)) = (shape_ok, digits_of(chain, body)) {
                    if let Some(conf) = mobile::validate(&digits).filter(|_| digits.len() == 11) {
                        let start = plus_before(text, rest[0].span.start);
                        return Some((take + 1, detection(Kind::Mobile, start, body[take - 1].span.end, digits, conf)));
                    }
                }
            }
        }
    }
    // Landline: 010-62751234, 0755 8601 3388, +86 755 86013388 (an extension may follow).
    if let Some(d) = grouped_landline(text, chain, rest) {
        return Some(d);
    }
    // Grouped ID: 6-8-4 or 6-4-4-4 (the last group may end in X).
    for shape in [&[6usize, 8, 4][..], &[6, 4, 4, 4]] {
        let take = shape.len();
        if rest.len() >= take && has_shape(chain, &rest[..take], shape) {
            if let Some(digits) = digits_of(chain, &rest[..take]) {
                let upper = digits.to_ascii_uppercase();
                if id_card::validate18(upper.as_bytes()).is_ok() {
                    let d =
                        detection(Kind::IdCard, rest[0].span.start, rest[take - 1].span.end, upper, Confidence::High);
                    return Some((take, d));
                }
            }
        }
    }
    // Grouped mobile: 3-4-4.
    if rest.len() >= 3 && has_shape(chain, &rest[..3], &[3, 4, 4]) {
        if let Some(digits) = digits_of(chain, &rest[..3]) {
            if let Some(conf) = mobile::validate(&digits) {
                return Some((3, detection(Kind::Mobile, rest[0].span.start, rest[2].span.end, digits, conf)));
            }
        }
    }
    // Grouped card: 4-4-4-4(-1..4), 4-4-4-3, 4-6-5, 6-(9..13).
    let len = |i: usize| chain.norm(&rest[i]).len();
    let mut take = 0;
    while take < rest.len() && len(take) == 4 {
        take += 1;
    }
    if take >= 3 && take < rest.len() && len(take) < 4 {
        take += 1;
    }
    // (groups, whether the BIN table's length must match): BIN + account groupings such as
    // `622202 1234567890123` are also how two unrelated columns look, so they need the exact
    // card length of their BIN.
    let candidates = [
        Some((take, false)),
        (rest.len() >= 3 && has_shape(chain, &rest[..3], &[4, 6, 5])).then_some((3, false)),
        (len(0) == 6 && (9..=13).contains(&len(1))).then_some((2, true)),
    ];
    for (take, exact) in candidates.into_iter().flatten() {
        if take < 2 {
            continue;
        }
        if let Some(digits) = digits_of(chain, &rest[..take]) {
            if let Some(check) = bank_card::check(&digits).filter(|c| c.luhn && (c.length_matches_bin || !exact)) {
                let conf = if check.length_matches_bin { Confidence::High } else { Confidence::Medium };
                return Some((
                    take,
                    detection(Kind::BankCard, rest[0].span.start, rest[take - 1].span.end, digits, conf),
                ));
            }
        }
    }
    None
}

fn grouped_landline(text: &[u8], chain: &Chain, rest: &[Group]) -> Option<(usize, Detection)> {
    let norm = |g: &Group| chain.norm(g);
    let all_digits = |gs: &[Group]| gs.iter().all(|g| g.class == TokenClass::Digits);
    let at = chain.groups.len() - rest.len();
    // Every chain with a 0-led group gets here (the `01` of a log's `2024-01-11`): nothing is
    // allocated before a landline is found. Area codes are at most four digits with the 0.
    let mut with_zero = [b'0'; 4];
    let parenthesised = if at == 0 { parenthesised_area(text, rest[0].span.start) } else { None };
    // How many groups of `rest` the area code takes (with a country code before it).
    let (after_area, area) = match norm(&rest[0]) {
        // `(021) 6123 4567`: the area code is outside the chain, the subscriber number starts it.
        _ if parenthesised.is_some() => (0, parenthesised.as_ref().map(|(a, _)| a.as_str())?),
        "86" | "0086" if rest.len() >= 3 && !norm(&rest[1]).starts_with('0') => {
            let code = norm(&rest[1]).as_bytes();
            let area = with_zero.get_mut(..=code.len())?;
            area[1..].copy_from_slice(code);
            (2, std::str::from_utf8(area).ok()?)
        }
        a if a.starts_with('0') => (1, a),
        _ => return None,
    };
    if in_card_grouping(text, chain, at) {
        return None;
    }
    // The subscriber number may itself be split in two (0755 8601 3388, 0571-812-3456).
    for take in [1usize, 2] {
        let groups = rest.get(after_area..after_area + take)?;
        if !all_digits(groups) || !all_digits(&rest[..after_area]) {
            return None;
        }
        let mut joined = [0u8; 8];
        let subscriber = match groups {
            [one] => norm(one),
            // Areas with a three-digit code (010, 02x) have eight-digit subscriber numbers
            // only; seven-digit ones are written 3-4.
            [first, second] if norm(second).len() == 4 && (norm(first).len() == 4 || area.len() == 4) => {
                let (a, b) = (norm(first).as_bytes(), norm(second).as_bytes());
                if a.len() < 3 {
                    continue;
                }
                joined[..a.len()].copy_from_slice(a);
                joined[a.len()..a.len() + 4].copy_from_slice(b);
                std::str::from_utf8(&joined[..a.len() + 4]).ok()?
            }
            _ => continue,
        };
        if landline::is_landline(area, subscriber) {
            let start = match &parenthesised {
                Some((_, open)) => *open,
                None => plus_before(text, rest[0].span.start),
            };
            let end = groups[take - 1].span.end;
            let value = format!("{area}{subscriber}");
            return Some((after_area + take, detection(Kind::Landline, start, end, value, Confidence::High)));
        }
    }
    None
}

/// Whether group `at` of `chain` sits inside the grouping of a card number or an IBAN, where
/// a 0-led group followed by two more is no area code: `6232-0730-4632-7047`, `CN12 0755 ...`.
/// Such a grouping has a four-digit group before `at`, or is four or more groups of four
/// digits (the last may be shorter), or follows a country-and-check head (`CN12 `).
fn in_card_grouping(text: &[u8], chain: &Chain, at: usize) -> bool {
    let groups = &chain.groups;
    let four = |g: &Group| chain.norm(g).len() == 4;
    // `0086 0755 8601 3388`: a country code, not a card group, before the area code.
    if at == 1 && matches!(chain.norm(&groups[0]), "86" | "0086") {
        return false;
    }
    if at > 0 && four(&groups[at - 1]) {
        return true;
    }
    if let [body @ .., last] = groups.as_slice() {
        if body.len() >= 3 && body.iter().all(four) && chain.norm(last).len() <= 4 {
            return true;
        }
    }
    let start = groups[0].span.start;
    let head = &text[start.saturating_sub(5)..start];
    head.len() == 5
        && head[..2].iter().all(u8::is_ascii_uppercase)
        && head[2..4].iter().all(u8::is_ascii_digit)
        && head[4] == b' '
        && (start == 5 || !text[start - 6].is_ascii_alphanumeric())
}

/// Includes a `+` directly before a country code in the span.
fn plus_before(text: &[u8], start: usize) -> usize {
    if start > 0 && text[start - 1] == b'+' {
        start - 1
    } else {
        start
    }
}

/// Reading of one group alone.
fn single(text: &[u8], chain: &Chain, g: &Group, ctx: &Context, out: &mut Vec<Detection>) {
    let s = chain.norm(g);
    let (start, end) = (g.span.start, g.span.end);
    if let Some(d) = hk_id::read(text, s, start, end, g.class, ctx) {
        out.push(d);
        return;
    }
    // `%2B8613318107952`: a URL-encoded `+86` glues the `2B` to the number.
    if g.class == TokenClass::Alnum {
        if let Some((number_end, digits)) = start.checked_sub(1).and_then(|p| mobile::url_encoded(text, p)) {
            if let Some(conf) = mobile::validate(digits) {
                out.push(detection(Kind::Mobile, start - 1, number_end, digits, conf));
            }
            return;
        }
    }
    let mut push = |kind: Kind, start: usize, value: Value, conf: Confidence| {
        out.push(detection(kind, start, end, value, conf));
    };
    match g.class {
        TokenClass::Digits => digits_alone(text, s, start, end, ctx, &mut push),
        TokenClass::DigitsX => {
            if s.len() == 18 {
                let upper = s.to_ascii_uppercase();
                if id_card::validate18(upper.as_bytes()).is_ok() {
                    push(Kind::IdCard, start, upper.into(), Confidence::High);
                }
            }
        }
        TokenClass::Alnum => {
            let upper = s.as_bytes();
            if upper.len() == 18 && uscc::is_valid(upper) {
                if uscc::is_individual(upper) {
                    push(Kind::UsccIndividual, start, s.into(), Confidence::High);
                }
                return;
            }
            match passport::classify(upper) {
                Some(Kind::Passport) if ctx.has_keyword(KeywordSet::Passport, start, end) => {
                    push(Kind::Passport, start, s.into(), Confidence::High)
                }
                Some(Kind::TravelPermit) if ctx.has_keyword(KeywordSet::TravelPermit, start, end) => {
                    push(Kind::TravelPermit, start, s.into(), Confidence::High)
                }
                _ => {}
            }
        }
        TokenClass::Masked => {
            if let Some(kind) = masked::classify(s.as_bytes()) {
                push(kind, start, s.into(), Confidence::High);
            }
        }
    }
}

fn digits_alone(
    text: &[u8],
    s: &str,
    start: usize,
    end: usize,
    ctx: &Context,
    push: &mut impl FnMut(Kind, usize, Value, Confidence),
) {
    if in_decimal(text, start, end) {
        return;
    }
    match s.len() {
        11 if !s.starts_with('0') => {
            if let Some(conf) = mobile::validate(s) {
                // An 11-digit number labelled as an order or trace number is one.
                if !ctx.has_negative_label(start) {
                    push(Kind::Mobile, start, s.into(), conf);
                }
            }
        }
        // Without a dash or parentheses a 0-led run is as often an account or serial number:
        // it needs a phone label.
        10..=12
            if s.starts_with('0')
                && landline::split(s).is_some()
                && ctx.has_keyword(KeywordSet::Mobile, start, end)
                && !ctx.has_negative_label(start) =>
        {
            push(Kind::Landline, start, s.into(), Confidence::Medium);
        }
        7 | 8 if parenthesised_area(text, start).is_some() => {
            if let Some((area, open)) = parenthesised_area(text, start) {
                if landline::is_landline(&area, s) {
                    push(Kind::Landline, open, format!("{area}{s}").into(), Confidence::High);
                }
            }
        }
        13 | 15 if mobile::strip_country_code(s).is_some() => {
            let rest = mobile::strip_country_code(s).unwrap_or(s);
            let conf = mobile::validate(rest).unwrap_or(Confidence::Low);
            push(Kind::Mobile, plus_before(text, start), rest.into(), conf);
        }
        13 => {
            // 13-digit IoT numbers share their shape with millisecond timestamps.
            if let Some(conf) = mobile::validate(s) {
                if ctx.has_keyword(KeywordSet::Mobile, start, end) && !ctx.has_negative_label(start) {
                    push(Kind::Mobile, start, s.into(), conf);
                }
            }
        }
        18 => {
            if id_card::validate18(s.as_bytes()).is_ok() {
                push(Kind::IdCard, start, s.into(), Confidence::High);
            } else if uscc::is_valid(s.as_bytes()) {
                // One 18-digit run in 31 passes GB 32100 by chance: a card on its BIN, with the
                // BIN's length and its Luhn digit, is a card unless the context names a credit code.
                let certain_card = bank_card::check(s).is_some_and(|c| c.luhn && c.known_bin && c.length_matches_bin);
                if certain_card && !uscc::context_says_credit_code(ctx, start, end) {
                    card(s, start, end, ctx, push);
                } else if uscc::is_individual(s.as_bytes()) {
                    push(Kind::UsccIndividual, start, s.into(), Confidence::High);
                }
            } else {
                card(s, start, end, ctx, push);
            }
        }
        15 if bank_card::luhn_valid(s.as_bytes()) && ctx.has_keyword(KeywordSet::Imei, start, end) => {
            push(Kind::Imei, start, s.into(), Confidence::High);
        }
        15 => {
            if id_card::validate15(s.as_bytes()).is_ok()
                && ctx.has_keyword(KeywordSet::IdCard, start, end)
                && !ctx.has_negative_label(start)
            {
                push(Kind::IdCard, start, s.into(), Confidence::Medium);
            } else {
                card(s, start, end, ctx, push);
            }
        }
        16 | 17 | 19 => card(s, start, end, ctx, push),
        8 | 9 => {
            // Bare 8- and 9-digit numbers are everywhere; only a specific label next to them counts.
            let (kind, set) = match passport::classify_digits(s.as_bytes()) {
                Some(Kind::Passport) => (Kind::Passport, KeywordSet::Passport),
                Some(_) => (Kind::TravelPermit, KeywordSet::TaiwanPermit),
                None => return,
            };
            if ctx.has_keyword(set, start, end) {
                push(kind, start, s.into(), Confidence::Low);
            }
        }
        _ => {}
    }
}

/// `(0755)` or `（0755）` (optionally then a space or dash) right before `start`: the area code
/// and where the parenthesis opens.
fn parenthesised_area(text: &[u8], start: usize) -> Option<(String, usize)> {
    let mut end = start;
    if end > 0 && matches!(text[end - 1], b' ' | b'-') {
        end -= 1;
    }
    let (close_len, open_bytes): (usize, &[&[u8]]) = if text[..end].ends_with(b")") {
        (1, &[b"("])
    } else if text[..end].ends_with("）".as_bytes()) {
        (3, &["（".as_bytes()])
    } else {
        return None;
    };
    let inner_end = end - close_len;
    let digits_start =
        (inner_end.saturating_sub(4)..inner_end).find(|&i| text[i..inner_end].iter().all(u8::is_ascii_digit))?;
    let area = &text[digits_start..inner_end];
    let open = open_bytes[0];
    let open_at = digits_start.checked_sub(open.len())?;
    if &text[open_at..digits_start] != open || !(3..=4).contains(&area.len()) || area[0] != b'0' {
        return None;
    }
    Some((String::from_utf8_lossy(area).into_owned(), open_at))
}

fn card(s: &str, start: usize, end: usize, ctx: &Context, push: &mut impl FnMut(Kind, usize, Value, Confidence)) {
    let Some(check) = bank_card::check(s) else {
        return;
    };
    let certain = check.luhn && check.known_bin && check.length_matches_bin;
    if !certain && ctx.has_negative_label(start) {
        return;
    }
    if check.luhn {
        let conf = if check.length_matches_bin { Confidence::High } else { Confidence::Medium };
        push(Kind::BankCard, start, s.into(), conf);
    } else if check.known_bin && ctx.has_keyword(KeywordSet::BankCard, start, end) {
        push(Kind::BankCard, start, s.into(), Confidence::Low);
    }
}

/// What the detector tests share: the whole detector's findings, Luhn-completed numbers and
/// seeded digits.
#[cfg(test)]
pub(crate) mod test_support {
    use crate::finding::Kind;

    /// What the whole detector reports in `text`: kind, value and the bytes it spans.
    pub fn found(text: &str) -> Vec<(Kind, String, &str)> {
        let detector = super::Detector::new(super::DetectOptions::default());
        detector
            .detect(text.as_bytes())
            .into_iter()
            .map(|d| (d.kind, d.value.to_string(), &text[d.start..d.end]))
            .collect()
    }

    /// `digits` with its Luhn check digit appended (from the generator's own check code, not
    /// the validator's).
    pub fn with_luhn(digits: &str) -> String {
        format!("{digits}{}", piiscan_synth::luhn_check_digit(digits))
    }

    /// A seeded sequence of decimal digits.
    pub fn digits(state: &mut u64, n: usize) -> String {
        (0..n)
            .map(|_| {
                *state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                char::from(b'0' + ((*state >> 33) % 10) as u8)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use piiscan_synth::{document, render, DocFormat, Rng};

    /// Random bytes built from the pieces detectors care about (digits, separators, CJK
    /// fragments cut mid-character, quotes, newlines, '@', '.', full-width digits): no panic,
    /// and chunking never changes the result.
    #[test]
    fn random_bytes_never_panic_and_chunk_consistently() {
        const PIECES: &[&[u8]] = &[
            b"1",
            b"3",
            b"8",
            b"0",
            b"6",
            b"2",
            b"9",
            b"X",
            b"x",
            b"E",
            b"G",
            b"A",
            b" ",
            b"-",
            b".",
            b",",
            b"\n",
            b"\"",
            b"'",
            b"@",
            b"*",
            b"(",
            b")",
            b":",
            b"+86",
            "\u{ff11}".as_bytes(),
            "\u{ff18}".as_bytes(),
            "北京市".as_bytes(),
            "朝阳区".as_bytes(),
            "路".as_bytes(),
            "号".as_bytes(),
            "王".as_bytes(),
            "姓名：".as_bytes(),
            "京".as_bytes(),
            "护照".as_bytes(),
            &[0xE5],
            &[0xBC, 0x9A],
            &[0xFF],
            b"qq.com",
            b"INSERT INTO t (a,b) VALUES (",
        ];
        let detector = Detector::new(DetectOptions { include_masked: true });
        let mut rng = Rng::new(7);
        for _ in 0..1500 {
            let mut text = Vec::new();
            for _ in 0..rng.below(400) {
                text.extend_from_slice(PIECES[rng.below(PIECES.len())]);
            }
            let whole = detector.detect_in_chunks(&text, usize::MAX);
            assert_eq!(detector.detect_in_chunks(&text, 16), whole, "{:?}", String::from_utf8_lossy(&text));
        }
    }

    #[test]
    fn chunked_scans_equal_one_pass() {
        let detector = Detector::new(DetectOptions { include_masked: true });
        for (i, format) in DocFormat::ALL.into_iter().enumerate() {
            let mut rng = Rng::new(99 + i as u64);
            let text = render(&document(format, 400, &mut rng));
            let whole = detector.detect_in_chunks(text.as_bytes(), usize::MAX);
            assert!(!whole.is_empty());
            for chunk in [1, 97, 1000, 4096] {
                assert_eq!(detector.detect_in_chunks(text.as_bytes(), chunk), whole, "{format:?} in chunks of {chunk}");
            }
        }
    }

    /// A piece never ends inside a quoted cell, so an address whose cell goes on over two lines
    /// is found whole however the text is cut.
    #[test]
    fn pieces_do_not_cut_quoted_cells() {
        let detector = Detector::new(DetectOptions::default());
        let mut text = String::from("name,address,phone\n");
        for i in 0..200 {
            text.push_str(&format!("张{i},\"广东省深圳市南山区\n科技园路{}号\",1380013{:04}\n", i + 1, i));
        }
        let whole = detector.detect_in_chunks(text.as_bytes(), usize::MAX);
        let addresses = whole.iter().filter(|d| d.kind == Kind::Address).count();
        assert_eq!(addresses, 200);
        for chunk in [1, 50, 97, 1000] {
            assert_eq!(detector.detect_in_chunks(text.as_bytes(), chunk), whole, "chunks of {chunk}");
        }
        // A line that opens a cell moves the cut one line on, never more; one that closes a
        // cell does not.
        let lines = "a,\"x\ny\",b\nc\n";
        assert_eq!(piece_end(lines.as_bytes(), 0, lines.len()), 10);
        assert_eq!(piece_end(lines.as_bytes(), 5, lines.len()), 10);
        assert_eq!(piece_end(lines.as_bytes(), 10, lines.len()), 12);
    }
}
