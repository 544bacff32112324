"""Create every resource of template.yaml in the moto server, read from the template itself.

Each supported resource type has a handler that creates it through boto3 and records what ``Ref`` and
``Fn::GetAtt`` return. SAM resources (functions, layers, the HTTP API) become local specifications
that the runtime, the pollers and the gateway serve. A type without a handler stops provisioning with
a clear error: nothing in the template is silently left out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from loanpipe_infra.localcloud.resources.data import DataResources
from loanpipe_infra.localcloud.resources.hosting import HostingResources
from loanpipe_infra.localcloud.resources.identity import IdentityResources
from loanpipe_infra.localcloud.resources.messaging import MessagingResources
from loanpipe_infra.localcloud.resources.serverless import ServerlessResources
from loanpipe_infra.localcloud.specs import ACCOUNT_ID, REGION, STACK_NAME, FunctionSpec, HttpApiSpec, ProvisionedStack
from loanpipe_infra.localcloud.template import Resolver, TemplateError, dependency_order, load_template

log = logging.getLogger(__name__)


class Provisioner(DataResources, MessagingResources, IdentityResources, HostingResources, ServerlessResources):
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
        # The template's conditions (e.g. TracingActive), from the parameters, as CloudFormation evaluates them.
        for name, condition in (self._template.get("Conditions") or {}).items():
            self._resolver.conditions[name] = bool(self._resolver.resolve(condition))
        self._functions: dict[str, FunctionSpec] = {}
        self.skipped_statements: dict[str, list[str]] = {}
        self._apis: dict[str, HttpApiSpec] = {}
        self._resources: dict[str, dict[str, Any]] = {}
        self._handlers: dict[str, Callable[[str, dict, dict], None]] = {
            "AWS::KMS::Key": self._kms_key,
            "AWS::KMS::Alias": self._kms_alias,
            "AWS::SecretsManager::Secret": self._secret,
            "AWS::S3::Bucket": self._s3_bucket,
            "AWS::S3::BucketPolicy": self._s3_bucket_policy,
            "AWS::SQS::Queue": self._sqs_queue,
            "AWS::SQS::QueuePolicy": self._sqs_queue_policy,
            "AWS::DynamoDB::Table": self._dynamodb_table,
            "AWS::SNS::Topic": self._sns_topic,
            "AWS::CloudWatch::Alarm": self._cloudwatch_alarm,
            "AWS::Logs::LogGroup": self._log_group,
            "AWS::IAM::Role": self._iam_role,
            "AWS::Events::EventBus": self._event_bus,
            "AWS::Events::Rule": self._event_rule,
            "AWS::Cognito::UserPool": self._user_pool,
            "AWS::Cognito::UserPoolClient": self._user_pool_client,
            "AWS::Cognito::UserPoolGroup": self._user_pool_group,
            "AWS::Cognito::UserPoolDomain": self._user_pool_domain,
            "AWS::CloudFront::OriginAccessControl": self._cloudfront_stand_in,
            "AWS::CloudFront::ResponseHeadersPolicy": self._cloudfront_stand_in,
            "AWS::CloudFront::Distribution": self._cloudfront_stand_in,
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

