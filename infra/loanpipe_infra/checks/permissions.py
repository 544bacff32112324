"""What each function of template.yaml can reach: its role's statements resolved against the template's resources.

Static analysis, no AWS: the template is resolved with its parameters' defaults (as the local cloud does), every
resource is given the ARN CloudFormation would give it, and each Allow statement of a function's permissions is
matched, IAM's way (``*`` and ``?`` in ARNs, an action's service against the resource's), against those ARNs and
the ARNs of what they hold (a bucket's objects, a table's indexes, a log group's streams). Deny statements take
their matches away again. The result, per function, is ``{logical id: actions}``; ``"*"`` stands for resources
outside the template (a statement on ``Resource: "*"``).

A function's permissions are its own ``AWS::IAM::Role`` (``Role: !GetAtt XRole.Arn``; its inline policies,
``AWS::IAM::Policy`` resources attached to it and known managed policies) or, without ``Role``, the role SAM
would make: the expanded SAM policy templates and inline statements of ``Policies`` plus the AWS managed
policies SAM attaches (basic execution; the SQS poller's for an SQS event; X-Ray's when traced), which reach
every queue and log group of the account. What cannot be resolved (an unknown policy template or managed
policy, a role from outside the template, ``Policies`` that SAM ignores because ``Role`` is set) is a finding.

    python -m loanpipe_infra.checks.permissions template.yaml
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loanpipe_infra.checks.policy_sources import (
    ACCOUNT,
    PARTITION,
    REGION,
    SAM_POLICY_TEMPLATES,
    managed_policy_statements,
    resource_ids,
    sam_template_statements,
)
from loanpipe_infra.localcloud.template import Resolver, load_template

OUTSIDE = "*"  # what a statement on Resource "*" reaches beyond the template's resources

@dataclass
class Reach:
    """What one function can do: ``grants[logical id][action]`` = the statement resources that allow it."""

    function: str
    grants: dict[str, dict[str, set[str]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(set)))
    findings: list[str] = field(default_factory=list)

    def resources(self) -> set[str]:
        return {name for name, actions in self.grants.items() if actions}

    def actions(self) -> dict[str, set[str]]:
        return {name: set(actions) for name, actions in self.grants.items() if actions}


class _Attributes(dict):
    """A resource's GetAtt values; one the analysis does not model resolves to a placeholder."""

    def __init__(self, logical_id: str, **known: Any):
        super().__init__(**known)
        self._id = logical_id

    def __missing__(self, attribute: str) -> str:
        return f"{self._id}.{attribute}"


_NAME_PROPERTIES = ("BucketName", "QueueName", "TableName", "Name", "TopicName", "UserPoolName", "LogGroupName",
                    "RoleName", "FunctionName")


def resolver_for(template: dict, parameters: dict[str, str] | None = None) -> Resolver:
    """A resolver that knows every resource's Ref and ARN (names from the template, or as CloudFormation makes
    them up: ``stack-LogicalId-SUFFIX``) and the template's conditions under its parameters (defaults unless
    given)."""
    params = {name: str(spec.get("Default", "")) for name, spec in (template.get("Parameters") or {}).items()}
    params.update(parameters or {})
    resolver = Resolver(parameters=params, pseudo={
        "AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::Partition": PARTITION, "AWS::StackName": "stack",
        "AWS::URLSuffix": "amazonaws.com", "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/s/1"})
    for name, condition in (template.get("Conditions") or {}).items():
        resolver.conditions[name] = bool(resolver.resolve(condition))
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties") or {}
        name = f"stack-{logical_id}-SUFFIX"
        for key in _NAME_PROPERTIES:
            if isinstance(props.get(key), (str, dict)):
                with contextlib.suppress(Exception):  # a name made from other resources: keep the made-up one
                    name = str(resolver.resolve(props[key]))
                break
        ref, attrs = resource_ids(resource["Type"], name)
        resolver.refs[logical_id] = ref
        resolver.attrs[logical_id] = _Attributes(logical_id, **attrs)
    return resolver


def _glob(pattern: str) -> re.Pattern:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern))


def _matches_something_under(pattern: str, prefix: str) -> bool:
    """Whether ``pattern`` (IAM wildcards) matches some string that starts with ``prefix``: the pattern, run as
    an automaton over the prefix, is still alive at its end."""
    states = {0}
    for char in prefix:
        nxt: set[int] = set()
        for i in _closure(pattern, states):
            if i < len(pattern) and pattern[i] == "*":
                nxt.add(i)
            elif i < len(pattern) and (pattern[i] == "?" or pattern[i] == char):
                nxt.add(i + 1)
        states = nxt
        if not states:
            return False
    return True


def _closure(pattern: str, states: set[int]) -> set[int]:
    out = set(states)
    for i in states:
        j = i
        while j < len(pattern) and pattern[j] == "*":
            j += 1
            out.add(j)
    return out


