"""The OCR engine is chosen by LOANPIPE_OCR_ENGINE, read once; the default is the benchmark's winner."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from loanpipe.extraction.settings import DEFAULT_ENGINE, ExtractionSettings


def test_the_default_engine_is_the_benchmark_winner(monkeypatch):
    monkeypatch.delenv("LOANPIPE_OCR_ENGINE", raising=False)
    assert ExtractionSettings().ocr_engine == DEFAULT_ENGINE == "rapidocr"


def test_the_environment_chooses_the_engine(monkeypatch):
    # Given the Lambda configured for Tesseract
    monkeypatch.setenv("LOANPIPE_OCR_ENGINE", "tesseract")
    monkeypatch.setenv("LOANPIPE_TESSERACT_CMD", "/opt/bin/tesseract")
    settings = ExtractionSettings()
    # Then the settings say so
    assert settings.ocr_engine == "tesseract"
    assert settings.tesseract_binary() == "/opt/bin/tesseract"


def test_an_unknown_engine_is_refused_at_start(monkeypatch):
    monkeypatch.setenv("LOANPIPE_OCR_ENGINE", "textract")
    with pytest.raises(ValidationError):
        ExtractionSettings()
