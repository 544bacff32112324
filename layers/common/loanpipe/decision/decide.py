"""``decide(case, report, policy)``: the explainable credit decision; ``explain`` prints why.

approve  only when every check passed, no fraud signal fired, every decisive field was confident and the
         score clears the cut-off;
decline  on a knock-out reason of the policy (amount, term, age, LTV, DTI, expired ID by default);
review   everything else, carrying its reason codes, top adverse first.
The decision stores the score, the reasons (with short zh/en texts), the policy version and the loan terms.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from loanpipe.decision.loans import apr, schedule
from loanpipe.decision.models import Decision, DecisionReason, LoanTerms, Outcome, ScoreFactor
from loanpipe.decision.scorecard import characteristic_values, score
from loanpipe.domain.application import LoanRequest
from loanpipe.domain.case import ApplicationCase
from loanpipe.domain.money import fen
from loanpipe.domain.reasons import describe
from loanpipe.policy.model import Cutoffs, LoanRules, Policy
from loanpipe.validation.report import CheckResult, CheckStatus, Figures, ValidationReport

# After the policy's knock-outs: fraud signals, then identity, then document integrity, then completeness.
REVIEW_PRIORITY = (
    "duplicate_image",
    "image_edited",
    "concurrent_application",
    "phone_matches_officer",
    "capture_location_spread",
    "capture_time_outside_visit",
    "capture_clock_skew",
    "id_number_mismatch",
    "name_mismatch",
    "id_checksum_invalid",
    "id_area_unknown",
    "id_legacy_number",
    "birth_date_mismatch",
    "sex_mismatch",
    "id_validity_inconsistent",
    "statement_balance_inconsistent",
    "income_mismatch",
    "employer_mismatch",
    "income_unverified",
    "document_dated_after_capture",
    "statement_stale",
    "statement_period_short",
    "certificate_stale",
    "document_missing",
    "document_unreadable",
    "field_missing",
    "low_confidence",
    "check_incomplete",
    "score_below_cutoff",
)
_RATIO = Decimal("0.0001")


@dataclass(frozen=True)
class _Loan:
    """The loan against the policy: its checks, and its terms and ratios (None where they cannot be computed)."""

    checks: list[CheckResult]
    priced: bool  # a valid amount and vehicle price: the loan to value and the score can be computed
    terms: LoanTerms | None
    loan_to_value: Decimal | None
    debt_to_income: Decimal | None


def decide(case: ApplicationCase, report: ValidationReport, policy: Policy) -> Decision:
    """The loan against the policy, the score, every reason with its details, then the outcome."""
    loan = _judge_loan(case.declared.loan, report.figures.verified_monthly_income, policy)
    total, factors = _score(case.declared.loan, report.figures, loan, policy)
    details = _reason_details([*report.checks, *loan.checks], total, factors, policy.cutoffs)
    outcome, knockouts = _outcome(details, total, policy)
    reasons = [
        DecisionReason(**describe(code), knock_out=code in knockouts, details=details[code])
        for code in _ordered(details, policy.knockouts)
    ]
    return Decision(
        application_id=case.application_id,
        decision=outcome,
        score=total,
        reasons=reasons,
        score_factors=factors,
        policy_checks=loan.checks,
        policy_version=policy.version,
        validation_policy_version=report.policy_version,
        as_of=case.clock,
        terms=loan.terms,
        debt_to_income=loan.debt_to_income,
        loan_to_value=loan.loan_to_value,
    )


def _judge_loan(loan: LoanRequest, income: Decimal | None, policy: Policy) -> _Loan:
    """Amount, term, loan to value and payment to income against the policy, checked in that order."""
    checks: list[CheckResult] = []
    amount_ok, price_ok = _check_amount(checks, loan, policy.loan)
    term_ok = _check_term(checks, loan, policy)
    terms = _terms(loan, policy) if amount_ok and term_ok else None
    ltv = _check_loan_to_value(checks, loan, policy, computable=amount_ok and price_ok)
    dti = _check_debt_to_income(checks, terms, income, policy.loan.max_debt_to_income)
    return _Loan(checks=checks, priced=amount_ok and price_ok, terms=terms, loan_to_value=ltv, debt_to_income=dti)


def _record(checks: list[CheckResult], check: str, reason: str | None, detail: str,
            status: CheckStatus | None = None) -> None:
    status = status or (CheckStatus.FAILED if reason else CheckStatus.PASSED)
    checks.append(CheckResult(check=check, status=status, reason=reason, detail=detail))


def _check_amount(checks: list[CheckResult], loan: LoanRequest, rules: LoanRules) -> tuple[bool, bool]:
    """(amount ok, vehicle price ok): the amount within the policy in whole fen, a positive price."""
    amount_ok = (rules.min_amount <= loan.amount <= rules.max_amount and fen(loan.amount) == loan.amount
                 if loan.amount.is_finite() and abs(loan.amount) < Decimal("1e15") else False)
    price_ok = loan.vehicle_price.is_finite() and 0 < loan.vehicle_price <= rules.max_vehicle_price
    if not amount_ok:
        _record(checks, "loan_amount", "amount_invalid",
                f"amount outside {rules.min_amount}..{rules.max_amount} or not whole fen")
    elif not price_ok:
        _record(checks, "loan_amount", "amount_invalid",
                f"vehicle price above {rules.max_vehicle_price} or not positive")
    else:
        _record(checks, "loan_amount", None, f"amount {loan.amount} within {rules.min_amount}..{rules.max_amount}")
    return amount_ok, price_ok


def _check_term(checks: list[CheckResult], loan: LoanRequest, policy: Policy) -> bool:
    """The term within the policy and a repayment method it offers."""
    rules = policy.loan
    if not rules.min_term_months <= loan.term_months <= rules.max_term_months:
        _record(checks, "loan_term", "term_out_of_range",
                f"{loan.term_months} months, policy {rules.min_term_months}..{rules.max_term_months}")
        return False
    if loan.repayment_method not in policy.pricing.repayment_methods:
        _record(checks, "loan_term", "term_out_of_range",
                f"repayment method {loan.repayment_method.value} is not offered")
        return False
    _record(checks, "loan_term", None, f"{loan.term_months} months")
    return True


def _terms(loan: LoanRequest, policy: Policy) -> LoanTerms:
    plan = schedule(loan.amount, policy.pricing.annual_rate, loan.term_months, loan.repayment_method)
    return LoanTerms(
        amount=loan.amount, term_months=loan.term_months, method=loan.repayment_method,
        annual_rate=policy.pricing.annual_rate,
        apr=apr(loan.amount, [row.payment for row in plan.rows], policy.pricing.fees),
        monthly_payment=plan.max_payment, total_interest=plan.total_interest, total_payment=plan.total_payment,
    )


def _check_loan_to_value(checks: list[CheckResult], loan: LoanRequest, policy: Policy, *,
                         computable: bool) -> Decimal | None:
    if not computable:
        _record(checks, "loan_to_value", None, "needs a valid amount and vehicle price", CheckStatus.NOT_RUN)
        return None
    ltv = (loan.amount / loan.vehicle_price).quantize(_RATIO)
    max_ltv = policy.max_loan_to_value(loan.vehicle_type)
    if ltv > max_ltv:
        _record(checks, "loan_to_value", "ltv_exceeded",
                f"{_percent(ltv)} of a {loan.vehicle_type.value} vehicle's price, policy {_percent(max_ltv)}")
    else:
        _record(checks, "loan_to_value", None, f"{_percent(ltv)}, policy {_percent(max_ltv)}")
    return ltv


def _check_debt_to_income(checks: list[CheckResult], terms: LoanTerms | None, income: Decimal | None,
                          max_dti: Decimal) -> Decimal | None:
    """The (largest) monthly payment against the verified monthly income."""
    if terms is None or not income:
        _record(checks, "debt_to_income", None, "needs the loan terms and a verified income", CheckStatus.NOT_RUN)
        return None
    dti = (terms.monthly_payment / income).quantize(_RATIO)
    if dti > max_dti:
        _record(checks, "debt_to_income", "dti_exceeded",
                f"monthly payment {terms.monthly_payment} is {_percent(dti)} of the verified income {income}, "
                f"policy {_percent(max_dti)}")
    else:
        _record(checks, "debt_to_income", None, f"monthly payment {_percent(dti)} of the verified income")
    return dti


def _score(loan: LoanRequest, figures: Figures, judged: _Loan, policy: Policy) -> tuple[int | None, list[ScoreFactor]]:
    """The scorecard's total and factors (weakest first); no score without a valid amount and price."""
    if not judged.priced:
        return None, []
    values = characteristic_values(
        figures, amount=loan.amount, vehicle_price=loan.vehicle_price, term_months=loan.term_months,
        monthly_payment=judged.terms.monthly_payment if judged.terms else None,
    )
    return score(policy.scorecard, values)


