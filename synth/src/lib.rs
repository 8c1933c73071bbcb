//! Synthetic labelled data for tests and benchmarks: realistic exports (CSV with headers, SQL
//! dumps, JSON lines, logs, Chinese prose, source files with fixtures) in which every line
//! carries the set of kinds it really contains. Values are valid but made up (check digits are
//! computed, prefixes and BINs come from the reference tables), and the negatives are the
//! look-alikes that fool regex scanners: order numbers, timestamps, hashes, decimals, broken
//! check digits, unallocated prefixes, masked values, product codes.
//!
//! Deterministic: the same seed gives the same corpus, so benchmark numbers compare between
//! commits. A dev-only crate that does not depend on piiscan: every check digit (GB 11643
//! MOD 11-2, Luhn, GB 32100 and GB 11714, the Hong Kong and Taiwan identity card checks) is
//! computed here with its own code, so a bug in a validator cannot confirm itself in the
//! accuracy test. Reference tables come from the repository's `patterns/` files or small lists
//! of its own.

mod check;
mod label;

pub use check::{gb11714_check, gb32100_check, hk_id_check, id_check_char, luhn_check_digit, tw_id_check};
pub use label::Label;
use std::collections::BTreeSet;

/// The region code table piiscan embeds (GB/T 2260, yescallop/areacodes; see
/// patterns/SOURCES.md), read for its codes only.
const REGIONS_CSV: &str = include_str!("../../patterns/regions.csv");

/// SplitMix64: tiny, fast, and good enough for test data.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 1.0 < p
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// `n` random ASCII digits.
    pub fn digits(&mut self, n: usize) -> String {
        (0..n).map(|_| char::from(b'0' + self.below(10) as u8)).collect()
    }
}

/// One line of a synthetic document and the kinds it truly contains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabeledLine {
    /// The line, without its newline.
    pub text: String,
    /// Kinds present on the line.
    pub kinds: BTreeSet<Label>,
}

/// The document formats the generator writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocFormat {
    /// CSV with a header line.
    Csv,
    /// A mysqldump-style SQL file with multi-row INSERTs.
    Sql,
    /// JSON lines.
    Jsonl,
    /// Application log.
    Log,
    /// Chinese prose (chat, notes, complaint letters).
    Prose,
    /// Source code with test fixtures.
    Source,
    /// A digit-heavy TSV (transaction ids, accounts, amounts, timestamps, references) with
    /// sparse planted phones and ID numbers: the corpus regex scanners do worst on.
    Digits,
    /// A Chinese e-commerce export: a name, an address, an amount, an order number, an IP and a
    /// free-text comment on every row, and on some rows an ID number, a phone, a card or an
    /// e-mail address: the shape where the Chinese layers do the work.
    Export,
    /// A customer-records export (CRM, KYC, fleet) with the kinds the others lack: landlines,
    /// passports and travel permits under their columns, plates, device IMEIs, coordinates,
    /// sole proprietors' credit codes, public IPs and masked values.
    Records,
}

impl DocFormat {
    /// Every format.
    pub const ALL: [DocFormat; 9] = [
        DocFormat::Csv,
        DocFormat::Sql,
        DocFormat::Jsonl,
        DocFormat::Log,
        DocFormat::Prose,
        DocFormat::Source,
        DocFormat::Digits,
        DocFormat::Export,
        DocFormat::Records,
    ];

