"""Least privilege, proven on template.yaml: each function's role reaches only the queues, tables, buckets, keys and
secrets its own code names, with only the actions its code calls; no Allow statement anywhere has a wildcard
action, and ``Resource: "*"`` stands only where AWS names no resource. The analysis is
``loanpipe_infra.checks.permissions`` (``python -m loanpipe_infra.checks.permissions template.yaml`` prints it);
the last tests doctor the template to show that the checks fail when a role reaches further."""

from __future__ import annotations

import copy
import re

import pytest

from loanpipe_infra.checks.permissions import OUTSIDE, function_reach, wildcards
from loanpipe_infra.localcloud.template import references

FUNCTIONS = ["ApiFunction", "ExtractFunction", "ValidateFunction", "ScoreFunction", "ContractFunction",
             "DraftSweepFunction", "StallFunction"]
LOG = {"logs:CreateLogStream", "logs:PutLogEvents"}
POLL = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
RECORDS = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem",
           "dynamodb:Query"}  # the repository: get, conditional puts in transactions, queries on the indexes
ONCE = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}  # powertools idempotency
DATA_KEY = {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"}  # SSE-KMS objects and tables, read and written
TRACES = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}  # with Tracing=Active only; X-Ray names no resource

# What each function's code calls (loanpipe.adapters, loanpipe.entry.runner), resource by resource.
NEEDS: dict[str, dict[str, set[str]]] = {
    "ApiFunction": {
        "ApiFunctionLogs": LOG, "ApplicationsTable": RECORDS | {"dynamodb:DeleteItem"},  # erase: the ID entry
        # presigned POST/GET (of the version read), HeadObject; erase: every version
        "UploadsBucket": {"s3:PutObject", "s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket",
                          "s3:ListBucketVersions", "s3:DeleteObject", "s3:DeleteObjectVersion"},
        "ResultsBucket": {"s3:GetObject", "s3:ListBucketVersions", "s3:DeleteObject", "s3:DeleteObjectVersion"},
        "ContractsBucket": {"s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:ListBucket",  # signatures
                            "s3:ListBucketVersions", "s3:DeleteObject", "s3:DeleteObjectVersion"},  # erase
        "ImageIndexTable": {"dynamodb:GetItem", "dynamodb:DeleteItem"},  # erase: the application's pictures
        "ValidateQueue": {"sqs:SendMessage"}, "ContractQueue": {"sqs:SendMessage"},
        "DomainEventBus": {"events:PutEvents"}, "DataKey": DATA_KEY,
        OUTSIDE: {"sns:Publish"},  # the signing code's SMS to a phone number
    },
    "ExtractFunction": {
        "ExtractFunctionLogs": LOG, "ExtractQueue": POLL, "ApplicationsTable": RECORDS, "IdempotencyTable": ONCE,
        "UploadsBucket": {"s3:GetObject", "s3:GetObjectVersion", "s3:ListBucketVersions"},  # the pinned version
        "ResultsBucket": {"s3:PutObject"},
        "ValidateQueue": {"sqs:SendMessage"}, "DomainEventBus": {"events:PutEvents"}, "DataKey": DATA_KEY,
    },
    "ValidateFunction": {
        "ValidateFunctionLogs": LOG, "ValidateQueue": POLL, "ApplicationsTable": RECORDS, "IdempotencyTable": ONCE,
        "ImageIndexTable": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"},
        "ResultsBucket": {"s3:GetObject"}, "ScoreQueue": {"sqs:SendMessage"},
        "DomainEventBus": {"events:PutEvents"}, "DataKey": DATA_KEY,
        "UserPool": {"cognito-idp:ListUsers", "cognito-idp:AdminListGroupsForUser"},
    },
    "ScoreFunction": {
        "ScoreFunctionLogs": LOG, "ScoreQueue": POLL, "ApplicationsTable": RECORDS, "IdempotencyTable": ONCE,
        "ResultsBucket": {"s3:GetObject"}, "ContractQueue": {"sqs:SendMessage"},
        "DomainEventBus": {"events:PutEvents"}, "DataKey": DATA_KEY,
    },
    "StallFunction": {  # the stall recorder: reads the stage DLQs (never deletes), records stalls on applications
        "StallFunctionLogs": LOG, "ApplicationsTable": RECORDS - {"dynamodb:Query"}, "DataKey": DATA_KEY,
        **{dlq: {"sqs:ReceiveMessage", "sqs:GetQueueAttributes"}
           for dlq in ("ExtractDLQ", "ValidateDLQ", "ScoreDLQ", "ContractDLQ")},
    },
    "ContractFunction": {
        "ContractFunctionLogs": LOG, "ContractQueue": POLL, "ApplicationsTable": RECORDS, "IdempotencyTable": ONCE,
        "ContractsBucket": {"s3:GetObject", "s3:PutObject", "s3:ListBucket"},  # HeadObject tells 404 from 403
        "DomainEventBus": {"events:PutEvents"}, "DataKey": DATA_KEY,
        "ContractSigningKey": {"kms:Sign", "kms:GetPublicKey"},
        "ContractSigningChain": {"secretsmanager:GetSecretValue"},
    },
    "DraftSweepFunction": {"DraftSweepFunctionLogs": LOG, "ApplicationsTable": RECORDS, "DataKey": DATA_KEY},
}
# Where AWS takes no resource: (holder, Sid) -> why.
UNNAMED_JUSTIFIED = {
    ("ApiFunctionRole", "SendSigningCodesBySms"): "an SMS to a phone number has no ARN; a Deny keeps topics out",
    **{(f"{name}Role", "Traces"): "X-Ray's PutTraceSegments takes no resource" for name in FUNCTIONS},
}
_KEY_PROPERTIES = ("KMSMasterKeyID", "KMSMasterKeyId", "KmsMasterKeyId", "KmsKeyId")


