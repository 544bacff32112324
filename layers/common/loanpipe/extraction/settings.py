"""Extraction settings, read once from the environment (never at import time)."""

from __future__ import annotations

import os
import shutil
from functools import lru_cache
from typing import ClassVar, Literal

from pydantic import Field

from loanpipe.domain.environment import EnvironmentSettings

EngineName = Literal["rapidocr", "tesseract", "consensus"]

# The winner of benchmarks/extract.py on this machine (see benchmarks/extract-report.md).
DEFAULT_ENGINE: EngineName = "rapidocr"

_LAMBDA_TESSERACT = "/opt/bin/tesseract"  # the OCR layer (layers/ocr) puts the binary here


class ExtractionSettings(EnvironmentSettings):
    """``LOANPIPE_OCR_ENGINE``: rapidocr | tesseract | consensus. ``LOANPIPE_TESSERACT_CMD``: the tesseract
    binary (default: on PATH, else the Lambda layer's /opt/bin/tesseract). ``LOANPIPE_OCR_THREADS``:
    threads per OCR call (1 is the cheapest in CPU seconds; Lambda at 2048 MB has a bit over one vCPU).
    Tesseract finds its language data through its own ``TESSDATA_PREFIX`` (/opt/tessdata on Lambda).
    ``LOANPIPE_READ_CPU_SECONDS``: the CPU seconds one document may cost (beyond: ``document_too_complex``);
    ``LOANPIPE_READ_WALL_SECONDS``: a cap on the wall-clock budget the function's remaining time gives (beyond:
    a platform retry), for operators and tests."""

    env_prefix: ClassVar[str] = "LOANPIPE_"

    ocr_engine: EngineName = DEFAULT_ENGINE
    tesseract_cmd: str | None = None
    tesseract_lang: str = "chi_sim+eng"
    ocr_threads: int = Field(default=1, ge=1, le=8)
    read_cpu_seconds: float = Field(default=40.0, gt=0)
    read_wall_seconds: float | None = Field(default=None, ge=0)

    def tesseract_binary(self) -> str:
        if self.tesseract_cmd:
            return self.tesseract_cmd
        found = shutil.which("tesseract")
        if found:
            return found
        return _LAMBDA_TESSERACT if os.path.exists(_LAMBDA_TESSERACT) else "tesseract"


@lru_cache(maxsize=1)
def extraction_settings() -> ExtractionSettings:
    return ExtractionSettings()