def _reason_details(checks: list[CheckResult], total: int | None, factors: list[ScoreFactor],
                    cutoffs: Cutoffs) -> dict[str, list[str]]:
    """Every reason code of a failed check (validation, then policy) with its distinct details; when none
    failed, the checks that could not run; a score below the approval cut-off."""
    details: dict[str, list[str]] = {}
    for check in checks:
        if check.status is CheckStatus.FAILED and check.reason:
            details.setdefault(check.reason, [])
            if check.detail and check.detail not in details[check.reason]:
                details[check.reason].append(check.detail)
    incomplete = [c for c in checks if c.status is CheckStatus.NOT_RUN]
    if incomplete and not details:
        details["check_incomplete"] = [f"{c.check}: {c.detail}" for c in incomplete]
    if total is None:
        if not details:
            details["check_incomplete"] = ["no score: the loan amount or vehicle price is invalid"]
    elif total < cutoffs.approve_at_or_above:
        weakest = ", ".join(f"{f.label_en} {f.points}/{f.max_points}" for f in factors[:3] if f.shortfall)
        details["score_below_cutoff"] = [f"score {total} below {cutoffs.approve_at_or_above}; weakest: {weakest}"]
    return details


def _outcome(details: dict[str, list[str]], total: int | None, policy: Policy) -> tuple[Outcome, set[str]]:
    """(outcome, the knock-out codes): decline on a knock-out reason or a score below the decline cut-off,
    review on any other reason, approve when there is none."""
    knockouts = [code for code in policy.knockouts if code in details]
    decline_below = policy.cutoffs.decline_below
    low_score_decline = total is not None and decline_below is not None and total < decline_below
    if knockouts or low_score_decline:
        outcome = Outcome.DECLINE
    elif details:
        outcome = Outcome.REVIEW
    else:
        outcome = Outcome.APPROVE
    return outcome, set(knockouts) | ({"score_below_cutoff"} if low_score_decline else set())


