"""The words of Chinese income and employment certificates (收入证明, 在职证明, 工作证明): the labels of
their form fields, the sign-off labels beside the seal, the titles, and how an organisation's name ends.

These are the words employers print (HR templates, bank-supplied forms, letterheads of companies,
hospitals, schools and government bodies), gathered by meaning, not from any one template. A label maps to
the field it names; several labels name one field (月收入 / 月薪 / 月均收入 / 每月收入…).
"""

from __future__ import annotations

import re

# Form labels by the field they name (a label | value table, or "label：value" lines). Longest first within
# a field is not needed: the reader tries every label and keeps the longest that matches at a position.
FORM_LABELS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "员工姓名", "职工姓名", "雇员姓名", "申请人姓名", "申请人"),
    "sex": ("性别",),
    "id_number": ("身份证号码", "身份证号", "公民身份号码", "身份证件号码", "证件号码", "身份证"),
    "employer": ("工作单位", "单位名称", "公司名称", "任职单位", "用人单位", "就职单位", "所在单位",
                 "所在公司", "就职公司", "任职公司", "雇主名称", "单位全称"),
    "department": ("所在部门", "任职部门", "部门", "所属部门", "工作部门"),
    "position": ("现任职务", "担任职务", "职务", "职位", "岗位", "工作岗位", "所任岗位", "职称", "现任岗位"),
    "employment_start": ("入职时间", "入职日期", "参加工作时间", "参加工作日期", "到岗时间", "入司时间",
                         "入司日期", "进入本单位时间", "来本单位时间", "聘用时间", "聘用日期", "入职年月",
                         "工作起始时间", "任职起始日期", "本单位工作起始时间"),
    "monthly_income": ("月收入", "月薪", "月工资", "月均收入", "平均月收入", "月平均收入", "每月收入",
                       "月税前收入", "税前月收入", "月税后收入", "税后月收入", "月均工资", "月平均工资",
                       "每月工资", "月基本工资", "月工资收入", "月收入金额", "月均税前收入", "月均税后收入"),
    "annual_income": ("年收入", "年薪", "年均收入", "年度收入", "全年收入", "年总收入", "年工资收入",
                      "年税前收入", "税前年收入"),
    "capital": ("大写", "金额大写", "大写金额"),
    "issue_date": ("开具日期", "出具日期", "证明日期", "签发日期", "填表日期", "日期"),
    "nature": ("用工性质", "用工形式", "合同类型", "员工类型", "聘用性质", "劳动合同期限"),
    "phone": ("联系电话", "电话", "联系方式"),
    "address": ("单位地址", "地址", "公司地址"),
    "credit_code": ("统一社会信用代码", "信用代码"),
}

# Labels that may start a new field inside a cell OCR or a text layer read as one run ("姓名王喆璟性别男").
# Short labels that occur inside values (部门 in 部门经理, 岗位 in 岗位工资, 身份证 in 身份证号码) are left out.
INNER_LABELS = ("性别", "身份证号码", "身份证号", "公民身份号码", "证件号码", "所在部门", "任职部门", "职务",
                "职位", "用工性质", "用工形式", "合同类型", "年收入", "年薪", "入职时间", "入职日期", "参加工作时间",
                "联系电话", "统一社会信用代码", "工作单位", "单位名称")

# The line beside the seal that names who certifies: 单位（盖章）：X, 单位名称（公章）X, 证明单位：X…
SIGN_OFF = re.compile(r"(?:(?:证明|出具|开具|盖章|用人|工作)?单位(?:名称)?|公司(?:名称)?)?[(（]?(?:盖章|公章|签章|印章)"
                      r"[)）]?[:：]?|(?:证明|出具|开具|盖章)单位(?:名称)?[(（]?(?:盖章|公章)?[)）]?[:：]?")

# Titles of the document: the letterhead is what stands above the title.
TITLE = re.compile(r"(?:收入|工资|薪资|薪金|在职|工作|任职|就业|雇佣)(?:及收入|及工资|和收入)?证明(?:书|函|信)?"
                   r"|^证明(?:书|函|信)?$|证明(?:书|函)$")

# The body refers to the employer as 我单位 / 本公司…: never the employer's name.
SELF_REFERENCE = re.compile(r"^(?:我|本|贵|该|此|上述|所在|原)(?:单位|公司|司|院|校|行|局|厂|集团|中心|部门)")

# How an organisation's name ends (longest first): registered company forms, then institutions.
ORG_SUFFIXES = (
    "有限责任公司", "股份有限公司", "股份合作公司", "有限公司", "分公司", "子公司", "总公司", "集团公司", "公司",
    "集团", "研究院", "研究所", "设计院", "科学院", "医院", "卫生院", "卫生服务中心", "保健院", "学校", "中学", "小学",
    "大学", "学院", "幼儿园", "职业技术学院", "银行", "分行", "支行", "信用社", "合作社", "事务所", "律师事务所",
    "会计师事务所", "委员会", "管理局", "局", "政府", "法院", "检察院", "税务所", "派出所", "研究中心", "服务中心",
    "管理中心", "中心", "厂", "分厂", "商行", "商店", "酒店", "宾馆", "协会", "学会", "基金会", "出版社", "报社",
    "电视台", "广播电台", "博物馆", "图书馆", "体育馆", "站", "办事处", "经营部", "门市部", "工作室", "个体工商户",
)
# Suffixes that alone name a unit inside an organisation (a department), not the organisation: a candidate
# ending so must carry an organisation word before it (市疾病预防控制中心 yes, 客服中心 no).
DEPARTMENT_SUFFIXES = ("部", "中心", "科", "处", "室", "组", "车间", "站", "队", "班")
# Words that make the front of a name an organisation (a place, a registered form, an institution).
ORG_MARKERS = re.compile(r"(?:省|市|县|区|州|旗|镇|乡|村|国|中华|公司|集团|大学|学院|医院|银行|研究|协会)")
# Department endings used to strip a department from "现任人力资源部会计" (→ 会计).
DEPARTMENT_END = re.compile(r"^[\u3400-\u9fff]{1,10}?"
                            r"(?:部(?![门长])|中心|科(?![长研])|处(?!长)|室(?!主任)|车间|事业部|分部)")
# How a job title ends: a title found without its label or 职务 counts as found when it ends so.
POSITION_ENDINGS = ("员", "师", "经理", "主管", "总监", "主任", "长", "助理", "专员", "顾问", "会计", "出纳", "司机",
                    "工", "工人", "技工", "文员", "秘书", "总裁", "董事", "监事", "代表", "管家", "厨", "医生", "护士",
                    "教师", "讲师", "教授", "研究员", "干部", "职员", "操作员", "业务员", "店长", "组长", "领班",
                    "保安", "保洁", "收银", "导购", "技术员", "工程师", "设计师", "分析师", "架构师", "律师", "编辑",
                    "记者", "翻译", "骑手", "快递员", "配送员", "客服", "主播", "负责人", "合伙人", "法人")
