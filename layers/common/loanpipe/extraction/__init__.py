"""Extraction: sniffing, classification, preprocessing, OCR and field extraction.

Entry point: ``loanpipe.extraction.extract.extract_document(data, expected_type=..., ...)`` -> ``Extraction``;
``extract`` is the orchestrator, a row of named steps (its docstring lists them).

- ``sniff``: magic bytes, declared-type contradictions, size/pixel/page limits (``MAX_FILE_BYTES``,
  ``MAX_PIXELS``, ``MAX_PDF_PAGES``, ``MAX_OCR_PAGES``), safe image decoding (decompression bombs).
- ``pdf``: text layer (no OCR) or rendering of image-only pages.
- ``preprocess``: locate and rectify the card/page, deskew, flatten lighting, red seal removal by colour,
  reverse-video bands, image measures for the quality gate.
- ``reading``: a document's pages read (photo, scan or PDF), with the retake asked when a page is too poor.
- ``engines``: RapidOCR (default, ``engines.rapid``, the only module that touches RapidOCR's internals) and
  Tesseract (``engines.tesseract``) behind one interface (``engines.base.OcrEngine``: typed page scans,
  line readings and re-reads), created lazily by ``engines.get_engine(name)``, cached per process;
  ``engines.recmodel`` rewrites the PP-OCR models' spelled-out activations into fused operators (same
  output, less CPU).
- ``second_look``: where a document's layout says the first reading missed or cut text (a card's lone
  性别 character, a statement's cut dates, a certificate's date under the seal), the engine looks again.
- ``layout`` / ``labels``: text boxes, rows on tilted photos, label-anchored values.
- ``parsers``: per-type field parsers (``id_card``, ``certificate``, ``statement_header``) and the statement
  table (``statement_table``, ``statement_columns``, ``statement_terms``: rows followed along tilted and
  keystoned lines, description = 摘要 + space + 对方户名); ``parse`` applies them to a document's pages.
- ``balances``: a statement's running balance (figures read again, rows confirmed or doubted).
- ``normalize``: dates, amounts (figures and capital numerals), full width, ID check digit.
- ``confidence``: the per-field confidence scale (see its docstring); ``quality``: retake reasons.
"""
