//! Synthetic labelled data for tests and benchmarks: realistic exports (CSV with headers, SQL
//! dumps, JSON lines, logs, Chinese prose, source files with fixtures) in which every line
//! carries the set of kinds it really contains. Values are valid but made up (check digits are
//! computed, prefixes and BINs come from the reference tables), and the negatives are the
//! look-alikes that fool regex scanners: order numbers, timestamps, hashes, decimals, broken
//! check digits, unallocated prefixes, masked values, product codes.
//!
//! Deterministic: the same seed gives the same corpus, so benchmark numbers compare between
//! commits. Not used by the scanner itself.

use crate::detect::bank_card::luhn_valid;
use crate::detect::id_card::check_char;
use crate::finding::Kind;
use crate::reference::regions;
use std::collections::BTreeSet;

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
    pub kinds: BTreeSet<Kind>,
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
}

impl DocFormat {
    /// Every format.
    pub const ALL: [DocFormat; 8] = [
        DocFormat::Csv,
        DocFormat::Sql,
        DocFormat::Jsonl,
        DocFormat::Log,
        DocFormat::Prose,
        DocFormat::Source,
        DocFormat::Digits,
        DocFormat::Export,
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

fn person_region_codes() -> Vec<u32> {
    let mut codes: Vec<u32> = (110000..=659999).filter(|&c| c % 100 != 0 && regions().is_person_code(c)).collect();
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
    let check = check_char(body.as_bytes()) as char;
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
    (0..10u8)
        .map(|d| format!("{body}{}", char::from(b'0' + d)))
        .find(|c| luhn_valid(c.as_bytes()))
        .unwrap_or_else(|| format!("{body}0"))
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

/// Look-alikes that no detector may report. Each is a (text, why) pair.
pub fn decoy(rng: &mut Rng) -> String {
    match rng.below(16) {
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

/// A public IPv4 address (from blocks allocated to Chinese networks).
fn public_ip(rng: &mut Rng) -> String {
    let first = *rng.pick(&[58u8, 61, 101, 112, 114, 116, 117, 120, 121, 122, 183, 202, 218, 222]);
    format!("{first}.{}.{}.{}", rng.below(256), rng.below(256), 1 + rng.below(254))
}

fn labeled(text: String, kinds: &[Kind]) -> LabeledLine {
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
    fn fields(&self) -> [(Kind, &Option<String>); 6] {
        [
            (Kind::IdCard, &self.id),
            (Kind::Mobile, &self.mobile),
            (Kind::BankCard, &self.card),
            (Kind::Email, &self.email),
            (Kind::Passport, &self.passport),
            (Kind::Address, &self.address),
        ]
    }

    fn kinds(&self) -> Vec<Kind> {
        self.fields().into_iter().filter(|(_, v)| v.is_some()).map(|(k, _)| k).collect()
    }
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
                out.push(labeled(line, &p.kinds()));
            }
        }
        DocFormat::Sql => {
            out.push(labeled("-- MySQL dump 10.13  Distrib 8.0.36".into(), &[]));
            out.push(labeled("INSERT INTO `customer` (`id`, `name`, `id_card`, `phone`, `card_no`, `email`, `passport`, `addr`, `trace_id`) VALUES".into(), &[]));
            for i in 0..rows {
                let p = person(rng);
                let sep = if i + 1 == rows { ';' } else { ',' };
                let line = format!(
                    "({i}, '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}'){sep}",
                    p.name,
                    opt(&p.id),
                    opt(&p.mobile),
                    opt(&p.card),
                    opt(&p.email),
                    opt(&p.passport),
                    opt(&p.address),
                    decoy(rng),
                );
                out.push(labeled(line, &p.kinds()));
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
                fields.push(format!("\"ref\":\"{}\"", decoy(rng)));
                out.push(labeled(format!("{{{}}}", fields.join(",")), &p.kinds()));
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
                let (msg, kinds): (String, Vec<Kind>) = match rng.below(6) {
                    0 => {
                        let m = mobile(rng);
                        (
                            format!(
                                "INFO  sms.send to={} tpl=SMS_{} requestId={}",
                                styled_mobile(rng, &m),
                                rng.digits(6),
                                decoy(rng)
                            ),
                            vec![Kind::Mobile],
                        )
                    }
                    1 => (
                        format!("WARN  kyc.verify idNo={} result=MISMATCH cost={}ms", id_card(rng), rng.below(900)),
                        vec![Kind::IdCard],
                    ),
                    2 => (
                        format!(
                            "INFO  user.login email={} ip=10.0.{}.{} session={}",
                            email(rng),
                            rng.below(255),
                            rng.below(255),
                            decoy(rng)
                        ),
                        vec![Kind::Email],
                    ),
                    3 => (
                        format!(
                            "ERROR pay.charge card={} amount={}.{} err=DECLINED",
                            bank_card(rng),
                            rng.below(9999),
                            rng.digits(2)
                        ),
                        vec![Kind::BankCard],
                    ),
                    4 => (
                        format!(
                            "DEBUG cache.hit key=user:{} ttl={} trace={}",
                            rng.digits(8),
                            rng.below(3600),
                            decoy(rng)
                        ),
                        vec![],
                    ),
                    _ => (
                        format!(
                            "INFO  order.create orderNo={} phone={}****{} amount={}",
                            rng.digits(19),
                            &mobile(rng)[..3],
                            rng.digits(4),
                            rng.below(10000)
                        ),
                        vec![],
                    ),
                };
                out.push(labeled(format!("{ts} [{}] {msg}", rng.digits(5)), &kinds));
            }
        }
        DocFormat::Prose => {
            for _ in 0..rows {
                let n = name(rng);
                let (text, kinds): (String, Vec<Kind>) = match rng.below(7) {
                    0 => (format!("您好，我是{n}，手机{}，麻烦尽快回电。", mobile(rng)), vec![Kind::Mobile]),
                    1 => {
                        let m = mobile(rng);
                        (
                            format!("快递请寄到{}，收件人{n}，电话{}。", address(rng), styled_mobile(rng, &m)),
                            vec![Kind::Address, Kind::Mobile],
                        )
                    }
                    2 => (
                        format!("{n}的身份证号是{}，银行卡号{}，请核实。", id_card(rng), bank_card(rng)),
                        vec![Kind::IdCard, Kind::BankCard],
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
                        vec![Kind::Passport, Kind::Email],
                    ),
                    _ => (
                        format!("客户{n}（手机尾号{}）反映北京市{}号文件的问题。", rng.digits(4), 1 + rng.below(30)),
                        vec![],
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
                    0 => (id_card(rng), Some(Kind::IdCard)),
                    1 | 2 => (mobile(rng), Some(Kind::Mobile)),
                    3 => (bank_card(rng), Some(Kind::BankCard)),
                    4 => (email(rng), Some(Kind::Email)),
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
                let mut kinds = vec![Kind::Name, Kind::Address, Kind::Ip];
                kinds.extend(contact_kind);
                out.push(labeled(line, &kinds));
            }
        }
        DocFormat::Digits => {
            out.push(labeled("txn_id\taccount\tamount\tbalance\tts_ms\tref\tcontact".into(), &[]));
            for _ in 0..rows {
                let (contact, kinds): (String, Vec<Kind>) = match rng.below(20) {
                    0 | 1 => (mobile(rng), vec![Kind::Mobile]),
                    2 => (id_card(rng), vec![Kind::IdCard]),
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
                let (text, kinds): (String, Vec<Kind>) = match rng.below(7) {
                    0 => (format!("    TEST_PHONE_{i} = \"{}\"", mobile(rng)), vec![Kind::Mobile]),
                    1 => (format!("    ID_{i} = '{}'  # fixture", id_card(rng)), vec![Kind::IdCard]),
                    2 => (format!("    SESSION_{i} = \"{}\"", decoy(rng)), vec![]),
                    3 => (
                        format!("    assert mask('{}') == '{}****{}'", "x".repeat(3), rng.digits(3), rng.digits(4)),
                        vec![],
                    ),
                    4 => (format!("    MAX_{i} = {}  # {}", rng.digits(12), decoy(rng)), vec![]),
                    5 => (format!("    CONTACT_{i} = {{\"mail\": \"{}\"}}", email(rng)), vec![Kind::Email]),
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
