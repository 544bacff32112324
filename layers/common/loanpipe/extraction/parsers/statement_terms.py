"""The words of a statement's rows: the 摘要 vocabulary banks print, which 摘要 go with which sign, and
the counterparty's normal form."""

from __future__ import annotations

from decimal import Decimal

from loanpipe.extraction.normalize import halfwidth

# 摘要 whose rows may have no counterparty (cash, interest, fees); any other row names one.
_WITHOUT_COUNTERPARTY = ("取款", "存款", "现金", "结息", "利息", "年费", "手续费", "服务费")
# The 摘要 vocabulary banks print (a closed set per bank); an OCR reading one character away from a
# single term is that term.
DESCRIPTION_TERMS = (
    "消费", "快捷支付", "网上支付", "银联消费", "转账", "转账存入", "转账支取", "手机银行转账", "网银转账", "跨行转出",
    "跨行转入", "跨行汇款", "代发工资", "工资", "代发", "奖金", "报销", "结息", "利息存入", "利息", "ATM取款", "取款",
    "现金存入", "存款", "短信服务费", "年费", "手续费", "信用卡还款", "还款", "代扣电费", "代扣水费", "代扣燃气费",
    "代扣话费", "代扣", "退款", "理财购买", "理财赎回", "公积金", "社保", "微信支付", "支付宝", "红包",
)


def join_description(summary: str, counterparty: str) -> str:
    return f"{summary} {counterparty}" if counterparty else summary


def names_a_counterparty(summary: str) -> bool:
    """Does a row with this 摘要 name its counterparty? A purchase, a transfer or a salary does; cash,
    interest and fees may not."""
    return not any(word in summary for word in _WITHOUT_COUNTERPARTY)


_CREDIT_WORDS = ("工资", "代发", "结息", "利息", "存入", "转入", "退款", "奖金", "报销", "赎回")
_DEBIT_WORDS = ("消费", "支付", "取款", "转出", "还款", "代扣", "服务费", "手续费", "年费", "支取", "购买")


def description_fits_sign(description: str, amount: Decimal) -> bool:
    """A salary or interest line is a credit, a purchase or withdrawal a debit: a description with the
    other sign was taken from a neighbouring row."""
    if any(word in description for word in _CREDIT_WORDS) and amount < 0:
        return False
    return not (any(word in description for word in _DEBIT_WORDS) and amount > 0)


def _one_edit_apart(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def snap_description(text: str) -> str:
    """A 摘要 one character away from exactly one known term of three or more characters is that term."""
    if not text or text in DESCRIPTION_TERMS:
        return text
    near = [term for term in DESCRIPTION_TERMS if len(term) >= 3 and _one_edit_apart(text, term)]
    return near[0] if len(near) == 1 else text


# Payment platforms name the merchant after their own name and a hyphen (支付宝-美团外卖); OCR reads the
# thin hyphen as a middle dot, a colon or 一, or drops it.
_PLATFORMS = ("支付宝", "财付通")
_LEGAL_FORMS = ("公司", "集团", "中心", "银行")


def snap_counterparty(text: str) -> str:
    """The counterparty in normal form: full-width forms folded, a platform's merchant separator
    restored (支付宝·淘宝 / 支付宝淘宝 -> 支付宝-淘宝); a platform's own legal name is left alone."""
    text = halfwidth(text).strip(" -·•:：")
    for platform in _PLATFORMS:
        if not text.startswith(platform) or len(text) <= len(platform):
            continue
        rest = text[len(platform):].lstrip("-—–·•:：.一_~")
        if rest and rest[0] not in "(（" and not rest.endswith(_LEGAL_FORMS):
            return f"{platform}-{rest}"
    return text


def on_platform(counterparty: str) -> bool:
    """A payment platform's merchant in normal form (支付宝-美团外卖)."""
    return counterparty.startswith(tuple(f"{name}-" for name in _PLATFORMS))
