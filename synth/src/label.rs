//! What a generated line truly contains: one label per kind piiscan reports, named as piiscan's
//! output names its kinds (the names are the contract the accuracy test compares on).

/// A kind of personal information the generator plants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Label {
    /// Mainland resident ID (18 characters).
    IdCard,
    /// Mainland mobile number.
    Mobile,
    /// Bank card number.
    BankCard,
    /// E-mail address.
    Email,
    /// Passport number under a passport label.
    Passport,
    /// Travel permit number under a permit label.
    TravelPermit,
    /// Postal address.
    Address,
    /// A sole proprietor's credit code.
    UsccIndividual,
    /// A masked mobile number.
    MobileMasked,
    /// A masked ID number.
    IdCardMasked,
    /// A personal name under a name label or column.
    Name,
    /// A mainland landline number.
    Landline,
    /// A vehicle plate.
    Plate,
    /// A precise coordinate pair.
    Geo,
    /// A device IMEI under a device label.
    Imei,
    /// A public IPv4 address.
    Ip,
    /// A Hong Kong identity card number.
    HkIdCard,
    /// A Macau identity card number.
    MoIdCard,
    /// A Taiwan national ID.
    TwIdCard,
}

impl Label {
    /// Every label.
    pub const ALL: [Label; 19] = [
        Label::IdCard,
        Label::Mobile,
        Label::BankCard,
        Label::Email,
        Label::Passport,
        Label::TravelPermit,
        Label::Address,
        Label::UsccIndividual,
        Label::MobileMasked,
        Label::IdCardMasked,
        Label::Name,
        Label::Landline,
        Label::Plate,
        Label::Geo,
        Label::Imei,
        Label::Ip,
        Label::HkIdCard,
        Label::MoIdCard,
        Label::TwIdCard,
    ];

    /// The kind's name in piiscan's output.
    pub fn name(self) -> &'static str {
        match self {
            Label::IdCard => "id_card",
            Label::Mobile => "mobile",
            Label::BankCard => "bank_card",
            Label::Email => "email",
            Label::Passport => "passport",
            Label::TravelPermit => "travel_permit",
            Label::Address => "address",
            Label::UsccIndividual => "uscc_individual",
            Label::MobileMasked => "mobile_masked",
            Label::IdCardMasked => "id_card_masked",
            Label::Name => "name",
            Label::Landline => "landline",
            Label::Plate => "plate",
            Label::Geo => "geo",
            Label::Imei => "imei",
            Label::Ip => "ip",
            Label::HkIdCard => "hk_id_card",
            Label::MoIdCard => "mo_id_card",
            Label::TwIdCard => "tw_id_card",
        }
    }
}