_INSIDE = {"s3": "/", "dynamodb": "/", "logs": ":"}  # what a resource holds: objects, indexes, streams


def _service(arn: str) -> str:
    parts = arn.split(":")
    return parts[2] if len(parts) > 2 else ""


def _reaches(pattern: str, arn: str) -> bool:
    if _glob(pattern).fullmatch(arn):
        return True
    base = arn[:-2] if arn.endswith(":*") else arn  # a log group's ARN already ends in ":*"
    inside = _INSIDE.get(_service(arn))
    return inside is not None and _matches_something_under(pattern, base + inside)


def _covers(pattern: str, arn: str) -> bool:
    """Whether ``pattern`` matches the resource and everything it holds."""
    inside = _INSIDE.get(_service(arn))
    base = arn[:-2] if arn.endswith(":*") else arn
    return bool(_glob(pattern).fullmatch(arn)) and (
        inside is None or bool(_glob(pattern).fullmatch(base + inside + "any/thing")))


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _statements(document: Any) -> list[dict]:
    return [s for s in _as_list((document or {}).get("Statement", [])) if isinstance(s, dict)]


# ------------------------------------------------------------------ a function's statements


def _sam_role_statements(logical_id: str, props: dict, globals_fn: dict, findings: list[str]) -> list[dict]:
    """The role SAM makes for a function without ``Role``: its ``Policies`` and the managed policies SAM adds."""
    statements = managed_policy_statements("AWSLambdaBasicExecutionRole", logical_id, findings)
    if any(e.get("Type") == "SQS" for e in (props.get("Events") or {}).values()):
        statements += managed_policy_statements("AWSLambdaSQSQueueExecutionRole", logical_id, findings)
    if props.get("Tracing", globals_fn.get("Tracing")):
        statements += managed_policy_statements("AWSXrayWriteOnlyAccess", logical_id, findings)
    for policy in _as_list(props.get("Policies") or []):
        if isinstance(policy, str):
            statements += managed_policy_statements(policy, logical_id, findings)
        elif "Statement" in policy:
            statements += _statements(policy)
        else:
            for name, args in policy.items():
                expanded = sam_template_statements(name, args)
                if expanded is None:
                    findings.append(f"{logical_id}: SAM policy template {name} is not known to this check")
                statements += expanded or []
    return statements


def _role_statements(role_id: str, template: dict, findings: list[str]) -> list[dict]:
    """A role's inline policies, its managed policies and the AWS::IAM::Policy resources attached to it."""
    props = template["Resources"][role_id].get("Properties") or {}
    statements = [s for policy in props.get("Policies") or [] for s in _statements(policy.get("PolicyDocument"))]
    for arn in props.get("ManagedPolicyArns") or []:
        statements += managed_policy_statements(arn, role_id, findings)
    for resource in template["Resources"].values():
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::RolePolicy", "AWS::IAM::ManagedPolicy"):
            policy_props = resource.get("Properties") or {}
            roles = _as_list(policy_props.get("Roles") or []) + _as_list(policy_props.get("RoleName") or [])
            if {"Ref": role_id} in roles:
                statements += _statements(policy_props.get("PolicyDocument"))
    return statements


def _function_statements(logical_id: str, template: dict, findings: list[str]) -> list[dict]:
    props = template["Resources"][logical_id].get("Properties") or {}
    globals_fn = (template.get("Globals") or {}).get("Function") or {}
    role = props.get("Role", globals_fn.get("Role"))
    if role is None:
        return _sam_role_statements(logical_id, props, globals_fn, findings)
    if props.get("Policies"):
        findings.append(f"{logical_id}: has Role and Policies; SAM ignores Policies when Role is set")
    role_id = None
    if isinstance(role, dict):
        target = role.get("Fn::GetAtt") or role.get("Ref")
        role_id = (target[0] if isinstance(target, list) else str(target).split(".")[0]) if target else None
    if role_id not in template["Resources"] or template["Resources"][role_id]["Type"] != "AWS::IAM::Role":
        findings.append(f"{logical_id}: its role {role!r} is not an AWS::IAM::Role of this template")
        return []
    return _role_statements(role_id, template, findings)


# ------------------------------------------------------------------ matching statements against resources


def _resource_arns(template: dict, resolver: Resolver) -> dict[str, str]:
    arns = {}
    for logical_id in template["Resources"]:
        arn = resolver.attrs[logical_id].get("Arn") if logical_id in resolver.attrs else None
        ref = resolver.refs.get(logical_id)
        if arn is None and isinstance(ref, str) and ref.startswith("arn:"):
            arn = ref
        if arn:
            arns[logical_id] = arn
    return arns


