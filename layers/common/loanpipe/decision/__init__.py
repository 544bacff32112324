"""The decision: loan arithmetic (``loans``), the scorecard, ``decide`` (knock-outs, score, policy) and its
outputs (``models``: the outcome, reasons, score factors and loan terms)."""
