from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from authlib.integrations.base_client import OAuthError
from flask import (
    Blueprint,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError
from requests import RequestException

from ..extensions import db
from ..models import SingleSignOn
from ..storage.types import utcnow
from ..web.input import form_status
from . import throttle
from .accounts import AccountError, authenticate
from .forms import NewPasswordForm, SignInForm
from .oidc import provider_client
from .resets import set_password_with_link, token_hash, usable_link
from .sessions import end_session, start_session
from .sso import SignInRefused, password_sign_in_allowed, sso_in_force, user_for_claims

bp = Blueprint("auth", __name__)

# The session holds the hash of the password link being used, never the token: the token
# leaves the address bar after the first request (see reset_link).
RESET_SESSION_KEY = "password_link"
# Where to go and whether to stay signed in, kept across the trip to the identity provider.
SSO_SESSION_KEY = "sso_return"


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


def _too_many(form: SignInForm, sso: SingleSignOn | None, refusal: throttle.Refusal, now: datetime):
    """429 with when to try again, as JSON for the interview page's sign-in dialog."""
    time_zone = current_user.time_zone if current_user.is_authenticated else None
    message = refusal.message(now, time_zone)
    if request.is_json:
        response = jsonify(error=message, status=429, retry_at=refusal.until.isoformat())
    else:
        response, _ = _login_page(form, 429, sso, refused=message)
    return response, 429, {"Retry-After": str(refusal.retry_after_seconds(now))}


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in by form, or by JSON from a page that must not be left (the live interview)."""
    if current_user.is_authenticated and not request.is_json:
        return redirect(url_for("main.home"))
    form = SignInForm()
    sso = sso_in_force()
    if form.validate_on_submit():
        now = utcnow()
        email, address = form.email.data, request.remote_addr
        # Checked before the password, so a locked account refuses even the right one.
        refusal = throttle.refusal(email, address, now)
        if refusal is not None:
            db.session.rollback()
            return _too_many(form, sso, refusal, now)
        user = authenticate(email, form.password.data)
        if user is None:
            throttle.record_failure(email, address, now)
            db.session.commit()
            form.password.errors.append(
                "That email and password do not match an active account. Check both and try again."
            )
        else:
            throttle.signed_in(email, address, now)
            # Checked after the password, so the refusal tells nothing to whoever lacks it.
            if password_sign_in_allowed(user, sso):
                start_session(user, remember=bool(form.remember.data))
                db.session.commit()
                if request.is_json:
                    return jsonify(signed_in=True, name=user.name)
                return redirect(_safe_next(request.args.get("next")))
            db.session.commit()
            form.password.errors.append(
                f"Password sign-in is off for your account. Use “Sign in with {sso.label}”."
            )
    status = form_status()
    if request.is_json:
        messages = [error for field in form for error in field.errors]
        return jsonify(error=" ".join(messages) or "Sign-in failed.", status=status), status
    return _login_page(form, status, sso)


def _login_page(form: SignInForm, status: int, sso: SingleSignOn | None, **refusals: str):
    return render_template("auth/login.html", form=form, sso=sso, **refusals), status


def _provider_refused(settings: SingleSignOn, message: str, status: int = 403):
    """The sign-in page again, saying why the trip to the provider did not sign anyone in."""
    return _login_page(SignInForm(formdata=None), status, settings, refused_by_provider=message)


def _unreachable(label: str) -> str:
    return f"Loopkit could not reach {label} just now. Try again in a minute."


@bp.get("/sso/start")
def sso_start():
    """Off to the identity provider, from the sign-in page's "Sign in with …" button.

    A link, not a form: the page's CSP allows forms to post only to Loopkit, and a form's
    redirect to the provider would be blocked. Nothing here needs CSRF protection: what comes
    back is checked against the state Authlib keeps in this browser's session, so a
    cross-site link can only sign the visitor in as themselves."""
    settings = sso_in_force()
    if settings is None:
        return redirect(url_for("auth.login"))
    session[SSO_SESSION_KEY] = {
        "next": _safe_next(request.args.get("next")),
        # The page's script says "0" when "keep me signed in" is unticked; ticked by default.
        "remember": request.args.get("remember") != "0",
    }
    try:
        return provider_client(settings).authorize_redirect(
            url_for("auth.sso_callback", _external=True)
        )
    except (RequestException, OAuthError, ValueError):
        return _provider_refused(settings, _unreachable(settings.label), 503)


def _token_refusal(error: Exception, label: str) -> str:
    """Why the provider's answer was not accepted, for the person at the sign-in page."""
    if isinstance(error, ExpiredTokenError):
        return (
            f"The sign-in from {label} had already expired when it arrived. Try again; if it "
            "keeps happening, check this computer's clock."
        )
    if isinstance(error, InvalidClaimError | MissingClaimError) and error.claim in {"aud", "azp"}:
        return (
            f"{label} sent a sign-in meant for another application, not Loopkit. Ask your admin "
            "to check Loopkit's client id."
        )
    if isinstance(error, RequestException):
        return _unreachable(label)
    return f"The sign-in from {label} could not be verified. Start again from this page."


@bp.get("/sso/callback")
def sso_callback():
    """Where the provider sends the browser back: Authlib checks the state, swaps the code
    for tokens and checks the ID token; the rules in sso.py pick the account."""
    settings = sso_in_force()
    back = session.pop(SSO_SESSION_KEY, None)
    if settings is None or not isinstance(back, dict):
        return redirect(url_for("auth.login"))
    if request.args.get("error"):
        return _provider_refused(
            settings, f"{settings.label} did not sign you in ({request.args['error'][:80]})."
        )
    try:
        token = provider_client(settings).authorize_access_token()
        user = user_for_claims(settings, dict(token.get("userinfo") or {}))
    except (OAuthError, JoseError, RequestException) as error:
        db.session.rollback()
        return _provider_refused(settings, _token_refusal(error, settings.label))
    except SignInRefused as refusal:
        db.session.rollback()
        return _provider_refused(settings, str(refusal))
    start_session(user, remember=bool(back.get("remember")))
    db.session.commit()
    return redirect(_safe_next(back.get("next")))


@bp.get("/auth/csrf-token")
def csrf_token():
    """A fresh CSRF token for pages that outlive theirs (a long interview, a renewed sign-in)."""
    return jsonify(csrf_token=generate_csrf(), signed_in=current_user.is_authenticated)


@bp.route("/logout", methods=["POST"])
def logout():
    end_session()
    db.session.commit()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


def _link_gone():
    session.pop(RESET_SESSION_KEY, None)
    return render_template("auth/link_gone.html"), 410


@bp.get("/reset/<token>")
def reset_link(token: str):
    """Where an admin's password link lands. The token moves into the session (as its hash)
    and the browser is sent on to /reset at once, so the token is not left in the address
    bar, in the history, or in the Referer of the page's own requests."""
    hashed = token_hash(token)
    if usable_link(hashed) is None:
        return _link_gone()
    session[RESET_SESSION_KEY] = hashed
    return redirect(url_for("auth.reset_password"), 303)


@bp.route("/reset", methods=["GET", "POST"])
def reset_password():
    hashed = session.get(RESET_SESSION_KEY)
    link = usable_link(hashed)
    if link is None:
        return _link_gone()
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = set_password_with_link(hashed, form.password.data)
        except AccountError as error:
            form.password.errors.append(str(error))
        else:
            if user is None:
                db.session.rollback()
                return _link_gone()
            throttle.clear_account(user.email)
            db.session.commit()
            session.pop(RESET_SESSION_KEY, None)
            if current_user.is_authenticated:
                end_session()  # whoever was signed in here, the link was for someone else
                db.session.commit()
            flash("Your new password is set. Sign in with it.", "info")
            return redirect(url_for("auth.login"))
    status = form_status()
    return render_template("auth/reset.html", form=form, user=link.user), status
