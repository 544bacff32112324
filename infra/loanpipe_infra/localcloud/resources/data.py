"""KMS keys and aliases, Secrets Manager secrets, S3 buckets and bucket policies, DynamoDB tables."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from loanpipe_infra.localcloud.resources import ResourceMaker
from loanpipe_infra.localcloud.specs import REGION

# moto evaluates these condition operators; statements with any other are kept on AWS only (see the policy).
MOTO_CONDITION_OPERATORS = {"StringEquals"}



class DataResources(ResourceMaker):
    def _kms_key(self, logical_id: str, resource: dict, properties: dict) -> None:
        props = self._props(properties)
        kwargs: dict[str, Any] = {"Description": props.get("Description", logical_id)}
        if "KeyPolicy" in props:
            kwargs["Policy"] = json.dumps(props["KeyPolicy"])
        if "KeyUsage" in props:
            kwargs["KeyUsage"] = props["KeyUsage"]
        if "KeySpec" in props:
            kwargs["KeySpec"] = props["KeySpec"]
        meta = self._client("kms").create_key(**kwargs)["KeyMetadata"]
        if str(props.get("EnableKeyRotation", "false")).lower() == "true":
            self._client("kms").enable_key_rotation(KeyId=meta["KeyId"])
        self._set(logical_id, meta["KeyId"], Arn=meta["Arn"], KeyId=meta["KeyId"])

    def _kms_alias(self, logical_id: str, resource: dict, properties: dict) -> None:
        props = self._props(properties)
        self._client("kms").create_alias(AliasName=props["AliasName"], TargetKeyId=props["TargetKeyId"])
        self._set(logical_id, props["AliasName"])

    def _secret(self, logical_id: str, resource: dict, properties: dict) -> None:
        props = self._props(properties)
        kwargs: dict[str, Any] = {"Name": props.get("Name") or self._physical_name(logical_id, 512),
                                  "Description": props.get("Description", logical_id)}
        if "KmsKeyId" in props:
            kwargs["KmsKeyId"] = props["KmsKeyId"]
        if "SecretString" in props:
            kwargs["SecretString"] = props["SecretString"]
        arn = self._client("secretsmanager").create_secret(**kwargs)["ARN"]
        self._set(logical_id, arn, Id=arn)


    def _s3_bucket(self, logical_id: str, resource: dict, properties: dict) -> None:
        props = self._props(properties)
        s3 = self._client("s3")
        name = props.get("BucketName") or self._physical_name(logical_id, 63).lower()
        create: dict[str, Any] = {"Bucket": name}
        if props.get("ObjectLockEnabled"):
            create["ObjectLockEnabledForBucket"] = True
        s3.create_bucket(**create)
        if "OwnershipControls" in props:
            s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=props["OwnershipControls"])
        if "PublicAccessBlockConfiguration" in props:
            block = {k: bool(v) for k, v in props["PublicAccessBlockConfiguration"].items()}
            s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=block)
        for key, apply in _BUCKET_SETTINGS.items():
            if key in props:
                apply(s3, name, props[key])
        self._set(logical_id, name, Arn=f"arn:aws:s3:::{name}", DomainName=f"{name}.s3.amazonaws.com",
                  RegionalDomainName=f"{name}.s3.{REGION}.amazonaws.com")

    def _s3_bucket_policy(self, logical_id: str, resource: dict, properties: dict) -> None:
        props = self._props(properties)
        document = dict(props["PolicyDocument"])
        statements = document.get("Statement", [])
        statements = statements if isinstance(statements, list) else [statements]
        # moto evaluates bucket policies but skips condition operators it does not know (Bool, ArnLike...)
        # as if they matched: the TLS-only Deny would then deny every request. Such statements are kept on
        # AWS and left out locally (tests check them in template.yaml instead).
        kept = [st for st in statements if set(st.get("Condition", {})) <= MOTO_CONDITION_OPERATORS]
        self.skipped_statements[logical_id] = [st.get("Sid", "?") for st in statements if st not in kept]
        if kept:
            document["Statement"] = kept
            self._client("s3").put_bucket_policy(Bucket=props["Bucket"], Policy=json.dumps(document))
        self._set(logical_id, props["Bucket"])


    def _dynamodb_table(self, logical_id: str, resource: dict, properties: dict) -> None:
        props = self._props(properties)
        name = props.get("TableName") or self._physical_name(logical_id)
        kwargs: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if "GlobalSecondaryIndexes" in props:
            kwargs["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        if "SSESpecification" in props:
            sse = props["SSESpecification"]
            spec: dict[str, Any] = {"Enabled": bool(sse.get("SSEEnabled", True))}
            if "SSEType" in sse:
                spec["SSEType"] = sse["SSEType"]
            if "KMSMasterKeyId" in sse:
                spec["KMSMasterKeyId"] = sse["KMSMasterKeyId"]
            kwargs["SSESpecification"] = spec
        dynamodb = self._client("dynamodb")
        table = dynamodb.create_table(**kwargs)["TableDescription"]
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": bool(ttl["Enabled"])},
            )
        self._set(logical_id, name, Arn=table["TableArn"])


def _encryption(s3: Any, name: str, setting: dict) -> None:
    rules = []
    for rule in setting["ServerSideEncryptionConfiguration"]:
        entry: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": dict(rule["ServerSideEncryptionByDefault"])}
        if "BucketKeyEnabled" in rule:
            entry["BucketKeyEnabled"] = bool(rule["BucketKeyEnabled"])
        rules.append(entry)
    s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})


def _versioning(s3: Any, name: str, setting: dict) -> None:
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=setting)


def _object_lock(s3: Any, name: str, setting: dict) -> None:
    config = copy.deepcopy(setting)
    retention = config.get("Rule", {}).get("DefaultRetention", {})
    for unit in ("Days", "Years"):
        if unit in retention:
            retention[unit] = int(retention[unit])
    s3.put_object_lock_configuration(Bucket=name, ObjectLockConfiguration=config)


def _lifecycle(s3: Any, name: str, setting: dict) -> None:
    rules = []
    for rule in setting["Rules"]:
        api_rule: dict[str, Any] = {"ID": rule.get("Id", "rule"), "Status": rule["Status"],
                                    "Filter": {"Prefix": rule.get("Prefix", "")}}
        if "ExpirationInDays" in rule:
            api_rule["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
        if "AbortIncompleteMultipartUpload" in rule:
            days = int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
            api_rule["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": days}
        rules.append(api_rule)
    s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})


def _logging(s3: Any, name: str, setting: dict) -> None:
    """Server access logs to the log bucket: moto checks that the log bucket's policy lets S3's logging service
    write there, as AWS does (it writes no log lines itself)."""
    enabled = {"TargetBucket": setting["DestinationBucketName"], "TargetPrefix": setting.get("LogFilePrefix", "")}
    s3.put_bucket_logging(Bucket=name, BucketLoggingStatus={"LoggingEnabled": enabled})


def _cors(s3: Any, name: str, setting: dict) -> None:
    rules = [
        {key: value for key, value in rule.items() if key in
         ("AllowedMethods", "AllowedOrigins", "AllowedHeaders", "MaxAgeSeconds", "ExposedHeaders")}
        | ({"MaxAgeSeconds": int(rule["MaxAge"])} if "MaxAge" in rule else {})
        for rule in setting["CorsRules"]
    ]
    s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": rules})


def _notifications(s3: Any, name: str, setting: dict) -> None:
    queues = []
    for entry in setting.get("QueueConfigurations", []):
        config: dict[str, Any] = {"QueueArn": entry["Queue"], "Events": [entry["Event"]]}
        rules = entry.get("Filter", {}).get("S3Key", {}).get("Rules", [])
        if rules:
            config["Filter"] = {"Key": {"FilterRules": [{"Name": r["Name"], "Value": r["Value"]} for r in rules]}}
        queues.append(config)
    s3.put_bucket_notification_configuration(Bucket=name, NotificationConfiguration={"QueueConfigurations": queues})


# A bucket's settings in the order they are applied after the bucket exists (the template's property names).
_BUCKET_SETTINGS: dict[str, Callable[[Any, str, dict], None]] = {
    "BucketEncryption": _encryption,
    "VersioningConfiguration": _versioning,
    "ObjectLockConfiguration": _object_lock,
    "LifecycleConfiguration": _lifecycle,
    "CorsConfiguration": _cors,
    "LoggingConfiguration": _logging,
    "NotificationConfiguration": _notifications,
}
