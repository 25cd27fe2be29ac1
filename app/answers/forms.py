"""The answer form: every rule says what to fix, and what was typed is kept."""

from __future__ import annotations

from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..models import AnswerTopic
from ..web.input import Form, PlainText, strip
from .bank import AnswerDetails


class AnswerForm(Form):
    topic = SelectField(
        "Topic",
        choices=[SelectChoice(t.value, t.label) for t in AnswerTopic],
        default=AnswerTopic.TEAM.value,
        validators=[DataRequired("Choose what the question is about.")],
        invalid_choice_message="Choose one of the topics in the list.",
    )
    question = StringField(
        "What candidates ask",
        filters=[strip],
        validators=[
            DataRequired("Write the question as a candidate would ask it."),
            Length(max=300, message="Shorten the question to 300 characters or fewer."),
            PlainText(),
        ],
    )
    answer = TextAreaField(
        "The agreed answer",
        filters=[strip],
        validators=[
            DataRequired("Write the answer interviewers give."),
            Length(max=3000, message="Shorten the answer to 3,000 characters or fewer."),
            PlainText(multiline=True),
        ],
        render_kw={"rows": 4},
    )

    def details(self) -> AnswerDetails:
        return AnswerDetails(self.topic.data, self.question.data, self.answer.data)
