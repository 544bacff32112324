"""Adapters behind the ports of ``loanpipe.ports``: AWS (boto3 clients injected) and in-memory fakes."""
