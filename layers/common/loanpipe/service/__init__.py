"""The application service: each pipeline stage's logic, the review desk, access rules and the ports.

Handlers in ``functions/`` call these through ``loanpipe.entry``; adapters implement ``service.ports``.
"""
