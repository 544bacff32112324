"""The local cloud's count of AWS calls (the cost benchmark's source): by caller, service, operation and table."""

from __future__ import annotations

import io
import json

from loanpipe_infra.localcloud.meter import TrafficMeter

SIGNED = ("AWS4-HMAC-SHA256 Credential=testing/20261130/us-east-1/{service}/aws4_request, SignedHeaders=host, "
          "Signature=x")
FUNCTION_UA = "Boto3/1.40.0 md/Botocore#1.40.0 ua/2.1 os/linux app/ExtractFunction"


def moto_stand_in(environ, start_response):
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("content-type", "application/json")])
    return [b'{"echo": ', str(len(body)).encode(), b"}"]


def call(app, *, method="POST", path="/", service=None, target=None, body=b"", content_type="", user_agent="",
         query=""):
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "CONTENT_LENGTH": str(len(body)),
               "CONTENT_TYPE": content_type, "HTTP_USER_AGENT": user_agent, "wsgi.input": io.BytesIO(body)}
    if service:
        environ["HTTP_AUTHORIZATION"] = SIGNED.format(service=service)
    if target:
        environ["HTTP_X_AMZ_TARGET"] = target
    return b"".join(app(environ, lambda status, headers: None))


def test_a_transaction_is_counted_once_as_a_call_and_per_item_per_table():
    meter = TrafficMeter()
    app = meter.wrap(moto_stand_in)
    transaction = {"TransactItems": [{"Put": {"TableName": "apps", "Item": {}}},
                                     {"Update": {"TableName": "apps", "Key": {}}},
                                     {"Put": {"TableName": "idempotency", "Item": {}}}]}
    body = json.dumps(transaction).encode()
    answer = call(app, service="dynamodb", target="DynamoDB_20120810.TransactWriteItems", body=body,
                  content_type="application/x-amz-json-1.0", user_agent=FUNCTION_UA)

    assert answer == f'{{"echo": {len(body)}}}'.encode()  # moto still reads the whole body
    rows = {(r["table"]): r for r in TrafficMeter.difference(meter.snapshot(), {})}
    assert rows["apps"]["caller"] == "ExtractFunction" and rows["apps"]["operation"] == "TransactWriteItems"
    assert (rows["apps"]["calls"], rows["apps"]["items"]) == (1, 2)
    assert (rows["idempotency"]["calls"], rows["idempotency"]["items"]) == (0, 1)
    assert sum(r["calls"] for r in rows.values()) == 1


def test_reads_say_whether_they_were_consistent_and_the_bytes_returned():
    meter = TrafficMeter()
    app = meter.wrap(moto_stand_in)
    for consistent in (True, False, False):
        call(app, service="dynamodb", target="DynamoDB_20120810.GetItem", content_type="application/x-amz-json-1.0",
             body=json.dumps({"TableName": "apps", "Key": {}, "ConsistentRead": consistent}).encode(),
             user_agent=FUNCTION_UA)
    (row,) = TrafficMeter.difference(meter.snapshot(), {})
    assert (row["calls"], row["items"], row["consistent"]) == (3, 3, 1)
    sent = [len(json.dumps({"TableName": "apps", "Key": {}, "ConsistentRead": c})) for c in (True, False, False)]
    assert row["request_bytes"] == sum(sent)
    assert row["response_bytes"] == sum(len(f'{{"echo": {n}}}') for n in sent)


def test_an_unsigned_upload_is_an_s3_put_of_the_client_and_a_bucket_get_is_a_list():
    meter = TrafficMeter()
    app = meter.wrap(moto_stand_in)
    call(app, method="POST", path="/uploads", body=b"--form--", content_type="multipart/form-data; boundary=x",
         user_agent="python-requests/2.32.3")
    call(app, method="GET", path="/results/LA01/doc.json", service="s3", user_agent=FUNCTION_UA)
    call(app, method="GET", path="/results", query="list-type=2&prefix=LA01", service="s3",
         user_agent="Boto3/1.40 Botocore/1.40")
    rows = {(r["caller"], r["operation"]): r["calls"] for r in TrafficMeter.difference(meter.snapshot(), {})}
    assert rows == {("client", "PutObject"): 1, ("ExtractFunction", "GetObject"): 1, ("sdk", "ListObjects"): 1}


def test_query_protocol_calls_are_named_by_their_action_and_snapshots_subtract():
    meter = TrafficMeter()
    app = meter.wrap(moto_stand_in)
    call(app, service="sns", body=b"Action=Publish&PhoneNumber=%2B8613800138000",
         content_type="application/x-www-form-urlencoded", user_agent=FUNCTION_UA)
    before = meter.snapshot()
    call(app, service="kms", target="TrentService.Sign", content_type="application/x-amz-json-1.1",
         body=b'{"KeyId": "k"}', user_agent=FUNCTION_UA)
    call(app, service="sns", body=b"Action=Publish", content_type="application/x-www-form-urlencoded",
         user_agent=FUNCTION_UA)
    rows = {(r["service"], r["operation"]): r["calls"] for r in TrafficMeter.difference(meter.snapshot(), before)}
    assert rows == {("kms", "Sign"): 1, ("sns", "Publish"): 1}
