//! The vocabulary shared by every pipeline stage: what was found ([`Kind`]), which legal
//! information type it belongs to ([`Category`]), how heavily the 2017 interpretation weighs it
//! ([`Tier`]), how sure the validator is ([`Confidence`]), and the [`Finding`] that carries them
//! from the detectors to the reports.

use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// What a detector matched. The snake_case names are part of the output contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// 18-character resident ID (incl. HK/Macau/Taiwan residence permits and the 2023
    /// foreigners' permanent residence card) or the old 15-digit form.
    IdCard,
    /// Mainland mobile number on an allocated prefix.
    Mobile,
    /// Payment card number on a known Chinese BIN.
    BankCard,
    /// E-mail address.
    Email,
    /// PRC, HKSAR or Macau SAR passport number (needs a passport keyword nearby).
    Passport,
    /// Mainland travel permits: 回乡证 (H/M), 往来港澳通行证 (C), 往来台湾通行证 (L), 台胞证.
    TravelPermit,
    /// Chinese postal address with an administrative level and a road or door number.
    Address,
    /// Unified social credit code of a sole proprietor (92...), which identifies a person.
    UsccIndividual,
    /// A mobile number with some digits masked out (`138****8000`); not a leak.
    MobileMasked,
    /// An ID number with some characters masked out (`110105********002X`); not a leak.
    IdCardMasked,
    /// A Chinese personal name (surname table plus a name label or column).
    Name,
    /// A mainland landline number (area code from the table).
    Landline,
    /// A vehicle licence plate (GA 36-2018, incl. 8-character new-energy plates).
    Plate,
    /// A precise latitude/longitude pair.
    Geo,
    /// A device IMEI (15 digits, Luhn) with a device label.
    Imei,
    /// A public IPv4 address.
    Ip,
    /// A kind defined by a user pattern file (`--patterns`); the name is the rule's `kind`.
    Custom(&'static str),
}

impl Kind {
    /// Every kind, in output order.
    pub const ALL: [Kind; 16] = [
        Kind::IdCard,
        Kind::Mobile,
        Kind::BankCard,
        Kind::Email,
        Kind::Passport,
        Kind::TravelPermit,
        Kind::Address,
        Kind::UsccIndividual,
        Kind::MobileMasked,
        Kind::IdCardMasked,
        Kind::Name,
        Kind::Landline,
        Kind::Plate,
        Kind::Geo,
        Kind::Imei,
        Kind::Ip,
    ];

    /// The stable name used in every output format and in `patterns/rules.toml`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Custom(name) => name,
            builtin => builtin.info().name,
        }
    }

    /// The position of a built-in kind in [`Kind::ALL`]; `None` for a user's kind.
    pub fn builtin_index(self) -> Option<usize> {
        Some(match self {
            Kind::IdCard => 0,
            Kind::Mobile => 1,
            Kind::BankCard => 2,
            Kind::Email => 3,
            Kind::Passport => 4,
            Kind::TravelPermit => 5,
            Kind::Address => 6,
            Kind::UsccIndividual => 7,
            Kind::MobileMasked => 8,
            Kind::IdCardMasked => 9,
            Kind::Name => 10,
            Kind::Landline => 11,
            Kind::Plate => 12,
            Kind::Geo => 13,
            Kind::Imei => 14,
            Kind::Ip => 15,
            Kind::Custom(_) => return None,
        })
    }

    /// What is known of a built-in kind; the kinds of user pattern files share one descriptor.
    pub fn info(self) -> &'static KindInfo {
        match self.builtin_index() {
            Some(i) => &KINDS[i],
            None => &CUSTOM_KIND,
        }
    }

    /// The stable rule id used in every output format (`cn.mobile`; `custom.employee_id` for a
    /// user's kind).
    pub fn rule_id(self) -> std::borrow::Cow<'static, str> {
        match self {
            Kind::Custom(name) => format!("custom.{name}").into(),
            builtin => builtin.info().rule_id.into(),
        }
    }

    /// Parses a built-in kind by its name (`mobile`) or rule id (`cn.mobile`).
    pub fn from_name_or_rule_id(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name || k.info().rule_id == name)
    }

    /// Parses a built-in kind name as written in rule files and on the command line.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Masked values are recognised so they are not mistaken for leaks; they are only reported
    /// on request and never counted.
    pub fn is_masked(self) -> bool {
        matches!(self, Kind::MobileMasked | Kind::IdCardMasked)
    }
}

