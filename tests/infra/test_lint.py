"""cfn-lint, with informational checks, finds nothing in the deployment templates."""

import pytest
from cfnlint.api import lint, lint_file
from cfnlint.config import ManualArgs

from tests.infra.stacks import INFRA

# The home of most deployments and a Region of another partition, so that a
# hard-coded "arn:aws:" or a service missing outside the commercial partition shows.
# GovCloud is left out: it has no Lambda function URLs (see the README, Deploy).
REGIONS = ["us-east-1", "cn-north-1"]


@pytest.mark.parametrize("name", ["template.yaml", "forwarder.yaml"])
def test_template_has_no_lint_errors_warnings_or_notes(name: str) -> None:
    matches = lint_file(
        INFRA / name, config=ManualArgs(regions=REGIONS, include_checks=["I"])
    )

    assert [f"{m.rule.id} line {m.linenumber}: {m.message}" for m in matches] == []


def test_lint_checks_serverless_functions_too() -> None:
    # The templates' functions are AWS::Serverless::Function: make sure cfn-lint
    # really validates them rather than passing what it does not know.
    broken = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Notifier:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .build/app/
      Handler: notifier.handler.lambda_handler
      Runtime: python3.12
      Events:
        Findings:
          Type: SQS
          Properties:
            Queue: arn:aws:sqs:us-east-1:123456789012:findings
            FunctionResponseType: [ReportBatchItemFailures]
"""

    matches = lint(broken, regions=["us-east-1"])

    assert any("FunctionResponseType" in m.message for m in matches), matches
