//! Names in the everyday shapes of issue 16: HTML tables, fixed-width printed reports,
//! PostgreSQL `COPY` rows, holder columns of CSV exports, mail display names, XML elements,
//! JS/TS object literals, names with a middle dot. Names are generated (varied surnames, rare
//! ones included, and given names), never one fixture value; negatives are organisation names
//! under holder labels, labels without a value and common words without a label.

use piiscan::detect::{DetectOptions, Detector};
use piiscan::Kind;

/// A small deterministic generator (xorshift): the same names on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// Surnames: frequent ones, rare ones that are also common words (the list), compound.
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "马", "胡", "朱", "郭", "何", "罗", "高",
    "林", "覃", "席", "冼", "漆", "盘", "谌", "苟", "南", "亓", "仝", "邝", "麦", "阿", "揭", "栗", "欧阳", "司马",
    "上官", "诸葛",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞",
    "平", "刚", "桂", "英", "华", "玉", "兰", "红", "建", "辉", "晓", "婷", "宇", "浩", "欣", "怡", "佳", "俊", "鹏",
    "琳",
];
/// Parts of Uyghur, Tibetan and other names written with a middle dot.
const PARTS: &[&str] = &[
    "热依拉",
    "艾山",
    "阿依古丽",
    "买买提",
    "努尔",
    "古丽",
    "吐尔逊",
    "帕提古丽",
    "扎西",
    "次仁",
    "阿卜杜拉",
    "迪丽",
    "热巴",
    "依明",
    "卡德尔",
    "玉素甫",
    "巴特尔",
    "其其格",
];
const DOTS: &[&str] = &["·", "•", "・", "．"];

fn han_name(rng: &mut Rng) -> String {
    let surname = rng.pick(SURNAMES);
    let given: String = (0..1 + rng.next() % 2).map(|_| rng.pick(GIVEN)).collect();
    format!("{surname}{given}")
}

fn dotted_name(rng: &mut Rng) -> String {
    let dot = rng.pick(DOTS);
    let parts: Vec<&str> = (0..2 + rng.next() % 2).map(|_| rng.pick(PARTS)).collect();
    parts.join(dot)
}

