from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import login_required

from ..auth.permissions import require
from ..extensions import db
from ..models import RubricVersion, ScriptVersion
from .store import latest_versions

bp = Blueprint("library", __name__, url_prefix="/library")


@bp.get("/")
@login_required
def index():
    require("library.view")
    return render_template(
        "library/index.html",
        rubrics=latest_versions(RubricVersion),
        scripts=latest_versions(ScriptVersion),
    )


@bp.get("/rubrics/<int:version_id>")
@login_required
def rubric(version_id: int):
    require("library.view")
    rubric = db.session.get(RubricVersion, version_id) or abort(404)
    return render_template("library/rubric.html", rubric=rubric)


@bp.get("/scripts/<int:version_id>")
@login_required
def script(version_id: int):
    require("library.view")
    script = db.session.get(ScriptVersion, version_id) or abort(404)
    return render_template("library/script.html", script=script)