    /// The format's name on the command line (`csv`, `sql`, ...).
    pub fn name(self) -> &'static str {
        match self {
            DocFormat::Csv => "csv",
            DocFormat::Sql => "sql",
            DocFormat::Jsonl => "jsonl",
            DocFormat::Log => "log",
            DocFormat::Prose => "prose",
            DocFormat::Source => "source",
            DocFormat::Digits => "digits",
            DocFormat::Export => "export",
            DocFormat::Records => "records",
        }
    }

    /// Parses a format name.
    pub fn from_name(name: &str) -> Option<DocFormat> {
        DocFormat::ALL.into_iter().find(|f| f.name() == name)
    }

    /// A file extension for the format.
    pub fn extension(self) -> &'static str {
        match self {
            DocFormat::Csv => "csv",
            DocFormat::Sql => "sql",
            DocFormat::Jsonl => "jsonl",
            DocFormat::Log => "log",
            DocFormat::Prose => "txt",
            DocFormat::Source => "py",
            DocFormat::Digits => "tsv",
            DocFormat::Export => "csv",
            DocFormat::Records => "csv",
        }
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林",
    "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "欧阳", "司马",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
    "秀兰", "霞", "平", "刚", "桂英", "子涵", "浩然", "一诺", "欣怡", "梓轩",
];
const ROADS: &[&str] = &[
    "建国",
    "人民",
    "解放",
    "中山",
    "文三",
    "科技南十二",
    "长江",
    "黄河",
    "新华",
    "和平",
    "光明",
    "胜利",
    "朝阳北",
    "学院",
];
const ROAD_SUFFIX: &[&str] = &["路", "街", "大道", "大街", "巷"];
const ESTATES: &[&str] = &["阳光花园", "幸福小区", "金色家园", "华星时代广场", "翠苑", "滨江公寓", "世纪大厦"];
const EMAIL_DOMAINS: &[&str] = &[
    "qq.com",
    "163.com",
    "126.com",
    "sina.com",
    "foxmail.com",
    "gmail.com",
    "outlook.com",
    "company.com.cn",
    "139.com",
];
const EMAIL_WORDS: &[&str] =
    &["zhang", "li", "wang", "chen", "liu", "yang", "xiaoming", "dragon", "tiger", "sun", "moon", "happy"];

/// A person's made-up name.
pub fn name(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))
}

/// County-level codes of the mainland provinces (a person's region code), from the table.
fn person_region_codes() -> Vec<u32> {
    let mut codes: Vec<u32> = REGIONS_CSV
        .lines()
        .skip(1)
        .filter_map(|line| line.split(',').next()?.parse().ok())
        .filter(|&c: &u32| (110000..=659999).contains(&c) && c % 100 != 0)
        .collect();
    codes.sort_unstable();
    codes.dedup();
    assert!(codes.len() > 1000, "patterns/regions.csv: too few county codes");
    codes.truncate(4000);
    codes
}

fn birth(rng: &mut Rng) -> String {
    let year = 1940 + rng.below(70);
    let month = 1 + rng.below(12);
    let day = 1 + rng.below(28);
    format!("{year:04}{month:02}{day:02}")
}

/// A valid 18-character resident ID.
pub fn id_card(rng: &mut Rng) -> String {
    thread_local! { static CODES: Vec<u32> = person_region_codes(); }
    let region = CODES.with(|c| *rng.pick(c));
    let body = format!("{region:06}{}{}", birth(rng), rng.digits(3));
    let check = id_check_char(&body);
    format!("{body}{check}")
}

/// An 18-digit string with a wrong check character.
pub fn id_card_bad_check(rng: &mut Rng) -> String {
    let good = id_card(rng);
    let last = good.as_bytes()[17];
    let wrong = if last == b'0' { '1' } else { '0' };
    format!("{}{wrong}", &good[..17])
}

/// A valid mobile number on a common prefix.
pub fn mobile(rng: &mut Rng) -> String {
    const HEADS: &[&str] = &[
        "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "156", "157",
        "158", "159", "166", "173", "175", "176", "177", "178", "180", "181", "182", "183", "185", "186", "187", "188",
        "189", "191", "198", "199", "147", "195", "192",
    ];
    format!("{}{}", rng.pick(HEADS), rng.digits(8))
}

/// An 11-digit number on a never-allocated prefix (154, 194, 140-144, 12x).
pub fn mobile_unallocated(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(&["154", "194", "160", "163", "140", "121", "104"]), rng.digits(8))
}

fn luhn_complete(body: &str) -> String {
    format!("{body}{}", luhn_check_digit(body))
}

/// A Luhn-valid card number on a real BIN with that BIN's length.
pub fn bank_card(rng: &mut Rng) -> String {
    const BINS: &[(&str, usize)] = &[
        ("622202", 19),
        ("622848", 19),
        ("621700", 19),
        ("622588", 16),
        ("625802", 16),
        ("623058", 19),
        ("621483", 16),
        ("436742", 16),
        ("622700", 19),
        ("621226", 19),
        ("622262", 19),
        ("628262", 16),
        // 18-digit cards: about 1 in 31 also passes the credit-code check digit, and must stay
        // a card.
        ("438588", 18),
        ("603367", 18),
        ("603602", 18),
    ];
    let (bin, len) = *rng.pick(BINS);
    let body = format!("{bin}{}", rng.digits(len - bin.len() - 1));
    luhn_complete(&body)
}

