//! Read stage, first look: what an input's first bytes say it is. Containers (compressed
//! streams, archives, office files, databases, PDFs) are recognised by their magic numbers,
//! whatever their file name; known binary formats are named; everything else is text unless
//! its first bytes are mostly control bytes.
//!
//! The binary policy follows ripgrep's "convert" mode rather than its "quit" mode: a NUL byte
//! does not end the scan of an otherwise textual input (an export with one NUL in its first row
//! is still an export), it is a separator like any other non-alphanumeric byte. Only an input
//! whose first bytes are mostly NUL and control bytes, or that carries the magic number of a
//! known binary format, is skipped as binary, and listed as such.

/// How many bytes of an input are looked at: tar's magic is at offset 257.
pub const HEAD: usize = 8 * 1024;

/// What an input is, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Text (possibly with a few NUL bytes), scanned as such.
    Text,
    /// A compressed stream; its content is sniffed again.
    Compressed(Compression),
    /// A zip archive, or an office file in one (told apart by its members).
    Zip,
    /// A tar archive.
    Tar,
    /// A SQLite 3 database.
    Sqlite,
    /// A PDF document.
    Pdf,
    /// An OLE compound file: a legacy Excel workbook, or another legacy Office document.
    Ole,
    /// Binary content, with what it looks like.
    Binary(&'static str),
}

/// Compression formats read as streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// gzip (`.gz`, `.tgz`), several members read one after the other.
    Gzip,
    /// bzip2 (`.bz2`), several streams read one after the other.
    Bzip2,
    /// xz (`.xz`), several streams read one after the other.
    Xz,
    /// Zstandard (`.zst`), several frames read one after the other.
    Zstd,
}

impl Compression {
    /// The name shown in messages.
    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Bzip2 => "bzip2",
            Compression::Xz => "xz",
            Compression::Zstd => "zstd",
        }
    }
}

impl Format {
    /// The name shown in messages and in the skipped list.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Compressed(c) => c.name(),
            Format::Zip => "zip archive",
            Format::Tar => "tar archive",
            Format::Sqlite => "SQLite database",
            Format::Pdf => "PDF document",
            Format::Ole => "OLE compound document",
            Format::Binary(what) => what,
        }
    }

    /// Whether this is a compressed stream or an archive (what `--no-archives` leaves out).
    pub fn is_archive(self) -> bool {
        matches!(self, Format::Compressed(_) | Format::Zip | Format::Tar)
    }
}

/// Magic numbers of binary formats that hold no text worth scanning, with their names.
const BINARY_MAGIC: &[(&[u8], &str)] = &[
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"\x7fELF", "ELF executable"),
    (b"\xcf\xfa\xed\xfe", "Mach-O executable"),
    (b"\xce\xfa\xed\xfe", "Mach-O executable"),
    (b"\xca\xfe\xba\xbe", "Mach-O universal binary or Java class"),
    (b"\0asm", "WebAssembly module"),
    (b"wOFF", "WOFF font"),
    (b"wOF2", "WOFF2 font"),
    (b"OggS\0", "Ogg media"),
    (b"fLaC", "FLAC audio"),
    (b"\x1a\x45\xdf\xa3", "Matroska/WebM media"),
    (b"7z\xbc\xaf\x27\x1c", "7z archive (not supported)"),
    (b"Rar!\x1a\x07", "RAR archive (not supported)"),
    (b"\x04\x22\x4d\x18", "LZ4 frame (not supported)"),
    (b"MSCF\0\0\0\0", "CAB archive (not supported)"),
    (b"!<arch>\n", "ar archive"),
];

/// What `head`, an input's first bytes (up to [`HEAD`], fewer for a shorter input), says it is.
pub fn sniff(head: &[u8]) -> Format {
    // Byte-order marks: text, whatever follows.
    if head.starts_with(b"\xef\xbb\xbf") || head.starts_with(b"\xff\xfe") || head.starts_with(b"\xfe\xff") {
        return Format::Text;
    }
    if head.starts_with(b"\x1f\x8b") {
        return Format::Compressed(Compression::Gzip);
    }
    if head.len() >= 4 && head.starts_with(b"BZh") && (b'1'..=b'9').contains(&head[3]) {
        return Format::Compressed(Compression::Bzip2);
    }
    if head.starts_with(b"\xfd7zXZ\0") {
        return Format::Compressed(Compression::Xz);
    }
    if head.starts_with(b"\x28\xb5\x2f\xfd") {
        return Format::Compressed(Compression::Zstd);
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") || head.starts_with(b"PK\x07\x08") {
        return Format::Zip;
    }
    if head.starts_with(b"SQLite format 3\0") {
        return Format::Sqlite;
    }
    if head.starts_with(b"%PDF-") {
        return Format::Pdf;
    }
    if head.starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
        return Format::Ole;
    }
    if is_tar(head) {
        return Format::Tar;
    }
    if let Some((_, what)) = BINARY_MAGIC.iter().find(|(magic, _)| head.starts_with(magic)) {
        return Format::Binary(what);
    }
    if head.len() >= 4 && head.starts_with(b"ID3") && (2..=4).contains(&head[3]) {
        return Format::Binary("MP3 audio");
    }
    if head.len() >= 12 && &head[..4] == b"RIFF" {
        return Format::Binary("RIFF media");
    }
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        return Format::Binary("MP4/QuickTime media");
    }
    if mostly_control(head) && utf16_without_bom(head).is_none() {
        return Format::Binary("binary data");
    }
    Format::Text
}

