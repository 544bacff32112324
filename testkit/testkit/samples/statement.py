"""Bank statements (个人账户交易明细): seeded transactions with a consistent running balance,
exported as a text PDF with an embedded CJK font, like an online-banking export."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from loanpipe.domain.money import fen

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Bank:
    name: str
    legal_name: str  # on the e-seal
    card_prefixes: tuple[str, ...]
    account_length: int
    colour: tuple[int, int, int]
    title: str
    salary_text: str
    date_format: str  # strftime
    plus_sign: bool  # credits printed with '+'


BANKS: tuple[Bank, ...] = (
    Bank("中国工商银行", "中国工商银行股份有限公司", ("6222", "6212"), 19, (196, 18, 48), "个人客户交易明细",
         "代发工资", "%Y-%m-%d", False),
    Bank("中国建设银行", "中国建设银行股份有限公司", ("6217", "6227"), 19, (0, 61, 140), "个人活期账户交易明细",
         "代发工资", "%Y%m%d", True),
    Bank("招商银行", "招商银行股份有限公司", ("6225", "6214"), 16, (196, 22, 28), "个人账户交易流水",
         "代发工资", "%Y-%m-%d", True),
    Bank("中国农业银行", "中国农业银行股份有限公司", ("6228",), 19, (0, 133, 102), "个人账户明细对账单",
         "工资", "%Y%m%d", False),
    Bank("中国银行", "中国银行股份有限公司", ("6217", "6216"), 19, (166, 0, 42), "交易流水明细清单",
         "代发工资", "%Y/%m/%d", False),
    Bank("交通银行", "交通银行股份有限公司", ("6222",), 17, (20, 54, 140), "个人账户交易明细",
         "工资", "%Y-%m-%d", True),
    Bank("中国邮政储蓄银行", "中国邮政储蓄银行股份有限公司", ("6210", "6221"), 19, (0, 120, 64),
         "个人账户交易明细", "代发工资", "%Y-%m-%d", False),
)
BY_NAME = {bank.name: bank for bank in BANKS}

MERCHANTS = (
    "支付宝-美团外卖", "财付通-微信支付", "京东商城", "拼多多", "滴滴出行", "中国石化加油站", "永辉超市", "沃尔玛",
    "肯德基", "星巴克", "盒马鲜生", "支付宝-淘宝", "携程旅行", "中国石油加油站", "瑞幸咖啡", "华润万家",
    "支付宝-饿了么", "大润发", "麦当劳", "苏宁易购",
)
SPEND_TEXT = ("消费", "快捷支付", "网上支付", "银联消费")
PEOPLE = ("王芳", "李强", "张丽", "刘洋", "陈静", "杨帆", "赵敏", "吴磊", "周婷", "孙浩", "马超", "朱琳")


def luhn_digit(body: str) -> str:
    total = 0
    for index, char in enumerate(reversed(body)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def account_number(rng: random.Random, bank: Bank) -> str:
    """A card/account number of the bank's length whose last digit is a Luhn check digit."""
    prefix = rng.choice(bank.card_prefixes)
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(bank.account_length - len(prefix) - 1))
    return body + luhn_digit(body)


@dataclass(frozen=True)
class Row:
    day: date
    description: str  # 摘要
    amount: Decimal  # signed, credit positive (as printed)
    balance: Decimal  # 账户余额 as printed
    counterparty: str  # 对方户名


@dataclass
class Statement:
    bank: Bank
    holder: str
    account_number: str
    period_start: date
    period_end: date
    opening: Decimal
    rows: list[Row] = field(default_factory=list)

    @property
    def closing(self) -> Decimal:
        return self.rows[-1].balance if self.rows else self.opening

    def fields(self, *, opening: bool = True, closing: bool = True) -> dict[str, str]:
        """Normal-form fields of the extraction contract (the ones printed on the pages in question)."""
        result = {
            "account_holder": self.holder,
            "account_number": self.account_number,
            "bank_name": self.bank.name,
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
        }
        if opening:
            result["opening_balance"] = f"{self.opening:.2f}"
        if closing:
            result["closing_balance"] = f"{self.closing:.2f}"
        return result

    def transactions(self, rows: list[Row] | None = None) -> list[dict[str, str]]:
        return [
            {"date": row.day.isoformat(), "description": row.description, "amount": f"{row.amount:.2f}",
             "balance": f"{row.balance:.2f}", "counterparty": row.counterparty}
            for row in (self.rows if rows is None else rows)
        ]


