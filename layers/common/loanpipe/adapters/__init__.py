"""Adapters behind the ports (``service.ports``, ``validation.ports``): AWS, boto3 clients injected.

The in-memory fakes live in the testkit, which never ships.
"""
