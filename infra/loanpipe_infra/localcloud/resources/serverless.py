"""SAM layers, HTTP APIs and functions: local specifications, nothing created in moto."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from loanpipe_infra.localcloud.resources import ResourceMaker
from loanpipe_infra.localcloud.specs import (
    ACCOUNT_ID,
    REGION,
    FunctionSpec,
    HttpApiSpec,
    HttpRoute,
    JwtAuthorizer,
    SqsEventSource,
    _local_opt_map,
    localise_path,
)
from loanpipe_infra.localcloud.template import TemplateError


class ServerlessResources(ResourceMaker):
    """SAM resources become local specifications that the runtime, the pollers and the gateway serve."""

    _template: dict
    _root: Path
    _functions: dict[str, FunctionSpec]
    _apis: dict[str, HttpApiSpec]

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
        props = self._props(self._with_globals(properties))
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
                spec.sqs_sources.append(self._sqs_source(event_name, event_props))
            elif event["Type"] == "HttpApi":
                spec.routes.append(self._http_route(event_name, event, event_props))
            elif event["Type"] == "Schedule":
                spec.schedules.append(str(event_props["Schedule"]))
            else:
                raise TemplateError(f"{logical_id}: event type {event['Type']} is not wired in the local cloud")
        self._functions[logical_id] = spec
        self._set(logical_id, name, Arn=f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}")

    def _with_globals(self, properties: dict) -> dict:
        """The function's properties with the template's Globals merged in, by SAM's rules: maps merge (the
        function wins), lists append, scalars replace."""
        merged = copy.deepcopy((self._template.get("Globals") or {}).get("Function", {}))
        own = copy.deepcopy(properties)
        env = merged.get("Environment", {}).get("Variables", {})
        env.update(own.get("Environment", {}).get("Variables", {}))
        layers = list(merged.get("Layers", [])) + list(own.get("Layers", []))
        merged.update({k: v for k, v in own.items() if k not in ("Environment", "Layers")})
        merged["Environment"] = {"Variables": env}
        merged["Layers"] = layers
        return merged

    def _sqs_source(self, event_name: str, event_props: dict) -> SqsEventSource:
        arn = event_props["Queue"]
        scaling = event_props.get("ScalingConfig") or {}
        return SqsEventSource(
            name=event_name,
            queue_arn=arn,
            queue_url=self._queue_url_for_arn(arn),
            batch_size=int(event_props.get("BatchSize", 10)),
            maximum_concurrency=int(scaling["MaximumConcurrency"]) if "MaximumConcurrency" in scaling else None,
            report_batch_item_failures="ReportBatchItemFailures" in event_props.get("FunctionResponseTypes", []),
            batching_window_seconds=int(event_props.get("MaximumBatchingWindowInSeconds", 0)),
        )

    def _http_route(self, event_name: str, event: dict, event_props: dict) -> HttpRoute:
        api_logical_id = self._api_logical_id(event.get("Properties", {}).get("ApiId"))
        api = self._apis[api_logical_id]
        auth = (event_props.get("Auth") or {}).get("Authorizer", api.default_authorizer)
        return HttpRoute(
            name=event_name,
            method=event_props["Method"].upper(),
            path=event_props["Path"],
            api_logical_id=api_logical_id,
            authorizer=None if auth in (None, "NONE") else auth,
        )

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
