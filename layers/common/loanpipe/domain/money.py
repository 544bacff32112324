"""Money and dates: Decimal amounts rounded to the fen, ISO dates."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")


def to_money(value: object) -> Decimal:
    """Read an amount given as a decimal string, int or JSON number; never through float arithmetic."""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise ValueError("an amount cannot be a boolean")
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip().replace(",", "").replace("，", "").replace("¥", "").replace("￥", "")
        try:
            result = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(f"not an amount: {value!r}") from exc
    else:
        raise ValueError(f"not an amount: {type(value).__name__}")
    if not result.is_finite():
        raise ValueError("an amount must be finite")
    return result


def fen(value: Decimal) -> Decimal:
    """Round to the fen (0.01), half up, as Chinese banks print amounts."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def money_str(value: Decimal) -> str:
    """The normal form of an amount in the extraction contract: ``"12500.00"``."""
    return f"{fen(value):.2f}"
