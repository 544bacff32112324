"""The decision: loan arithmetic (``loans``), the scorecard and ``decide`` (knock-outs, score, policy)."""
