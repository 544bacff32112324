"""How each resource type of template.yaml is created in the moto server, one module per service family.

``ResourceMaker`` holds what every family needs (the template's resolver, boto3 clients, the ``Ref`` and
``Fn::GetAtt`` values it records); the provisioner combines the families and walks the template.
"""

from __future__ import annotations

import copy
from typing import Any

from loanpipe_infra.localcloud.specs import REGION
from loanpipe_infra.localcloud.template import Resolver


class ResourceMaker:
    stack_name: str
    _session: Any
    _endpoint: str
    _clients: dict[str, Any]
    _resolver: Resolver

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

