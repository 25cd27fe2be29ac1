from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from ..extensions import db
from .accounts import authenticate
from .forms import SignInForm

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect after sign-in is a phishing tool. Browsers read a
    # backslash as a slash and drop tabs and newlines, so "/\\evil" and "/\t/evil" mean
    # "//evil": any of those characters makes the target unsafe.
    if target and any(ch == "\\" or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return url_for("main.home")
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in by form, or by JSON from a page that must not be left (the live interview)."""
    if current_user.is_authenticated and not request.is_json:
        return redirect(url_for("main.home"))
    form = SignInForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            db.session.commit()
            if request.is_json:
                return jsonify(signed_in=True, name=user.name)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(
            "That email and password do not match an active account. Check both and try again."
        )
    status = 400 if request.method == "POST" else 200
    if request.is_json:
        messages = [error for field in form for error in field.errors]
        return jsonify(error=" ".join(messages) or "Sign-in failed.", status=status), status
    return render_template("auth/login.html", form=form), status


@bp.get("/auth/csrf-token")
def csrf_token():
    """A fresh CSRF token for pages that outlive theirs (a long interview, a renewed sign-in)."""
    return jsonify(csrf_token=generate_csrf(), signed_in=current_user.is_authenticated)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
