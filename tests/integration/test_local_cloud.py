"""The local cloud runs the template: resources, functions, pollers, the HTTP API with its authorizer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from loanpipe_infra.client import ApiError

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def test_every_resource_of_the_template_is_provisioned(local_cloud, template):
    assert set(local_cloud.stack.resources) == set(template["Resources"])
    assert all(resource["Ref"] for resource in local_cloud.stack.resources.values())


def test_every_function_runs_with_its_event_sources_and_routes(local_cloud, template):
    functions = {k for k, v in template["Resources"].items() if v["Type"] == "AWS::Serverless::Function"}
    assert set(local_cloud.pools) == functions
    sqs_sources = {
        (name, event["Properties"]["Queue"]["Fn::GetAtt"][0])
        for name, fn in template["Resources"].items() if fn["Type"] == "AWS::Serverless::Function"
        for event in fn["Properties"].get("Events", {}).values() if event["Type"] == "SQS"
    }
    polled = {(p._pool.spec.logical_id, next(k for k, r in local_cloud.stack.resources.items()
                                             if r.get("Arn") == p.source.queue_arn)) for p in local_cloud.pollers}
    assert polled == sqs_sources
    routes = {
        f"{event['Properties']['Method']} {event['Properties']['Path']}"
        for fn in template["Resources"].values() if fn["Type"] == "AWS::Serverless::Function"
        for event in fn["Properties"].get("Events", {}).values() if event["Type"] == "HttpApi"
    }
    assert local_cloud.gateways["HttpApi"].route_keys == routes
    schedules = {
        (name, event["Properties"]["Schedule"])
        for name, fn in template["Resources"].items() if fn["Type"] == "AWS::Serverless::Function"
        for event in fn["Properties"].get("Events", {}).values() if event["Type"] == "Schedule"
    }
    assert {(t.pool.spec.logical_id, t.source.expression) for t in local_cloud.schedules} == schedules


def test_queues_tables_and_buckets_exist_with_their_settings(local_cloud):
    sqs, s3, dynamodb = local_cloud.client("sqs"), local_cloud.client("s3"), local_cloud.client("dynamodb")
    resources = local_cloud.stack.resources
    extract = sqs.get_queue_attributes(QueueUrl=resources["ExtractQueue"]["Ref"], AttributeNames=["All"])["Attributes"]
    redrive = json.loads(extract["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == resources["ExtractDLQ"]["Arn"] and redrive["maxReceiveCount"] == 3
    assert extract["VisibilityTimeout"] == "360"
    tables = set(dynamodb.list_tables()["TableNames"])
    assert {resources[t]["Ref"] for t in ("ApplicationsTable", "IdempotencyTable", "ImageIndexTable")} <= tables
    gsis = {g["IndexName"] for g in dynamodb.describe_table(TableName=resources["ApplicationsTable"]["Ref"])
            ["Table"]["GlobalSecondaryIndexes"]}
    assert gsis == {"by-officer", "by-state", "by-id-number"}
    notification = s3.get_bucket_notification_configuration(Bucket=resources["UploadsBucket"]["Ref"])
    assert notification["QueueConfigurations"][0]["QueueArn"] == resources["ExtractQueue"]["Arn"]
    encryption = s3.get_bucket_encryption(Bucket=resources["UploadsBucket"]["Ref"])
    rule = encryption["ServerSideEncryptionConfiguration"]["Rules"][0]["ApplyServerSideEncryptionByDefault"]
    assert rule["SSEAlgorithm"] == "aws:kms" and rule["KMSMasterKeyID"] == resources["DataKey"]["Arn"]


def test_function_roles_log_groups_and_access_logging_are_provisioned(local_cloud):
    # moto creates each function's role with its policy (checking the grammar as IAM does; it enforces none),
    # the log groups with their retention, and the buckets' access logging to the log bucket
    iam, logs, s3 = local_cloud.client("iam"), local_cloud.client("logs"), local_cloud.client("s3")
    resources = local_cloud.stack.resources
    role = resources["ExtractFunctionRole"]["Ref"]
    (policy,) = iam.list_role_policies(RoleName=role)["PolicyNames"]
    statements = iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"]["Statement"]
    reads = next(s for s in statements if s["Sid"] == "ReadUploads")
    assert reads["Resource"] == f"{resources['UploadsBucket']['Arn']}/uploads/*"
    assert "Traces" not in {s["Sid"] for s in statements}  # tracing is off unless Tracing=Active
    (group,) = logs.describe_log_groups(logGroupNamePrefix=resources["ExtractFunctionLogs"]["Ref"])["logGroups"]
    assert group["retentionInDays"] == 365
    for bucket in ("UploadsBucket", "ResultsBucket", "ContractsBucket", "ConsoleBucket"):
        enabled = s3.get_bucket_logging(Bucket=resources[bucket]["Ref"])["LoggingEnabled"]
        assert enabled["TargetBucket"] == resources["AccessLogsBucket"]["Ref"], bucket


def test_functions_get_the_template_environment_with_references_resolved(local_cloud):
    env = local_cloud.pools["ExtractFunction"]._env
    resources = local_cloud.stack.resources
    assert env["VALIDATE_QUEUE_URL"] == resources["ValidateQueue"]["Ref"]
    assert env["APPLICATIONS_TABLE"] == resources["ApplicationsTable"]["Ref"]
    assert env["UPLOADS_BUCKET"] == "loanpipe-dev-uploads-123456789012"
    assert os.path.isdir(env["TESSDATA_PREFIX"]), "the /opt/tessdata of the OCR layer maps to the local models"


def test_the_aws_cli_works_against_the_local_endpoint(local_cloud):
    aws = Path(sys.executable).parent / "aws"
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1"}
    out = subprocess.run([str(aws), "--endpoint-url", local_cloud.state.endpoint_url, "sqs", "list-queues",
                          "--output", "json"], capture_output=True, text=True, env=env, timeout=60, check=True)
    urls = json.loads(out.stdout)["QueueUrls"]
    assert local_cloud.stack.resources["ExtractDLQ"]["Ref"] in urls


# ------------------------------------------------------------------ the authorizer
def test_requests_without_a_valid_token_are_refused_before_any_function_runs(local_cloud):
    url = local_cloud.state.api_url + "/applications"
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.get(url, headers={"authorization": "Bearer not-a-jwt"}, timeout=10).status_code == 401
    token = local_cloud.token("field_officer", "FO-0012")
    forged = token[:-8] + ("AAAAAAAA" if not token.endswith("AAAAAAAA") else "BBBBBBBB")
    assert requests.get(url, headers={"authorization": f"Bearer {forged}"}, timeout=10).status_code == 401


def test_a_token_of_another_app_client_is_refused(local_cloud):
    cognito = local_cloud.client("cognito-idp")
    pool = local_cloud.state.user_pool_id
    other = cognito.create_user_pool_client(UserPoolId=pool, ClientName="not-the-api",
                                            ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"])["UserPoolClient"]
    local_cloud.token("field_officer", "FO-7777")  # creates the user
    cognito.admin_set_user_password(UserPoolId=pool, Username="FO-7777", Password="Other-client-1A", Permanent=True)
    token = cognito.admin_initiate_auth(UserPoolId=pool, ClientId=other["ClientId"],
                                        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                        AuthParameters={"USERNAME": "FO-7777", "PASSWORD": "Other-client-1A"})
    access = token["AuthenticationResult"]["AccessToken"]
    response = requests.get(local_cloud.state.api_url + "/applications",
                            headers={"authorization": f"Bearer {access}"}, timeout=10)
    assert response.status_code == 401


def test_roles_come_from_the_cognito_groups(local_cloud, officer_api):
    with pytest.raises(ApiError) as refused:
        officer_api.get("/review")
    assert refused.value.status == 403 and refused.value.body["error"] == "forbidden"


def test_unknown_applications_and_routes_get_clear_4xx(local_cloud, officer_api):
    with pytest.raises(ApiError) as missing:
        officer_api.get("/applications/LA0000000000NOTHERE000000")
    assert missing.value.status == 404 and missing.value.body["error"] == "not_found"
    with pytest.raises(ApiError) as no_route:
        officer_api.get("/nothing-here")
    assert no_route.value.status == 404


def test_an_application_with_bad_fields_is_refused_with_the_fields_named_and_no_values_echoed(officer_api):
    from integration.support import declared

    body = declared()
    body["loan"]["amount"] = "0"
    body["applicant"]["phone"] = "12345"
    with pytest.raises(ApiError) as refused:
        officer_api.create_application(body)
    assert refused.value.status == 422
    fields = {detail["field"] for detail in refused.value.body["details"]}
    assert fields == {"loan.amount", "applicant.phone"}
    assert "12345" not in json.dumps(refused.value.body)


# ------------------------------------------------------------------ events/ samples
@pytest.mark.parametrize("sample", sorted(p.name for p in (ROOT / "events").glob("*.json")))
def test_every_function_handles_its_events_sample(local_cloud, sample):
    function = {"api": "ApiFunction", "extract": "ExtractFunction", "validate": "ValidateFunction",
                "score": "ScoreFunction", "contract": "ContractFunction",
                "sweep": "DraftSweepFunction", "stalls": "StallFunction"}[sample.split("_")[0]]
    event = json.loads((ROOT / "events" / sample).read_text())
    result = local_cloud.pools[function].invoke(event)
    assert result.ok, result.error_message
    if function == "ApiFunction":
        expected = {"api_create_application.json": 201, "api_get_application.json": 404,
                    "api_request_upload.json": 404, "api_review_queue.json": 200}[sample]
        assert result.result["statusCode"] == expected, result.result
        assert json.loads(result.result["body"])
    elif function == "DraftSweepFunction":
        assert set(result.result) == {"expired", "still_open"}
    elif function == "StallFunction":  # a scheduled run: what it read in the stage DLQs and recorded
        assert set(result.result) == {"dead_letters", "recorded", "unattached"}, result.result
    else:
        assert result.result == {"batchItemFailures": []}


def test_id_numbers_are_masked_unless_a_reviewer_reveals_them_and_the_reveal_is_audited(officer_api, reviewer_api):
    from integration.support import declared

    app = officer_api.create_application(declared())
    assert app["applicant"]["id_number"] == "1101**********0014"
    assert officer_api.get(f"/applications/{app['application_id']}", reveal="1")["applicant"]["id_number"] == \
        "1101**********0014"
    revealed = reviewer_api.get(f"/applications/{app['application_id']}", reveal="1")
    assert revealed["applicant"]["id_number"] == "110105198803120014"
    entries = reviewer_api.get(f"/applications/{app['application_id']}/audit")["entries"]
    assert [(e["action"], e["actor"]) for e in entries][-1] == ("personal_data.revealed", "reviewer-1")