/// One shape: a text holding `name`.
type Shape = (&'static str, fn(&str) -> String);

const SHAPES: &[Shape] = &[
    ("html table", |n| {
        format!("<table>\n<tr><th>序号</th><th>姓名</th><th>科室</th></tr>\n<tr><td>1</td><td>{n}</td><td>内科</td></tr>\n</table>\n")
    }),
    ("html table, th with attributes", |n| {
        format!("<table><thead><tr>\n  <th class=\"c\">编号</th>\n  <th>车主</th>\n</tr></thead>\n<tbody><tr>\n  <td>A01</td>\n  <td class=\"v\">{n}</td>\n</tr></tbody></table>")
    }),
    ("html label cell pair", |n| format!("<tr><td>户名</td><td>{n}</td></tr>\n<tr><td>卡号</td><td>略</td></tr>")),
    ("xml element", |n| format!("<patient>\n  <id>17</id>\n  <name>{n}</name>\n  <dept>内科</dept>\n</patient>\n")),
    ("xml pinyin element", |n| format!("<ry><xm>{n}</xm><xb>男</xb></ry>")),
    ("xml camel element", |n| format!("<user><realName>{n}</realName></user>")),
    ("fixed-width report", |n| {
        format!("            住院病人一览表\n序号  姓名        科室      床号\n----  ----------  --------  ----\n   1  {n}      内科      12\n")
    }),
    ("copy rows", |n| format!("COPY public.patients (id, name, dept) FROM stdin;\n1\t{n}\t内科\n\\.\n")),
    ("insert columns", |n| format!("INSERT INTO `owner` (`id`, `holder_name`) VALUES (1, '{n}');\n")),
    ("csv 车主", |n| format!("车牌,车主,备注\n京A12345,{n},无\n")),
    ("csv 户名", |n| format!("账号,户名,开户行\n6222,{n},工行\n")),
    ("csv 持卡人", |n| format!("序号\t持卡人\t状态\n1\t{n}\t正常\n")),
    ("csv 开户名", |n| format!("编号,开户名\n2,{n}\n")),
    ("mail from", |n| format!("From: \"{n}\" <someone@example.com>\nSubject: hi\n")),
    ("mail to", |n| format!("To: {n} <a@example.cn>, \"x\" <b@example.cn>\n")),
    ("mail cc", |n| format!("Cc: =?UTF-8?B?5a2f?= <c@example.cn>, {n} <d@example.cn>\n")),
    ("js object", |n| format!("const users = [{{ name: '{n}', age: 31 }}];\n")),
    ("ts realName", |n| format!("  realName: \"{n}\",\n")),
    ("js assignment", |n| format!("let userName = '{n}';\n")),
    ("json key", |n| format!("{{\"user_name\": \"{n}\", \"id\": 3}}\n")),
    ("label in prose", |n| format!("患者：{n}，男，45岁\n")),
];

/// Texts where no name may be found (a label-less word, an organisation, a label alone).
const NEGATIVES: &[&str] = &[
    "户名,账号\n支付宝（中国）网络技术有限公司,6222\n",
    "持卡人：北京华夏科技有限公司\n",
    "<tr><td>户名</td><td>中国工商银行北京分行</td></tr>",
    "<name>南京市第一人民医院</name>",
    "收款方,车主\n1,上海大众汽车销售中心\n",
    "联系人：张江高科技园区管理委员会\n",
    "<th>姓名</th>\n<th>手机</th>\n",
    "姓名：\n电话：\n",
    "南方的天气很热，席位已满。",
    "盘点结束后漆面修补，苟且偷生。",
    "城市,区县\n南京,鼓楼\n",
    "<city>南宁</city>",
    "filename: '王国.txt'",
    "From: 客服中心 <service@example.com>\n",
    "<tr><th>客户姓名</th><th>金额</th></tr>\n",
    "<tr><td>姓名</td><td>南京路</td></tr>",
];

fn names_in(detector: &Detector, text: &str) -> Vec<String> {
    detector
        .detect(text.as_bytes())
        .iter()
        .filter(|d| d.kind == Kind::Name)
        .map(|d| text[d.start..d.end].to_string())
        .collect()
}

/// Recall per shape over generated names; every miss listed.
#[test]
fn names_in_everyday_shapes() {
    let detector = Detector::new(DetectOptions::default());
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut found, mut total, mut misses) = (0, 0, Vec::new());
    for (shape, make) in SHAPES {
        for i in 0..12 {
            let name = if i % 4 == 3 { dotted_name(&mut rng) } else { han_name(&mut rng) };
            let text = make(&name);
            total += 1;
            let got = names_in(&detector, &text);
            if got == std::slice::from_ref(&name) {
                found += 1;
            } else {
                misses.push(format!("{shape}: {name} -> {got:?}"));
            }
        }
    }
    let recall = found as f64 / total as f64;
    eprintln!("name recall on the shapes: {found}/{total} = {recall:.3}");
    assert!(recall >= 0.97, "recall {recall:.3}; misses:\n{}", misses.join("\n"));
}

#[test]
fn no_names_in_organisations_empty_labels_and_plain_words() {
    let detector = Detector::new(DetectOptions::default());
    let wrong: Vec<String> = NEGATIVES
        .iter()
        .filter_map(|t| {
            let got = names_in(&detector, t);
            (!got.is_empty()).then(|| format!("{t:?} -> {got:?}"))
        })
        .collect();
    eprintln!("false names: {} of {} texts", wrong.len(), NEGATIVES.len());
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Every row of a long HTML table and of a long report is under its header, far above.
#[test]
fn long_tables_keep_their_headers() {
    let detector = Detector::new(DetectOptions::default());
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let names: Vec<String> = (0..400).map(|_| han_name(&mut rng)).collect();
    let mut html = String::from("<html><body><table>\n<tr><th>工号</th><th>姓名</th><th>部门</th></tr>\n");
    let mut report = String::from("工号    姓名        部门\n======  ==========  ======\n");
    for (i, name) in names.iter().enumerate() {
        html.push_str(&format!("<tr><td>{i}</td><td>{name}</td><td>销售</td></tr>\n"));
        // Padded by display width, as a printed report is.
        let pad = " ".repeat(12 - 2 * name.chars().count());
        report.push_str(&format!("{i:<6}  {name}{pad}销售\n"));
    }
    html.push_str("</table></body></html>\n");
    for text in [&html, &report] {
        assert_eq!(names_in(&detector, text), names, "{}", &text[..60]);
    }
}