/// A card-shaped number on a real BIN whose Luhn digit is wrong.
pub fn bank_card_bad_luhn(rng: &mut Rng) -> String {
    let good = bank_card(rng);
    let (body, last) = good.split_at(good.len() - 1);
    let wrong = (last.as_bytes()[0] - b'0' + 1 + rng.below(8) as u8) % 10;
    format!("{body}{wrong}")
}

/// A plausible e-mail address.
pub fn email(rng: &mut Rng) -> String {
    let local = match rng.below(3) {
        0 => {
            let n = 2 + rng.below(3);
            format!("{}{}", rng.pick(EMAIL_WORDS), rng.digits(n))
        }
        1 => format!("{}.{}", rng.pick(EMAIL_WORDS), rng.pick(EMAIL_WORDS)),
        _ => mobile(rng).chars().skip(2).collect::<String>() + "_x",
    };
    format!("{local}@{}", rng.pick(EMAIL_DOMAINS))
}

/// A PRC passport number.
pub fn passport(rng: &mut Rng) -> String {
    const LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    match rng.below(3) {
        0 => format!("E{}", rng.digits(8)),
        1 => format!("E{}{}", char::from(*rng.pick(LETTERS)), rng.digits(7)),
        _ => format!("G{}", rng.digits(8)),
    }
}

/// A full postal address: province, prefecture, county from the gazetteer, then street part.
pub fn address(rng: &mut Rng) -> String {
    const PLACES: &[&str] = &[
        "北京市朝阳区",
        "北京市海淀区",
        "上海市浦东新区",
        "上海市徐汇区",
        "广东省深圳市南山区",
        "广东省广州市天河区",
        "浙江省杭州市西湖区",
        "江苏省南京市鼓楼区",
        "四川省成都市武侯区",
        "湖北省武汉市洪山区",
        "陕西省西安市雁塔区",
        "山东省青岛市市南区",
        "河南省郑州市金水区",
        "福建省厦门市思明区",
        "重庆市渝中区",
        "天津市和平区",
        "浙江杭州余杭区",
        "广东深圳福田区",
        "湖南省长沙市岳麓区",
        "辽宁省沈阳市和平区",
    ];
    let place = rng.pick(PLACES);
    let road = format!("{}{}", rng.pick(ROADS), rng.pick(ROAD_SUFFIX));
    match rng.below(3) {
        0 => format!("{place}{road}{}号", 1 + rng.below(999)),
        1 => format!(
            "{place}{road}{}号{}{}栋{}室",
            1 + rng.below(300),
            rng.pick(ESTATES),
            1 + rng.below(30),
            101 + rng.below(2800)
        ),
        _ => format!("{place}{road}{}号{}单元{}室", 1 + rng.below(500), 1 + rng.below(6), 101 + rng.below(1800)),
    }
}

/// Look-alikes that no detector may report as a leak: order numbers, timestamps, hashes,
/// broken check digits, unallocated prefixes, product codes, versions, private addresses, and
/// masked values (which are recognised as such: see [`labeled_decoy`]).
pub fn decoy(rng: &mut Rng) -> String {
    labeled_decoy(rng).0
}

/// A look-alike and, for the masked values among them, their label (`mobile_masked`,
/// `id_card_masked`).
pub fn labeled_decoy(rng: &mut Rng) -> (String, Option<Label>) {
    let pick = rng.below(16);
    let label = match pick {
        8 => Some(Label::MobileMasked),
        9 => Some(Label::IdCardMasked),
        _ => None,
    };
    (decoy_of(pick, rng), label)
}

fn decoy_of(pick: usize, rng: &mut Rng) -> String {
    match pick {
        0 => format!("ORD{}", rng.digits(17)),
        1 => rng.digits(20),
        2 => format!("17{}", rng.digits(11)),              // millisecond timestamp
        3 => format!("{}.{}", mobile(rng), rng.digits(2)), // decimal amount
        4 => id_card_bad_check(rng),
        5 => mobile_unallocated(rng),
        6 => format!("{:016x}{:016x}", rng.next_u64(), rng.next_u64()), // hash
        7 => format!(
            "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            rng.next_u64() as u32,
            rng.below(65536),
            rng.below(4096),
            rng.below(4096),
            rng.next_u64() & 0xFFFF_FFFF_FFFF
        ),
        8 => format!("{}****{}", &mobile(rng)[..3], rng.digits(4)),
        9 => format!("{}********{}", &id_card(rng)[..6], &id_card(rng)[14..]),
        10 => format!("E{}", rng.digits(8)),    // product code, no passport keyword
        11 => format!("978{}", rng.digits(10)), // ISBN-13
        12 => format!("v{}.{}.{}", rng.below(10), rng.below(30), rng.below(100)),
        13 => {
            // Too long for a phone.
            let n = 1 + rng.below(4);
            format!("{}{}", mobile(rng), rng.digits(n))
        }
        14 => format!("logo@{}x.png", 2 + rng.below(2)),
        _ => format!("10.{}.{}.{}", rng.below(256), rng.below(256), rng.below(256)),
    }
}

