"""``CheckLog``: the results of the checks, in the order they ran."""

from __future__ import annotations

from loanpipe.domain.case import CaseDocument
from loanpipe.validation.checks.fields import LABEL
from loanpipe.validation.report import CheckResult, CheckStatus


class CheckLog:
    """Append-only: each check adds its results as it runs, so the report lists them in run order.

    A field problem (absent, not a date...) is reported once per document and field, however many checks
    read the field: the first reader reports it, the others only see None.
    """

    def __init__(self) -> None:
        self.results: list[CheckResult] = []
        self._missing: set[tuple[str, str]] = set()

    def passed(self, check: str, detail: str = "", document: CaseDocument | None = None) -> None:
        self._add(check, CheckStatus.PASSED, None, detail, document)

    def failed(self, check: str, reason: str, detail: str, document: CaseDocument | None = None) -> None:
        self._add(check, CheckStatus.FAILED, reason, detail, document)

    def not_run(self, check: str, detail: str, document: CaseDocument | None = None) -> None:
        self._add(check, CheckStatus.NOT_RUN, None, detail, document)

    def not_applicable(self, check: str, detail: str) -> None:
        self._add(check, CheckStatus.NOT_APPLICABLE, None, detail, None)

    def add(self, result: CheckResult) -> None:
        """A result a check run elsewhere gave (``checks.provisional``), as it is."""
        self.results.append(result)

    def field_missing(self, document: CaseDocument, name: str, problem: str) -> None:
        key = (document.document_id, name)
        if key in self._missing:
            return
        self._missing.add(key)
        self.failed("field_readable", "field_missing", f"{LABEL[document.doc_type]}: {name} {problem}", document)

    def _add(self, check: str, status: CheckStatus, reason: str | None, detail: str,
             document: CaseDocument | None) -> None:
        self.results.append(CheckResult(check=check, status=status, reason=reason, detail=detail,
                                        document_id=document.document_id if document else None))
