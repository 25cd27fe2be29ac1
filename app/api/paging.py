"""Lists in pages of stable order (by id), each ending with a cursor to the next.

A cursor is an opaque string to the caller. Inside, it is the last id of the page. Rows added
while a caller walks the list are not skipped, and none is returned twice. It carries no
rights: every page is filtered again by what the token may see."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import marshmallow as ma
from sqlalchemy import Select

from ..extensions import db

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
MAX_ID = 2**31 - 1
CURSOR_PREFIX = "after:"
MAX_CURSOR_LENGTH = 64


def cursor_after(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{last_id}".encode()).decode().rstrip("=")


class Cursor(ma.fields.String):
    """A `next_cursor` from an earlier page; the id it holds comes out."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> int:
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > MAX_CURSOR_LENGTH:
            raise ma.ValidationError("Not a cursor from this API: pass next_cursor as given.")
        try:
            decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            decoded = ""
        number = decoded.removeprefix(CURSOR_PREFIX)
        if not decoded.startswith(CURSOR_PREFIX) or not number.isdigit():
            raise ma.ValidationError("Not a cursor from this API: pass next_cursor as given.")
        last_id = int(number)
        if last_id > MAX_ID:
            raise ma.ValidationError("Not a cursor from this API: pass next_cursor as given.")
        return last_id


class ListArgs(ma.Schema):
    limit = ma.fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=ma.validate.Range(1, MAX_LIMIT),
        metadata={"description": f"How many items per page, 1 to {MAX_LIMIT}."},
    )
    cursor = Cursor(
        load_default=None,
        metadata={"description": "The previous page's next_cursor; none for the first page."},
    )


def page_schema(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """The schema of one page of `item`s: {items, next_cursor}."""
    return ma.Schema.from_dict(
        {
            "items": ma.fields.List(ma.fields.Nested(item), required=True),
            "next_cursor": ma.fields.String(
                required=True,
                allow_none=True,
                metadata={"description": "Pass as `cursor` for the next page; null at the end."},
            ),
        },
        name=name,
    )


def one_page(query: Select, id_column: Any, args: dict[str, Any]) -> dict[str, Any]:
    """Run `query` for the page `args` asks for (limit, cursor)."""
    limit = args["limit"]
    if args.get("cursor") is not None:
        query = query.where(id_column > args["cursor"])
    rows = list(db.session.execute(query.order_by(id_column).limit(limit + 1)).scalars().unique())
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next_cursor": cursor_after(rows[-1].id) if more else None}
