"""Create every resource of template.yaml in the moto server, read from the template itself.

Each supported resource type has a handler that creates it through boto3 and records what ``Ref`` and
``Fn::GetAtt`` return. SAM resources (functions, layers, the HTTP API) become local specifications
that the runtime, the pollers and the gateway serve. A type without a handler stops provisioning with
a clear error: nothing in the template is silently left out.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loanpipe_infra.localcloud.template import Resolver, TemplateError, dependency_order, load_template

log = logging.getLogger(__name__)

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
STACK_NAME = "loanpipe-local"
MOTO_CONDITION_OPERATORS = {"StringEquals"}


@dataclass
class SqsEventSource:
    name: str
    queue_arn: str
    queue_url: str
    batch_size: int
    maximum_concurrency: int | None
    report_batch_item_failures: bool
    batching_window_seconds: int = 0


@dataclass
class HttpRoute:
    name: str
    method: str
    path: str
    api_logical_id: str
    authorizer: str | None  # None = open route


@dataclass
class FunctionSpec:
    logical_id: str
    name: str
    code_dir: Path
    handler: str
    timeout: int
    memory_mb: int
    environment: dict[str, str]
    reserved_concurrency: int | None
    layers: list[str]
    sqs_sources: list[SqsEventSource] = field(default_factory=list)
    routes: list[HttpRoute] = field(default_factory=list)


@dataclass
class JwtAuthorizer:
    name: str
    issuer: str
    audience: list[str]
    identity_source: str


@dataclass
class HttpApiSpec:
    logical_id: str
    stage: str
    default_authorizer: str | None
    authorizers: dict[str, JwtAuthorizer]
    cors: dict | None


@dataclass
class ProvisionedStack:
    resources: dict[str, dict[str, Any]]  # logical id -> {"Type", "Ref", attrs...}
    functions: dict[str, FunctionSpec]
    apis: dict[str, HttpApiSpec]
    parameters: dict[str, Any]
    outputs: dict[str, Any]

    def ref(self, logical_id: str) -> Any:
        return self.resources[logical_id]["Ref"]


# Lambda layers are mounted at /opt on AWS; on this machine their content is installed already.
# Environment values naming /opt paths are mapped to where the same content lives locally.
def _local_opt_map() -> dict[str, str]:
    tesseract = shutil.which("tesseract")
    mapping = {
        "/opt/tessdata": _first_existing(
            ["/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata"]
        ),
        "/opt/fonts": "/usr/share/fonts/truetype/wqy",
        "/opt/bin": str(Path(tesseract).parent) if tesseract else None,
    }
    return {key: value for key, value in mapping.items() if value}


def _first_existing(paths: list[str]) -> str | None:
    return next((path for path in paths if os.path.isdir(path)), None)


def localise_path(value: str, opt_map: dict[str, str]) -> str:
    for prefix, local in opt_map.items():
        if value == prefix or value.startswith(prefix + "/"):
            return local + value[len(prefix):]
    return value


class Provisioner:
    def __init__(self, session: Any, endpoint_url: str, template_path: Path,
                 parameter_overrides: dict[str, str] | None = None, stack_name: str = STACK_NAME):
        self._session = session
        self.stack_name = stack_name
        self._endpoint = endpoint_url
        self._template_path = template_path
        self._root = template_path.parent
        self._template = load_template(template_path)
        self._clients: dict[str, Any] = {}
        params = {}
        for name, spec in (self._template.get("Parameters") or {}).items():
            params[name] = str(spec.get("Default", ""))
        params.update(parameter_overrides or {})
        self._resolver = Resolver(
            parameters=params,
            pseudo={
                "AWS::Region": REGION,
                "AWS::AccountId": ACCOUNT_ID,
                "AWS::StackName": stack_name,
                "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{stack_name}/local",
                "AWS::Partition": "aws",
                "AWS::URLSuffix": "amazonaws.com",
            },
        )
        self._functions: dict[str, FunctionSpec] = {}
        self.skipped_statements: dict[str, list[str]] = {}
        self._apis: dict[str, HttpApiSpec] = {}
        self._resources: dict[str, dict[str, Any]] = {}
        self._handlers: dict[str, Callable[[str, dict, dict], None]] = {
            "AWS::KMS::Key": self._kms_key,
            "AWS::KMS::Alias": self._kms_alias,
            "AWS::S3::Bucket": self._s3_bucket,
            "AWS::S3::BucketPolicy": self._s3_bucket_policy,
            "AWS::SQS::Queue": self._sqs_queue,
            "AWS::SQS::QueuePolicy": self._sqs_queue_policy,
            "AWS::DynamoDB::Table": self._dynamodb_table,
            "AWS::SNS::Topic": self._sns_topic,
            "AWS::CloudWatch::Alarm": self._cloudwatch_alarm,
            "AWS::Events::EventBus": self._event_bus,
            "AWS::Cognito::UserPool": self._user_pool,
            "AWS::Cognito::UserPoolClient": self._user_pool_client,
            "AWS::Cognito::UserPoolGroup": self._user_pool_group,
            "AWS::Serverless::LayerVersion": self._layer,
            "AWS::Serverless::HttpApi": self._http_api,
            "AWS::Serverless::Function": self._function,
        }

    # ------------------------------------------------------------------ entry point
    @property
    def template(self) -> dict:
        return self._template

    def supported_types(self) -> set[str]:
        return set(self._handlers)

    def provision(self) -> ProvisionedStack:
        resources = self._template["Resources"]
        globals_fn = (self._template.get("Globals") or {}).get("Function", {})
        ordering_view = {}
        for logical_id, resource in resources.items():
            view = dict(resource)
            if resource["Type"] == "AWS::Serverless::Function":
                view = {**resource, "Properties": {"__globals": globals_fn, **resource.get("Properties", {})}}
            ordering_view[logical_id] = view
        for logical_id in dependency_order(ordering_view):
            resource = resources[logical_id]
            rtype = resource["Type"]
            handler = self._handlers.get(rtype)
            if handler is None:
                raise TemplateError(f"{logical_id}: resource type {rtype} is not wired in the local cloud")
            log.debug("provisioning %s (%s)", logical_id, rtype)
            self._resources[logical_id] = {"Type": rtype}
            handler(logical_id, resource, resource.get("Properties", {}))
            self._resources[logical_id]["Ref"] = self._resolver.refs.get(logical_id)
            self._resources[logical_id].update(self._resolver.attrs.get(logical_id, {}))
        outputs = {
            name: self._resolver.resolve(spec["Value"])
            for name, spec in (self._template.get("Outputs") or {}).items()
        }
        return ProvisionedStack(
            resources=self._resources,
            functions=self._functions,
            apis=self._apis,
            parameters=dict(self._resolver.parameters),
            outputs=outputs,
        )

    # ------------------------------------------------------------------ helpers
    def _client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self._session.client(service, endpoint_url=self._endpoint, region_name=REGION)
        return self._clients[service]

    def _props(self, properties: dict) -> dict:
        return self._resolver.resolve(copy.deepcopy(properties))

    def _set(self, logical_id: str, ref: Any, **attrs: Any) -> None:
        self._resolver.refs[logical_id] = ref
        self._resolver.attrs[logical_id] = attrs

    def _physical_name(self, logical_id: str, limit: int = 80) -> str:
        return f"{self.stack_name}-{logical_id}"[:limit]

    # ------------------------------------------------------------------ KMS
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

    # ------------------------------------------------------------------ S3
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
        if "BucketEncryption" in props:
            rules = []
            for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]:
                default = dict(rule["ServerSideEncryptionByDefault"])
                entry: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": default}
                if "BucketKeyEnabled" in rule:
                    entry["BucketKeyEnabled"] = bool(rule["BucketKeyEnabled"])
                rules.append(entry)
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
        if "VersioningConfiguration" in props:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=props["VersioningConfiguration"])
        if "ObjectLockConfiguration" in props:
            config = copy.deepcopy(props["ObjectLockConfiguration"])
            retention = config.get("Rule", {}).get("DefaultRetention", {})
            for unit in ("Days", "Years"):
                if unit in retention:
                    retention[unit] = int(retention[unit])
            s3.put_object_lock_configuration(Bucket=name, ObjectLockConfiguration=config)
        if "LifecycleConfiguration" in props:
            rules = []
            for rule in props["LifecycleConfiguration"]["Rules"]:
                api_rule: dict[str, Any] = {"ID": rule.get("Id", "rule"), "Status": rule["Status"],
                                            "Filter": {"Prefix": rule.get("Prefix", "")}}
                if "ExpirationInDays" in rule:
                    api_rule["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
                if "AbortIncompleteMultipartUpload" in rule:
                    days = int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
                    api_rule["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": days}
                rules.append(api_rule)
            s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})
        if "CorsConfiguration" in props:
            rules = [
                {key: value for key, value in rule.items() if key in
                 ("AllowedMethods", "AllowedOrigins", "AllowedHeaders", "MaxAgeSeconds", "ExposedHeaders")}
                | ({"MaxAgeSeconds": int(rule["MaxAge"])} if "MaxAge" in rule else {})
                for rule in props["CorsConfiguration"]["CorsRules"]
            ]
            s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": rules})
        if "NotificationConfiguration" in props:
            queues = []
            for entry in props["NotificationConfiguration"].get("QueueConfigurations", []):
                config: dict[str, Any] = {"QueueArn": entry["Queue"], "Events": [entry["Event"]]}
                rules = entry.get("Filter", {}).get("S3Key", {}).get("Rules", [])
                if rules:
                    filter_rules = [{"Name": r["Name"], "Value": r["Value"]} for r in rules]
                    config["Filter"] = {"Key": {"FilterRules": filter_rules}}
                queues.append(config)
            s3.put_bucket_notification_configuration(
                Bucket=name, NotificationConfiguration={"QueueConfigurations": queues}
            )
        self._set(logical_id, name, Arn=f"arn:aws:s3:::{name}", DomainName=f"{name}.s3.amazonaws.com")

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

    # ------------------------------------------------------------------ SQS
    def _sqs_queue(self, logical_id: str, resource: dict, properties: dict) -> None:
        props = self._props(properties)
        name = props.get("QueueName") or self._physical_name(logical_id)
        attributes: dict[str, str] = {}
        for key in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "ReceiveMessageWaitTimeSeconds",
                    "MaximumMessageSize"):
            if key in props:
                attributes[key] = str(props[key])
        if "RedrivePolicy" in props:
            policy = dict(props["RedrivePolicy"])
            policy["maxReceiveCount"] = int(policy["maxReceiveCount"])
            attributes["RedrivePolicy"] = json.dumps(policy)
        if "SqsManagedSseEnabled" in props:
            attributes["SqsManagedSseEnabled"] = str(props["SqsManagedSseEnabled"]).lower()
        sqs = self._client("sqs")
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self._set(logical_id, url, Arn=arn, QueueName=name, QueueUrl=url)

    def _sqs_queue_policy(self, logical_id: str, resource: dict, properties: dict) -> None:
        props = self._props(properties)
        for url in props["Queues"]:
            self._client("sqs").set_queue_attributes(
                QueueUrl=url, Attributes={"Policy": json.dumps(props["PolicyDocument"])}
            )
        self._set(logical_id, logical_id)

    # ------------------------------------------------------------------ DynamoDB
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

    # ------------------------------------------------------------------ SNS, CloudWatch, EventBridge
    def _sns_topic(self, logical_id: str, resource: dict, properties: dict) -> None:
        props = self._props(properties)
        attributes = {"KmsMasterKeyId": props["KmsMasterKeyId"]} if "KmsMasterKeyId" in props else {}
        arn = self._client("sns").create_topic(
            Name=props.get("TopicName") or self._physical_name(logical_id), Attributes=attributes
        )["TopicArn"]
        self._set(logical_id, arn, TopicArn=arn, TopicName=arn.rsplit(":", 1)[1])

    def _cloudwatch_alarm(self, logical_id: str, resource: dict, properties: dict) -> None:
        props = self._props(properties)
        name = props.get("AlarmName") or self._physical_name(logical_id)
        self._client("cloudwatch").put_metric_alarm(
            AlarmName=name,
            AlarmDescription=props.get("AlarmDescription", ""),
            Namespace=props["Namespace"],
            MetricName=props["MetricName"],
            Dimensions=props.get("Dimensions", []),
            Statistic=props["Statistic"],
            Period=int(props["Period"]),
            EvaluationPeriods=int(props["EvaluationPeriods"]),
            Threshold=float(props["Threshold"]),
            ComparisonOperator=props["ComparisonOperator"],
            TreatMissingData=props.get("TreatMissingData", "missing"),
            AlarmActions=props.get("AlarmActions", []),
        )
        self._set(logical_id, name, Arn=f"arn:aws:cloudwatch:{REGION}:{ACCOUNT_ID}:alarm:{name}")

    def _event_bus(self, logical_id: str, resource: dict, properties: dict) -> None:
        props = self._props(properties)
        arn = self._client("events").create_event_bus(Name=props["Name"])["EventBusArn"]
        self._set(logical_id, props["Name"], Arn=arn, Name=props["Name"])

    # ------------------------------------------------------------------ Cognito
    def _user_pool(self, logical_id: str, resource: dict, properties: dict) -> None:
        props = self._props(properties)
        kwargs: dict[str, Any] = {"PoolName": props.get("UserPoolName") or self._physical_name(logical_id)}
        if "Policies" in props:
            policy = dict(props["Policies"]["PasswordPolicy"])
            policy = {k: (int(v) if k == "MinimumLength" else bool(v)) for k, v in policy.items()}
            kwargs["Policies"] = {"PasswordPolicy": policy}
        if "AdminCreateUserConfig" in props:
            kwargs["AdminCreateUserConfig"] = {
                k: bool(v) for k, v in props["AdminCreateUserConfig"].items() if k == "AllowAdminCreateUserOnly"
            }
        pool = self._client("cognito-idp").create_user_pool(**kwargs)["UserPool"]
        self._set(
            logical_id,
            pool["Id"],
            Arn=pool["Arn"],
            ProviderName=f"cognito-idp.{REGION}.amazonaws.com/{pool['Id']}",
            ProviderURL=f"https://cognito-idp.{REGION}.amazonaws.com/{pool['Id']}",
        )

    def _user_pool_client(self, logical_id: str, resource: dict, properties: dict) -> None:
        props = self._props(properties)
        kwargs: dict[str, Any] = {
            "UserPoolId": props["UserPoolId"],
            "ClientName": props.get("ClientName") or logical_id,
            "GenerateSecret": bool(props.get("GenerateSecret", False)),
        }
        if "ExplicitAuthFlows" in props:
            kwargs["ExplicitAuthFlows"] = props["ExplicitAuthFlows"]
        for key in ("AccessTokenValidity", "IdTokenValidity"):
            if key in props:
                kwargs[key] = int(props[key])
        if "TokenValidityUnits" in props:
            kwargs["TokenValidityUnits"] = props["TokenValidityUnits"]
        client = self._client("cognito-idp").create_user_pool_client(**kwargs)["UserPoolClient"]
        self._set(logical_id, client["ClientId"], ClientId=client["ClientId"])

    def _user_pool_group(self, logical_id: str, resource: dict, properties: dict) -> None:
        props = self._props(properties)
        self._client("cognito-idp").create_group(
            UserPoolId=props["UserPoolId"], GroupName=props["GroupName"], Description=props.get("Description", "")
        )
        self._set(logical_id, props["GroupName"])

    # ------------------------------------------------------------------ SAM
    def _layer(self, logical_id: str, resource: dict, properties: dict) -> None:
        props = self._props(properties)
        content = self._root / props["ContentUri"]
        if not content.is_dir():
            raise TemplateError(f"{logical_id}: ContentUri {content} does not exist")
        name = props.get("LayerName") or logical_id
        self._set(logical_id, f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:layer:{name}:1")

    def _http_api(self, logical_id: str, resource: dict, properties: dict) -> None:
        props = self._props(properties)
        auth = props.get("Auth", {})
        authorizers = {}
        for name, spec in (auth.get("Authorizers") or {}).items():
            jwt = spec.get("JwtConfiguration") or {}
            authorizers[name] = JwtAuthorizer(
                name=name,
                issuer=jwt["issuer"],
                audience=list(jwt.get("audience", [])),
                identity_source=spec.get("IdentitySource", "$request.header.Authorization"),
            )
        stage = props.get("StageName", "$default")
        self._apis[logical_id] = HttpApiSpec(
            logical_id=logical_id,
            stage=stage,
            default_authorizer=auth.get("DefaultAuthorizer"),
            authorizers=authorizers,
            cors=props.get("CorsConfiguration"),
        )
        api_id = f"local{len(self._apis)}"
        self._set(logical_id, api_id, ApiEndpoint=f"http://127.0.0.1/{stage}")

    def _function(self, logical_id: str, resource: dict, properties: dict) -> None:
        globals_fn = (self._template.get("Globals") or {}).get("Function", {})
        merged = copy.deepcopy(globals_fn)
        own = copy.deepcopy(properties)
        # SAM merge rules: maps merge (function wins), lists append, scalars replace.
        env = merged.get("Environment", {}).get("Variables", {})
        env.update(own.get("Environment", {}).get("Variables", {}))
        layers = list(merged.get("Layers", [])) + list(own.get("Layers", []))
        merged.update({k: v for k, v in own.items() if k not in ("Environment", "Layers")})
        merged["Environment"] = {"Variables": env}
        merged["Layers"] = layers
        props = self._props(merged)
        opt_map = _local_opt_map()
        environment = {
            key: localise_path(str(value), opt_map) for key, value in props["Environment"]["Variables"].items()
        }
        name = props.get("FunctionName") or self._physical_name(logical_id, 64)
        spec = FunctionSpec(
            logical_id=logical_id,
            name=name,
            code_dir=(self._root / props["CodeUri"]).resolve(),
            handler=props["Handler"],
            timeout=int(props.get("Timeout", 3)),
            memory_mb=int(props.get("MemorySize", 128)),
            environment=environment,
            reserved_concurrency=int(props["ReservedConcurrentExecutions"])
            if "ReservedConcurrentExecutions" in props else None,
            layers=props["Layers"],
        )
        if not spec.code_dir.is_dir():
            raise TemplateError(f"{logical_id}: CodeUri {spec.code_dir} does not exist")
        for event_name, event in (resource.get("Properties", {}).get("Events") or {}).items():
            event_props = self._props(event.get("Properties", {}))
            if event["Type"] == "SQS":
                arn = event_props["Queue"]
                url = self._queue_url_for_arn(arn)
                scaling = event_props.get("ScalingConfig") or {}
                spec.sqs_sources.append(
                    SqsEventSource(
                        name=event_name,
                        queue_arn=arn,
                        queue_url=url,
                        batch_size=int(event_props.get("BatchSize", 10)),
                        maximum_concurrency=int(scaling["MaximumConcurrency"]) if "MaximumConcurrency" in scaling
                        else None,
                        report_batch_item_failures="ReportBatchItemFailures"
                        in event_props.get("FunctionResponseTypes", []),
                        batching_window_seconds=int(event_props.get("MaximumBatchingWindowInSeconds", 0)),
                    )
                )
            elif event["Type"] == "HttpApi":
                api_logical_id = self._api_logical_id(event.get("Properties", {}).get("ApiId"))
                api = self._apis[api_logical_id]
                auth = (event_props.get("Auth") or {}).get("Authorizer", api.default_authorizer)
                spec.routes.append(
                    HttpRoute(
                        name=event_name,
                        method=event_props["Method"].upper(),
                        path=event_props["Path"],
                        api_logical_id=api_logical_id,
                        authorizer=None if auth in (None, "NONE") else auth,
                    )
                )
            else:
                raise TemplateError(f"{logical_id}: event type {event['Type']} is not wired in the local cloud")
        self._functions[logical_id] = spec
        self._set(logical_id, name, Arn=f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}")

    def _queue_url_for_arn(self, arn: str) -> str:
        for attrs in self._resolver.attrs.values():
            if attrs.get("Arn") == arn and "QueueUrl" in attrs:
                return attrs["QueueUrl"]
        raise TemplateError(f"no provisioned queue has the ARN {arn}")

    def _api_logical_id(self, api_ref: Any) -> str:
        if isinstance(api_ref, dict) and "Ref" in api_ref:
            return api_ref["Ref"]
        if api_ref is None and len(self._apis) == 1:
            return next(iter(self._apis))
        raise TemplateError(f"cannot tell which HTTP API {api_ref!r} means")
