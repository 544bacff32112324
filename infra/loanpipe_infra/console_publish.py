"""``loanpipe console publish``: the console's pages onto AWS, after ``sam deploy``.

The template makes the bucket, the CloudFront distribution (origin access control) and the console's Cognito
client; this copies ``console/`` into the bucket with a ``config.json`` made from the stack's outputs (the
API URL, the pool, the client, the hosted sign-in pages and the console's own address as the redirect) and
invalidates the distribution's cache so the new pages are served at once.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from loanpipe_infra.localcloud.console import CONTENT_TYPES

REQUIRED_OUTPUTS = ("ApiUrl", "UserPoolId", "ConsoleUserPoolClientId", "StaffSignInUrl", "ConsoleUrl",
                    "ConsoleBucketName", "ConsoleDistributionId")


def stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


def aws_console_config(outputs: dict[str, str], region: str) -> dict:
    """The console on AWS signs in through the hosted UI and comes back to its CloudFront address."""
    missing = [name for name in REQUIRED_OUTPUTS if name not in outputs]
    if missing:
        raise ValueError(f"the stack has no output {', '.join(missing)}: deploy the current template first")
    return {
        "api_url": outputs["ApiUrl"],
        "region": region,
        "user_pool_id": outputs["UserPoolId"],
        "client_id": outputs["ConsoleUserPoolClientId"],
        "sign_in": "hosted",
        "hosted_ui": outputs["StaffSignInUrl"].rstrip("/"),
        "redirect_uri": outputs["ConsoleUrl"],
        "cognito_endpoint": f"https://cognito-idp.{region}.amazonaws.com/",
    }


def console_files(root: Path) -> list[Path]:
    """The files to publish: what the console serves, nothing else (no config.json of a local run)."""
    return sorted(path for path in root.rglob("*")
                  if path.is_file() and path.suffix in CONTENT_TYPES and path.name != "config.json")


def publish(s3: Any, cloudfront: Any, outputs: dict[str, str], region: str, root: Path) -> list[str]:
    """Uploads console/ and config.json; returns the keys written."""
    bucket = outputs["ConsoleBucketName"]
    config = aws_console_config(outputs, region)
    written = []
    for path in console_files(root):
        key = path.relative_to(root).as_posix()
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=CONTENT_TYPES[path.suffix])
        written.append(key)
    s3.put_object(Bucket=bucket, Key="config.json", Body=json.dumps(config, indent=2).encode(),
                  ContentType=CONTENT_TYPES[".json"], CacheControl="no-store")
    written.append("config.json")
    cloudfront.create_invalidation(
        DistributionId=outputs["ConsoleDistributionId"],
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": f"publish-{time.time_ns()}"},
    )
    return written