/// Shoppers' comments: Chinese free text without personal information.
const COMMENTS: &[&str] = &[
    "物流很快，包装完好",
    "商品与描述一致，好评",
    "包装有点破损，已联系客服处理",
    "希望下次还能有优惠活动",
    "送货上门，快递员服务态度很好",
    "尺码偏小，建议买大一号",
    "颜色和图片有色差，整体还可以",
    "第二次购买了，质量稳定",
    "发票已开，谢谢商家",
    "客服回复及时，耐心解答问题",
];

/// A mainland landline with its area code, as people write it (`010-62751234`).
pub fn landline(rng: &mut Rng) -> String {
    // Area codes of large cities (patterns/landline_area_codes.txt lists them all); subscriber
    // numbers have eight digits there and never start with 0 or 1.
    const AREAS: &[&str] =
        &["010", "020", "021", "022", "023", "024", "025", "027", "028", "029", "0571", "0755", "0512", "0532"];
    let area = rng.pick(AREAS);
    let first = 2 + rng.below(7);
    format!("{area}-{first}{}", rng.digits(7))
}

/// A mainland travel permit number: 往来港澳通行证 (C + 8 digits) or 回乡证 (H/M + 8 + 2).
pub fn travel_permit(rng: &mut Rng) -> (String, &'static str) {
    match rng.below(2) {
        0 => (format!("C{}", rng.digits(8)), "往来港澳通行证"),
        _ => (format!("{}{}{:02}", rng.pick(&['H', 'M']), rng.digits(8), rng.below(5)), "回乡证"),
    }
}

/// A vehicle plate (GA 36-2018 ordinary shape: province, issuing letter, five characters).
pub fn plate(rng: &mut Rng) -> String {
    const PROVINCES: &[&str] = &[
        "京", "津", "沪", "渝", "冀", "晋", "辽", "吉", "黑", "苏", "浙", "皖", "闽", "赣", "鲁", "豫", "鄂", "湘",
        "粤", "琼", "川", "贵", "云", "陕", "甘", "青",
    ];
    // Plates never use I or O.
    const LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    // At most two of the five serial characters are letters (GA 36-2018).
    let mut tail = String::new();
    let mut letters = 0;
    for _ in 0..5 {
        if letters < 2 && rng.chance(0.2) {
            letters += 1;
            tail.push(char::from(*rng.pick(LETTERS)));
        } else {
            tail.push(char::from(b'0' + rng.below(10) as u8));
        }
    }
    format!("{}{}{tail}", rng.pick(PROVINCES), char::from(*rng.pick(&LETTERS[..12])))
}

/// A device IMEI: an 8-digit type allocation code, a 6-digit serial and the Luhn digit.
pub fn imei(rng: &mut Rng) -> String {
    let body = format!("{}{}", rng.pick(&["35", "86", "01"]), rng.digits(12));
    luhn_complete(&body)
}

/// A coordinate pair inside China, to six decimals (about 10 cm).
pub fn geo(rng: &mut Rng) -> String {
    let lat = 22.0 + rng.below(23_000_000) as f64 / 1_000_000.0;
    let lng = 100.0 + rng.below(25_000_000) as f64 / 1_000_000.0;
    format!("{lat:.6},{lng:.6}")
}

/// A sole proprietor's unified social credit code: 92, a region code, an organisation code
/// with its GB 11714 check, and the GB 32100 check character.
pub fn uscc_individual(rng: &mut Rng) -> String {
    thread_local! { static CODES: Vec<u32> = person_region_codes(); }
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let region = CODES.with(|c| *rng.pick(c));
    let mut org = String::from("MA");
    for _ in 0..6 {
        org.push(char::from(*rng.pick(CHARS)));
    }
    let body = format!("92{region:06}{org}{}", gb11714_check(&org));
    format!("{body}{}", gb32100_check(&body))
}

