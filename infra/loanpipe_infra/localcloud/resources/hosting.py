"""The console's hosting: the Cognito hosted-UI domain (created in moto) and CloudFront (stood in for).

moto has no CloudFront edge to serve pages from, so the distribution, its origin access control and its
response-headers policy are recorded, not created: on the local cloud the console's own static server
(``localcloud.console``) serves ``console/`` from localhost with the same security headers, and the
distribution's ``DomainName`` is that server's host. Nothing is silently left out: each type has this handler.
"""

from __future__ import annotations

from loanpipe_infra.localcloud.resources import ResourceMaker

LOCAL_CONSOLE_HOST = "127.0.0.1"


class HostingResources(ResourceMaker):
    def _user_pool_domain(self, logical_id: str, resource: dict, properties: dict) -> None:
        props = self._props(properties)
        self._client("cognito-idp").create_user_pool_domain(Domain=props["Domain"], UserPoolId=props["UserPoolId"])
        self._set(logical_id, props["Domain"])

    def _cloudfront_stand_in(self, logical_id: str, resource: dict, properties: dict) -> None:
        """Served by the local console server instead (see the module docstring)."""
        self._props(properties)  # every reference in it must still resolve
        local_id = f"LOCAL{logical_id.upper()}"[:14]
        self._set(logical_id, local_id, Id=local_id, DomainName=LOCAL_CONSOLE_HOST)
