"""Scoring: loan arithmetic, the credit policy as versioned data, the scorecard and the decision."""
