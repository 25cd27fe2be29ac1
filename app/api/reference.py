"""The API's reference page, read off the generated OpenAPI document: every operation with
its parameters, body fields and answers, so the page can never disagree with the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, current_app, render_template

EXTENSION = "loopkit_api"
METHODS = ("get", "post", "put", "patch", "delete")

bp = Blueprint("api_docs", __name__)


@dataclass
class Field:
    name: str
    type: str
    required: bool
    description: str


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    description: str
    parameters: list[Field]
    body: list[Field]
    responses: list[tuple[str, str]]


@dataclass
class Section:
    name: str
    description: str
    operations: list[Operation] = field(default_factory=list)


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _type_of(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return _ref_name(schema["$ref"])
    if "anyOf" in schema:
        return " or ".join(_type_of(s) for s in schema["anyOf"])
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        kind = " or ".join(kind)
    if kind == "array":
        return f"list of {_type_of(schema.get('items', {}))}"
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"] if v is not None)
    if schema.get("format"):
        return f"{kind} ({schema['format']})"
    return kind


def _fields(schema: dict[str, Any], components: dict[str, Any]) -> list[Field]:
    if "$ref" in schema:
        schema = components.get(_ref_name(schema["$ref"]), {})
    required = set(schema.get("required", []))
    return [
        Field(name, _type_of(prop), name in required, prop.get("description", ""))
        for name, prop in schema.get("properties", {}).items()
    ]


def sections(spec: dict[str, Any]) -> list[Section]:
    components = spec.get("components", {}).get("schemas", {})
    by_tag = {tag["name"]: Section(tag["name"], tag.get("description", "")) for tag in spec["tags"]}
    for path, item in spec["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = [*item.get("parameters", []), *op.get("parameters", [])]
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            by_tag[op["tags"][0]].operations.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    summary=op.get("summary", ""),
                    description=op.get("description", ""),
                    parameters=[
                        Field(
                            f"{p['name']} ({p['in']})",
                            _type_of(p.get("schema", {})),
                            bool(p.get("required")),
                            p.get("description", ""),
                        )
                        for p in params
                    ],
                    body=_fields(body.get("schema", {}), components),
                    responses=[
                        (code, answer.get("description", ""))
                        for code, answer in op.get("responses", {}).items()
                    ],
                )
            )
    return [section for section in by_tag.values() if section.operations]


@bp.get("/api/v1/docs")
def reference():
    spec = current_app.extensions[EXTENSION].spec.to_dict()
    components = spec.get("components", {}).get("schemas", {})
    return render_template(
        "api/reference.html",
        spec=spec,
        sections=sections(spec),
        schemas={name: _fields(schema, components) for name, schema in sorted(components.items())},
    )
