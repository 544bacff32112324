"""Cognito user pools, their app clients and groups; the functions' IAM roles."""

from __future__ import annotations

import json
from typing import Any

from loanpipe_infra.localcloud.resources import ResourceMaker
from loanpipe_infra.localcloud.specs import REGION


class IdentityResources(ResourceMaker):
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

    def _iam_role(self, logical_id: str, resource: dict, properties: dict) -> None:
        """The role and its inline policies, created in moto's IAM: moto checks each policy document's grammar as
        IAM does, so a malformed statement fails here. moto does not enforce roles on calls; which resources a
        role reaches is proven on the template (tests/unit/backbone/test_least_privilege.py)."""
        props = self._props(properties)
        iam = self._client("iam")
        name = props.get("RoleName") or self._physical_name(logical_id, 64)
        role = iam.create_role(RoleName=name, Description=props.get("Description", ""),
                               AssumeRolePolicyDocument=json.dumps(props["AssumeRolePolicyDocument"]))["Role"]
        for policy in props.get("Policies", []):
            iam.put_role_policy(RoleName=name, PolicyName=policy["PolicyName"],
                                PolicyDocument=json.dumps(policy["PolicyDocument"]))
        self._set(logical_id, name, Arn=role["Arn"], RoleId=role["RoleId"])
