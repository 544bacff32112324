"""Tell the four document types apart from the words printed on them (and the card's shape)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from loanpipe.domain.documents import DocType

# Words printed on each type, with weights. Words are matched on the text with spaces removed.
_KEYWORDS: dict[DocType, tuple[tuple[str, float], ...]] = {
    DocType.ID_CARD_FRONT: (("公民身份号码", 4), ("身份号码", 2), ("姓名", 1), ("性别", 2), ("民族", 2),
                            ("出生", 1.5), ("住址", 2)),
    DocType.ID_CARD_BACK: (("签发机关", 4), ("有效期限", 4), ("居民身份证", 2), ("中华人民共和国", 1.5),
                           ("公安局", 1.5)),
    DocType.INCOME_CERTIFICATE: (("收入证明", 5), ("兹证明", 3), ("特此证明", 3), ("月收入", 3),
                                 ("我单位", 2), ("人民币", 1), ("大写", 1), ("职务", 1), ("盖章", 1)),
    DocType.BANK_STATEMENT: (("交易明细", 4), ("流水", 3), ("对账单", 3), ("余额", 2), ("摘要", 2),
                             ("户名", 1.5), ("账号", 1.5), ("交易日期", 2), ("银行", 1), ("期初", 1.5),
                             ("期末", 1.5), ("收入", 0.5), ("支出", 1)),
}


@dataclass(frozen=True)
class Classification:
    doc_type: DocType | None
    score: float
    margin: float  # winner's score minus the runner-up's
    scores: dict[DocType, float]


def classify_text(text: str, *, card_shaped: bool | None = None) -> Classification:
    """Score each type by its printed words; a card-shaped image favours the ID card sides.
    ``doc_type`` is None when nothing scores (a blank or unreadable page)."""
    flat = re.sub(r"\s+", "", text)
    scores: dict[DocType, float] = {}
    for doc_type, words in _KEYWORDS.items():
        scores[doc_type] = sum(weight for word, weight in words if word in flat)
    # The ID number line is the strongest front-side signal even when the label is misread.
    if re.search(r"\d{17}[\dXx]", flat) and scores[DocType.ID_CARD_FRONT] > 0:
        scores[DocType.ID_CARD_FRONT] += 1
    if card_shaped is True:
        scores[DocType.ID_CARD_FRONT] *= 1.5
        scores[DocType.ID_CARD_BACK] *= 1.5
    elif card_shaped is False:
        scores[DocType.ID_CARD_FRONT] *= 0.7
        scores[DocType.ID_CARD_BACK] *= 0.7
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    best, best_score = ranked[0]
    margin = best_score - ranked[1][1]
    if best_score < 2:
        return Classification(None, best_score, margin, scores)
    return Classification(best, best_score, margin, scores)
