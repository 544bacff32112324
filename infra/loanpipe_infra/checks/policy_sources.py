"""Facts about AWS the permissions check works from: the ARNs CloudFormation gives resources, the statements of
the SAM policy templates (samtranslator's ``policy_templates.json``) and of the AWS managed policies a Lambda role
may carry (as AWS publishes them)."""

from __future__ import annotations

from typing import Any

REGION, ACCOUNT, PARTITION = "eu-west-1", "123456789012", "aws"

_SQS_POLLER = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
_LOGS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
# The AWS managed policies a function role may carry, as AWS publishes them (all on Resource "*").
MANAGED_POLICIES: dict[str, list[str]] = {
    "AWSLambdaBasicExecutionRole": _LOGS,
    "AWSLambdaSQSQueueExecutionRole": _SQS_POLLER + _LOGS,
    "AWSXrayWriteOnlyAccess": ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
                               "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries"],
}

_TABLE = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${p}"
_BUCKET = "arn:${AWS::Partition}:s3:::${p}"
_QUEUE = "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${p}"
_S3_READ = ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetObjectVersion",
            "s3:GetLifecycleConfiguration"]
_S3_WRITE = ["s3:PutObject", "s3:PutObjectAcl", "s3:PutLifecycleConfiguration"]
# SAM policy templates (samtranslator's policy_templates.json): actions and resource patterns, ${p} the parameter.
SAM_POLICY_TEMPLATES: dict[str, tuple[list[str], list[str]]] = {
    "DynamoDBCrudPolicy": (["dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:Scan",
                            "dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem",
                            "dynamodb:BatchGetItem", "dynamodb:DescribeTable", "dynamodb:ConditionCheckItem"],
                           [_TABLE, _TABLE + "/index/*"]),
    "DynamoDBReadPolicy": (["dynamodb:GetItem", "dynamodb:Scan", "dynamodb:Query", "dynamodb:BatchGetItem",
                            "dynamodb:DescribeTable"], [_TABLE, _TABLE + "/index/*"]),
    "DynamoDBWritePolicy": (["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"],
                            [_TABLE, _TABLE + "/index/*"]),
    "S3ReadPolicy": (_S3_READ, [_BUCKET, _BUCKET + "/*"]),
    "S3WritePolicy": (_S3_WRITE, [_BUCKET, _BUCKET + "/*"]),
    "S3CrudPolicy": (_S3_READ + _S3_WRITE[:2] + ["s3:PutLifecycleConfiguration", "s3:DeleteObject"],
                     [_BUCKET, _BUCKET + "/*"]),
    "SQSSendMessagePolicy": (["sqs:SendMessage*"], [_QUEUE]),
    "SQSPollerPolicy": (["sqs:ChangeMessageVisibility", "sqs:ChangeMessageVisibilityBatch", "sqs:DeleteMessage",
                         "sqs:DeleteMessageBatch", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"], [_QUEUE]),
    "EventBridgePutEventsPolicy": (["events:PutEvents"],
                                   ["arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/${p}"]),
    "KMSDecryptPolicy": (["kms:Decrypt"], ["arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${p}"]),
    "KMSEncryptPolicy": (["kms:Encrypt"], ["arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${p}"]),
    "AWSSecretsManagerGetSecretValuePolicy": (["secretsmanager:GetSecretValue"], ["${p}"]),
    "SNSPublishMessagePolicy": (["sns:Publish"], ["arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:${p}"]),
}



def resource_ids(rtype: str, name: str) -> tuple[Any, dict[str, Any]]:
    """(Ref, attributes) of a resource as CloudFormation gives them, from its (resolved) name."""
    here = f"{REGION}:{ACCOUNT}"
    if rtype == "AWS::S3::Bucket":
        return name, {"Arn": f"arn:aws:s3:::{name}"}
    if rtype == "AWS::SQS::Queue":
        return (f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}",
                {"Arn": f"arn:aws:sqs:{here}:{name}", "QueueName": name})
    if rtype == "AWS::DynamoDB::Table":
        return name, {"Arn": f"arn:aws:dynamodb:{here}:table/{name}"}
    if rtype == "AWS::KMS::Key":
        return name, {"Arn": f"arn:aws:kms:{here}:key/{name}", "KeyId": name}
    if rtype == "AWS::SecretsManager::Secret":
        arn = f"arn:aws:secretsmanager:{here}:secret:{name}-AbCdEf"
        return arn, {"Id": arn}
    if rtype == "AWS::SNS::Topic":
        return f"arn:aws:sns:{here}:{name}", {"TopicName": name}
    if rtype == "AWS::Events::EventBus":
        return name, {"Arn": f"arn:aws:events:{here}:event-bus/{name}", "Name": name}
    if rtype == "AWS::Cognito::UserPool":
        return f"{REGION}_{name}", {"Arn": f"arn:aws:cognito-idp:{here}:userpool/{REGION}_{name}"}
    if rtype == "AWS::Logs::LogGroup":
        return name, {"Arn": f"arn:aws:logs:{here}:log-group:{name}:*"}
    if rtype == "AWS::IAM::Role":
        return name, {"Arn": f"arn:aws:iam::{ACCOUNT}:role/{name}"}
    if rtype == "AWS::Serverless::Function":
        return name, {"Arn": f"arn:aws:lambda:{here}:function:{name}"}
    return name, {}


def sam_template_statements(name: str, args: Any) -> list[dict] | None:
    """A SAM policy template's statements with its parameter (an intrinsic of the template) put in."""
    if name not in SAM_POLICY_TEMPLATES:
        return None
    actions, patterns = SAM_POLICY_TEMPLATES[name]
    (value,) = args.values() if isinstance(args, dict) and args else (None,)
    return [{"Sid": name, "Effect": "Allow", "Action": list(actions),
             "Resource": [{"Fn::Sub": [p.replace("${p}", "${__param}"), {"__param": value}]} for p in patterns]}]


def managed_policy_statements(arn_or_name: Any, where: str, findings: list[str]) -> list[dict]:
    name = str(arn_or_name).rsplit("/", 1)[-1]
    if name not in MANAGED_POLICIES:
        findings.append(f"{where}: managed policy {arn_or_name!r} is not known to this check")
        return []
    return [{"Sid": name, "Effect": "Allow", "Action": MANAGED_POLICIES[name], "Resource": "*"}]


