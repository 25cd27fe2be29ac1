"""Configuration: defaults, instance/config.py, environment; a missing secret is a clear error."""

from __future__ import annotations

import pytest

from app import create_app
from app.config import ConfigError, env_overrides

from .test_private_files import flask as flask_command


def test_missing_secret_key_outside_development_says_what_to_set(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("LOOPKIT_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("LOOPKIT_SECRET_KEY", raising=False)
    monkeypatch.delenv("LOOPKIT_ENV", raising=False)
    with pytest.raises(ConfigError, match="LOOPKIT_SECRET_KEY is not set"):
        create_app()


def test_development_runs_with_a_throwaway_key(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("LOOPKIT_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("LOOPKIT_SECRET_KEY", raising=False)
    monkeypatch.setenv("LOOPKIT_ENV", "development")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["SECRET_KEY"]
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/loopkit.sqlite3"


def test_instance_config_then_environment(monkeypatch, tmp_path) -> None:
    (tmp_path / "config.py").write_text(
        "SECRET_KEY = 'from-instance'\nBASE_URL = 'https://hiring.example.com/'\nSMTP_PORT = 25\n"
    )
    monkeypatch.setenv("LOOPKIT_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("LOOPKIT_SMTP_PORT", "2525")
    monkeypatch.setenv("LOOPKIT_SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example.com/loopkit")
    monkeypatch.delenv("LOOPKIT_SECRET_KEY", raising=False)
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-instance"
    assert app.config["BASE_URL"] == "https://hiring.example.com"
    assert app.config["SMTP_PORT"] == 2525
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example.com/loopkit"


def test_wrongly_typed_environment_value_is_named() -> None:
    with pytest.raises(ValueError, match="LOOPKIT_SMTP_PORT must be a whole number"):
        env_overrides({"LOOPKIT_SMTP_PORT": "five"})


def test_scheduler_is_not_started_by_the_app_factory(app) -> None:
    import sys

    assert "apscheduler.schedulers.background" not in sys.modules


def test_flask_commands_read_the_key_make_run_generated(tmp_path) -> None:
    """The newcomer's path: `make run` wrote instance/secret_key; `flask rubrics validate` in
    another shell, with no LOOPKIT_SECRET_KEY and no development flag, just works."""
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "secret_key").write_text("c0ffee" * 10 + "\n")
    result = flask_command(instance, "rubrics", "validate")
    assert result.returncode == 0, result.stderr
    assert "file(s) valid" in result.stdout


def test_the_key_file_is_used_when_the_variable_is_unset(monkeypatch, tmp_path) -> None:
    (tmp_path / "secret_key").write_text("from-the-file\n")
    monkeypatch.setenv("LOOPKIT_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("LOOPKIT_SECRET_KEY", raising=False)
    monkeypatch.delenv("LOOPKIT_ENV", raising=False)
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-the-file"
    monkeypatch.setenv("LOOPKIT_SECRET_KEY", "from-the-environment")
    assert create_app().config["SECRET_KEY"] == "from-the-environment"


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        (None, "8123", "http://127.0.0.1:8123"),
        ("hiring.internal", "8000", "http://hiring.internal:8000"),
        ("::1", "5001", "http://[::1]:5001"),
        (None, None, "http://127.0.0.1:5000"),
    ],
)
def test_links_follow_the_host_and_port_served(monkeypatch, tmp_path, host, port, expected) -> None:
    monkeypatch.setenv("LOOPKIT_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("LOOPKIT_BASE_URL", raising=False)
    for name, value in (("LOOPKIT_HOST", host), ("LOOPKIT_PORT", port)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    app = create_app({"TESTING": True})
    assert app.config["BASE_URL"] == expected
    monkeypatch.setenv("LOOPKIT_BASE_URL", "https://hiring.example.com/")
    assert create_app({"TESTING": True}).config["BASE_URL"] == "https://hiring.example.com"
