"""Which credit policy is in force: the template's CreditPolicy parameter, read once per process."""

from __future__ import annotations

import functools

from loanpipe.policy.model import Policy, default_policy, load_policy


@functools.cache
def policy_in_force(source: str) -> Policy:
    """``default`` -> the shipped policy; anything else is the path of a policy YAML file.
    A broken file raises PolicyError naming its line: the function fails to start, the messages wait in
    their queue (and reach the DLQ) and nothing is decided under a half-read policy."""
    if source in ("", "default"):
        return default_policy()
    return load_policy(source)
