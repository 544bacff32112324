"""``decide(case, report, policy)``: the explainable credit decision; ``explain`` prints why.

approve  only when every check passed, no fraud signal fired, every decisive field was confident and the
         score clears the cut-off;
decline  on a knock-out reason of the policy (amount, term, age, LTV, DTI, expired ID by default);
review   everything else, carrying its reason codes, top adverse first.
The decision stores the score, the reasons (with short zh/en texts), the policy version and the loan terms.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from loanpipe.decision.loans import apr, schedule
from loanpipe.decision.models import Decision, DecisionReason, LoanTerms, Outcome
from loanpipe.decision.scorecard import characteristic_values, score
from loanpipe.domain.case import ApplicationCase
from loanpipe.domain.money import fen
from loanpipe.domain.reasons import describe
from loanpipe.policy.model import Policy
from loanpipe.validation.report import CheckResult, CheckStatus, ValidationReport

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


def decide(case: ApplicationCase, report: ValidationReport, policy: Policy) -> Decision:
    loan = case.declared.loan
    policy_checks: list[CheckResult] = []

    def record(check: str, reason: str | None, detail: str, status: CheckStatus | None = None) -> None:
        status = status or (CheckStatus.FAILED if reason else CheckStatus.PASSED)
        policy_checks.append(CheckResult(check=check, status=status, reason=reason, detail=detail))

    rules = policy.loan
    amount_ok = (rules.min_amount <= loan.amount <= rules.max_amount and fen(loan.amount) == loan.amount
                 if loan.amount.is_finite() and abs(loan.amount) < Decimal("1e15") else False)
    price_ok = loan.vehicle_price.is_finite() and 0 < loan.vehicle_price <= rules.max_vehicle_price
    if not amount_ok:
        record("loan_amount", "amount_invalid",
               f"amount outside {rules.min_amount}..{rules.max_amount} or not whole fen")
    elif not price_ok:
        record("loan_amount", "amount_invalid", f"vehicle price above {rules.max_vehicle_price} or not positive")
    else:
        record("loan_amount", None, f"amount {loan.amount} within {rules.min_amount}..{rules.max_amount}")
    term_ok = rules.min_term_months <= loan.term_months <= rules.max_term_months
    method_ok = loan.repayment_method in policy.pricing.repayment_methods
    if not term_ok:
        record("loan_term", "term_out_of_range",
               f"{loan.term_months} months, policy {rules.min_term_months}..{rules.max_term_months}")
    elif not method_ok:
        record("loan_term", "term_out_of_range", f"repayment method {loan.repayment_method.value} is not offered")
    else:
        record("loan_term", None, f"{loan.term_months} months")

    terms = None
    if amount_ok and term_ok and method_ok:
        plan = schedule(loan.amount, policy.pricing.annual_rate, loan.term_months, loan.repayment_method)
        terms = LoanTerms(
            amount=loan.amount, term_months=loan.term_months, method=loan.repayment_method,
            annual_rate=policy.pricing.annual_rate,
            apr=apr(loan.amount, [row.payment for row in plan.rows], policy.pricing.fees),
            monthly_payment=plan.max_payment, total_interest=plan.total_interest, total_payment=plan.total_payment,
        )

    ltv = (loan.amount / loan.vehicle_price).quantize(_RATIO) if amount_ok and price_ok else None
    max_ltv = policy.max_loan_to_value(loan.vehicle_type)
    if ltv is None:
        record("loan_to_value", None, "needs a valid amount and vehicle price", CheckStatus.NOT_RUN)
    elif ltv > max_ltv:
        record("loan_to_value", "ltv_exceeded",
               f"{_percent(ltv)} of a {loan.vehicle_type.value} vehicle's price, policy {_percent(max_ltv)}")
    else:
        record("loan_to_value", None, f"{_percent(ltv)}, policy {_percent(max_ltv)}")

    income = report.figures.verified_monthly_income
    dti = (terms.monthly_payment / income).quantize(_RATIO) if terms is not None and income else None
    max_dti = rules.max_debt_to_income
    if dti is None:
        record("debt_to_income", None, "needs the loan terms and a verified income", CheckStatus.NOT_RUN)
    elif dti > max_dti:
        record("debt_to_income", "dti_exceeded",
               f"monthly payment {terms.monthly_payment} is {_percent(dti)} of the verified income {income}, "
               f"policy {_percent(max_dti)}")
    else:
        record("debt_to_income", None, f"monthly payment {_percent(dti)} of the verified income")

    values = characteristic_values(
        report.figures, amount=loan.amount, vehicle_price=loan.vehicle_price, term_months=loan.term_months,
        monthly_payment=terms.monthly_payment if terms else None,
    ) if amount_ok and price_ok else None
    total, factors = score(policy.scorecard, values) if values is not None else (None, [])

    details: dict[str, list[str]] = {}
    for check in [*report.checks, *policy_checks]:
        if check.status is CheckStatus.FAILED and check.reason:
            details.setdefault(check.reason, [])
            if check.detail and check.detail not in details[check.reason]:
                details[check.reason].append(check.detail)
    incomplete = [c for c in [*report.checks, *policy_checks] if c.status is CheckStatus.NOT_RUN]
    if incomplete and not details:
        details["check_incomplete"] = [f"{c.check}: {c.detail}" for c in incomplete]
    cutoffs = policy.cutoffs
    if total is None:
        if not details:
            details["check_incomplete"] = ["no score: the loan amount or vehicle price is invalid"]
    elif total < cutoffs.approve_at_or_above:
        weakest = ", ".join(f"{f.label_en} {f.points}/{f.max_points}" for f in factors[:3] if f.shortfall)
        details["score_below_cutoff"] = [f"score {total} below {cutoffs.approve_at_or_above}; weakest: {weakest}"]

    knockouts = [code for code in policy.knockouts if code in details]
    low_score_decline = (total is not None and cutoffs.decline_below is not None and total < cutoffs.decline_below)
    if knockouts or low_score_decline:
        outcome = Outcome.DECLINE
    elif details:
        outcome = Outcome.REVIEW
    else:
        outcome = Outcome.APPROVE
    knockout_set = set(knockouts) | ({"score_below_cutoff"} if low_score_decline else set())
    reasons = [
        DecisionReason(**describe(code), knock_out=code in knockout_set, details=details[code])
        for code in _ordered(details, policy.knockouts)
    ]
    return Decision(
        application_id=case.application_id,
        decision=outcome,
        score=total,
        reasons=reasons,
        score_factors=factors,
        policy_checks=policy_checks,
        policy_version=policy.version,
        validation_policy_version=report.policy_version,
        as_of=case.clock,
        terms=terms,
        debt_to_income=dti,
        loan_to_value=ltv,
    )


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
