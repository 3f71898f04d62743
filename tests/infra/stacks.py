"""The deployment templates as CloudFormation would see them for one set of parameters.

`Stack.of("template.yaml", DeployBot="false")` decides every condition, picks each
Fn::If branch, drops AWS::NoValue, and substitutes parameters and pseudo parameters.
References to resources stay symbolic ({"Ref": X}, {"Fn::GetAtt": [X, Y]}) so tests
can check what points where. Templates are read with cfn-lint's decoder, which knows
the short tags (!Ref, !Sub, !If...).
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cfnlint.decode.decode import decode

INFRA = Path(__file__).resolve().parents[2] / "infra"
PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::StackName": "guardduty-chatops",
    "AWS::URLSuffix": "amazonaws.com",
}
_NO_VALUE = object()
_SUB = re.compile(r"\$\{([A-Za-z0-9:]+)\}")


def load(name: str) -> dict[str, Any]:
    """The template as plain JSON types (Fn:: keys for the short tags)."""
    template, problems = decode(str(INFRA / name))
    assert not problems, problems
    plain: dict[str, Any] = json.loads(json.dumps(template))
    return plain


@dataclass(frozen=True)
class Stack:
    template: dict[str, Any]
    parameters: dict[str, Any]
    conditions: dict[str, bool]
    pseudo: dict[str, str]

    @classmethod
    def of(
        cls,
        name: str,
        region: str = "us-east-1",
        stack_name: str = "guardduty-chatops",
        **overrides: str,
    ) -> "Stack":
        """The stack `stack_name` from template `name` in `region`, these values."""
        template = load(name)
        declared = template.get("Parameters", {})
        unknown = set(overrides) - set(declared)
        assert not unknown, f"no such parameters: {unknown}"
        parameters = {}
        for key, spec in declared.items():
            text = overrides.get(key, str(spec.get("Default", "")))
            _check_constraints(key, spec, text)
            is_list = spec["Type"] == "CommaDelimitedList"
            parameters[key] = text.split(",") if is_list else text
        pseudo = {**PSEUDO, "AWS::Region": region, "AWS::StackName": stack_name}
        stack = cls(template, parameters, {}, pseudo)
        for key, spec in template.get("Conditions", {}).items():
            stack.conditions[key] = stack._condition(spec)
        return stack

    def resources(self) -> dict[str, dict[str, Any]]:
        """The resources this stack creates, each resolved."""
        return {
            name: self.resolve(resource)
            for name, resource in self.template["Resources"].items()
            if self.conditions.get(resource.get("Condition", ""), True)
        }

    def resource(self, name: str) -> dict[str, Any]:
        resources = self.resources()
        assert name in resources, f"{name} is not created with {self.parameters}"
        return resources[name]

    def properties(self, name: str) -> dict[str, Any]:
        found: dict[str, Any] = self.resource(name).get("Properties", {})
        return found

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            items = (self.resolve(item) for item in node)
            return [item for item in items if item is not _NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            resolved = self._function(*next(iter(node.items())))
            if resolved is not None:
                return resolved
        pairs = ((key, self.resolve(value)) for key, value in node.items())
        return {key: value for key, value in pairs if value is not _NO_VALUE}

    def _function(self, name: str, argument: Any) -> Any:
        if name == "Ref":
            if argument == "AWS::NoValue":
                return _NO_VALUE
            return self.parameters.get(argument, self.pseudo.get(argument))
        if name == "Fn::If":
            condition, yes, no = argument
            return self.resolve(yes if self.conditions[condition] else no)
        if name == "Fn::Sub":
            return _SUB.sub(self._substitute, argument)
        if name == "Fn::Join":
            separator, items = argument
            return separator.join(self.resolve(items))
        return None

    def _substitute(self, match: re.Match[str]) -> str:
        name = match.group(1)
        value = self.parameters.get(name, self.pseudo.get(name))
        return value if isinstance(value, str) else match.group(0)

    def _condition(self, spec: Any) -> bool:
        (name, argument), *_ = spec.items()
        if name == "Condition":
            return self._condition(self.template["Conditions"][argument])
        if name == "Fn::Not":
            return not self._condition(argument[0])
        if name == "Fn::And":
            return all(self._condition(item) for item in argument)
        if name == "Fn::Or":
            return any(self._condition(item) for item in argument)
        if name == "Fn::Equals":
            left, right = (self.resolve(item) for item in argument)
            return str(left) == str(right)
        raise AssertionError(f"condition function {name} is not understood")


def _check_constraints(key: str, spec: dict[str, Any], text: str) -> None:
    if "AllowedValues" in spec:
        assert text in [str(value) for value in spec["AllowedValues"]], key
    if "AllowedPattern" in spec:
        assert re.fullmatch(spec["AllowedPattern"], text), f"{key}={text!r}"
    if spec["Type"] == "Number":
        assert spec.get("MinValue", float("-inf")) <= float(text), key
        assert float(text) <= spec.get("MaxValue", float("inf")), key


@dataclass(frozen=True)
class Policy:
    """One policy document and where it sits."""

    resource: str
    kind: str  # "trust", "identity", "key" or "resource"
    document: dict[str, Any]

    def statements(self) -> list[dict[str, Any]]:
        return as_list(self.document["Statement"])


def policies(stack: Stack) -> Iterator[Policy]:
    """Every policy document the stack creates."""
    for name, resource in stack.resources().items():
        kind, properties = resource["Type"], resource.get("Properties", {})
        if kind == "AWS::IAM::Role":
            yield Policy(name, "trust", properties["AssumeRolePolicyDocument"])
            for inline in properties.get("Policies", []):
                yield Policy(name, "identity", inline["PolicyDocument"])
        elif kind == "AWS::IAM::ManagedPolicy":
            yield Policy(name, "identity", properties["PolicyDocument"])
        elif kind == "AWS::KMS::Key":
            yield Policy(name, "key", properties["KeyPolicy"])
        elif kind in ("AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy"):
            yield Policy(name, "resource", properties["PolicyDocument"])


def role_statements(stack: Stack, role: str) -> list[dict[str, Any]]:
    """The identity statements in force for `role`: inline and attached policies."""
    found = []
    for name, resource in stack.resources().items():
        properties = resource.get("Properties", {})
        if name == role:
            for inline in properties.get("Policies", []):
                found.extend(as_list(inline["PolicyDocument"]["Statement"]))
        elif {"Ref": role} in properties.get("Roles", []):
            found.extend(as_list(properties["PolicyDocument"]["Statement"]))
    return found


def actions(statements: list[dict[str, Any]]) -> set[str]:
    return {
        action for statement in statements for action in as_list(statement["Action"])
    }


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