/// A POSIX (`ustar\0`) or GNU (`ustar  \0`) tar header, or an old-style one whose checksum
/// adds up.
fn is_tar(head: &[u8]) -> bool {
    if head.len() < 512 {
        return false;
    }
    if &head[257..262] == b"ustar" {
        return true;
    }
    // Old (v7) tar: no magic, but the header checksum (octal, at 148) counts the header's
    // bytes with the checksum field read as spaces.
    let field = &head[148..156];
    let digits: Vec<u8> = field.iter().copied().skip_while(|&b| b == b' ').take_while(u8::is_ascii_digit).collect();
    let Some(stored) = std::str::from_utf8(&digits).ok().and_then(|s| u32::from_str_radix(s, 8).ok()) else {
        return false;
    };
    let sum: u32 =
        head[..512].iter().enumerate().map(|(i, &b)| if (148..156).contains(&i) { 32 } else { u32::from(b) }).sum();
    // A header of NUL bytes sums to 256 (the spaces): not a header.
    stored == sum && sum > 256 && head[0] != 0
}

/// The byte order of UTF-16 text without a byte-order mark, if `head` is that. Text exported
/// as UTF-16 without a BOM (some Windows tools do this) has a NUL in nearly every other byte of
/// ASCII content; binary files do not show that regularity.
pub fn utf16_without_bom(head: &[u8]) -> Option<Utf16> {
    if head.len() < 16 {
        return None;
    }
    let pairs = head.len() / 2;
    let even_nul = head.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd_nul = head.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    if odd_nul * 10 >= pairs * 3 && even_nul * 50 <= pairs {
        Some(Utf16::Le)
    } else if even_nul * 10 >= pairs * 3 && odd_nul * 50 <= pairs {
        Some(Utf16::Be)
    } else {
        None
    }
}

/// The byte order of UTF-16 text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Utf16 {
    /// Little-endian.
    Le,
    /// Big-endian.
    Be,
}

/// Whether more than one byte in ten of `head` is a NUL or another control byte that text
/// does not carry (tab, line feed, carriage return, form feed and escape are text). Such
/// content is binary data, not an export with a stray NUL. UTF-16 text, which has a NUL in
/// every other byte, is recognised before this by the read stage.
fn mostly_control(head: &[u8]) -> bool {
    // Binary data without a single NUL in its first bytes is all but unknown (random bytes hold
    // one every 256): text, the common case, is told by one memchr.
    if memchr::memchr(0, head).is_none() {
        return false;
    }
    let control =
        head.iter().filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b)) || b == 0x7f).count();
    control * 10 > head.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_numbers() {
        assert_eq!(sniff(b"\x1f\x8b\x08\0"), Format::Compressed(Compression::Gzip));
        assert_eq!(sniff(b"BZh91AY&SY"), Format::Compressed(Compression::Bzip2));
        assert_eq!(sniff(b"BZh is a word"), Format::Text);
        assert_eq!(sniff(b"\xfd7zXZ\0\0"), Format::Compressed(Compression::Xz));
        assert_eq!(sniff(b"\x28\xb5\x2f\xfd\0"), Format::Compressed(Compression::Zstd));
        assert_eq!(sniff(b"PK\x03\x04\x14\0"), Format::Zip);
        assert_eq!(sniff(b"SQLite format 3\0\x10\0"), Format::Sqlite);
        assert_eq!(sniff(b"%PDF-1.4\n"), Format::Pdf);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0"), Format::Binary("PNG image"));
    }

    #[test]
    fn tar_headers() {
        let mut header = vec![0u8; 512];
        header[..9].copy_from_slice(b"users.csv");
        header[257..263].copy_from_slice(b"ustar\0");
        assert_eq!(sniff(&header), Format::Tar);
        // Old-style: no magic, checksum only.
        let mut old = vec![0u8; 512];
        old[..9].copy_from_slice(b"users.csv");
        old[100..107].copy_from_slice(b"0000644");
        let sum: u32 = old.iter().map(|&b| u32::from(b)).sum::<u32>() + 8 * 32;
        old[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        assert_eq!(sniff(&old), Format::Tar);
        old[0] = b'x';
        assert_ne!(sniff(&old), Format::Tar);
    }

    #[test]
    fn a_stray_nul_keeps_text_text() {
        let mut csv = b"name,id,phone\n".to_vec();
        csv.push(0);
        csv.extend_from_slice("张三,11010519491231002X,13800138000\n".repeat(50).as_bytes());
        assert_eq!(sniff(&csv), Format::Text);
        let noise: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        assert_eq!(sniff(&noise), Format::Binary("binary data"));
        assert_eq!(sniff(&[0u8; 100]), Format::Binary("binary data"));
        assert_eq!(sniff(b""), Format::Text);
    }
}
