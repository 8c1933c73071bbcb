//! Validate stage for `geo`: a precise latitude/longitude pair. Two decimal numbers close
//! together on one line, each with four or more decimals (about 10 m), one a latitude
//! (|x| <= 90) and one a longitude (|x| <= 180). Inside China's bounding box the pair stands on
//! its own; elsewhere it needs a coordinate label (经纬度, lat, lng, gps ...).

/// One decimal number in the text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decimal {
    /// Byte span, including a leading minus sign.
    pub start: usize,
    /// End of the span.
    pub end: usize,
    /// Its value; NaN (never parsed) below four decimals, too coarse for a position.
    pub value: f64,
    /// Digits after the point.
    pub decimals: usize,
}

/// Parses a dotted run as a decimal number (one dot), taking a minus sign before it.
pub fn decimal(text: &[u8], start: usize, end: usize) -> Option<Decimal> {
    let run = &text[start..end];
    let dot = start + memchr::memchr(b'.', run)?;
    if memchr::memchr(b'.', &text[dot + 1..end]).is_some() {
        return None;
    }
    decimal_at(text, start, end, dot)
}

/// [`decimal`] of a run known to hold exactly one dot, at `dot`.
pub fn decimal_at(text: &[u8], start: usize, end: usize, dot: usize) -> Option<Decimal> {
    let run = &text[start..end];
    let frac = &text[dot + 1..end];
    let negative = start > 0 && text[start - 1] == b'-';
    let value: f64 = if frac.len() >= MIN_DECIMALS { std::str::from_utf8(run).ok()?.parse().ok()? } else { f64::NAN };
    let (start, value) = if negative { (start - 1, -value) } else { (start, value) };
    Some(Decimal { start, end, value, decimals: frac.len() })
}

/// Four decimals of a degree are about 10 m; fewer do not locate a person.
const MIN_DECIMALS: usize = 4;

/// The longest gap between the two numbers of a pair.
const MAX_GAP: usize = 40;

fn in_china(lat: f64, lng: f64) -> bool {
    (3.0..=54.0).contains(&lat) && (73.0..=136.0).contains(&lng)
}