def flag_as_duplicate(decision: Decision, flagged_by: str) -> Decision:
    """Flag an earlier application whose image another application (``flagged_by``) also carries.

    Either may be the forged one, so both carry ``duplicate_image``: an approval becomes a review, a decline
    stays a decline. Idempotent: flagging twice by the same application changes nothing. The caller skips
    applications that are already signed.
    """
    detail = f"the same picture appears in application {flagged_by}"
    reasons = list(decision.reasons)
    existing = next((r for r in reasons if r.code == "duplicate_image"), None)
    if existing is not None:
        if detail in existing.details:
            return decision
        reasons[reasons.index(existing)] = existing.model_copy(update={"details": [*existing.details, detail]})
    else:
        reasons.append(DecisionReason(**describe("duplicate_image"), details=[detail]))
    knockouts = [r.code for r in reasons if r.knock_out]
    codes = {r.code: r for r in reasons}
    reasons = [codes[code] for code in _ordered(codes, knockouts)]
    outcome = Outcome.REVIEW if decision.decision is Outcome.APPROVE else decision.decision
    flagged = sorted({*decision.cross_flagged_by, flagged_by})
    return decision.model_copy(update={"decision": outcome, "reasons": reasons, "cross_flagged_by": flagged})


# Fraud signals whose details name other applications or officers. The capturing officer is told the reason
# and never whose application or which officer: a planted draft must not name its planter to the victim's
# officer, nor the victim to the planter. The back office sees the details (explanation, checks).
SIGNALS_ABOUT_OTHERS = frozenset({"concurrent_application", "duplicate_image", "phone_matches_officer"})


def explain_to_officer(decision: Decision, report: ValidationReport | None = None) -> str:
    """``explain`` for the capturing officer: the same account without the details of signals about others."""
    reasons = [r.model_copy(update={"details": []}) if r.code in SIGNALS_ABOUT_OTHERS else r
               for r in decision.reasons]
    own = decision.model_copy(update={"reasons": reasons, "cross_flagged_by": []})
    return explain(own, report.model_copy(update={"cross_flags": []}) if report is not None else None)


