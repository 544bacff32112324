"""Validation: per-document and cross-document checks and fraud signals -> a ``ValidationReport``.

Imports ``policy`` and ``domain``; the fraud look-ups are ports (``ports``) that adapters implement.
"""