/// A Hong Kong identity card number as printed: `A123456(3)`, one letter in four cases of five.
pub fn hk_id_card(rng: &mut Rng) -> String {
    let letters = if rng.chance(0.2) { 2 } else { 1 };
    let mut body: String = (0..letters).map(|_| char::from(b'A' + rng.below(26) as u8)).collect();
    body.push_str(&rng.digits(6));
    let check = hk_id_check(&body);
    format!("{body}({check})")
}

/// A Macau identity card number as printed: `1234567(8)`, first digit 1, 5 or 7.
pub fn mo_id_card(rng: &mut Rng) -> String {
    format!("{}{}({})", rng.pick(&['1', '5', '7']), rng.digits(6), rng.digits(1))
}

/// A Taiwan national ID: a letter, a sex digit (8 or 9 on resident certificates) and eight
/// digits, the last a check digit.
pub fn tw_id_card(rng: &mut Rng) -> String {
    const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let sex = if rng.chance(0.9) { rng.pick(&['1', '2']) } else { rng.pick(&['8', '9']) };
    let body = format!("{}{sex}{}", char::from(*rng.pick(LETTERS)), rng.digits(7));
    format!("{body}{}", tw_id_check(&body))
}

/// A masked ID number as Chinese systems display it.
pub fn id_card_masked(rng: &mut Rng) -> String {
    let id = id_card(rng);
    format!("{}********{}", &id[..6], &id[14..])
}

/// A masked mobile number as Chinese systems display it.
pub fn mobile_masked(rng: &mut Rng) -> String {
    let m = mobile(rng);
    format!("{}****{}", &m[..3], &m[7..])
}

/// A public IPv4 address (from blocks allocated to Chinese networks).
fn public_ip(rng: &mut Rng) -> String {
    let first = *rng.pick(&[58u8, 61, 101, 112, 114, 116, 117, 120, 121, 122, 183, 202, 218, 222]);
    format!("{first}.{}.{}.{}", rng.below(256), rng.below(256), 1 + rng.below(254))
}

fn labeled(text: String, kinds: &[Label]) -> LabeledLine {
    LabeledLine { text, kinds: kinds.iter().copied().collect() }
}

/// A person record's fields, each present or absent.
struct Person {
    name: String,
    id: Option<String>,
    mobile: Option<String>,
    card: Option<String>,
    email: Option<String>,
    passport: Option<String>,
    address: Option<String>,
}

fn person(rng: &mut Rng) -> Person {
    Person {
        name: name(rng),
        id: rng.chance(0.7).then(|| id_card(rng)),
        mobile: rng.chance(0.8).then(|| mobile(rng)),
        card: rng.chance(0.35).then(|| bank_card(rng)),
        email: rng.chance(0.4).then(|| email(rng)),
        passport: rng.chance(0.15).then(|| passport(rng)),
        address: rng.chance(0.5).then(|| address(rng)),
    }
}

impl Person {
    /// The identifying fields with their kinds, in column order.
    fn fields(&self) -> [(Label, &Option<String>); 6] {
        [
            (Label::IdCard, &self.id),
            (Label::Mobile, &self.mobile),
            (Label::BankCard, &self.card),
            (Label::Email, &self.email),
            (Label::Passport, &self.passport),
            (Label::Address, &self.address),
        ]
    }

    fn kinds(&self) -> Vec<Label> {
        self.fields().into_iter().filter(|(_, v)| v.is_some()).map(|(k, _)| k).collect()
    }

    /// The kinds of a row that also has the person's name in a name column.
    fn kinds_with_name(&self) -> Vec<Label> {
        let mut kinds = self.kinds();
        kinds.push(Label::Name);
        kinds
    }
}

/// A look-alike, its label (if it has one) added to `kinds`.
fn decoy_into(rng: &mut Rng, kinds: &mut Vec<Label>) -> String {
    let (text, label) = labeled_decoy(rng);
    kinds.extend(label);
    text
}