def explain(decision: Decision, report: ValidationReport | None = None) -> str:
    """A readable account of a decision in English and Chinese (``loanpipe explain APPLICATION_ID``)."""
    zh_outcome = {Outcome.APPROVE: "通过", Outcome.REVIEW: "人工审核", Outcome.DECLINE: "拒绝"}[decision.decision]
    lines = [
        f"Application {decision.application_id}: {decision.decision.value.upper()} / 申请 {decision.application_id}："
        f"{zh_outcome}",
        f"Policy {decision.policy_version}, judged as of {decision.as_of.isoformat(timespec='minutes')}"
        + (" (replay)" if report is not None and report.replay else "")
        + f" / 政策版本 {decision.policy_version}，以拍摄时间为准",
    ]
    if decision.validation_policy_version != decision.policy_version:
        lines.append(f"  (documents were checked under policy {decision.validation_policy_version})")
    if decision.score is not None:
        lines.append(f"Score 评分: {decision.score}")
    if decision.reasons:
        lines.append("Reasons, most adverse first / 原因（按影响从大到小）:")
        for index, reason in enumerate(decision.reasons, 1):
            mark = " [knock-out 否决项]" if reason.knock_out else ""
            lines.append(f"  {index}. {reason.code}{mark}: {reason.en} / {reason.zh}")
            for detail in reason.details[:5]:
                lines.append(f"       - {detail}")
            if len(reason.details) > 5:
                lines.append(f"       - ... {len(reason.details) - 5} more")
    else:
        lines.append("Every check passed / 全部检查通过")
    if decision.terms is not None:
        terms = decision.terms
        method = {"equal_installment": "equal instalments 等额本息", "equal_principal": "equal principal 等额本金"}
        lines.append(
            f"Loan 贷款: {terms.amount} over {terms.term_months} months, {method[terms.method.value]}; "
            f"monthly payment 月供 {terms.monthly_payment}; APR 年化利率 {_percent(terms.apr, places=2)}; "
            f"total interest 总利息 {terms.total_interest}"
        )
    if decision.loan_to_value is not None or decision.debt_to_income is not None:
        ratios = []
        if decision.loan_to_value is not None:
            ratios.append(f"loan to value 贷款价值比 {_percent(decision.loan_to_value)}")
        if decision.debt_to_income is not None:
            ratios.append(f"payment to income 月供收入比 {_percent(decision.debt_to_income)}")
        lines.append("Ratios: " + "; ".join(ratios))
    if decision.score_factors:
        lines.append("Score factors, weakest first / 评分因素（由弱到强）:")
        for factor in decision.score_factors:
            value = "unknown 未知" if factor.value is None else str(factor.value)
            lines.append(f"  - {factor.label_en} {factor.label_zh}: {value} -> {factor.points}/{factor.max_points}")
    if decision.cross_flagged_by:
        lines.append(f"Flagged by 被关联标记: {', '.join(decision.cross_flagged_by)} (same picture 图片重复)")
    if report is not None:
        counts = {status: sum(1 for c in report.checks if c.status is status) for status in CheckStatus}
        lines.append(
            f"Checks 检查: {counts[CheckStatus.PASSED]} passed, {counts[CheckStatus.FAILED]} failed, "
            f"{counts[CheckStatus.NOT_RUN]} not run, {counts[CheckStatus.NOT_APPLICABLE]} not applicable"
        )
        if report.cross_flags:
            lines.append(f"Also flagged 同时标记: {', '.join(report.cross_flags)} (same picture 图片重复)")
    return "\n".join(lines)


def _ordered(codes: Iterable[str], knockouts: Iterable[str]) -> list[str]:
    present = list(dict.fromkeys(codes))
    first = [code for code in knockouts if code in present]
    rank = {code: index for index, code in enumerate(REVIEW_PRIORITY)}
    rest = sorted((code for code in present if code not in first), key=lambda c: rank.get(c, len(rank)))
    return first + rest


def _percent(ratio: Decimal, places: int = 1) -> str:
    return f"{ratio * 100:.{places}f}%"
