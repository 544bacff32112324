"""The OCR boundary: what the RapidOCR adapter reads of RapidOCR's internals is still there, and the
engines are chosen by name in one place."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from loanpipe.extraction.engines import EngineChoice, choose_engines, get_engine
from loanpipe.extraction.engines.rapid import (
    WRITTEN_AGAINST,
    build_rapidocr,
    internals_message,
    internals_problems,
    rapidocr_version,
)


def test_the_rapidocr_internals_the_adapter_reads_are_still_there():
    # Given the installed rapidocr_onnxruntime, built as the adapter builds it
    ocr = build_rapidocr(threads=1)
    # When every internal the adapter reads is probed as the adapter uses it
    problems = internals_problems(ocr)
    # Then none is missing or changed (else: the message names the installed version and what moved)
    if problems:
        pytest.fail(internals_message(problems))


def test_a_rapidocr_whose_internals_moved_is_named_in_the_failure():
    # Given a RapidOCR whose detector post-processing and CTC alphabet moved elsewhere
    ocr = build_rapidocr(threads=1)
    moved = SimpleNamespace(text_det=SimpleNamespace(infer=ocr.text_det.infer), text_rec=ocr.text_rec,
                            text_cls=ocr.text_cls, sorted_boxes=ocr.sorted_boxes,
                            get_crop_img_list=ocr.get_crop_img_list)
    # When its internals are probed
    problems = internals_problems(moved)
    message = internals_message(problems)
    # Then the moved ones are named, with the installed version and the one the adapter was written against
    assert any("text_det.postprocess_op" in problem for problem in problems)
    assert any("text_det.filter_tag_det_res" in problem for problem in problems)
    assert len(problems) == 2
    assert f"rapidocr_onnxruntime {rapidocr_version()}" in message
    assert WRITTEN_AGAINST in message


def test_the_engine_reads_a_line_through_the_interface_as_typed_objects():
    # Given a white line image with nothing printed on it
    engine = get_engine("rapidocr")
    blank = np.full((48, 200), 255, dtype=np.uint8)
    # When the engine reads it as a line, and looks for text on it
    line = engine.read_line(blank)
    # Then it answers with typed readings: an empty line, and no text runs
    assert line is not None and line.text == "" and line.confidence == 0.0
    assert engine.read_crop(blank) == []


@pytest.mark.parametrize(("mode", "choice"), [("rapidocr", EngineChoice("rapidocr")),
                                              ("tesseract", EngineChoice("tesseract")),
                                              ("consensus", EngineChoice("rapidocr", "tesseract"))])
def test_each_mode_names_its_engines(mode, choice):
    assert choose_engines(mode) == choice


def test_an_unknown_engine_is_refused_by_the_factories():
    with pytest.raises(ValueError, match="textract"):
        choose_engines("textract")
    with pytest.raises(ValueError, match="textract"):
        get_engine("textract")