fn opt(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

/// Formats a phone the way people type it.
fn styled_mobile(rng: &mut Rng, m: &str) -> String {
    match rng.below(8) {
        0 => format!("+86 {} {} {}", &m[..3], &m[3..7], &m[7..]),
        1 => format!("{}-{}-{}", &m[..3], &m[3..7], &m[7..]),
        2 => format!("(+86){m}"),
        3 => format!("86{m}"),
        _ => m.to_string(),
    }
}

/// A labelled document of `rows` records in `format`.
pub fn document(format: DocFormat, rows: usize, rng: &mut Rng) -> Vec<LabeledLine> {
    let mut out = Vec::with_capacity(rows + 2);
    match format {
        DocFormat::Csv => {
            out.push(labeled(
                "user_id,name,id_no,mobile,bank_card,email,passport_no,address,order_no,amount,created_at".into(),
                &[],
            ));
            for i in 0..rows {
                let p = person(rng);
                let order = rng.digits(20);
                let line = format!(
                    "{},{},{},{},{},{},{},\"{}\",{},{}.{:02},{}",
                    100_000 + i,
                    p.name,
                    opt(&p.id),
                    opt(&p.mobile),
                    opt(&p.card),
                    opt(&p.email),
                    opt(&p.passport),
                    opt(&p.address),
                    order,
                    rng.below(100_000),
                    rng.below(100),
                    format_args!("17{}", rng.digits(11)),
                );
                out.push(labeled(line, &p.kinds_with_name()));
            }
        }
        DocFormat::Sql => {
            out.push(labeled("-- MySQL dump 10.13  Distrib 8.0.36".into(), &[]));
            out.push(labeled("INSERT INTO `customer` (`id`, `name`, `id_card`, `phone`, `card_no`, `email`, `passport`, `addr`, `trace_id`) VALUES".into(), &[]));
            for i in 0..rows {
                let p = person(rng);
                let sep = if i + 1 == rows { ';' } else { ',' };
                let mut kinds = p.kinds_with_name();
                let line = format!(
                    "({i}, '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}'){sep}",
                    p.name,
                    opt(&p.id),
                    opt(&p.mobile),
                    opt(&p.card),
                    opt(&p.email),
                    opt(&p.passport),
                    opt(&p.address),
                    decoy_into(rng, &mut kinds),
                );
                out.push(labeled(line, &kinds));
            }
        }
        DocFormat::Jsonl => {
            for _ in 0..rows {
                let p = person(rng);
                let mut fields = vec![format!("\"name\":\"{}\"", p.name)];
                if let Some(v) = &p.id {
                    fields.push(format!("\"idCard\":\"{v}\""));
                }
                if let Some(v) = &p.mobile {
                    fields.push(format!("\"phone\":\"{}\"", styled_mobile(rng, v)));
                }
                if let Some(v) = &p.card {
                    fields.push(format!("\"bankCard\":\"{v}\""));
                }
                if let Some(v) = &p.email {
                    fields.push(format!("\"email\":\"{v}\""));
                }
                if let Some(v) = &p.passport {
                    fields.push(format!("\"passportNo\":\"{v}\""));
                }
                if let Some(v) = &p.address {
                    fields.push(format!("\"address\":\"{v}\""));
                }
                fields.push(format!("\"ts\":{}", format_args!("17{}", rng.digits(11))));
                let mut kinds = p.kinds_with_name();
                fields.push(format!("\"ref\":\"{}\"", decoy_into(rng, &mut kinds)));
                out.push(labeled(format!("{{{}}}", fields.join(",")), &kinds));
            }
        }
        DocFormat::Log => {
            for _ in 0..rows {
                let ts = format!(
                    "2024-0{}-1{} 1{}:{}:{}.{}",
                    1 + rng.below(9),
                    rng.below(10),
                    rng.below(10),
                    10 + rng.below(50),
                    10 + rng.below(50),
                    rng.digits(3)
                );
                let (msg, kinds): (String, Vec<Label>) = match rng.below(6) {
                    0 => {
                        let m = mobile(rng);
                        let mut kinds = vec![Label::Mobile];
                        (
                            format!(
                                "INFO  sms.send to={} tpl=SMS_{} requestId={}",
                                styled_mobile(rng, &m),
                                rng.digits(6),
                                decoy_into(rng, &mut kinds)
                            ),
                            kinds,
                        )
                    }
                    1 => (
                        format!("WARN  kyc.verify idNo={} result=MISMATCH cost={}ms", id_card(rng), rng.below(900)),
                        vec![Label::IdCard],
                    ),
                    2 => {
                        let mut kinds = vec![Label::Email];
                        (
                            format!(
                                "INFO  user.login email={} ip=10.0.{}.{} session={}",
                                email(rng),
                                rng.below(255),
                                rng.below(255),
                                decoy_into(rng, &mut kinds)
                            ),
                            kinds,
                        )
                    }
                    3 => (
                        format!(
                            "ERROR pay.charge card={} amount={}.{} err=DECLINED",
                            bank_card(rng),
                            rng.below(9999),
                            rng.digits(2)
                        ),
                        vec![Label::BankCard],
                    ),
                    4 => {
                        let mut kinds = vec![];
                        (
                            format!(
                                "DEBUG cache.hit key=user:{} ttl={} trace={}",
                                rng.digits(8),
                                rng.below(3600),
                                decoy_into(rng, &mut kinds)
                            ),
                            kinds,
                        )
                    }
                    _ => (
                        format!(
                            "INFO  order.create orderNo={} phone={}****{} amount={}",
                            rng.digits(19),
                            &mobile(rng)[..3],
                            rng.digits(4),
                            rng.below(10000)
                        ),
                        vec![Label::MobileMasked],
                    ),
                };
                out.push(labeled(format!("{ts} [{}] {msg}", rng.digits(5)), &kinds));
            }
        }
        DocFormat::Prose => {
            for _ in 0..rows {
                let n = name(rng);
                let (text, kinds): (String, Vec<Label>) = match rng.below(7) {
                    0 => (format!("您好，我是{n}，手机{}，麻烦尽快回电。", mobile(rng)), vec![Label::Mobile]),
                    1 => {
                        let m = mobile(rng);
                        (
                            format!("快递请寄到{}，收件人{n}，电话{}。", address(rng), styled_mobile(rng, &m)),
                            vec![Label::Address, Label::Mobile, Label::Name],
                        )
                    }
                    2 => (
                        format!("{n}的身份证号是{}，银行卡号{}，请核实。", id_card(rng), bank_card(rng)),
                        vec![Label::IdCard, Label::BankCard],
                    ),
                    3 => (
                        format!("我去年在北京市工作了{}年，后来回到上海市人民政府附近上班。", 1 + rng.below(9)),
                        vec![],
                    ),
                    4 => (
                        format!(
                            "订单号{}已发货，快递单号{}，金额{}.{}元。",
                            rng.digits(20),
                            rng.digits(15),
                            rng.below(999),
                            rng.digits(2)
                        ),
                        vec![],
                    ),
                    5 => (
                        format!("办理签证需要护照，护照号码：{}，有问题发邮件到{}。", passport(rng), email(rng)),
                        vec![Label::Passport, Label::Email],
                    ),
                    _ => (
                        format!("客户{n}（手机尾号{}）反映北京市{}号文件的问题。", rng.digits(4), 1 + rng.below(30)),
                        // 客户 (customer) labels the name that follows, as 收件人 does.
                        vec![Label::Name],
                    ),
                };
                out.push(labeled(text, &kinds));
            }
        }
        DocFormat::Export => {
            out.push(labeled(
                "id,created_at,user_id,name,address,amount,order_no,ip,ts_ms,comment,contact".into(),
                &[],
            ));
            for i in 0..rows {
                let (contact, contact_kind) = match rng.below(10) {
                    0 => (id_card(rng), Some(Label::IdCard)),
                    1 | 2 => (mobile(rng), Some(Label::Mobile)),
                    3 => (bank_card(rng), Some(Label::BankCard)),
                    4 => (email(rng), Some(Label::Email)),
                    _ => (String::new(), None),
                };
                let line = format!(
                    "{},2024-{:02}-{:02} {:02}:{:02}:{:02},{},{},\"{}\",{}.{:02},{},{},17{},{},{contact}",
                    1_000_000 + i,
                    1 + rng.below(12),
                    1 + rng.below(28),
                    rng.below(24),
                    rng.below(60),
                    rng.below(60),
                    rng.digits(8),
                    name(rng),
                    address(rng),
                    rng.below(10_000),
                    rng.below(100),
                    rng.digits(20),
                    public_ip(rng),
                    rng.digits(11),
                    rng.pick(COMMENTS),
                );
                let mut kinds = vec![Label::Name, Label::Address, Label::Ip];
                kinds.extend(contact_kind);
                out.push(labeled(line, &kinds));
            }
        }
        DocFormat::Records => {
            out.push(labeled(
                "客户编号,姓名,手机,固定电话,护照号码,通行证类型,通行证号码,香港身份證,澳門身份證,身分證字號,车牌号,IMEI,最近定位,统一社会信用代码,登录IP,备注"
                    .into(),
                &[],
            ));
            for i in 0..rows {
                let mut kinds = vec![Label::Name];
                let mut cell = |rng: &mut Rng, p: f64, label: Label, make: fn(&mut Rng) -> String| {
                    if rng.chance(p) {
                        kinds.push(label);
                        make(rng)
                    } else {
                        String::new()
                    }
                };
                let phone = if rng.chance(0.5) {
                    cell(rng, 1.0, Label::Mobile, mobile)
                } else {
                    cell(rng, 1.0, Label::MobileMasked, mobile_masked)
                };
                let tel = cell(rng, 0.5, Label::Landline, landline);
                let passport = cell(rng, 0.3, Label::Passport, passport);
                let hk = cell(rng, 0.2, Label::HkIdCard, hk_id_card);
                let mo = cell(rng, 0.15, Label::MoIdCard, mo_id_card);
                let tw = cell(rng, 0.2, Label::TwIdCard, tw_id_card);
                let plate = cell(rng, 0.4, Label::Plate, plate);
                let imei = cell(rng, 0.3, Label::Imei, imei);
                let geo = cell(rng, 0.3, Label::Geo, geo);
                let uscc = cell(rng, 0.2, Label::UsccIndividual, uscc_individual);
                let ip = cell(rng, 0.4, Label::Ip, public_ip);
                let note = if rng.chance(0.15) {
                    kinds.push(Label::IdCardMasked);
                    format!("已核验身份证{}", id_card_masked(rng))
                } else {
                    rng.pick(COMMENTS).to_string()
                };
                let (permit_type, permit) = if rng.chance(0.3) {
                    kinds.push(Label::TravelPermit);
                    let (number, kind) = travel_permit(rng);
                    (kind, number)
                } else {
                    ("", String::new())
                };
                let line = format!(
                    "{},{},{phone},{tel},{passport},{permit_type},{permit},{hk},{mo},{tw},{plate},{imei},\"{geo}\",{uscc},{ip},{note}",
                    500_000 + i,
                    name(rng),
                );
                out.push(labeled(line, &kinds));
            }
        }
        DocFormat::Digits => {
            out.push(labeled("txn_id\taccount\tamount\tbalance\tts_ms\tref\tcontact".into(), &[]));
            for _ in 0..rows {
                let (contact, kinds): (String, Vec<Label>) = match rng.below(20) {
                    0 | 1 => (mobile(rng), vec![Label::Mobile]),
                    2 => (id_card(rng), vec![Label::IdCard]),
                    3 => (mobile_unallocated(rng), vec![]),
                    4 => (id_card_bad_check(rng), vec![]),
                    _ => (String::new(), vec![]),
                };
                let line = format!(
                    "{}\t{}\t{}.{}\t{}.{}\t17{}\t{}\t{contact}",
                    rng.digits(20),
                    rng.digits(12),
                    rng.below(100_000),
                    rng.digits(2),
                    rng.below(10_000_000),
                    rng.digits(2),
                    rng.digits(11),
                    rng.digits(9),
                );
                out.push(labeled(line, &kinds));
            }
        }
        DocFormat::Source => {
            out.push(labeled("import unittest".into(), &[]));
            for i in 0..rows {
                let (text, kinds): (String, Vec<Label>) = match rng.below(7) {
                    0 => (format!("    TEST_PHONE_{i} = \"{}\"", mobile(rng)), vec![Label::Mobile]),
                    1 => (format!("    ID_{i} = '{}'  # fixture", id_card(rng)), vec![Label::IdCard]),
                    2 => {
                        let mut kinds = vec![];
                        (format!("    SESSION_{i} = \"{}\"", decoy_into(rng, &mut kinds)), kinds)
                    }
                    3 => {
                        let masked = format!("{}****{}", rng.digits(3), rng.digits(4));
                        // A masked mobile keeps a mobile's head: 1, then 3-9.
                        let head = masked.as_bytes();
                        let kinds = if head[0] == b'1' && (b'3'..=b'9').contains(&head[1]) {
                            vec![Label::MobileMasked]
                        } else {
                            vec![]
                        };
                        (format!("    assert mask('xxx') == '{masked}'"), kinds)
                    }
                    4 => {
                        let mut kinds = vec![];
                        (format!("    MAX_{i} = {}  # {}", rng.digits(12), decoy_into(rng, &mut kinds)), kinds)
                    }
                    5 => (format!("    CONTACT_{i} = {{\"mail\": \"{}\"}}", email(rng)), vec![Label::Email]),
                    _ => (format!("    EPOCH_MS_{i} = {}", format_args!("17{}", rng.digits(11))), vec![]),
                };
                out.push(labeled(text, &kinds));
            }
        }
    }
    out
}

/// Joins labelled lines into file content.
pub fn render(lines: &[LabeledLine]) -> String {
    let mut s = String::new();
    for l in lines {
        s.push_str(&l.text);
        s.push('\n');
    }
    s
}
