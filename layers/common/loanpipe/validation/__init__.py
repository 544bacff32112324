"""Validation: per-document and cross-document checks and fraud signals -> a ``ValidationReport``.

``validate`` runs the checks (``checks``, one module per concern) in report order; ``report`` is its
output model. Imports ``policy`` and ``domain``; the fraud look-ups are ports (``ports``) that adapters implement.
"""
