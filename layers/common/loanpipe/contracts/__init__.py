"""Loan contracts: the PDF the customer reads and signs at the door."""
