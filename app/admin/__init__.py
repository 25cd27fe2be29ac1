"""Admin screens: accounts (create, roles, deactivation, password links), the audit trail."""

from flask import Flask

from ..auth.throttle import account_under_attack
from .alerts import tell_admins_of_attack
from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    # Connecting again (another app in the same process) is a no-op.
    account_under_attack.connect(tell_admins_of_attack)
