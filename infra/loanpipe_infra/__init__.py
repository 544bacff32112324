"""Local cloud, CLI, sample-document generator and deploy helpers (not shipped to Lambda)."""
