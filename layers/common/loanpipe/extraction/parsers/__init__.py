"""Field parsers: from the text runs of a page to the contract's fields in normal form, one module per
document (``id_card``, ``certificate``, ``statement_header``) and the statement table (``statement_table``
with its ``statement_columns`` and ``statement_terms``). ``reads`` holds what they return."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from loanpipe.domain.documents import DocType
from loanpipe.extraction.layout import TextBox
from loanpipe.extraction.parsers.certificate import read_income_certificate
from loanpipe.extraction.parsers.id_card import read_id_card_back, read_id_card_front
from loanpipe.extraction.parsers.reads import FieldRead
from loanpipe.extraction.parsers.statement_header import read_statement_header

PageParser = Callable[[Sequence[TextBox]], dict[str, FieldRead]]

# The parser of a page of each type (a statement's rows are read by ``statement_table.read_table``).
PARSERS: dict[DocType, PageParser] = {
    DocType.ID_CARD_FRONT: read_id_card_front,
    DocType.ID_CARD_BACK: read_id_card_back,
    DocType.INCOME_CERTIFICATE: read_income_certificate,
    DocType.BANK_STATEMENT: read_statement_header,
}
