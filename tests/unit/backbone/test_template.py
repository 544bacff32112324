"""template.yaml is the whole cloud: these tests read it and hold it to the architecture's rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest


def _resources(template: dict, rtype: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == rtype}


def _ref_target(value) -> str | None:
    if isinstance(value, dict):
        if "Ref" in value:
            return value["Ref"]
        if "Fn::GetAtt" in value:
            att = value["Fn::GetAtt"]
            return att[0] if isinstance(att, list) else att.split(".")[0]
    return None


def _consumers(template: dict) -> dict[str, tuple[str, dict]]:
    """queue logical id -> (function logical id, function properties)."""
    out = {}
    for name, fn in _resources(template, "AWS::Serverless::Function").items():
        for event in (fn["Properties"].get("Events") or {}).values():
            if event["Type"] == "SQS":
                out[_ref_target(event["Properties"]["Queue"])] = (name, fn["Properties"])
    return out


def test_every_stage_queue_has_a_dead_letter_queue_a_small_redrive_and_a_consumer(template):
    queues = _resources(template, "AWS::SQS::Queue")
    consumers = _consumers(template)
    dlqs = {_ref_target(q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"])
            for q in queues.values() if "RedrivePolicy" in q["Properties"]}
    # Disbursement's inbox is read by the disbursement system, outside this stack; it has its DLQ all the same
    outside = {"DisbursementQueue"}
    stage_queues = {name for name in queues if name not in dlqs} - outside
    assert stage_queues == {"ExtractQueue", "ValidateQueue", "ScoreQueue", "ContractQueue"}
    assert all("RedrivePolicy" in queues[name]["Properties"] for name in outside)
    for name in stage_queues:
        redrive = queues[name]["Properties"]["RedrivePolicy"]
        assert 3 <= int(redrive["maxReceiveCount"]) <= 5, name
        assert name in consumers, f"{name} has no function reading it"


def test_visibility_timeout_is_at_least_six_times_the_consuming_function_timeout(template):
    default_timeout = int(template["Globals"]["Function"]["Timeout"])
    for queue, (function, props) in _consumers(template).items():
        visibility = int(template["Resources"][queue]["Properties"]["VisibilityTimeout"])
        assert visibility >= 6 * int(props.get("Timeout", default_timeout)), (queue, function)


def test_every_queue_consumer_reports_partial_batch_failures(template):
    for _queue, (function, props) in _consumers(template).items():
        for event in props["Events"].values():
            if event["Type"] == "SQS":
                assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"], function


def test_every_dead_letter_queue_has_an_alarm_on_its_depth(template):
    queues = _resources(template, "AWS::SQS::Queue")
    dlqs = {_ref_target(q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"])
            for q in queues.values() if "RedrivePolicy" in q["Properties"]}
    alarmed = set()
    for alarm in _resources(template, "AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        if props["MetricName"] == "ApproximateNumberOfMessagesVisible":
            for dim in props["Dimensions"]:
                alarmed.add(_ref_target(dim["Value"]))
            assert props["AlarmActions"], "an alarm must notify someone"
    assert dlqs and dlqs <= alarmed


def test_buckets_are_private_encrypted_with_the_customer_key_and_refuse_plain_http(template):
    buckets = _resources(template, "AWS::S3::Bucket")
    policies = {_ref_target(p["Properties"]["Bucket"]): p["Properties"]["PolicyDocument"]
                for p in _resources(template, "AWS::S3::BucketPolicy").values()}
    for name, bucket in buckets.items():
        props = bucket["Properties"]
        assert all(props["PublicAccessBlockConfiguration"].values()), name
        rule = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
        # the console's pages hold no personal data (see the next test); S3's logging service cannot write to a
        # bucket encrypted with a KMS key, so the access logs (which hold no personal data either) use SSE-S3
        if name not in ("ConsoleBucket", "AccessLogsBucket"):
            assert rule["SSEAlgorithm"] == "aws:kms" and _ref_target(rule["KMSMasterKeyID"]) == "DataKey", name
        denies_http = [s for s in policies[name]["Statement"]
                       if s["Effect"] == "Deny" and s["Condition"]["Bool"]["aws:SecureTransport"] == "false"]
        assert denies_http, f"{name} accepts plain HTTP"


def test_the_console_is_served_by_cloudfront_from_a_bucket_only_its_distribution_reads(template):
    resources = template["Resources"]
    allows = [s for s in resources["ConsoleBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
              if s["Effect"] == "Allow"]
    assert len(allows) == 1 and allows[0]["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allows[0]["Action"] == "s3:GetObject" and "AWS:SourceArn" in allows[0]["Condition"]["StringEquals"]
    config = resources["ConsoleDistribution"]["Properties"]["DistributionConfig"]
    origin = config["Origins"][0]
    assert _ref_target(origin["OriginAccessControlId"]) == "ConsoleOriginAccessControl"
    assert origin["S3OriginConfig"]["OriginAccessIdentity"] == ""  # OAC, not the legacy identity
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert config["DefaultCacheBehavior"]["AllowedMethods"] == ["GET", "HEAD"]


def test_the_console_signs_in_through_its_own_client_whose_tokens_the_api_accepts(template):
    resources = template["Resources"]
    client = resources["ConsoleUserPoolClient"]["Properties"]
    assert client["GenerateSecret"] is False  # a browser cannot keep a secret
    assert client["AllowedOAuthFlows"] == ["code"]  # hosted UI with PKCE, no implicit flow
    assert all("ConsoleDistribution.DomainName" in str(url) for url in client["CallbackURLs"])
    audience = resources["HttpApi"]["Properties"]["Auth"]["Authorizers"]["CognitoJwt"]["JwtConfiguration"]["audience"]
    assert {_ref_target(a) for a in audience} == {"UserPoolClient", "ConsoleUserPoolClient"}


def test_raw_scans_expire_and_contracts_are_locked(template):
    uploads = template["Resources"]["UploadsBucket"]["Properties"]
    expiring = [r for r in uploads["LifecycleConfiguration"]["Rules"] if "ExpirationInDays" in r]
    assert expiring and expiring[0]["Prefix"] == "uploads/"
    contracts = template["Resources"]["ContractsBucket"]["Properties"]
    assert contracts["ObjectLockEnabled"] is True
    assert contracts["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]["Mode"] in ("GOVERNANCE", "COMPLIANCE")


def test_the_uploads_bucket_keeps_every_version_and_its_lifecycle_expires_them_all(template):
    """A file posted again under a used grant is a version of its own (the pinned one stays readable); versions
    that stop being current expire too, so the retention is bounded for every version."""
    uploads = template["Resources"]["UploadsBucket"]["Properties"]
    assert uploads["VersioningConfiguration"] == {"Status": "Enabled"}
    rules = {rule["Id"]: rule for rule in uploads["LifecycleConfiguration"]["Rules"]}
    scans = rules["ExpireRawScans"]
    assert scans["ExpirationInDays"] == {"Ref": "RawScanRetentionDays"}
    assert scans["NoncurrentVersionExpiration"] == {"NoncurrentDays": {"Ref": "RawScanRetentionDays"}}
    assert rules["RemoveExpiredDeleteMarkers"] == {"Id": "RemoveExpiredDeleteMarkers", "Status": "Enabled",
                                                   "Prefix": "uploads/", "ExpiredObjectDeleteMarker": True}
    assert template["Parameters"]["RawScanRetentionDays"]["Default"] == 90


def test_uploads_notify_the_extract_queue(template):
    notification = template["Resources"]["UploadsBucket"]["Properties"]["NotificationConfiguration"]
    config = notification["QueueConfigurations"][0]
    assert config["Event"] == "s3:ObjectCreated:*" and _ref_target(config["Queue"]) == "ExtractQueue"


def test_tables_are_encrypted_with_the_customer_key_and_idempotency_records_expire(template):
    for name, table in _resources(template, "AWS::DynamoDB::Table").items():
        sse = table["Properties"]["SSESpecification"]
        assert sse["SSEType"] == "KMS" and _ref_target(sse["KMSMasterKeyId"]) == "DataKey", name
    ttl = template["Resources"]["IdempotencyTable"]["Properties"]["TimeToLiveSpecification"]
    assert ttl == {"AttributeName": "expiration", "Enabled": True}


def test_functions_build_with_a_makefile_for_python_3_13(template, project_root):
    assert template["Globals"]["Function"]["Runtime"] == "python3.13"
    for name, fn in _resources(template, "AWS::Serverless::Function").items():
        assert fn["Metadata"]["BuildMethod"] == "makefile", name
        makefile = (project_root / fn["Properties"]["CodeUri"] / "Makefile").read_text()
        assert f"build-{name}:" in makefile
    for name, layer in _resources(template, "AWS::Serverless::LayerVersion").items():
        assert layer["Metadata"]["BuildMethod"] == "makefile", name
        assert f"build-{name}:" in (project_root / layer["Properties"]["ContentUri"] / "Makefile").read_text()


def test_the_api_is_behind_the_cognito_jwt_authorizer_on_every_route(template):
    api = template["Resources"]["HttpApi"]["Properties"]["Auth"]
    assert api["DefaultAuthorizer"] == "CognitoJwt"
    jwt = api["Authorizers"]["CognitoJwt"]["JwtConfiguration"]
    assert _ref_target(jwt["audience"][0]) == "UserPoolClient"
    for event in template["Resources"]["ApiFunction"]["Properties"]["Events"].values():
        assert "Auth" not in event["Properties"], "no route may opt out of the authorizer"


def test_the_api_function_serves_exactly_the_routes_of_the_template(template):
    # The routes the resolver holds once every module's routes are in (the app's own and its routers');
    # powertools' ``<param>`` is the template's ``{param}``. tests/unit/api sends every template route through
    # the handler.
    from loanpipe.entry.http import app

    served = {route.method.upper() + " " + re.sub(r"<(\w+)>", r"{\1}", route.path)
              for route in app._static_routes + app._dynamic_routes}
    routes = {f"{e['Properties']['Method']} {e['Properties']['Path']}"
              for e in template["Resources"]["ApiFunction"]["Properties"]["Events"].values()}
    assert routes == served


def test_cognito_has_the_three_staff_groups(template):
    groups = {g["Properties"]["GroupName"] for g in _resources(template, "AWS::Cognito::UserPoolGroup").values()}
    assert groups == {"field_officer", "reviewer", "admin"}


@pytest.mark.parametrize("function", ["ExtractFunction", "ValidateFunction", "ScoreFunction", "ContractFunction"])
def test_each_stage_may_only_send_to_the_queues_it_feeds(template, function):
    from loanpipe_infra.checks.permissions import function_reach

    sends = {queue for queue, actions in function_reach(template)[function].actions().items()
             if "sqs:SendMessage" in actions}
    expected = {"ExtractFunction": {"ValidateQueue"}, "ValidateFunction": {"ScoreQueue"},
                "ScoreFunction": {"ContractQueue"}, "ContractFunction": set()}[function]
    assert sends == expected


def _settings_model(function_dir: Path):
    """The settings model a function reads: the composition root's (the API's, or a queue-driven stage's)."""
    from loanpipe.entry.bootstrap import STAGES
    from loanpipe.entry.settings import ApiSettings
    from loanpipe.entry.stalls import StallSettings

    if function_dir.name == "api":
        return ApiSettings
    if function_dir.name == "sweep":
        from loanpipe.entry.housekeeping import SweepSettings

        return SweepSettings
    if function_dir.name == "stalls":
        return StallSettings
    return STAGES[function_dir.name].settings


