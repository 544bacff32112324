"""Seeded synthetic loan applications and documents with ground truth (demo, tests, benchmarks).

- ``generate_applications``: application folders (``application.json``, documents by slot, ``truth.json``)
  with planted defects and the decision they imply.
- ``generate_documents``: the extraction benchmark set over the four document types and three tiers,
  with ``manifest.json``.

Nothing is drawn at import time; fonts are looked up on first use (fonts-wqy-zenhei is required,
fonts-arphic-uming / fonts-arphic-ukai add Song/Kai variety).
"""

from loanpipe_infra.samples.applications import SampleApplication, generate_applications
from loanpipe_infra.samples.defects import DEFECTS, KNOCKOUTS, expected_decision
from loanpipe_infra.samples.documents import SampleDocument, generate_documents

__all__ = [
    "DEFECTS",
    "KNOCKOUTS",
    "SampleApplication",
    "SampleDocument",
    "expected_decision",
    "generate_applications",
    "generate_documents",
]
