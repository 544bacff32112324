"""The logic of each pipeline stage; handlers in functions/ are thin adapters around these."""
