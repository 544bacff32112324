"""A figure judged by its own characters: RapidOCR gives each character read its probability, and a currency
sign or a full stop the engine hesitated over says nothing of the digits beside them."""

from __future__ import annotations

from loanpipe.extraction import extract
from loanpipe.extraction.confidence import REVIEW_THRESHOLD, field_confidence
from loanpipe.extraction.layout import PageText, TextBox
from loanpipe.extraction.parsers.reads import FieldRead
from loanpipe.extraction.reading import Page


def _figure_run(text: str, probabilities: dict[int, float]) -> TextBox:
    alternatives = tuple((char, probabilities.get(index, 0.999), ()) for index, char in enumerate(text))
    return TextBox(text, 0, 0, 30 * len(text), 40, 0.93, alternatives=alternatives)


def test_a_figure_is_judged_by_its_own_characters_not_by_the_marks_around_it():
    def confidence(run: TextBox) -> float:
        reads = {"monthly_income": FieldRead("4600.00", 0.93)}
        page = Page(PageText((run,), 1000, 1400, "rapidocr"), None, 1.41)
        extract._figures_by_their_characters(reads, [page])
        return field_confidence(reads["monthly_income"])

    # Given ¥4,600.00。 read at 0.93 because of the ¥ (0.50) and the full stop (0.80), its digits at 0.999
    assert confidence(_figure_run("¥4,600.00。", {0: 0.50, 9: 0.80})) >= REVIEW_THRESHOLD
    # A digit the engine hesitated over keeps the line's doubt; so does a figure at the run's edge (a digit
    # may be lost there) or a run whose figure is not the value
    assert confidence(_figure_run("¥4,600.00。", {0: 0.50, 3: 0.90})) < REVIEW_THRESHOLD
    assert confidence(_figure_run("4,600.00元", {})) < REVIEW_THRESHOLD
    assert confidence(_figure_run("¥14,600.00。", {0: 0.50})) < REVIEW_THRESHOLD
