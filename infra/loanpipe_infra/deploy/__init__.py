"""Deploy helpers: checks on what `sam build` produced."""