def _settings_fields(template: dict, function: str) -> set[str]:
    from loanpipe.entry.bootstrap import STAGES
    from loanpipe.entry.housekeeping import SweepSettings
    from loanpipe.entry.settings import ApiSettings
    from loanpipe.entry.stalls import StallSettings

    code_dir = template["Resources"][function]["Properties"]["CodeUri"].strip("/").split("/")[-1]
    own = {"api": ApiSettings, "sweep": SweepSettings, "stalls": StallSettings}
    model = own.get(code_dir) or STAGES[code_dir].settings
    return {name.upper() for name in model.model_fields}


def may_reach(template: dict, function: str) -> set[str]:
    """What a function may reach, read from the template and the code: the resources its environment names
    through a variable its settings model reads, the queues its SQS events read, its log group, and the keys
    that encrypt any of those."""
    resources = template["Resources"]
    props = resources[function]["Properties"]
    env = {**template["Globals"]["Function"]["Environment"]["Variables"], **props["Environment"]["Variables"]}
    read = _settings_fields(template, function)
    named = set().union(*(references(value) for var, value in env.items() if var in read))
    named |= {next(iter(references(e["Properties"]["Queue"]))) for e in props.get("Events", {}).values()
              if e["Type"] == "SQS"}
    named |= references(props.get("LoggingConfig", {}))
    named &= set(resources)
    for name in list(named):
        encryption = [v for k, v in _walk(resources[name].get("Properties") or {}) if k in _KEY_PROPERTIES]
        named |= set().union(set(), *(references(v) for v in encryption))
    return named


def _walk(value):
    """Every (key, value) pair of a property tree."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def excess_reach(template: dict, function: str, parameters: dict | None = None) -> set[str]:
    """What the function's role reaches beyond ``may_reach`` (``OUTSIDE``: a Resource "*" not justified)."""
    reach = function_reach(template, parameters)[function]
    assert not reach.findings, reach.findings
    outside = NEEDS[function].get(OUTSIDE, set()) | TRACES
    excess = reach.resources() - may_reach(template, function) - {OUTSIDE}
    if set(reach.actions().get(OUTSIDE, set())) - outside:
        excess.add(OUTSIDE)
    return excess


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize("tracing", ["PassThrough", "Active"])
def test_each_function_reaches_only_what_its_own_settings_name(template, function, tracing):
    assert excess_reach(template, function, {"Tracing": tracing}) == set()
    traced = function_reach(template, {"Tracing": tracing})[function].actions().get(OUTSIDE, set()) & TRACES
    assert traced == (TRACES if tracing == "Active" else set())  # X-Ray gets its traces exactly when it is on


@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_function_holds_exactly_the_actions_its_code_calls(template, function):
    reach = function_reach(template)[function]
    assert reach.findings == []
    assert reach.actions() == NEEDS[function]


def test_every_function_of_the_template_is_analysed(template):
    functions = {k for k, v in template["Resources"].items() if v["Type"] == "AWS::Serverless::Function"}
    assert functions == set(FUNCTIONS) == set(NEEDS)


def test_no_allow_statement_anywhere_has_a_wildcard_action(template):
    actions, _ = wildcards(template)
    assert [str(w) for w in actions] == []


def test_resource_star_stands_only_where_aws_names_no_resource(template):
    _, unnamed = wildcards(template)
    assert {(w.where, w.sid) for w in unnamed} <= set(UNNAMED_JUSTIFIED)


def test_services_use_the_data_key_only_for_this_stacks_resources(template):
    statements = template["Resources"]["DataKey"]["Properties"]["KeyPolicy"]["Statement"]
    for statement in statements:
        if "Service" in statement["Principal"]:
            condition_keys = {key for block in statement.get("Condition", {}).values() for key in block}
            assert {k for k in condition_keys if k in ("aws:SourceArn", "kms:ViaService")
                    or k.startswith("kms:EncryptionContext:")}, statement["Sid"]
    services = {str(s["Principal"].get("Service")) for s in statements}
    assert "s3.amazonaws.com" not in services  # no S3 notification goes to a queue encrypted with this key


# ------------------------------------------------------------------ the checks fail when a role reaches further


