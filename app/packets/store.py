"""The packet cache on disk: `<instance>/packets/<candidate_id>/<key>.pdf`, with a small JSON
beside each (loop, variant, pages, when rendered). Keyed by content hash, so a file is either
the packet for the current state or stale; written atomically (temp file + rename), so a reader
sees a whole packet or none. Erasing a candidate deletes their folder."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from flask import current_app

KEY = re.compile(r"^[0-9a-f]{64}$")


def root() -> Path:
    return Path(current_app.instance_path) / "packets"


def candidate_dir(candidate_id: int) -> Path:
    return root() / str(int(candidate_id))


def packet_path(candidate_id: int, key: str) -> Path:
    if not KEY.match(key):
        raise ValueError(f"not a packet key: {key!r}")
    return candidate_dir(candidate_id) / f"{key}.pdf"


def exists(candidate_id: int, key: str) -> bool:
    return packet_path(candidate_id, key).is_file()


def read(candidate_id: int, key: str) -> bytes | None:
    """The cached packet, or None when there is none for this key."""
    try:
        return packet_path(candidate_id, key).read_bytes()
    except FileNotFoundError:
        return None


def metadata(candidate_id: int, key: str) -> dict[str, Any] | None:
    try:
        return json.loads(packet_path(candidate_id, key).with_suffix(".json").read_text())
    except (FileNotFoundError, ValueError):
        return None


def _write_atomically(path: Path, data: bytes) -> None:
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write(candidate_id: int, key: str, pdf: bytes, meta: dict[str, Any]) -> Path:
    """Store a packet (metadata first: a packet on disk always has its description)."""
    path = packet_path(candidate_id, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(path.with_suffix(".json"), json.dumps(meta, sort_keys=True).encode())
    _write_atomically(path, pdf)
    return path


def prune(candidate_id: int, loop_id: int, variant: str, keep: str) -> int:
    """Delete the loop's older packets of this variant; returns how many went."""
    removed = 0
    folder = candidate_dir(candidate_id)
    if not folder.is_dir():
        return 0
    for meta_path in folder.glob("*.json"):
        key = meta_path.stem
        if key == keep or not KEY.match(key):
            continue
        meta = metadata(candidate_id, key) or {}
        if meta.get("loop_id") == loop_id and meta.get("variant") == variant:
            packet_path(candidate_id, key).unlink(missing_ok=True)
            meta_path.unlink(missing_ok=True)
            removed += 1
    return removed


def delete_candidate(candidate_id: int) -> None:
    """Erasure: every packet of the candidate, whatever loop or variant."""
    shutil.rmtree(candidate_dir(candidate_id), ignore_errors=True)