/// What every report says of a kind: one descriptor per kind, in [`Kind::ALL`] order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KindInfo {
    /// The kind's name in output (`mobile`).
    pub name: &'static str,
    /// Its stable rule id (`cn.mobile`): `cn.` for Chinese documents and numbering plans, `pii.`
    /// for kinds that are not Chinese-specific.
    pub rule_id: &'static str,
    /// A one-line title.
    pub title: &'static str,
    /// What it is and what to do about it (SARIF help text).
    pub help: &'static str,
    /// SARIF `security-severity` (0.0-10.0; 7 and above show as high in code scanning): how
    /// much a leak of one such value exposes its holder.
    pub security_severity: f32,
}

const fn kind_info(
    name: &'static str,
    rule_id: &'static str,
    title: &'static str,
    help: &'static str,
    security_severity: f32,
) -> KindInfo {
    KindInfo { name, rule_id, title, help, security_severity }
}

/// The descriptors of the built-in kinds, in [`Kind::ALL`] order (a test checks the order).
const KINDS: [KindInfo; 16] = [
    kind_info(
        "id_card",
        "cn.id_card",
        "Resident identity card number",
        "An 18-character PRC resident ID (or residence permit, or permanent residence card) with a valid check character, birth date and region code. It identifies one person for life: remove it, or mask all but the region code.",
        8.0,
    ),
    kind_info(
        "mobile",
        "cn.mobile",
        "Mainland mobile number",
        "A mainland mobile number on an allocated MIIT prefix. Personal contact information: remove or mask it (138****8000).",
        6.5,
    ),
    kind_info(
        "bank_card",
        "cn.bank_card",
        "Bank card number",
        "A payment card number on a known bank BIN with a valid Luhn digit: property information, tier A when its holder is identified in the same record. Remove it; never keep full card numbers in files.",
        8.5,
    ),
    kind_info("email", "pii.email", "E-mail address", "A personal e-mail address. Contact information: remove or mask it.", 5.0),
    kind_info(
        "passport",
        "cn.passport",
        "Passport number",
        "A PRC, Hong Kong or Macau passport number, under a passport label or column. An identity document number: remove it.",
        7.5,
    ),
    kind_info(
        "travel_permit",
        "cn.travel_permit",
        "Travel permit number",
        "A mainland travel permit (回乡证, 往来港澳/台湾通行证, 台胞证) number under a permit label or column. An identity document number: remove it.",
        7.5,
    ),
    kind_info(
        "address",
        "cn.address",
        "Postal address",
        "A Chinese postal address down to a road or door number. Where a person lives or is reached: remove it or keep only the administrative part.",
        6.0,
    ),
    kind_info(
        "uscc_individual",
        "cn.uscc_individual",
        "Sole proprietor's credit code",
        "A unified social credit code of a sole proprietor (92...), which identifies the person behind the business.",
        5.0,
    ),
    kind_info(
        "mobile_masked",
        "cn.mobile_masked",
        "Masked mobile number",
        "A mobile number with digits masked out: not a leak, reported only with --include-masked.",
        1.0,
    ),
    kind_info(
        "id_card_masked",
        "cn.id_card_masked",
        "Masked ID number",
        "An ID number with characters masked out: not a leak, reported only with --include-masked.",
        1.0,
    ),
    kind_info(
        "name",
        "cn.name",
        "Personal name",
        "A Chinese personal name under a name label, key or column. With another identifier in the same record it identifies its holder.",
        4.0,
    ),
    kind_info("landline", "cn.landline", "Landline number", "A mainland landline number with a valid area code. Contact information.", 4.0),
    kind_info("plate", "cn.plate", "Vehicle plate", "A vehicle licence plate. With a time or place it tracks its owner.", 4.0),
    kind_info(
        "geo",
        "pii.geo",
        "Precise coordinates",
        "A latitude/longitude pair precise to metres: where someone was. With a time it is whereabouts (tier A).",
        6.5,
    ),
    kind_info("imei", "pii.imei", "Device IMEI", "A device IMEI under a device label: identifies a phone and, through it, its owner.", 4.0),
    kind_info("ip", "pii.ip", "Public IP address", "A public IPv4 address. Network identifier; personal when tied to a subscriber.", 3.0),
];

