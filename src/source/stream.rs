//! Read stage for streams (standard input, pipes, archive members, decompressed data): bytes
//! arrive in pieces and cannot be read twice, so the encoding is decided from the stream's
//! first bytes and the text is decoded piece by piece, each piece cut where no character,
//! escape or line spans the cut. The offset map keeps only what the text still held needs.

use super::{
    decode_gb18030, decode_utf16_into, first_invalid_utf8, json_escape_at, unescape_json_unicode, Encoding, OffsetMap,
};
use crate::sniff::{self, Utf16};

/// A line longer than this is cut at a comma or a space (or any ASCII byte below `0`) rather
/// than held whole: a stream is read in bounded memory, and no detector reads across those
/// bytes except a coordinate pair.
pub const MAX_LINE: usize = 16 << 20;

/// Decodes a stream piece by piece into UTF-8 text (see the module documentation).
#[derive(Debug)]
pub struct StreamDecoder {
    encoding: Encoding,
    map: OffsetMap,
    /// Bytes of the stream consumed so far.
    consumed: u64,
    /// Where the first bytes that were neither UTF-8 nor the stream's encoding were.
    invalid_at: Option<u64>,
    /// A UTF-16 byte-order mark still to skip at the start of the first piece.
    bom: usize,
}

impl StreamDecoder {
    /// The decoder for a stream whose first bytes are `head` (as many as are at hand: the
    /// encoding is judged on them as it is on a whole file).
    pub fn for_head(head: &[u8]) -> Self {
        let mut bom = 0;
        let encoding = if head.starts_with(&[0xFF, 0xFE]) {
            bom = 2;
            Encoding::Utf16Le
        } else if head.starts_with(&[0xFE, 0xFF]) {
            bom = 2;
            Encoding::Utf16Be
        } else {
            match sniff::utf16_without_bom(&head[..head.len().min(sniff::HEAD)]) {
                Some(Utf16::Le) if head[..head.len().min(sniff::HEAD)].contains(&0) => Encoding::Utf16Le,
                Some(Utf16::Be) if head[..head.len().min(sniff::HEAD)].contains(&0) => Encoding::Utf16Be,
                _ => {
                    let end = head.iter().rposition(|&b| b == b'\n').map_or(head.len(), |p| p + 1);
                    match first_invalid_utf8(&head[..end]) {
                        // As for a file: little well-formed multi-byte UTF-8 before the first
                        // error, and the bytes decode as GB18030: a GBK export.
                        Some(at)
                            if head[..at].iter().filter(|&&b| b >= 0xC0).count() < 8
                                && decode_gb18030(&head[..end]).is_some() =>
                        {
                            Encoding::Gb18030
                        }
                        _ => Encoding::Utf8,
                    }
                }
            }
        };
        StreamDecoder { encoding, map: OffsetMap::default(), consumed: 0, invalid_at: None, bom }
    }

    /// The encoding the stream is read in ([`Encoding::Utf8Lossy`] once invalid bytes were met).
    pub fn encoding(&self) -> Encoding {
        match (self.encoding, self.invalid_at) {
            (Encoding::Utf8, Some(_)) => Encoding::Utf8Lossy,
            (encoding, _) => encoding,
        }
    }

    /// Where the first bytes that could not be decoded were (scanned as raw bytes).
    pub fn invalid_at(&self) -> Option<u64> {
        self.invalid_at
    }

    /// How many of the undecoded bytes `raw` can be decoded now: up to a line end (no
    /// character or escape spans one), to a cut in a line longer than [`MAX_LINE`], to a
    /// whole 16-bit unit in UTF-16, or all of them at the end of the stream.
    pub fn ready(&self, raw: &[u8], eof: bool) -> usize {
        if eof {
            return raw.len();
        }
        match self.encoding {
            Encoding::Utf16Le | Encoding::Utf16Be => {
                let mut end = raw.len() & !1;
                // A high surrogate waits for its low half.
                if end >= 2 {
                    let unit = match self.encoding {
                        Encoding::Utf16Le => u16::from_le_bytes([raw[end - 2], raw[end - 1]]),
                        _ => u16::from_be_bytes([raw[end - 2], raw[end - 1]]),
                    };
                    if (0xD800..0xDC00).contains(&unit) {
                        end -= 2;
                    }
                }
                end
            }
            _ => match memchr::memrchr(b'\n', raw) {
                Some(p) => p + 1,
                None if raw.len() > MAX_LINE => soft_cut(raw).unwrap_or(0),
                None => 0,
            },
        }
    }

    /// Decodes `piece` (the bytes [`StreamDecoder::ready`] allowed) and appends its text to
    /// `text`, whose length is the text offset the piece starts at.
    pub fn decode(&mut self, mut piece: &[u8], text: &mut Vec<u8>) {
        let mut map = OffsetMap::default();
        if self.bom > 0 && piece.len() >= self.bom {
            // The mark is no character of the text; its bytes still count in offsets.
            map.push(0, self.bom);
            self.consumed += self.bom as u64;
            piece = &piece[self.bom..];
            self.bom = 0;
        }
        match self.encoding {
            Encoding::Utf16Le | Encoding::Utf16Be => decode_utf16_into(piece, self.encoding, text, &mut map),
            Encoding::Gb18030 => match decode_gb18030(piece) {
                Some((decoded, piece_map)) => {
                    text.extend_from_slice(&decoded);
                    map = piece_map;
                }
                None => self.raw(piece, text, &mut map),
            },
            _ => {
                let first_escape =
                    memchr::memmem::find_iter(piece, b"\\u").find(|&i| json_escape_at(piece, i).is_some());
                match first_invalid_utf8(piece) {
                    Some(_) => self.raw(piece, text, &mut map),
                    None => match first_escape {
                        Some(first) => {
                            let (decoded, piece_map) = unescape_json_unicode(piece, first);
                            text.extend_from_slice(&decoded);
                            map = piece_map;
                        }
                        None => {
                            text.extend_from_slice(piece);
                            map.push_many(1, 1, piece.len());
                        }
                    },
                }
            }
        }
        self.map.append(&map);
        self.consumed += piece.len() as u64;
    }

