"""Show UTC times in the viewer's time zone (templates: `dt|local_time`)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask
from flask_login import current_user


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def viewer_zone() -> ZoneInfo:
    return zone(getattr(current_user, "time_zone", None))


def local_time(value: datetime | None, fmt: str = "%a %d %b, %H:%M", tz: str | None = None) -> str:
    if value is None:
        return ""
    return value.astimezone(zone(tz) if tz else viewer_zone()).strftime(fmt)


def init_app(app: Flask) -> None:
    app.add_template_filter(local_time, "local_time")
    app.add_template_global(viewer_zone, "viewer_zone")
