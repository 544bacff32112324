"""Where the console's pages come from: the local cloud's static server and the publication to AWS."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from loanpipe_infra.console_publish import aws_console_config, publish
from loanpipe_infra.localcloud.console import ConsoleFiles, content_security_policy, local_console_config


@pytest.fixture
def site(project_root) -> ConsoleFiles:
    config = local_console_config("http://127.0.0.1:3000/dev", "http://127.0.0.1:4566", "us-east-1", "pool", "client")
    csp = content_security_policy("http://127.0.0.1:3000/dev", "http://127.0.0.1:4566")
    return ConsoleFiles(project_root / "console", config, csp)


def test_the_local_console_serves_its_pages_modules_and_a_config_for_the_local_cloud(site):
    status, page, headers = site.answer("/")
    assert status == 200 and b'type="module"' in page
    assert site.answer("/js/app.js")[2]["content-type"].startswith("text/javascript")  # else no module runs
    config = json.loads(site.answer("/config.json")[1])
    assert config == {"api_url": "http://127.0.0.1:3000/dev", "region": "us-east-1", "user_pool_id": "pool",
                      "client_id": "client", "sign_in": "password", "cognito_endpoint": "http://127.0.0.1:4566/"}
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "connect-src 'self' http://127.0.0.1:3000 http://127.0.0.1:4566" in csp


@pytest.mark.parametrize("path", ["/../template.yaml", "/%2e%2e/template.yaml", "/js/../../pyproject.toml",
                                  "/missing.js"])
def test_the_local_console_serves_nothing_outside_console(site, path):
    assert site.answer(path)[0] == 404


def test_publishing_copies_the_console_and_a_hosted_sign_in_config_then_refreshes_cloudfront(project_root):
    outputs = {"ApiUrl": "https://abc.execute-api.eu-west-1.amazonaws.com/dev", "UserPoolId": "eu-west-1_x",
               "ConsoleUserPoolClientId": "console-client", "StaffSignInUrl": "https://p.auth.eu-west-1.amazoncognito.com",
               "ConsoleUrl": "https://d1.cloudfront.net/", "ConsoleBucketName": "console-bucket",
               "ConsoleDistributionId": "E123"}
    invalidations = []

    class FakeCloudFront:
        def create_invalidation(self, **request):
            invalidations.append(request)

    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-1")
        s3.create_bucket(Bucket="console-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        written = publish(s3, FakeCloudFront(), outputs, "eu-west-1", project_root / "console")
        config = json.loads(s3.get_object(Bucket="console-bucket", Key="config.json")["Body"].read())
        module_type = s3.head_object(Bucket="console-bucket", Key="js/app.js")["ContentType"]
    assert {"index.html", "js/app.js", "css/console.css", "config.json"} <= set(written)
    assert config == aws_console_config(outputs, "eu-west-1")
    assert (config["sign_in"], config["redirect_uri"]) == ("hosted", "https://d1.cloudfront.net/")
    assert module_type.startswith("text/javascript")
    assert invalidations[0]["DistributionId"] == "E123"


def test_publishing_to_a_stack_without_the_console_outputs_is_refused():
    with pytest.raises(ValueError, match="ConsoleUrl"):
        aws_console_config({"ApiUrl": "x", "UserPoolId": "y"}, "eu-west-1")
