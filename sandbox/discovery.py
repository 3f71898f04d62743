"""Google's discovery documents, read offline and translated into JSON Schema.

The Chat API's discovery document ships inside google-api-python-client, so the
sandbox checks messages against the very schema Google publishes, without the
network. Discovery format is close to JSON Schema but not the same: `$ref` names a
schema bare, there are no `required` lists, integers carry their width in
`format`, and objects are open. The translation closes every object
(`additionalProperties: false`), because the live API answers 400 to a field it
does not know.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import re
from typing import Any

CHAT_DOCUMENT = "chat.v1.json"
_PACKAGE = "googleapiclient"
_FOLDER = ("discovery_cache", "documents")

_INT32 = {"minimum": -(2**31), "maximum": 2**31 - 1}
_UINT32 = {"minimum": 0, "maximum": 2**32 - 1}
_DIGITS = r"^-?[0-9]+$"
_RFC3339 = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
    r"(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$"
)
_DURATION = r"^-?[0-9]+(\.[0-9]{1,9})?s$"
_BASE64 = r"^[A-Za-z0-9+/_-]*={0,2}$"

# A property whose description starts with this sentence is REQUIRED in the proto
# (Google renders the field_behavior annotation as the first word of the text).
_REQUIRED = re.compile(r"^Required\.")
UNAVAILABLE_IN_CHAT = "Unavailable for Google Chat apps."


def load_document(name: str = CHAT_DOCUMENT) -> dict[str, Any]:
    """Reads a discovery document shipped with google-api-python-client."""
    return _load(name)


@functools.cache
def _load(name: str) -> dict[str, Any]:
    folder = importlib.resources.files(_PACKAGE).joinpath(*_FOLDER)
    document: dict[str, Any] = json.loads(folder.joinpath(name).read_text("utf-8"))
    return document


def translate(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Translates every schema of a discovery document into JSON Schema.

    Returns:
        The schemas by name, ready to sit under `$defs`; `$ref`s point at
        `#/$defs/<name>`.
    """
    return {
        name: _object(schema) if "properties" in schema else _value(schema)
        for name, schema in document["schemas"].items()
    }


def unavailable_fields(schema: dict[str, Any]) -> list[str]:
    """Names the properties of a discovery schema that Chat apps may not use."""
    return [
        name
        for name, prop in schema.get("properties", {}).items()
        if UNAVAILABLE_IN_CHAT in prop.get("description", "")
    ]


def _object(schema: dict[str, Any]) -> dict[str, Any]:
    properties = schema.get("properties", {})
    result: dict[str, Any] = {
        "type": "object",
        "properties": {name: _value(prop) for name, prop in properties.items()},
        "additionalProperties": False,
    }
    required = [
        name
        for name, prop in properties.items()
        if _REQUIRED.match(prop.get("description", ""))
    ]
    if required:
        result["required"] = required
    return result


def _value(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return {"$ref": f"#/$defs/{schema['$ref']}"}
    kind = schema.get("type")
    result = _typed(kind, schema)
    if "enum" in schema:
        result["enum"] = list(schema["enum"])
    if schema.get("readOnly"):
        result["readOnly"] = True
    return result


def _typed(kind: str | None, schema: dict[str, Any]) -> dict[str, Any]:
    if kind == "object":
        if "properties" in schema:
            return _object(schema)
        values = schema.get("additionalProperties")
        closed: dict[str, Any] = {"type": "object"}
        closed["additionalProperties"] = _value(values) if values else False
        return closed
    if kind == "array":
        return {"type": "array", "items": _value(schema.get("items", {}))}
    if kind == "integer":
        width = _UINT32 if schema.get("format") == "uint32" else _INT32
        return {"type": "integer", **width}
    if kind == "number":
        return {"type": "number"}
    if kind == "boolean":
        return {"type": "boolean"}
    if kind == "string":
        return _string(schema.get("format"))
    # "any" (and a missing type) accepts every JSON value.
    return {}


def _string(form: str | None) -> dict[str, Any]:
    if form in ("int64", "uint64"):
        # proto3 JSON takes 64-bit integers as decimal strings or as numbers.
        return {"anyOf": [{"type": "string", "pattern": _DIGITS}, {"type": "integer"}]}
    patterns = {"google-datetime": _RFC3339, "google-duration": _DURATION}
    patterns["byte"] = _BASE64
    if form in patterns:
        return {"type": "string", "pattern": patterns[form]}
    return {"type": "string"}
