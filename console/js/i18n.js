// Texts of the console in Chinese (the default) and English. Reason codes come with both texts from the API;
// everything the console itself says is here, keyed by a short name.

const TEXTS = {
  zh: {
    title: "贷款审核台",
    signInTitle: "审核人员登录",
    username: "用户名",
    password: "密码",
    signIn: "登录",
    signInHosted: "使用公司账号登录",
    signingIn: "正在登录…",
    signOut: "退出",
    signInFailed: "登录失败：{message}",
    passwordChangeNeeded: "该账号需要先修改初始密码，请联系管理员。",
    sessionExpired: "登录已过期，请重新登录。",
    notStaff: "此控制台仅供审核人员和管理员使用。当前账号（{user}）的角色：{roles}。",
    language: "English",
    queue: "审核队列",
    depth: "待审",
    oldest: "最久等待",
    breaches: "超时",
    refresh: "刷新",
    queueEmpty: "队列为空。",
    colRank: "#",
    colApplication: "申请",
    colReasons: "原因",
    colAmount: "金额",
    colOfficer: "业务员",
    colWait: "等待",
    colSla: "时效",
    colLease: "领取",
    overdue: "已超时",
    slaLeft: "剩余 {time}",
    free: "未领取",
    leaseBy: "{user} 至 {time}",
    leaseMine: "我 至 {time}",
    secondNeeded: "待二审（一审：{user}）",
    back: "返回队列",
    applicant: "申请人",
    idNumber: "身份证号",
    loan: "贷款",
    term: "{months} 期",
    vehiclePrice: "车价",
    officer: "业务员",
    state: "状态",
    queuedFor: "已等待 {time}",
    claimedByMe: "已由我领取，至 {time}",
    claimedByOther: "{user} 正在处理，至 {time}",
    notClaimed: "未领取：先领取才能操作",
    firstApproval: "一审已批准：{user}。需另一位审核员二审。",
    reasons: "送审原因",
    checks: "未通过的检查",
    checksUnavailable: "检查明细暂不可用（{message}），仅显示送审原因。",
    noChecks: "没有未通过的检查。",
    fraud: "欺诈信号",
    otherApplication: "关联申请 {id}",
    document: "材料",
    documents: "材料",
    field: "字段",
    value: "识别值",
    confidence: "置信度",
    corrected: "已更正",
    noFields: "没有识别出的字段。",
    transactions: "流水明细",
    date: "日期",
    description: "摘要",
    amount: "金额",
    balance: "余额",
    imageFailed: "图片无法加载。",
    pdfEmbedded: "PDF 以嵌入方式显示第一页；API 未提供页面图片，故不画字段框。",
    legend: "框的颜色：绿 ≥ 0.90，黄 ≥ 0.80，红 < 0.80，蓝 = 已更正",
    boxesNone: "API 未提供字段位置，未画框。",
    reveal: "显示证件号",
    revealed: "已显示完整号码（已记入审计）",
    claim: "领取",
    edit: "更正字段",
    retake: "要求重拍",
    approve: "批准",
    decline: "拒绝",
    revalidate: "重新校验",
    release: "释放",
    note: "备注（说明理由）",
    noteRequired: "请填写至少 3 个字的备注。",
    confirm: "确认",
    cancel: "取消",
    editTitle: "更正字段：{field}",
    newValue: "正确的值",
    maskedHint: "当前值已遮蔽；如需核对请先显示证件号 (v)。",
    retakeTitle: "要求业务员重拍",
    retakeDocuments: "需重拍的材料",
    retakeMessage: "给业务员的话（最多 500 字）",
    retakeNeedsDocument: "请至少选择一份材料。",
    approveTitle: "批准申请",
    declineTitle: "拒绝申请",
    declineReasons: "拒绝原因",
    revalidateTitle: "按更正后的字段重新校验与评分",
    done_claim: "已领取。",
    done_edit: "已更正 {field}。",
    done_approve: "已批准。",
    done_first_approval: "一审已记录，需另一位审核员批准。",
    done_decline: "已拒绝。",
    done_request_retake: "已通知业务员重拍。",
    done_revalidate: "已提交重新校验。",
    done_release: "已释放，其他审核员可以领取。",
    needsClaim: "请先领取 (c)。",
    selectField: "请先用 j/k 选择一个字段。",
    help: "键盘快捷键",
    helpClose: "按 Esc 关闭",
    keysQueue: "队列",
    keysItem: "审核页",
    keysAnywhere: "任何页面",
    key_jk: "下一项 / 上一项",
    key_enter: "打开所选申请",
    key_c: "领取",
    key_a: "批准",
    key_d: "拒绝",
    key_r: "要求重拍",
    key_e: "更正所选字段",
    key_x: "重新校验",
    key_v: "显示证件号（记入审计）",
    key_u: "释放领取",
    key_esc: "返回队列 / 关闭对话框",
    key_ctrl_enter: "在对话框中确认",
    key_help: "显示本帮助",
    key_t: "切换中文 / English",
    hintQueue: "j/k 移动 · Enter 打开 · c 领取 · ? 帮助",
    hintItem: "j/k 字段 · c 领取 · e 更正 · r 重拍 · a 批准 · d 拒绝 · x 重新校验 · u 释放 · v 显示 · Esc 返回 · ? 帮助",
    err_claimed: "另一位审核员正在处理此申请。",
    err_not_claimed: "请先领取此申请。",
    err_not_in_review: "此申请已不在审核中。",
    err_second_reviewer: "四眼原则：二审必须由另一位审核员完成。",
    err_captured_by_assignee: "不能把申请交给采集它的业务员审核。",
    err_forbidden: "无权执行此操作。",
    err_unauthorized: "登录已失效。",
    err_network: "无法连接服务器。",
    error: "出错：{message}",
    minutes: "{n} 分钟",
    hoursMinutes: "{h} 小时 {m} 分",
    days: "{d} 天 {h} 小时",
    seconds: "{n} 秒",
  },
  en: {
    title: "Loan review console",
    signInTitle: "Reviewer sign-in",
    username: "User name",
    password: "Password",
    signIn: "Sign in",
    signInHosted: "Sign in with your staff account",
    signingIn: "Signing in…",
    signOut: "Sign out",
    signInFailed: "Sign-in failed: {message}",
    passwordChangeNeeded: "This account must change its first password: ask an administrator.",
    sessionExpired: "Your session has expired: sign in again.",
    notStaff: "This console is for reviewers and administrators. This account ({user}) has the roles: {roles}.",
    language: "中文",
    queue: "Review queue",
    depth: "Waiting",
    oldest: "Oldest",
    breaches: "SLA breaches",
    refresh: "Refresh",
    queueEmpty: "The queue is empty.",
    colRank: "#",
    colApplication: "Application",
    colReasons: "Reasons",
    colAmount: "Amount",
    colOfficer: "Officer",
    colWait: "Waiting",
    colSla: "SLA",
    colLease: "Claimed",
    overdue: "Overdue",
    slaLeft: "{time} left",
    free: "Free",
    leaseBy: "{user} until {time}",
    leaseMine: "Me until {time}",
    secondNeeded: "Second approval needed (first: {user})",
    back: "Back to the queue",
    applicant: "Applicant",
    idNumber: "ID number",
    loan: "Loan",
    term: "{months} months",
    vehiclePrice: "Vehicle price",
    officer: "Officer",
    state: "State",
    queuedFor: "Waiting for {time}",
    claimedByMe: "Claimed by me until {time}",
    claimedByOther: "{user} is working on it until {time}",
    notClaimed: "Not claimed: claim it to act",
    firstApproval: "First approval by {user}. A second, different reviewer must approve.",
    reasons: "Why it is here",
    checks: "Failing checks",
    checksUnavailable: "Check details are not available ({message}); the reasons are shown instead.",
    noChecks: "No failing checks.",
    fraud: "Fraud signals",
    otherApplication: "Other application {id}",
    document: "Document",
    documents: "Documents",
    field: "Field",
    value: "Read value",
    confidence: "Confidence",
    corrected: "corrected",
    noFields: "No fields were read.",
    transactions: "Statement rows",
    date: "Date",
    description: "Description",
    amount: "Amount",
    balance: "Balance",
    imageFailed: "The image could not be loaded.",
    pdfEmbedded: "The PDF is embedded (first page); the API gave no page image, so no field boxes are drawn.",
    legend: "Box colours: green ≥ 0.90, amber ≥ 0.80, red < 0.80, blue = corrected",
    boxesNone: "The API gave no field positions: no boxes drawn.",
    reveal: "Reveal ID numbers",
    revealed: "Full numbers shown (audited)",
    claim: "Claim",
    edit: "Correct field",
    retake: "Request retake",
    approve: "Approve",
    decline: "Decline",
    revalidate: "Revalidate",
    release: "Release",
    note: "Note (why)",
    noteRequired: "Write a note of at least 3 characters.",
    confirm: "Confirm",
    cancel: "Cancel",
    editTitle: "Correct the field: {field}",
    newValue: "Correct value",
    maskedHint: "The value is masked; reveal the ID numbers (v) to compare.",
    retakeTitle: "Ask the officer for a retake",
    retakeDocuments: "Documents to take again",
    retakeMessage: "Message to the officer (500 characters at most)",
    retakeNeedsDocument: "Choose at least one document.",
    approveTitle: "Approve the application",
    declineTitle: "Decline the application",
    declineReasons: "Reasons",
    revalidateTitle: "Validate and score again with the corrected fields",
    done_claim: "Claimed.",
    done_edit: "{field} corrected.",
    done_approve: "Approved.",
    done_first_approval: "First approval recorded; a second reviewer must approve.",
    done_decline: "Declined.",
    done_request_retake: "The officer was asked for a retake.",
    done_revalidate: "Sent for validation again.",
    done_release: "Released: another reviewer can claim it.",
    needsClaim: "Claim it first (c).",
    selectField: "Choose a field first with j/k.",
    help: "Keyboard shortcuts",
    helpClose: "Esc closes",
    keysQueue: "Queue",
    keysItem: "Item page",
    keysAnywhere: "Anywhere",
    key_jk: "next / previous",
    key_enter: "open the selected application",
    key_c: "claim",
    key_a: "approve",
    key_d: "decline",
    key_r: "request a retake",
    key_e: "correct the selected field",
    key_x: "revalidate",
    key_v: "reveal ID numbers (audited)",
    key_u: "release the claim",
    key_esc: "back to the queue / close a dialog",
    key_ctrl_enter: "confirm a dialog",
    key_help: "this help",
    key_t: "switch 中文 / English",
    hintQueue: "j/k move · Enter open · c claim · ? help",
    hintItem: "j/k fields · c claim · e correct · r retake · a approve · d decline · x revalidate · u release · v reveal · Esc back · ? help",
    err_claimed: "Another reviewer is working on this application.",
    err_not_claimed: "Claim the application first.",
    err_not_in_review: "The application is no longer in review.",
    err_second_reviewer: "Four eyes: the second approval must come from another reviewer.",
    err_captured_by_assignee: "An application cannot go to the officer who captured it.",
    err_forbidden: "You may not do this.",
    err_unauthorized: "Your session is no longer valid.",
    err_network: "The server cannot be reached.",
    error: "Error: {message}",
    minutes: "{n} min",
    hoursMinutes: "{h} h {m} min",
    days: "{d} d {h} h",
    seconds: "{n} s",
  },
};