/// Pairs consecutive decimals into positions. `labelled(start, end)` says whether a coordinate
/// label stands near the pair. Returns (start, end, "lat,lng").
pub fn pairs(
    text: &[u8],
    decimals: &[Decimal],
    labelled: impl Fn(usize, usize) -> bool,
) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < decimals.len() {
        let (a, b) = (decimals[i], decimals[i + 1]);
        // Most decimals in an export are amounts: reject on the cheap tests first.
        let precise = a.decimals >= MIN_DECIMALS && b.decimals >= MIN_DECIMALS;
        if !precise || b.start < a.end || b.start - a.end > MAX_GAP {
            i += 1;
            continue;
        }
        let gap = &text[a.end..b.start];
        let close = !gap.contains(&b'\n') && !decimal_within(text, a.end..b.start);
        // Which of the two is the latitude: inside China's box if either order fits it, else
        // the first order that is a valid position.
        let a_first = [true, false]
            .into_iter()
            .find(|&first| {
                let (lat, lng) = if first { (a.value, b.value) } else { (b.value, a.value) };
                in_china(lat, lng)
            })
            .map(|first| (first, true))
            .or_else(|| {
                [true, false]
                    .into_iter()
                    .find(|&first| {
                        let (lat, lng) = if first { (a.value, b.value) } else { (b.value, a.value) };
                        lat.abs() <= 90.0 && lng.abs() <= 180.0
                    })
                    .map(|first| (first, false))
            });
        if let (true, true, Some((lat_first, china))) = (close, precise, a_first) {
            if china || labelled(a.start, b.end) {
                let text_of = |d: Decimal| String::from_utf8_lossy(&text[d.start..d.end]).into_owned();
                let (lat, lng) = if lat_first { (a, b) } else { (b, a) };
                out.push((a.start, b.end, format!("{},{}", text_of(lat), text_of(lng))));
                i += 2;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Whether a decimal number (a dotted run with one dot, as [`crate::matcher::dotted_numbers`]
/// reads it) lies in `range`. Callers list only the decimals precise enough for a position, so a
/// coarse one between two of them (`39.9088 12.50 116.3975`) is looked for here: it keeps the
/// two from being a pair.
fn decimal_within(text: &[u8], range: std::ops::Range<usize>) -> bool {
    let dots: Vec<usize> =
        memchr::memchr_iter(b'.', &text[range.clone()]).map(|p| range.start + p).filter(|&d| d > 0).collect();
    let mut found = false;
    crate::matcher::dotted_numbers(text, &dots, |r| found |= r.dots == 1);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pairs over the decimals of the dots the fused pass notes, as the detector reads them.
    fn pairs_of_noted_dots(text: &[u8], labelled: bool) -> Vec<(usize, usize, String)> {
        let mut decimals = Vec::new();
        let dots: Vec<usize> = memchr::memchr_iter(b'.', text)
            .filter(|&d| d > 0 && text[d - 1].is_ascii_digit() && crate::matcher::dot_worth_reading(text, d))
            .collect();
        crate::matcher::dotted_numbers(text, &dots, |r| decimals.extend(decimal(text, r.start, r.end)));
        pairs(text, &decimals, |_, _| labelled)
    }

    fn geo(text: &str, labelled: bool) -> Vec<String> {
        pairs_of_noted_dots(text.as_bytes(), labelled).into_iter().map(|p| p.2).collect()
    }

    /// Pairs as they were read when every decimal was listed, amounts included, so that an
    /// amount between two coordinates kept them apart by being listed between them.
    fn geo_listing_every_decimal(text: &[u8]) -> Vec<(usize, usize, String)> {
        let mut decimals = Vec::new();
        let dots: Vec<usize> = memchr::memchr_iter(b'.', text).collect();
        crate::matcher::dotted_numbers(text, &dots, |r| decimals.extend(decimal(text, r.start, r.end)));
        pairs(text, &decimals, |_, _| true)
    }

    #[test]
    fn listing_only_precise_decimals_pairs_the_same() {
        let pieces: &[&[u8]] = &[
            b"39.908823",
            b"116.397470",
            b"-74.0059",
            b"12.50",
            b"7.1",
            b"1.2.3.4",
            b"3",
            b".",
            b" ",
            b",",
            b"\n",
            b"a",
            b"-",
        ];
        let mut rng = piiscan_synth::Rng::new(7);
        for _ in 0..20_000 {
            let text: Vec<u8> = (0..rng.below(12)).flat_map(|_| rng.pick(pieces).iter().copied()).collect();
            let s = std::str::from_utf8(&text).unwrap_or_default();
            let fast = pairs_of_noted_dots(&text, true);
            assert_eq!(fast, geo_listing_every_decimal(&text), "{s:?}");
        }
    }

    #[test]
    fn coordinate_pairs() {
        assert_eq!(geo("pos 39.908823,116.397470", false), ["39.908823,116.397470"]);
        assert_eq!(geo("lng=116.397470 lat=39.908823", false), ["39.908823,116.397470"]);
        assert_eq!(geo("40.712776, -74.005974", true), ["40.712776,-74.005974"]);
        assert!(geo("40.712776, -74.005974", false).is_empty(), "outside China needs a label");
    }

    #[test]
    fn not_coordinates() {
        assert!(geo("price 39.90 116.39", false).is_empty());
        assert!(geo("39.908823\n116.397470", false).is_empty());
        assert!(geo("ratio 0.123456 0.654321", false).is_empty());
        assert!(geo("39.908823 12.50 116.397470", false).is_empty(), "an amount between them");
        assert_eq!(geo("39.908823 1.2.3 116.397470", false), ["39.908823,116.397470"], "a version is no decimal");
    }
}
