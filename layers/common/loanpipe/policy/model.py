"""The credit policy as versioned data: a YAML file validated by a pydantic model.

Risk teams change the policy, so a file with an error must never go live half-read: ``load_policy``
refuses it with the line at fault (yaml node marks), and ``PolicyStore`` keeps the policy in force when a
reload fails. YAML numbers with a fraction are read as Decimal, never through float.
"""

from __future__ import annotations

import logging
import os
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from loanpipe.domain.application import RepaymentMethod
from loanpipe.domain.documents import DocType
from loanpipe.domain.errors import UserInputError
from loanpipe.domain.reasons import REASONS, ReasonKind

logger = logging.getLogger(__name__)

Rate = Annotated[Decimal, Field(ge=0, le=1)]
Amount = Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=2)]


class PolicyError(UserInputError):
    """A policy file that cannot be put in force; ``line`` is the 1-based line at fault (None if unknown)."""

    status = 422

    def __init__(self, message: str, line: int | None = None, problems: list[str] | None = None):
        super().__init__("policy_invalid", message)
        self.line = line
        self.problems = problems or [message]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Pricing(_Strict):
    annual_rate: Rate
    fees: Decimal = Field(default=Decimal("0.00"), ge=0)
    repayment_methods: list[RepaymentMethod] = Field(min_length=1)


class MaxLoanToValue(_Strict):
    new: Rate
    used: Rate


class LoanRules(_Strict):
    min_amount: Amount
    max_amount: Amount
    max_vehicle_price: Amount
    min_term_months: int = Field(ge=1, le=120)
    max_term_months: int = Field(ge=1, le=120)
    max_loan_to_value: MaxLoanToValue
    max_debt_to_income: Rate

    @model_validator(mode="after")
    def _ranges(self) -> LoanRules:
        if self.min_amount > self.max_amount:
            raise ValueError("min_amount is above max_amount")
        if self.min_term_months > self.max_term_months:
            raise ValueError("min_term_months is above max_term_months")
        return self


class ApplicantRules(_Strict):
    min_age_at_application: int = Field(ge=16, le=100)
    max_age_at_maturity: int = Field(ge=16, le=120)


class DocumentRules(_Strict):
    required: list[DocType] = Field(min_length=1)
    confidence_threshold: float = Field(ge=0, le=1)
    transaction_confidence_threshold: float = Field(ge=0, le=1)
    id_application_lead_days: int = Field(ge=0, le=365)  # a card is applied for up to this long before issue


class IncomeRules(_Strict):
    tolerance: Rate
    min_salary_months: int = Field(ge=1, le=24)
    max_monthly_income: Amount
    salary_keywords: list[str] = Field(min_length=1)


class StatementRules(_Strict):
    min_days: int = Field(ge=1, le=3660)
    max_age_days: int = Field(ge=0, le=3660)
    max_amount: Amount


class CertificateRules(_Strict):
    max_age_days: int = Field(ge=0, le=3660)


class CaptureRules(_Strict):
    max_clock_skew_minutes: int = Field(ge=1, le=7 * 24 * 60)
    visit_window_minutes: int = Field(ge=1, le=7 * 24 * 60)
    max_spread_meters: int = Field(ge=1, le=1_000_000)


class FraudRules(_Strict):
    duplicate_max_distance: int = Field(ge=0, le=32)
    duplicate_max_distance_unread: int = Field(ge=0, le=32)
    editing_software: list[str] = Field(min_length=1)


class ReviewRules(_Strict):
    """The review desk: how long an application may wait for a reviewer (its SLA, which orders the queue) and
    the loan amount above which an approval needs a second reviewer (four eyes)."""

    sla_minutes: int = Field(ge=1, le=7 * 24 * 60)
    four_eyes_above: Amount


class Characteristic(StrEnum):
    """What the scorecard can score; each is computed by loanpipe.decision.scorecard."""

    DEBT_TO_INCOME = "debt_to_income"  # monthly payment / verified monthly income
    LOAN_TO_VALUE = "loan_to_value"  # amount / vehicle price
    AGE_YEARS = "age_years"  # at application
    EMPLOYMENT_MONTHS = "employment_months"  # with the certified employer, at capture
    TERM_MONTHS = "term_months"
    SAVINGS_COVER = "savings_cover"  # closing balance / monthly payment


class ScoreBin(_Strict):
    below: Decimal | None = None  # upper bound, exclusive; None: everything from the previous bound up
    points: int = Field(ge=-1000, le=1000)


class ScoreCharacteristic(_Strict):
    characteristic: Characteristic
    label_zh: str = Field(min_length=1)
    label_en: str = Field(min_length=1)
    unknown_points: int = Field(default=0, ge=-1000, le=1000)  # when the value cannot be computed
    bins: list[ScoreBin] = Field(min_length=1)

    @field_validator("bins")
    @classmethod
    def _ascending(cls, bins: list[ScoreBin]) -> list[ScoreBin]:
        if any(item.below is None for item in bins[:-1]):
            raise ValueError("only the last bin may have no 'below' bound")
        bounds = [item.below for item in bins[:-1] if item.below is not None]
        if bins[-1].below is not None:
            raise ValueError("the last bin must have no 'below' bound (it takes everything above)")
        if bounds != sorted(bounds) or len(set(bounds)) != len(bounds):
            raise ValueError("bin bounds must be strictly ascending")
        return bins

    def points_for(self, value: Decimal | None) -> int:
        if value is None:
            return self.unknown_points
        for item in self.bins:
            if item.below is None or value < item.below:
                return item.points
        return self.bins[-1].points  # unreachable: the last bin is open

    @property
    def max_points(self) -> int:
        return max([item.points for item in self.bins] + [self.unknown_points])


