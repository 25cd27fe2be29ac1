"""Turn the rubrics/ folder into immutable, versioned rows."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from ..extensions import db
from ..models import RubricVersion, ScriptVersion
from .source import Problem, parse, too_large
from .validate import Checked, check_document, check_library

MODELS = {"rubric": RubricVersion, "script": ScriptVersion}


@dataclass
class LoadReport:
    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def library_files(directory: str | Path) -> list[Path]:
    return sorted(p for p in Path(directory).glob("*.y*ml") if p.suffix in {".yaml", ".yml"})


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and each directory as the library files it holds."""
    return [found for path in paths for found in (library_files(path) if path.is_dir() else [path])]


def display_name(path: Path, base: Path | None = None) -> str:
    try:
        return str(path.resolve().relative_to((base or Path.cwd()).resolve()))
    except ValueError:
        return str(path)


def check_files(
    paths: Iterable[Path], context: Iterable[Path] = ()
) -> tuple[list[Checked], list[Checked]]:
    """Check `paths` (reported) together with `context` files (only used for cross-references)."""
    reported = [_check_one(p) for p in paths]
    supporting = [_check_one(p) for p in context]
    check_library(supporting + reported)
    return reported, supporting


def _check_one(path: Path) -> Checked:
    name = display_name(path)
    try:
        # Refuse an oversized file before reading it, let alone parsing it.
        if problem := too_large(name, path.stat().st_size):
            return Checked(parse(name, "")[0], None, None, [problem])
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        return Checked(
            parse(name, "")[0],
            None,
            None,
            [Problem(name, 1, "(file)", f"is not UTF-8 text ({error.reason})")],
        )
    except OSError as error:
        return Checked(
            parse(name, "")[0],
            None,
            None,
            [Problem(name, 1, "(file)", f"cannot be read: {error.strerror}")],
        )
    document, problems = parse(name, text)
    if problems:
        return Checked(document, None, None, problems)
    return check_document(document)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_library(directory: str | Path) -> LoadReport:
    """Store a new version of every valid file whose content is new; skip broken files.

    Idempotent: loading the same files again adds nothing. Flushes; the caller commits."""
    report = LoadReport()
    checked, _ = check_files(library_files(directory))
    for item in checked:
        if item.problems:
            report.problems.extend(item.problems)
            continue
        model = MODELS[item.kind]
        digest = content_hash(item.document.text)
        label = f"{item.kind} {item.key}"
        exists = db.session.execute(
            select(model.id).where(model.key == item.key, model.content_hash == digest)
        ).first()
        if exists:
            report.unchanged.append(label)
            continue
        latest = db.session.execute(
            select(func.max(model.version)).where(model.key == item.key)
        ).scalar_one()
        version = (latest or 0) + 1
        db.session.add(
            model(
                key=item.key,
                version=version,
                content_hash=digest,
                title=item.document.value["title"],
                source_path=item.document.file,
                source_text=item.document.text,
                definition=item.document.value,
            )
        )
        report.added.append(f"{label} v{version}")
    db.session.flush()
    report.problems.sort()
    return report


def latest_versions(model: type[RubricVersion] | type[ScriptVersion]) -> list:
    """The newest version of each key, in title order, in one query."""
    newest = (
        select(model.key, func.max(model.version).label("version")).group_by(model.key).subquery()
    )
    return list(
        db.session.execute(
            select(model)
            .join(newest, (model.key == newest.c.key) & (model.version == newest.c.version))
            .order_by(model.title)
        ).scalars()
    )