/// The descriptor shared by the kinds of user pattern files (their rule ids are made from their
/// names by [`Kind::rule_id`]).
const CUSTOM_KIND: KindInfo =
    kind_info("custom", "custom", "Custom rule", "A value matched by a rule of a user pattern file.", 5.0);

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Kind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// The information type of Art. 5 of Fa Shi \[2017\] No. 10 (tiers A and B), or, for the
/// residual tier C ("other personal information"), a descriptive sub-category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 行踪轨迹信息 (tier A).
    Whereabouts,
    /// 通信内容 (tier A).
    CommunicationContent,
    /// 征信信息 (tier A).
    Credit,
    /// 财产信息 (tier A when the holder is identified).
    Property,
    /// 住宿信息 (tier B).
    Accommodation,
    /// 通信记录 (tier B).
    CommunicationRecords,
    /// 健康生理信息 (tier B).
    Health,
    /// 交易信息 (tier B).
    Transaction,
    /// Identity documents and numbers (tier C by the text).
    Identity,
    /// Contact details: phones, e-mail (tier C).
    Contact,
    /// Home or postal address (tier C by the text).
    Address,
}

impl Category {
    /// Every category.
    pub const ALL: [Category; 11] = [
        Category::Whereabouts,
        Category::CommunicationContent,
        Category::Credit,
        Category::Property,
        Category::Accommodation,
        Category::CommunicationRecords,
        Category::Health,
        Category::Transaction,
        Category::Identity,
        Category::Contact,
        Category::Address,
    ];

    /// Parses a category name.
    pub fn from_name(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The stable snake_case name used in output.
    pub fn name(self) -> &'static str {
        match self {
            Category::Whereabouts => "whereabouts",
            Category::CommunicationContent => "communication_content",
            Category::Credit => "credit",
            Category::Property => "property",
            Category::Accommodation => "accommodation",
            Category::CommunicationRecords => "communication_records",
            Category::Health => "health",
            Category::Transaction => "transaction",
            Category::Identity => "identity",
            Category::Contact => "contact",
            Category::Address => "address",
        }
    }
}

/// The quantity standard of Art. 5: A = 50 items, B = 500, C = 5000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Tier {
    /// 50 items make the circumstances serious.
    A,
    /// 500 items.
    B,
    /// 5000 items.
    C,
}

impl Tier {
    /// Parses a tier letter.
    pub fn from_name(name: &str) -> Option<Tier> {
        [Tier::A, Tier::B, Tier::C].into_iter().find(|t| t.name() == name)
    }

    /// The letter used in output.
    pub fn name(self) -> &'static str {
        match self {
            Tier::A => "A",
            Tier::B => "B",
            Tier::C => "C",
        }
    }
}

/// How sure the validators are that the value is real personal information.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Shape, check digits and reference tables disagree somewhere, but context supports it.
    Low,
    /// Shape and context agree; no check digit exists or one check was waived.
    Medium,
    /// Every available check passed.
    High,
}