    /// A piece that is not valid in the stream's encoding is scanned as raw bytes, as a file
    /// with broken bytes is.
    fn raw(&mut self, piece: &[u8], text: &mut Vec<u8>, map: &mut OffsetMap) {
        let at = first_invalid_utf8(piece).unwrap_or(0);
        self.invalid_at.get_or_insert(self.consumed + at as u64);
        text.extend_from_slice(piece);
        map.push_many(1, 1, piece.len());
    }

    /// The stream offset of a text offset at or after the last [`StreamDecoder::forget_before`].
    pub fn original(&self, text_offset: usize) -> usize {
        self.map.original(text_offset)
    }

    /// [`OffsetMap::escape_extra_chars`] of a UTF-8 stream's text; nothing for a transcoded one.
    pub fn escape_extra_chars(&self, text_range: std::ops::Range<usize>) -> u64 {
        if self.encoding == Encoding::Utf8 {
            self.map.escape_extra_chars(text_range)
        } else {
            0
        }
    }

    /// Forgets how text before `text_offset` maps back: it is no longer held.
    pub fn forget_before(&mut self, text_offset: usize) {
        self.map.forget_before(text_offset);
    }
}

/// Where a line too long to hold can be cut: after its last comma, else after its last byte
/// below `0` (space, punctuation, control). None of these is ever part of a multi-byte
/// character in UTF-8, GB18030 or an escape.
pub fn soft_cut(bytes: &[u8]) -> Option<usize> {
    memchr::memrchr(b',', bytes).or_else(|| bytes.iter().rposition(|&b| b < b'0' && b != b'\\')).map(|p| p + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `bytes` in pieces of at most `step` bytes, as a stream arrives.
    fn decode_in_pieces(bytes: &[u8], step: usize) -> (Vec<u8>, StreamDecoder) {
        let mut decoder = StreamDecoder::for_head(&bytes[..bytes.len().min(4096)]);
        let mut text = Vec::new();
        let mut raw = Vec::new();
        for chunk in bytes.chunks(step) {
            raw.extend_from_slice(chunk);
            let n = decoder.ready(&raw, false);
            decoder.decode(&raw[..n], &mut text);
            raw.drain(..n);
        }
        let n = decoder.ready(&raw, true);
        decoder.decode(&raw[..n], &mut text);
        (text, decoder)
    }

    #[test]
    fn gbk_in_pieces_maps_back() {
        let line = "姓名张三,手机13800138000,地址北京市朝阳区\n".repeat(40);
        let (gbk, _, _) = encoding_rs::GBK.encode(&line);
        for step in [1, 7, 100, 5000] {
            let (text, decoder) = decode_in_pieces(&gbk, step);
            assert_eq!(decoder.encoding(), Encoding::Gb18030);
            assert_eq!(text, line.as_bytes(), "step {step}");
            let last = memchr::memmem::rfind(&text, b"13800138000").expect("phone");
            let orig = decoder.original(last);
            assert_eq!(&gbk[orig..orig + 11], b"13800138000");
        }
    }

    #[test]
    fn utf16_and_escapes_in_pieces() {
        let line = "电话13800138000 😀\n".repeat(30);
        let mut le = vec![0xFF, 0xFE];
        for u in line.encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
        }
        for step in [1, 3, 64] {
            let (text, decoder) = decode_in_pieces(&le, step);
            assert_eq!(text, line.as_bytes(), "step {step}");
            let pos = memchr::memmem::rfind(&text, b"138").expect("phone");
            assert_eq!(&le[decoder.original(pos)..decoder.original(pos) + 2], b"1\0");
        }
        let json = r#"{"addr":"\u5317\u4eac","m":"13800138000"}"#.to_string() + "\n";
        let (text, decoder) = decode_in_pieces(json.repeat(20).as_bytes(), 5);
        assert!(std::str::from_utf8(&text).expect("utf8").contains(r#""addr":"北京""#));
        assert_eq!(decoder.encoding(), Encoding::Utf8);
    }

    #[test]
    fn broken_bytes_are_kept_raw_and_reported() {
        let mut bytes = "中文内容很多很多很多很多\n".repeat(10).into_bytes();
        let at = bytes.len();
        bytes.extend_from_slice(b"\xff 13800138000\n");
        let (text, decoder) = decode_in_pieces(&bytes, 10);
        assert_eq!(text, bytes);
        assert_eq!(decoder.invalid_at(), Some(at as u64));
        assert_eq!(decoder.encoding(), Encoding::Utf8Lossy);
    }

    #[test]
    fn long_lines_are_cut_at_a_comma() {
        let decoder = StreamDecoder::for_head(b"a,b");
        let long = vec![b'a'; MAX_LINE + 10];
        assert_eq!(decoder.ready(&long, false), 0);
        let mut with_comma = long.clone();
        with_comma[100] = b',';
        assert_eq!(decoder.ready(&with_comma, false), 101);
    }
}