const FIELD_LABELS = {
  name: ["姓名", "Name"],
  sex: ["性别", "Sex"],
  ethnicity: ["民族", "Ethnicity"],
  birth_date: ["出生日期", "Birth date"],
  address: ["住址", "Address"],
  id_number: ["身份证号", "ID number"],
  issuing_authority: ["签发机关", "Issuing authority"],
  valid_from: ["有效期起", "Valid from"],
  valid_until: ["有效期至", "Valid until"],
  employer: ["单位", "Employer"],
  position: ["职务", "Position"],
  monthly_income: ["月收入", "Monthly income"],
  employment_start: ["入职日期", "Employed since"],
  issue_date: ["开具日期", "Issue date"],
  account_holder: ["户名", "Account holder"],
  account_number: ["账号", "Account number"],
  bank_name: ["银行", "Bank"],
  period_start: ["起始日期", "Period start"],
  period_end: ["截止日期", "Period end"],
  opening_balance: ["期初余额", "Opening balance"],
  closing_balance: ["期末余额", "Closing balance"],
};

const SLOT_LABELS = {
  id_card_front: ["身份证人像面", "ID card, front"],
  id_card_back: ["身份证国徽面", "ID card, back"],
  income_certificate: ["收入证明", "Income certificate"],
  bank_statement: ["银行流水", "Bank statement"],
};

