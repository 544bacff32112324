"""Masks for personal data in texts that people and logs see (PIPL): ID numbers and account numbers.

``mask_id_number("110105198803120017") -> "1101**********0017"`` keeps the province and prefecture
(the first four characters) and the last four; ``mask_account`` keeps the bank's four and the last four.
Anything too short to keep both ends is masked whole, so a mask never reveals a short number entire.
"""

from __future__ import annotations

_KEEP = 4


def _mask_middle(value: str, keep_head: int, keep_tail: int) -> str:
    text = "".join(value.split())
    if len(text) <= keep_head + keep_tail:
        return "*" * len(text)
    return text[:keep_head] + "*" * (len(text) - keep_head - keep_tail) + text[-keep_tail:]


def mask_id_number(id_number: str | None) -> str:
    """``110105198803120017`` -> ``1101**********0017``; None or empty -> ``""``."""
    if not id_number:
        return ""
    return _mask_middle(id_number.upper(), _KEEP, _KEEP)


def mask_account(account_number: str | None) -> str:
    """``6222021234567890123`` -> ``6222***********0123``; None or empty -> ``""``."""
    if not account_number:
        return ""
    return _mask_middle(account_number, _KEEP, _KEEP)


def mask_name(name: str | None) -> str:
    """``张伟`` -> ``张*``, ``欧阳娜娜`` -> ``欧***``: the family name stays, as on Chinese bank receipts."""
    if not name:
        return ""
    text = name.strip()
    return text[0] + "*" * (len(text) - 1)


def mask_phone(phone: str | None) -> str:
    """``13912345678`` -> ``139****5678``: the carrier prefix and the last four, as on Chinese SMS receipts."""
    if not phone:
        return ""
    return _mask_middle(phone, 3, _KEEP)