def _cents(value: float) -> Decimal:
    return (Decimal(max(1, round(value * 100))) * CENT).quantize(CENT)


def build_statement(
    rng: random.Random,
    *,
    holder: str,
    period_start: date,
    period_end: date,
    salary_payer: str,
    net_salary,  # callable(month_index) -> Decimal, the credited net salary
    bank: Bank | None = None,
) -> Statement:
    """Six-odd months of a salaried person's account: salary, spending, transfers, ATM, interest, fees."""
    # One piece on purpose: a day-by-day row of seeded draws; their order is what a seed means (same bytes).
    bank = bank or rng.choice(BANKS)
    statement = Statement(bank, holder, account_number(rng, bank), period_start, period_end,
                          _cents(rng.uniform(800, 26000)))
    typical_net = net_salary(0)
    payday = rng.choice((5, 8, 10, 15, 20, 25))
    rent_day = rng.randint(1, 28) if rng.random() < 0.55 else 0
    rent = fen(typical_net * Decimal(str(round(rng.uniform(0.15, 0.3), 2)))).quantize(Decimal(1)) or Decimal(1000)
    card_day = rng.randint(1, 28) if rng.random() < 0.5 else 0
    purchase_rate = rng.uniform(0.5, 1.0)
    purchase_mean = float(typical_net) * 0.5 / (30 * purchase_rate)
    balance = statement.opening
    month_index = 0
    day = period_start

    def post(description: str, amount: Decimal, counterparty: str) -> None:
        nonlocal balance
        if amount < 0 and balance + amount < Decimal(20):
            return  # a debit the account cannot carry is simply not made
        balance += amount
        statement.rows.append(Row(day, description, amount, balance, counterparty))

    while day <= period_end:
        if day.day == payday and day != period_start:
            post(bank.salary_text, net_salary(month_index), salary_payer)
            month_index += 1
        if day.month in (3, 6, 9, 12) and day.day == 21:
            interest = fen(balance * Decimal("0.0005") + Decimal(str(round(rng.uniform(0, 0.5), 2))))
            if interest > 0:
                post(rng.choice(("结息", "利息存入")), interest, bank.legal_name if rng.random() < 0.5 else "")
        if rent_day and day.day == rent_day:
            post(rng.choice(("转账", "手机银行转账")), -rent, rng.choice(PEOPLE))
        if card_day and day.day == card_day:
            post("信用卡还款", -_cents(float(typical_net) * rng.uniform(0.05, 0.2)), f"{bank.name}信用卡中心")
        if day.day == 18 and rng.random() < 0.7:
            post(rng.choice(("代扣电费", "代扣水费", "代扣燃气费")), -_cents(rng.uniform(40, 320)),
                 rng.choice(("国网电力公司", "自来水公司", "燃气公司")))
        if day.day == 20 and rng.random() < 0.5:
            post("短信服务费", Decimal("-2.00"), bank.legal_name)
        for _ in range(_poisson(rng, purchase_rate)):
            amount = math.exp(rng.gauss(math.log(purchase_mean * 0.6), 0.9))
            amount = min(max(amount, 3.0), float(typical_net) * 0.35)
            if rng.random() < 0.25:
                amount = float(round(amount))
            post(rng.choice(SPEND_TEXT), -_cents(amount), rng.choice(MERCHANTS))
        if rng.random() < 0.06:
            post(rng.choice(("转账", "跨行转出", "手机银行转账")), -Decimal(rng.choice((2, 3, 5, 8, 10, 20, 30)) * 100),
                 rng.choice(PEOPLE))
        if rng.random() < 0.02:
            post(rng.choice(("转账存入", "跨行转入")), Decimal(rng.choice((2, 5, 10, 20)) * 100), rng.choice(PEOPLE))
        if rng.random() < 0.025:
            post(rng.choice(("ATM取款", "取款")), -Decimal(rng.choice((3, 5, 10, 20)) * 100), "")
        day += timedelta(days=1)
    return statement


def _poisson(rng: random.Random, rate: float) -> int:
    threshold, count, product = math.exp(-rate), 0, rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def with_row_amount(statement: Statement, index: int, amount: Decimal) -> Statement:
    """A copy whose row ``index`` shows another amount while every printed balance stays: the chain breaks."""
    rows = list(statement.rows)
    rows[index] = replace(rows[index], amount=amount)
    return replace(statement, rows=rows)
