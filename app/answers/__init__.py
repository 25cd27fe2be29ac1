"""The candidate-questions answer bank: agreed answers to what candidates ask, per opening and
for the whole team, what candidates asked on each call, and what we still owe them."""

from flask import Flask

from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