impl Confidence {
    /// The lowercase name used in output.
    pub fn name(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// A detection's normalised value. Values of up to [`Value::INLINE`] bytes (every number kind:
/// phones, ID and card numbers, codes) are held inline: a digit-heavy export yields millions of
/// detections, most of them only counted, and allocating a string for each was a visible share
/// of the scan.
#[derive(Clone, PartialEq, Eq)]
pub struct Value(ValueRepr);

#[derive(Clone, PartialEq, Eq)]
enum ValueRepr {
    /// The bytes past `len` are zero, so that derived equality compares the values.
    Inline {
        len: u8,
        bytes: [u8; Value::INLINE],
    },
    Heap(Box<str>),
}

impl Value {
    /// The longest value held inline.
    pub const INLINE: usize = 22;

    /// The value as a string.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Built only from a `&str` (below), so the bytes are valid UTF-8.
            ValueRepr::Inline { len, bytes } => std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default(),
            ValueRepr::Heap(s) => s,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        match u8::try_from(s.len()) {
            Ok(len) if s.len() <= Value::INLINE => {
                let mut bytes = [0; Value::INLINE];
                bytes[..s.len()].copy_from_slice(s.as_bytes());
                Value(ValueRepr::Inline { len, bytes })
            }
            _ => Value(ValueRepr::Heap(s.into())),
        }
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        if s.len() <= Value::INLINE {
            Value::from(s.as_str())
        } else {
            Value(ValueRepr::Heap(s.into_boxed_str()))
        }
    }
}

impl std::ops::Deref for Value {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq<str> for Value {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Value {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

/// One validated match inside one file, before positions are resolved.
///
/// `start..end` are byte offsets into the text the detectors saw (UTF-8); the scan stage maps
/// them back to the original file bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    /// What was matched.
    pub kind: Kind,
    /// Start offset in the scanned text.
    pub start: usize,
    /// End offset (exclusive) in the scanned text.
    pub end: usize,
    /// The normalised value (digits without separators, upper-case check characters, ...).
    pub value: Value,
    /// How sure the validator is.
    pub confidence: Confidence,
    /// For addresses: how many leading characters of `value` are administrative names that
    /// may be shown unmasked.
    pub public_prefix_chars: usize,
    /// A fixed category and tier, for kinds defined by user pattern files.
    pub fixed_class: Option<(Category, Tier)>,
}

/// A finding as reported: a detection with its position, category and tier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The path as given on the command line joined with the path below it (shared by all
    /// findings of a file).
    pub path: std::sync::Arc<str>,
    /// 1-based line number.
    pub line: u64,
    /// 1-based column, in characters.
    pub column: u64,
    /// Byte offset in the original file.
    pub offset: u64,
    /// Length in original file bytes.
    pub length: u64,
    /// What was matched.
    pub kind: Kind,
    /// The legal information type.
    pub category: Category,
    /// The Art. 5 quantity tier.
    pub tier: Tier,
    /// Validator confidence.
    pub confidence: Confidence,
    /// The normalised raw value; reports mask it unless asked to reveal it.
    pub value: String,
    /// See [`Detection::public_prefix_chars`].
    pub public_prefix_chars: usize,
    /// The keyed fingerprint of its kind and value (and path, where asked), when a key is set.
    pub fingerprint: Option<Fingerprint>,
    /// In a scan of git history: the commit that introduced the value.
    pub commit: Option<std::sync::Arc<Commit>>,
}

/// A finding's fingerprint: the first 128 bits of its keyed HMAC, shown as 32 hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint([u8; 16]);

impl Fingerprint {
    /// The fingerprint with these bytes (computed by [`crate::fingerprint::Fingerprinter`]).
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Fingerprint(bytes)
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // By hand: one formatting call per byte was a visible share of a JSON report with
        // hundreds of thousands of findings.
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 32];
        for (i, b) in self.0.iter().enumerate() {
            out[2 * i] = HEX[usize::from(b >> 4)];
            out[2 * i + 1] = HEX[usize::from(b & 15)];
        }
        f.write_str(std::str::from_utf8(&out).map_err(|_| fmt::Error)?)
    }
}

impl std::str::FromStr for Fingerprint {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.len() != 32 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            // The text is not echoed: it may be the very value the user meant to allow.
            return Err(format!("not a fingerprint: {} characters, expected 32 hex digits", text.chars().count()));
        }
        let mut bytes = [0; 16];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|e| e.to_string())?;
        }
        Ok(Fingerprint(bytes))
    }
}

impl serde::Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The commit that introduced a blob (`--git-history`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Commit {
    /// Its full hash.
    pub commit: String,
    /// Its author date (ISO 8601).
    pub author_date: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_index_is_the_position_in_all() {
        for (i, kind) in Kind::ALL.into_iter().enumerate() {
            assert_eq!(kind.builtin_index(), Some(i), "{kind}");
            assert_eq!(format!("{kind:?}").to_lowercase(), kind.name().replace('_', ""), "descriptor in order");
            assert!(kind.info().rule_id.ends_with(kind.name()));
            assert_eq!(Kind::from_name_or_rule_id(kind.info().rule_id), Some(kind));
        }
        assert_eq!(Kind::Custom("employee_id").rule_id(), "custom.employee_id");
        assert_eq!(Kind::Custom("employee_id").builtin_index(), None);
    }

    #[test]
    fn values_read_back_as_built_inline_or_not() {
        let long = "北京市海淀区中关村大街27号";
        for s in [
            "",
            "1",
            "13800138000",
            "11010519491231002X",
            "6222021234567890128",
            &"9".repeat(22),
            &"9".repeat(23),
            long,
        ] {
            for value in [Value::from(s), Value::from(s.to_string())] {
                assert_eq!(value.as_str(), s);
                assert_eq!(value, s);
                assert_eq!(value.to_string(), s);
                assert_eq!(format!("{value:?}"), format!("{s:?}"));
                assert_eq!(value.len(), s.len(), "derefs to the string");
            }
            assert_eq!(Value::from(s), Value::from(s.to_string()), "one representation per string");
        }
        assert!(matches!(Value::from("9".repeat(22)).0, ValueRepr::Inline { .. }));
        assert!(matches!(Value::from("9".repeat(23)).0, ValueRepr::Heap(_)));
        assert_ne!(Value::from("138"), Value::from("1380"));
        assert_eq!(std::mem::size_of::<Value>(), 24);
    }
}
