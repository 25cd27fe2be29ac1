"""The form that registers a receiver."""

from __future__ import annotations

from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..models import WebhookEvent
from ..web.input import Form, MultiCheckboxField, PlainText, strip


class WebhookForm(Form):
    url = StringField(
        "Receiver address",
        filters=[strip],
        validators=[
            DataRequired("Give the https:// address Loopkit should send events to."),
            Length(max=500, message="Shorten the address to 500 characters or fewer."),
            PlainText(),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false", "inputmode": "url"},
    )
    description = StringField(
        "What it is",
        filters=[strip],
        validators=[
            Length(max=120, message="Shorten this to 120 characters or fewer."),
            PlainText(),
        ],
        render_kw={"autocomplete": "off"},
    )
    events = MultiCheckboxField(
        "Events",
        choices=[SelectChoice(e.value, e.label) for e in WebhookEvent],
        validators=[DataRequired("Choose at least one event.")],
    )

    def chosen_events(self) -> list[WebhookEvent]:
        return [WebhookEvent(value) for value in self.events.data]