def test_environment_variables_of_handlers_match_their_settings_models(template, project_root):
    """Each function's required settings are set by the template (globals + its own), none left to defaults."""
    globals_env = set(template["Globals"]["Function"]["Environment"]["Variables"])
    for name, fn in _resources(template, "AWS::Serverless::Function").items():
        env = globals_env | set((fn["Properties"].get("Environment") or {}).get("Variables", {}))
        model = _settings_model(project_root / fn["Properties"]["CodeUri"])
        required = [field.upper() for field, info in model.model_fields.items() if info.is_required()]
        missing = [var for var in required if var not in env]
        assert required, f"{name}: no settings found"
        assert not missing, f"{name} needs {missing} from the template"


def test_every_bucket_logs_its_access_to_the_log_bucket_which_takes_logs_from_them_only(template):
    from loanpipe_infra.checks.permissions import resolver_for

    resolver = resolver_for(template)
    buckets = _resources(template, "AWS::S3::Bucket")
    logging = {name: b["Properties"].get("LoggingConfiguration") for name, b in buckets.items()}
    assert logging.pop("AccessLogsBucket") is None  # the log bucket does not log into itself
    assert all(_ref_target(config["DestinationBucketName"]) == "AccessLogsBucket" for config in logging.values())
    # Its policy names the sources (a reference back would be a cycle): every logging bucket, nothing else.
    policy = template["Resources"]["AccessLogsBucketPolicy"]["Properties"]["PolicyDocument"]
    (allow,) = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "logging.s3.amazonaws.com"} and allow["Action"] == "s3:PutObject"
    sources = set(resolver.resolve(allow["Condition"]["StringEquals"]["aws:SourceArn"]))
    assert sources == {resolver.attrs[name]["Arn"] for name in logging}


def test_the_http_api_logs_each_request_without_its_content(template):
    settings = template["Resources"]["HttpApi"]["Properties"]["AccessLogSettings"]
    assert _ref_target(settings["DestinationArn"]) == "HttpApiAccessLogs"
    fields = set(re.findall(r"\$context\.([\w.]+)", settings["Format"]))
    assert {"requestId", "routeKey", "status", "identity.sourceIp", "authorizer.claims.sub"} <= fields
    assert not {f for f in fields if "body" in f.lower() or "query" in f.lower() or f.startswith("path")}


def test_log_groups_expire_and_are_encrypted_with_the_customer_key(template):
    groups = _resources(template, "AWS::Logs::LogGroup")
    functions = _resources(template, "AWS::Serverless::Function")
    assert {_ref_target(fn["Properties"]["LoggingConfig"]["LogGroup"]) for fn in functions.values()} < set(groups)
    for name, group in groups.items():
        assert _ref_target(group["Properties"]["KmsKeyId"]) == "DataKey", name
        assert _ref_target(group["Properties"]["RetentionInDays"]) == "LogRetentionDays", name
