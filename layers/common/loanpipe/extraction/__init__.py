"""Extraction: sniffing, classification, preprocessing, OCR and field extraction.

Entry point: ``loanpipe.extraction.extract.extract_document(data, expected_type=..., ...)`` -> ``Extraction``.

- ``sniff``: magic bytes, declared-type contradictions, size/pixel/page limits (``MAX_FILE_BYTES``,
  ``MAX_PIXELS``, ``MAX_PDF_PAGES``, ``MAX_OCR_PAGES``), safe image decoding (decompression bombs).
- ``pdf``: text layer (no OCR) or rendering of image-only pages.
- ``preprocess``: locate and rectify the card/page, deskew, flatten lighting, red seal removal by colour,
  reverse-video bands, image measures for the quality gate.
- ``engines``: RapidOCR (default) and Tesseract behind one interface, created lazily, cached per process;
  ``recmodel`` rewrites the PP-OCR models' spelled-out activations into fused operators (same output, less CPU).
- ``layout`` / ``labels``: text boxes, rows on tilted photos, label-anchored values.
- ``fields`` / ``statement``: per-type parsers, statement tables (rows followed along tilted and keystoned
  lines, description = 摘要 + space + 对方户名) and balance arithmetic.
- ``normalize``: dates, amounts (figures and capital numerals), full width, ID check digit.
- ``confidence``: the per-field confidence scale (see its docstring); ``quality``: retake reasons.
"""
