"""Seeded synthetic loan applications and documents with ground truth (demo, tests, benchmarks).

- ``generate_applications``: application folders (``application.json``, documents by slot, ``truth.json``)
  with planted defects and the decision they imply.
- ``generate_documents``: the extraction benchmark set over the four document types and three tiers,
  with ``manifest.json``.

``DEFECTS`` are the defects it plants, by the reason code they must produce: identifiers of the one
catalogue ``testkit.defects``, which the scenario builder (``testkit.scenarios``) uses as well.

Nothing is drawn at import time; fonts are looked up on first use (fonts-wqy-zenhei is required,
fonts-arphic-uming / fonts-arphic-ukai add Song/Kai variety).
"""

from testkit.defects import SAMPLE_DEFECTS as DEFECTS
from testkit.defects import expected_decision
from testkit.samples.applications import SampleApplication, generate_applications
from testkit.samples.documents import SampleDocument, generate_documents

__all__ = [
    "DEFECTS",
    "SampleApplication",
    "SampleDocument",
    "expected_decision",
    "generate_applications",
    "generate_documents",
]