class Scorecard(_Strict):
    base_points: int = Field(ge=0, le=10_000)
    characteristics: list[ScoreCharacteristic] = Field(min_length=1)

    @field_validator("characteristics")
    @classmethod
    def _unique(cls, items: list[ScoreCharacteristic]) -> list[ScoreCharacteristic]:
        names = [item.characteristic for item in items]
        if len(set(names)) != len(names):
            raise ValueError("each characteristic may appear only once")
        return items


class Cutoffs(_Strict):
    approve_at_or_above: int
    decline_below: int | None = None  # None: a low score goes to review, only knock-outs decline

    @model_validator(mode="after")
    def _order(self) -> Cutoffs:
        if self.decline_below is not None and self.decline_below > self.approve_at_or_above:
            raise ValueError("decline_below is above approve_at_or_above")
        return self


class Policy(_Strict):
    version: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}\.\d+$")
    description: str = ""
    pricing: Pricing
    loan: LoanRules
    applicant: ApplicantRules
    documents: DocumentRules
    income: IncomeRules
    statement: StatementRules
    certificate: CertificateRules
    capture: CaptureRules
    fraud: FraudRules
    review: ReviewRules
    knockouts: list[str]
    scorecard: Scorecard
    cutoffs: Cutoffs

    @field_validator("knockouts")
    @classmethod
    def _known_codes(cls, codes: list[str]) -> list[str]:
        unknown = [code for code in codes if code not in REASONS or REASONS[code].kind is not ReasonKind.DECISION]
        if unknown:
            raise ValueError(f"not decision reason codes: {', '.join(unknown)}")
        return codes

    def max_loan_to_value(self, vehicle_type: str) -> Decimal:
        return getattr(self.loan.max_loan_to_value, str(vehicle_type))


# ---------------------------------------------------------------- loading


class _PolicyLoader(yaml.SafeLoader):
    """SafeLoader that reads YAML floats as Decimal (the text as written, never via float)."""


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    text = str(loader.construct_scalar(node)).replace("_", "")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise yaml.constructor.ConstructorError(None, None, f"not a number: {text!r}", node.start_mark) from exc
    if not value.is_finite():
        raise yaml.constructor.ConstructorError(None, None, "a policy number must be finite", node.start_mark)
    return value


_PolicyLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


def load_policy(path_or_text: str | os.PathLike[str]) -> Policy:
    """Read and validate a policy from a file path or from YAML text; raises PolicyError naming the line."""
    text, source = _read_source(path_or_text)
    loader = _PolicyLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise PolicyError(f"{source}: the policy file is empty", line=1)
        _refuse_duplicate_keys(root, source)
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise PolicyError(f"{source} line {line}: {problem}", line=line) from exc
    except yaml.YAMLError as exc:
        raise PolicyError(f"{source}: not valid YAML ({exc})") from exc
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise PolicyError(f"{source} line 1: the policy must be a mapping of sections", line=1)
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            line = _line_of(root, error["loc"], error["type"])
            where = ".".join(str(part) for part in error["loc"]) or "(top)"
            problems.append((line, f"{source} line {line}: {where}: {error['msg']}"))
        problems.sort(key=lambda item: item[0])
        first_line, first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise PolicyError(first + more, line=first_line, problems=[text for _, text in problems]) from None


@cache
def default_policy() -> Policy:
    """The shipped, conservative policy (policy/policies/default.yaml)."""
    text = resources.files("loanpipe.policy").joinpath("policies/default.yaml").read_text(encoding="utf-8")
    return load_policy(text)


class PolicyStore:
    """The policy in force; a failed reload raises PolicyError and leaves the previous policy in force."""

    def __init__(self, policy: Policy | None = None):
        self._policy = policy if policy is not None else default_policy()

    @property
    def current(self) -> Policy:
        return self._policy

    def reload(self, path_or_text: str | os.PathLike[str]) -> Policy:
        try:
            policy = load_policy(path_or_text)
        except PolicyError as exc:
            logger.warning(
                "policy reload refused, previous policy stays in force",
                extra={"policy_version": self._policy.version, "line": exc.line},
            )
            raise
        self._policy = policy
        logger.info("policy in force", extra={"policy_version": policy.version})
        return policy


def _read_source(path_or_text: str | os.PathLike[str]) -> tuple[str, str]:
    if isinstance(path_or_text, os.PathLike):
        path = Path(path_or_text)
    elif "\n" not in path_or_text and len(path_or_text) < 1024 and Path(path_or_text).is_file():
        path = Path(path_or_text)
    else:
        return path_or_text, "policy"
    try:
        return path.read_text(encoding="utf-8"), path.name
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path.name}: cannot read the policy file ({type(exc).__name__})") from exc


def _refuse_duplicate_keys(node: yaml.Node, source: str) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[object, int] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else id(key)
            if name in seen:
                line = key.start_mark.line + 1
                raise PolicyError(
                    f"{source} line {line}: duplicate key {name!r} (first on line {seen[name]})", line=line
                )
            seen[name] = key.start_mark.line + 1
            _refuse_duplicate_keys(value, source)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _refuse_duplicate_keys(item, source)


def _line_of(root: yaml.Node, loc: tuple, error_type: str) -> int:
    """The 1-based line of the node a pydantic error location points at (its nearest existing ancestor)."""
    node: yaml.Node = root
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(node, yaml.MappingNode):
            found = None
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    found = (key, value)
                    break
            if found is None:
                break
            key, value = found
            if last and error_type == "extra_forbidden":
                return key.start_mark.line + 1
            node = value
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
        else:
            break
    return node.start_mark.line + 1

