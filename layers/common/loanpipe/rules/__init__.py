"""Rules: per-document and cross-document checks and fraud signals (``validate``)."""
