"""The embedded local cloud: moto server + resources provisioned from template.yaml + Lambda-like
workers + SQS event-source pollers + the HTTP API with Cognito JWT verification. No Docker."""
