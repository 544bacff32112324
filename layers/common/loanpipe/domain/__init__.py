"""The domain: what a loan application is, independent of storage, OCR or AWS (the bottom layer).

Money and dates, the declared application, the extraction contract (``documents``), the application and
document records with their state machines (``records``, ``lifecycle``), the case a validator judges
(``case``), reason codes, masking, audit entries, domain events, and the ID-number rules (GB 11643,
GB/T 2260). Imports nothing else of ``loanpipe``.
"""
