"""The review queue in priority order, and the figures the back office watches (depth, oldest, SLA breaches).

Priority is a number, highest first, that reads as "age against the SLA, then amount, then risk":

    priority = age + 0.2 * size + 0.05 * risk

- ``age``: the time waited over the policy's ``review.sla_minutes`` (0 on arrival, 1 at the SLA; capped at 3,
  so a forgotten item does not hide how late the next ones are);
- ``size``: the amount over the four-eyes amount, capped at 1 (a large loan first among equally old ones);
- ``risk``: the heaviest reason the application is in review for (fraud signals 1.0, contradictions between
  documents 0.6, anything else, e.g. a field read with low confidence, 0.2).

So 24 minutes of waiting under a 2-hour SLA outweigh any difference of amount, and 6 minutes any of risk; the
whole risk range weighs as much as a quarter of the four-eyes amount. The applicant who waited is served first,
among those who waited about as long the larger loan, and among loans of about one size the riskier.

The queue is read whole (``records_in_state``) because priority changes with time and cannot be an index key;
a review queue is hundreds of applications, not millions. Pages are slices of the ordered queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from loanpipe.domain.errors import UserInputError
from loanpipe.domain.lifecycle import AppState
from loanpipe.domain.reasons import describe
from loanpipe.domain.records import ApplicationRecord
from loanpipe.policy.model import ReviewRules
from loanpipe.service.access import Caller, Role, require
from loanpipe.service.ports import ApplicationRepository

AGE_CAP = 3.0
SIZE_WEIGHT = 0.2
RISK_WEIGHT = 0.05
QUEUE_READ_LIMIT = 2000

FRAUD_SIGNALS = frozenset({"duplicate_image", "image_edited", "phone_matches_officer", "concurrent_application",
                           "capture_location_spread", "capture_time_outside_visit", "capture_clock_skew"})
CONTRADICTIONS = frozenset({"name_mismatch", "id_number_mismatch", "birth_date_mismatch", "sex_mismatch",
                            "id_checksum_invalid", "id_area_unknown", "id_validity_inconsistent", "income_mismatch",
                            "employer_mismatch", "statement_balance_inconsistent", "income_unverified",
                            "document_dated_after_capture"})


def risk_of(reasons: list[str]) -> float:
    """The heaviest reason: a fraud signal 1.0, a contradiction between documents 0.6, anything else 0.2."""
    weights = [1.0 if code in FRAUD_SIGNALS else 0.6 if code in CONTRADICTIONS else 0.2 for code in reasons]
    return max(weights, default=0.0)


def reasons_of(record: ApplicationRecord) -> list[str]:
    """Why it is in review: the queue's reasons, else the machine decision's."""
    if record.review and record.review.reasons:
        return list(record.review.reasons)
    return list(record.decision.reasons) if record.decision else []


@dataclass(frozen=True)
class QueueItem:
    record: ApplicationRecord
    waited_seconds: int
    priority: float

    def view(self, rules: ReviewRules, now: datetime) -> dict:
        record, review = self.record, self.record.review
        held = review is not None and review.lease_held(now)
        lease_until = review.lease_until if review is not None and held else None
        return {
            "application_id": record.application_id,
            "officer_id": record.officer_id,
            "state": record.state.value,
            "amount": f"{record.declared.loan.amount:.2f}",
            "term_months": record.declared.loan.term_months,
            "reasons": [describe(code) for code in reasons_of(record)],
            "queued_at": _queued_at(record).isoformat(),
            "waited_seconds": self.waited_seconds,
            "sla_seconds": rules.sla_minutes * 60,
            "overdue": self.waited_seconds > rules.sla_minutes * 60,
            "priority": self.priority,
            "claimed_by": review.claimed_by if review is not None and held else None,
            "lease_until": lease_until.isoformat() if lease_until else None,
            "first_approved_by": review.first_approved_by if review is not None else None,
        }


@dataclass(frozen=True)
class QueueStats:
    depth: int
    oldest_seconds: int
    sla_breaches: int
    sla_seconds: int


def _queued_at(record: ApplicationRecord) -> datetime:
    return record.review.queued_at if record.review else record.updated_at


def prioritise(record: ApplicationRecord, rules: ReviewRules, now: datetime) -> QueueItem:
    waited = max(0, int((now - _queued_at(record)).total_seconds()))
    age = min(AGE_CAP, waited / (rules.sla_minutes * 60))
    size = min(Decimal(1), record.declared.loan.amount / rules.four_eyes_above)
    priority = age + SIZE_WEIGHT * float(size) + RISK_WEIGHT * risk_of(reasons_of(record))
    return QueueItem(record, waited, round(priority, 4))


def ordered_queue(records: list[ApplicationRecord], rules: ReviewRules, now: datetime) -> list[QueueItem]:
    """Highest priority first; equal priorities by the time queued (then the id, so the order is stable)."""
    items = [prioritise(record, rules, now) for record in records]
    return sorted(items, key=lambda item: (-item.priority, _queued_at(item.record), item.record.application_id))


def queue_stats(items: list[QueueItem], rules: ReviewRules) -> QueueStats:
    sla = rules.sla_minutes * 60
    return QueueStats(depth=len(items), oldest_seconds=max((item.waited_seconds for item in items), default=0),
                      sla_breaches=sum(1 for item in items if item.waited_seconds > sla), sla_seconds=sla)


@dataclass(frozen=True)
class QueuePage:
    items: list[dict]
    cursor: str | None
    stats: QueueStats

    def as_dict(self) -> dict:
        return {"items": self.items, "cursor": self.cursor, "stats": self.stats.__dict__}


def review_queue(repo: ApplicationRepository, caller: Caller, rules: ReviewRules, now: datetime, *,
                 limit: int = 50, cursor: str | None = None) -> QueuePage:
    """A page of the queue in priority order (``cursor``: where the previous page ended) and the queue's stats."""
    require(caller, Role.REVIEWER, Role.ADMIN)
    start = _offset(cursor)
    items = ordered_queue(repo.records_in_state(AppState.IN_REVIEW.value, QUEUE_READ_LIMIT), rules, now)
    page = items[start:start + limit]
    following = str(start + limit) if start + limit < len(items) else None
    return QueuePage([item.view(rules, now) for item in page], following, queue_stats(items, rules))


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    if not cursor.isdigit() or len(cursor) > 6:
        raise UserInputError("bad_cursor", "the page cursor is not valid")
    return int(cursor)
