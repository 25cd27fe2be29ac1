"""The form an admin fills in to erase a candidate's personal data."""

from __future__ import annotations

from typing import Any

from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, ValidationError

from ..web.input import Form
from .candidates import REASONS, name_matches


class EraseCandidateForm(Form):
    """Erasure cannot be undone: the admin types the name as shown and says why (from a fixed
    list, so the audit trail keeps no free text about the person)."""

    confirm_name = StringField(
        "Type the candidate's name to confirm",
        validators=[DataRequired("Type the candidate's name exactly as shown above.")],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    reason = SelectField(
        "Why is the data erased?",
        validators=[DataRequired("Choose why the candidate's data is erased.")],
        validate_choice=False,
    )

    def __init__(self, candidate: Any, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.candidate = candidate
        self.reason.choices = [("", "Choose a reason"), *REASONS.items()]

    def validate_confirm_name(self, field: StringField) -> None:
        if not name_matches(self.candidate, field.data or ""):
            raise ValidationError(
                f"That is not the name shown: type {self.candidate.name} to erase this candidate."
            )

    def validate_reason(self, field: SelectField) -> None:
        if field.data and field.data not in REASONS:
            raise ValidationError("Choose one of the reasons in the list.")