def _statements(template: dict, role: str) -> list:
    return template["Resources"][role]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]


def test_giving_the_extract_function_the_contracts_bucket_is_caught(template):
    doctored = copy.deepcopy(template)
    _statements(doctored, "ExtractFunctionRole").append(
        {"Sid": "Oops", "Effect": "Allow", "Action": "s3:GetObject",
         "Resource": {"Fn::Sub": "${ContractsBucket.Arn}/*"}})
    assert excess_reach(doctored, "ExtractFunction") == {"ContractsBucket"}


def test_a_bucket_named_by_a_pattern_instead_of_a_reference_is_caught(template):
    doctored = copy.deepcopy(template)
    _statements(doctored, "ScoreFunctionRole").append(
        {"Sid": "Oops", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::loanpipe-*/*"})
    assert excess_reach(doctored, "ScoreFunction") == {"UploadsBucket", "ContractsBucket", "ConsoleBucket",
                                                       "AccessLogsBucket"}


def test_a_resource_star_or_another_queue_is_caught(template):
    doctored = copy.deepcopy(template)
    _statements(doctored, "ValidateFunctionRole").extend([
        {"Sid": "Any", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"},
        {"Sid": "Pay", "Effect": "Allow", "Action": "sqs:ReceiveMessage",
         "Resource": {"Fn::GetAtt": ["DisbursementQueue", "Arn"]}},
    ])
    assert excess_reach(doctored, "ValidateFunction") == {OUTSIDE, "ContractSigningKey", "DisbursementQueue"}


def test_the_role_sam_would_make_reaches_every_queue_of_the_account(template):
    # Without its own role, SAM attaches AWSLambdaSQSQueueExecutionRole (Resource "*") for an SQS event source.
    doctored = copy.deepcopy(template)
    props = doctored["Resources"]["ScoreFunction"]["Properties"]
    del props["Role"]
    props["Policies"] = [{"S3ReadPolicy": {"BucketName": {"Ref": "ResultsBucket"}}}]
    excess = excess_reach(doctored, "ScoreFunction")
    assert {"DisbursementQueue", "ExtractQueue", "ContractDLQ", OUTSIDE} <= excess


def test_policies_beside_a_role_are_a_finding_because_sam_ignores_them(template):
    doctored = copy.deepcopy(template)
    doctored["Resources"]["ExtractFunction"]["Properties"]["Policies"] = [
        {"S3ReadPolicy": {"BucketName": {"Ref": "UploadsBucket"}}}]
    assert function_reach(doctored)["ExtractFunction"].findings == [
        "ExtractFunction: has Role and Policies; SAM ignores Policies when Role is set"]


def test_without_its_deny_the_sms_grant_would_reach_the_ops_alarm_topic(template):
    doctored = copy.deepcopy(template)
    statements = _statements(doctored, "ApiFunctionRole")
    statements[:] = [s for s in statements if not (isinstance(s, dict) and s.get("Effect") == "Deny")]
    assert excess_reach(doctored, "ApiFunction") == {"OpsAlarmTopic"}


def test_a_wildcard_action_is_caught_in_a_role_and_in_a_sam_policy_template(template):
    doctored = copy.deepcopy(template)
    _statements(doctored, "ScoreFunctionRole").append(
        {"Sid": "Lazy", "Effect": "Allow", "Action": "s3:*", "Resource": {"Fn::Sub": "${ResultsBucket.Arn}/*"}})
    props = doctored["Resources"]["ContractFunction"]["Properties"]
    del props["Role"]
    props["Policies"] = [{"SQSSendMessagePolicy": {"QueueName": {"Fn::GetAtt": ["ContractQueue", "QueueName"]}}}]
    actions, _ = wildcards(doctored)
    assert {str(w) for w in actions} == {"ScoreFunctionRole Lazy: action s3:*",
                                         "ContractFunction SQSSendMessagePolicy: action sqs:SendMessage*"}


def test_the_sam_policy_templates_are_expanded_as_sam_expands_them(project_root):
    # SAM CLI's own table (make lint-template installs SAM CLI under .tools/sam before the tests run)
    import json

    from loanpipe_infra.checks.policy_sources import SAM_POLICY_TEMPLATES

    found = sorted(project_root.glob(
        ".tools/sam/lib/python3*/site-packages/samtranslator/policy_templates_data/policy_templates.json"))
    if not found:
        pytest.skip("SAM CLI is not installed under .tools/sam (make lint-template installs it)")
    sam = json.loads(found[0].read_text())["Templates"]
    for name, (actions, patterns) in SAM_POLICY_TEMPLATES.items():
        statements = sam[name]["Definition"]["Statement"]
        assert {a for s in statements for a in _listed(s["Action"])} == set(actions), name
        subs = [r["Fn::Sub"] for s in statements for r in _listed(s["Resource"])]
        ours = [re.sub(r"\$\{(" + "|".join(sub[1]) + r")\}", "${p}", sub[0]) for sub in subs]
        assert ours == patterns, name


def _listed(value):
    return value if isinstance(value, list) else [value]
