//! Hand-written lines in shapes the generator does not produce: other authors' exports, other
//! separators and spellings. Each line lists exactly the kinds it contains.

use piiscan::detect::{DetectOptions, Detector};
use std::collections::BTreeSet;

const CASES: &[(&str, &[&str])] = &[
    // Phones in the ways people write them.
    ("联系人：王小明 电话：(+86) 138-0013-8000", &["mobile", "name"]),
    ("mobile=8613800138000&sign=9f8e7d", &["mobile"]),
    ("请拨打 0086 138 0013 8000 或 010-62751234 联系", &["mobile", "landline"]),
    ("<td>15900001111</td><td>北京</td>", &["mobile"]),
    ("\"phone\": 13800138000,", &["mobile"]),
    ("手机号:１８６１２３４５６７８", &["mobile"]),
    ("19912345678/18612345678", &["mobile"]),
    ("tel:13800138000", &["mobile"]),
    // Phone look-alikes.
    ("cost 13800138000.50 yuan", &[]),
    ("created_at=1714528803789", &[]),
    ("uid=u13800138000", &[]),
    ("sha1 3a1380013800099bc", &[]),
    ("waybill 773138001380001", &[]),
    ("订单号：13800138000", &[]),
    ("version 1.13800138000", &[]),
    ("id 2138001380001", &[]),
    ("座机 0755-86013388", &["landline"]),
    ("传真 (010)62751234 转 801", &["landline"]),
    ("客服 95588", &[]),
    ("客服热线 400-820-8820", &[]),
    // IDs.
    ("身份证号码：320582198812121231", &["id_card"]),
    ("ID_NO,150102197001010028", &["id_card"]),
    ("<idCard>650102199912310037</idCard>", &["id_card"]),
    ("港澳居民居住证号码 81000019850505001x", &["id_card"]),
    ("230102196002290012 born on a leap day", &["id_card"]),
    ("证件号 320582 19881212 1231", &["id_card"]),
    // ID look-alikes.
    ("320582198812121232", &[]),
    ("320582198813121231", &[]),
    ("order 3205821988121212310", &[]),
    ("tx 20240101123456789012", &[]),
    ("110105********002X", &[]),
    ("工号 110105491231002", &[]),
    // Cards.
    ("银行卡：6226 0900 0012 3451", &["bank_card"]),
    ("card_no=6228480401234567899", &["bank_card"]),
    ("6214-8300-0012-3454", &["bank_card"]),
    ("卡号 6258021234567891", &["bank_card"]),
    ("6200580000000001238", &["bank_card"]),
    // Card look-alikes.
    ("6228480401234567898", &[]),
    ("trace_id 6258021234567891", &[]),
    ("1234 5678 9012 3456", &[]),
    ("622202 13912345678", &["mobile"]),
    // E-mail.
    ("Contact: Li.Lei+news@Mail.Example.COM.cn", &["email"]),
    ("From: \"张三\" <zhangsan_1990@163.com>", &["email", "name"]),
    ("13800138000@qq.com", &["email"]),
    ("send to admin@corp-mail.net.", &["email"]),
    ("icon@2x.svg and font@1.0.3", &[]),
    ("user@intranet", &[]),
    ("@zhangsan 你好", &[]),
    // Passports and permits.
    ("护照号码 EA1234567 有效期至2030年", &["passport"]),
    ("passport_no: G12345678", &["passport"]),
    ("Passport No.: E87654321", &["passport"]),
    ("证件类型=护照,证件号码=E23456789", &["passport"]),
    ("型号 E12345678 库存 20", &[]),
    ("港澳通行证 C98765432", &["travel_permit"]),
    // Addresses.
    ("住址：江苏省苏州市工业园区星湖街328号", &["address"]),
    ("地址:四川省成都市高新区天府大道中段1号", &["address"]),
    ("家住河南省周口市郸城县胡集乡李庄村3组", &["address"]),
    ("北京市东城区王府井大街1号", &["address"]),
    ("收货人：李四，湖北省武汉市洪山区珞喻路1037号华中科技大学", &["address", "name"]),
    // Other kinds.
    ("车主张三 车牌 沪A·12345 于 2024-05-01 进入", &["name", "plate"]),
    ("login ip=114.114.114.114 from 10.0.0.1", &["ip"]),
    ("GPS 31.230416, 121.473701", &["geo"]),
    ("IMEI 861234567890127", &["imei"]),
    ("广东省广州市天河区和平街495号2单元1597室", &["address"]),
    ("广州市从化区街口街道新城路12号", &["address"]),
    ("上海市浦东新区人民政府", &[]),
    ("我在广州市读了4年书", &[]),
    ("北京市2024年第3号令", &[]),
    // Mixed record lines.
    (
        "张三|320582198812121231|13800138000|6226090000123451|江苏省苏州市姑苏区人民路100号",
        &["id_card", "mobile", "bank_card", "address"],
    ),
    (
        "INSERT INTO u VALUES (1,'李四','150102197001010028','18612345678','lisi@qq.com');",
        &["id_card", "mobile", "email"],
    ),
];

#[test]
fn handwritten_lines() {
    let detector = Detector::new(DetectOptions::default());
    let mut failures = Vec::new();
    for (text, expected) in CASES {
        let got: BTreeSet<&str> = detector.detect(text.as_bytes()).iter().map(|d| d.kind.name()).collect();
        let want: BTreeSet<&str> = expected.iter().copied().collect();
        if got != want {
            failures.push(format!("{text}\n    want {want:?}\n    got  {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{} of {} lines wrong:\n{}", failures.len(), CASES.len(), failures.join("\n"));
}
