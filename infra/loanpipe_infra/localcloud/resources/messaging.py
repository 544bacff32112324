"""SQS queues and queue policies, SNS topics, CloudWatch alarms and log groups, EventBridge buses and rules."""

from __future__ import annotations

import json

from loanpipe_infra.localcloud.resources import ResourceMaker
from loanpipe_infra.localcloud.specs import ACCOUNT_ID, REGION


class MessagingResources(ResourceMaker):
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

    def _log_group(self, logical_id: str, resource: dict, properties: dict) -> None:
        props = self._props(properties)
        logs = self._client("logs")
        name = props.get("LogGroupName") or self._physical_name(logical_id, 512)
        kwargs = {"logGroupName": name}
        if "KmsKeyId" in props:
            kwargs["kmsKeyId"] = props["KmsKeyId"]
        logs.create_log_group(**kwargs)
        if "RetentionInDays" in props:
            logs.put_retention_policy(logGroupName=name, retentionInDays=int(props["RetentionInDays"]))
        self._set(logical_id, name, Arn=f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{name}:*")

    def _event_bus(self, logical_id: str, resource: dict, properties: dict) -> None:
        props = self._props(properties)
        arn = self._client("events").create_event_bus(Name=props["Name"])["EventBusArn"]
        self._set(logical_id, props["Name"], Arn=arn, Name=props["Name"])

    def _event_rule(self, logical_id: str, resource: dict, properties: dict) -> None:
        props = self._props(properties)
        events = self._client("events")
        name = props.get("Name") or self._physical_name(logical_id)
        bus = props.get("EventBusName", "default")
        arn = events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(props["EventPattern"]),
                              Description=props.get("Description", ""), State=props.get("State", "ENABLED"))["RuleArn"]
        targets = [{"Id": target["Id"], "Arn": target["Arn"]} for target in props.get("Targets", [])]
        if targets:
            events.put_targets(Rule=name, EventBusName=bus, Targets=targets)
        self._set(logical_id, name, Arn=arn)
