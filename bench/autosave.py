"""Autosave latency at the load interviewers create: 50, 100 and 200 people on calls at once,
each page saving a changed field every 2 s (with jitter), on SQLite with synchronous=FULL
under gunicorn with the shipped gunicorn.conf.py; then the same while the scheduler process
renders two PDF packets back to back. Prints p50 / p99 / max and errors per level, and the
SQL statements and commits of one save.

    .venv/bin/python bench/autosave.py                  # 30 s per level (about 4 minutes)
    .venv/bin/python bench/autosave.py --seconds 5      # a quick look

Targets: p99 <= 20 ms at 200 interviewers idle, <= 50 ms while two packets render; no errors;
one commit per save. Everything it starts is stopped on exit; it talks to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
from pathlib import Path

from harness import Client, Instance, RenderPressure, build_instance, interview_load, percentile
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from tests.interviews.gunicorn_server import GunicornServer

LEVELS = (50, 100, 200)
TARGET_IDLE_MS, TARGET_RENDERING_MS = 20.0, 50.0
NOT_STATEMENTS = ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT", "RELEASE")


def statements_per_save(instance: Instance) -> tuple[list[str], int]:
    """One save through the test client (the same view code gunicorn runs): the statements
    the database saw, and the commits."""
    app = instance.app
    email, card_id = instance.interviewers[-1]
    client = app.test_client()
    token = client.get("/auth/csrf-token").get_json()["csrf_token"]
    client.post("/login", json={"email": email, "password": "bench-password-not-secret"},
                headers={"X-CSRFToken": token})  # fmt: skip
    token = client.get("/auth/csrf-token").get_json()["csrf_token"]

    def save(text: str, version: int) -> int:
        answer = client.post(
            f"/scorecards/{card_id}/autosave",
            json={"base_version": version, "changes": {"notes.pitch": text}},
            headers={"X-CSRFToken": token},
        )
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return answer.get_json()["version"]

    version = save("warm the caches", 1)  # the first save of a process also loads the script
    seen: list[str] = []
    commits: list[object] = []
    with app.app_context():
        engine = db.engine

    def on_statement(_conn, _cursor, statement, *_args) -> None:
        if not statement.lstrip().upper().startswith(NOT_STATEMENTS):
            seen.append(" ".join(statement.split())[:100])

    def on_commit(session) -> None:
        commits.append(session)

    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(Session, "after_commit", on_commit)
    try:
        instance.versions[card_id] = save("one more sentence", version)
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
        event.remove(Session, "after_commit", on_commit)
    with app.app_context():
        db.engine.dispose()
    return seen, len(commits)


def report(label: str, latencies: list[float], errors: list[str], target: float) -> bool:
    if not latencies:
        print(f"   {label}: no save answered; errors {len(errors)}: {errors[:3]}")
        return False
    p99 = percentile(latencies, 99)
    met = p99 <= target and not errors
    print(
        f"   {label}: {len(latencies)} saves, p50 {statistics.median(latencies):.1f} ms, "
        f"p99 {p99:.1f} ms, max {max(latencies):.1f} ms, errors {len(errors)}"
        f"  [{'ok' if met else 'MISSED'}: p99 <= {target:g} ms, no errors]"
    )
    for error in errors[:3]:
        print(f"      {error}")
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="per level (default 30)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="loopkit-bench-"))
    ok = True
    try:
        instance = build_instance(workdir, max(LEVELS))
        seen, commits = statements_per_save(instance)
        print(f"== one save: {len(seen)} SQL statements, {commits} commit(s)")
        for statement in seen:
            print(f"   {statement}")
        ok &= commits == 1
        # The shipped gunicorn.conf.py (read from the checkout) with its default worker count.
        with GunicornServer(instance.database_url, instance.directory, workers=3) as server:
            port = int(server.base_url.rsplit(":", 1)[1])
            Client(port).request("GET", "/health")
            print(f"== idle: each level for {args.seconds:g} s")
            for level in LEVELS:
                latencies, errors = interview_load(port, instance, level, args.seconds)
                ok &= report(f"{level:>3} interviewers", latencies, errors, TARGET_IDLE_MS)
            print("== while the scheduler renders two packets back to back")
            with RenderPressure(instance) as pressure:
                for level in LEVELS:
                    latencies, errors = interview_load(port, instance, level, args.seconds)
                    ok &= report(f"{level:>3} interviewers", latencies, errors, TARGET_RENDERING_MS)
            print(
                f"   packet render cycles meanwhile: {pressure.cycles} (2 loops x 2 variants each)"
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("all targets met" if ok else "SOME TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