const STATE_LABELS = {
  IN_REVIEW: ["审核中", "in review"],
  APPROVED: ["已批准", "approved"],
  DECLINED: ["已拒绝", "declined"],
  SUBMITTED: ["已提交", "submitted"],
  VALIDATING: ["校验中", "validating"],
  SCORING: ["评分中", "scoring"],
  AWAITING_SIGNATURE: ["待签约", "awaiting signature"],
  SIGNED: ["已签约", "signed"],
  EXTRACTED: ["已识别", "read"],
  RETAKE_REQUESTED: ["待重拍", "retake requested"],
};

let language = localStorage.getItem("console.lang") === "en" ? "en" : "zh";

export function lang() {
  return language;
}

export function setLang(value) {
  language = value === "en" ? "en" : "zh";
  localStorage.setItem("console.lang", language);
  document.documentElement.lang = language === "zh" ? "zh-CN" : "en";
}

export function t(key, vars = {}) {
  const text = TEXTS[language][key] ?? TEXTS.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

function pick(table, key) {
  const pair = table[key];
  if (!pair) return key;
  return language === "zh" ? pair[0] : pair[1];
}

export const fieldLabel = (name) => pick(FIELD_LABELS, name);
export const slotLabel = (slot) => pick(SLOT_LABELS, slot);
export const stateLabel = (state) => pick(STATE_LABELS, state);

/** A reason {code, zh, en} in the interface language first, the other below it. */
export function reasonTexts(reason) {
  const first = language === "zh" ? reason.zh : reason.en;
  const second = language === "zh" ? reason.en : reason.zh;
  return [first || reason.code, second || ""];
}

/** Seconds as a short duration in the interface language. */
export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return t("seconds", { n: s });
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return t("minutes", { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return t("hoursMinutes", { h: hours, m: minutes % 60 });
  return t("days", { d: Math.floor(hours / 24), h: hours % 24 });
}

/** A clock time (local) for lease ends. */
export function clock(iso) {
  if (!iso) return "";
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return "";
  return when.toLocaleTimeString(language === "zh" ? "zh-CN" : "en-GB", { hour: "2-digit", minute: "2-digit" });
}

/** "120000.00" -> "¥120,000.00" without going through a float. */
export function money(amount) {
  if (amount === null || amount === undefined || amount === "") return "—";
  const text = String(amount);
  const match = /^(-?)(\d+)(\.\d+)?$/.exec(text);
  if (!match) return text;
  const grouped = match[2].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${match[1]}¥${grouped}${match[3] ?? ""}`;
}

/** The text of an API error in the interface language, falling back to the server's own message. */
export function errorText(error) {
  const key = `err_${error.code}`;
  const known = TEXTS[language][key];
  return known ?? error.message ?? String(error);
}