def _action_applies(action: str, arn: str) -> bool:
    service = action.partition(":")[0]
    return action == "*" or service.lower() == _service(arn).lower()


def _matching(statement: dict, arns: dict[str, str]) -> list[tuple[str, str, str]]:
    """(logical id or OUTSIDE, action, statement resource) for each action of the statement on what it names."""
    found = []
    for action in _as_list(statement.get("Action") or []):
        for pattern in _as_list(statement.get("Resource") or []):
            pattern = str(pattern)
            for logical_id, arn in arns.items():
                if _action_applies(action, arn) and _reaches(pattern, arn):
                    found.append((logical_id, action, pattern))
            if pattern == "*":
                found.append((OUTSIDE, action, pattern))
    return found


def function_reach(template: dict, parameters: dict[str, str] | None = None) -> dict[str, Reach]:
    """Every SAM function's reach (see the module docstring), under the template's parameters (defaults unless
    given: conditions such as tracing change what a role holds)."""
    resolver = resolver_for(template, parameters)
    arns = _resource_arns(template, resolver)
    out = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        reach = Reach(logical_id)
        statements = resolver.resolve(_function_statements(logical_id, template, reach.findings))  # drops NoValue
        for statement in statements:
            if statement.get("NotAction") or statement.get("NotResource"):
                reach.findings.append(f"{logical_id}: statement {statement.get('Sid', '?')} uses NotAction or "
                                      f"NotResource, which this check does not model")
            elif statement.get("Effect") == "Allow":
                for target, action, pattern in _matching(statement, arns):
                    reach.grants[target][action].add(pattern)
        for statement in statements:  # a Deny takes away what it covers whole and always (no condition)
            if statement.get("Effect") == "Deny" and not statement.get("Condition"):
                for target, action, pattern in _matching(statement, arns):
                    if target == OUTSIDE or _covers(pattern, arns[target]):
                        reach.grants[target].pop(action, None)
        out[logical_id] = reach
    return out


# ------------------------------------------------------------------ wildcards anywhere in the template


@dataclass(frozen=True)
class Wildcard:
    where: str  # the resource (logical id) holding the statement
    sid: str
    what: str

    def __str__(self) -> str:
        return f"{self.where} {self.sid}: {self.what}"


def _walk_statements(value: Any, where: str, in_key_policy: bool = False):
    if isinstance(value, dict):
        if "Effect" in value and ("Action" in value or "NotAction" in value):
            yield where, value, in_key_policy
            return
        for key, item in value.items():
            yield from _walk_statements(item, where, in_key_policy or key == "KeyPolicy")
    elif isinstance(value, list):
        for item in value:
            yield from _walk_statements(item, where, in_key_policy)


def wildcards(template: dict, expanded: bool = True) -> tuple[list[Wildcard], list[Wildcard]]:
    """(wildcard actions, Resource "*") of every Allow statement in the template: roles, inline and SAM
    ``Policies`` (SAM policy templates expanded), key, bucket and queue policies. Deny statements may use
    wildcards (deny every S3 action over plain HTTP). A key policy's ``Resource: "*"`` is the key itself."""
    actions, resources = [], []
    sources = list(template["Resources"].items())
    for logical_id, resource in sources:
        statements = list(_walk_statements(resource.get("Properties") or {}, logical_id))
        if expanded and resource["Type"] == "AWS::Serverless::Function":
            sam = _sam_role_statements(logical_id, resource.get("Properties") or {}, {}, []) \
                if "Role" not in (resource.get("Properties") or {}) else []
            statements += [(logical_id, s, False) for s in sam if s["Sid"] in SAM_POLICY_TEMPLATES]
        for where, statement, in_key_policy in statements:
            if statement.get("Effect") != "Allow":
                continue
            sid = statement.get("Sid", "?")
            for action in _as_list(statement.get("Action") or []) + _as_list(statement.get("NotAction") or []):
                if "*" in str(action) or "?" in str(action) or "NotAction" in statement:
                    actions.append(Wildcard(where, sid, f"action {action}"))
            if not in_key_policy and "*" in _as_list(statement.get("Resource") or []):
                resources.append(Wildcard(where, sid, f"Resource * for {statement.get('Action')}"))
    return actions, resources


def main(argv: list[str]) -> int:
    template = load_template(Path(argv[0] if argv else "template.yaml"))
    failed = False
    for name, reach in function_reach(template).items():
        print(name)
        for target, actions in sorted(reach.actions().items()):
            print(f"  {target}: {', '.join(sorted(actions))}")
        for finding in reach.findings:
            failed = True
            print(f"  FINDING {finding}")
    wild_actions, wild_resources = wildcards(template)
    for item in wild_actions:
        failed = True
        print(f"wildcard {item}")
    for item in wild_resources:
        print(f"Resource * (justify beside it): {item}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
