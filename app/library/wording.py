"""Tell whether a level's words judge the candidate or put the judgement off.

A rubric level, an anchor or a choice must say where the candidate stands. Text that postpones
the call, asks for more rounds, data or time, or sits undecided or in between is a "needs
another interview" outcome in other words. A word list misses paraphrases, so this module
matches ideas: a request for more *evidence about the candidate* (not more skill of the
candidate), a *decision* that is put off, and indecision whose subject is the panel, not the
candidate. "Needs more practice" judges the candidate; "needs more data" does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Deferral:
    """Why a text reads as no judgement, and the words that show it."""

    reason: str
    words: str


POSTPONES = "puts the decision off"
MORE_EVIDENCE = "asks for more interviews, data or time before judging"
UNDECIDED = "is undecided"
IN_BETWEEN = "sits in between instead of leaning one way"
NO_OPINION = "gives no opinion"

# What a verdict is about: a postponement or doubt aimed at one of these is about the decision.
_VERDICT = (
    r"(?:the\s+)?(?:decision|call|verdict|judge?ment|hire|hiring|offer|outcome|recommendation|"
    r"rating|score|level|fit|candidate|candidacy|bar|this\s+one|them|they|him|her|he|she|it|this)"
)
# Kinds of evidence one gathers about a candidate, and the meetings that gather it.
_EVIDENCE = (
    r"(?:interviews?|rounds?(?!\s+of\s+(?!interview))|conversations?|calls?|chats?|sessions?|"
    r"meetings?|loops?|onsites?|screens?|panels?|interviewers?|data|data\s+points?|"
    r"information|info|evidence|signals?|inputs?|opinions?|perspectives?|references?|"
    r"assessments?|evaluations?|exercises?|take\s+homes?)"
)
_MORE = (
    r"(?:more|another|additional|further|extra|second|third|one\s+more|a\s+few\s+more|"
    r"some\s+more|follow\s+up|repeat|fresh)"
)
# Verbs by which a candidate, not the panel, goes after information: their behaviour is evidence.
_CANDIDATE_GATHERS = (
    r"(?:asks?|asked|asking|gathers?|gathered|gathering|collects?|collected|seeks?|sought|"
    r"requests?|requested|looks?|looked|reads?|pulls?|queries|queried|fetches|fetched|uses?|"
    r"used|finds?|found|digs?|searches|searched|offers?|offered|gives?|gave|"
    r"shares?|shared|provides?|provided|shows?|showed|produces?|produced|adds?|added)"
)
_PANEL = r"(?:i|we|us|our|my|the\s+panel|panel|interviewers?|the\s+team|team)"
_DOUBT = (
    r"(?:unsure|not\s+sure|uncertain|unclear|can\s+not\s+(?:tell|say|decide)|"
    r"could\s+not\s+(?:tell|say|decide)|do\s+not\s+know|did\s+not\s+know|no\s+idea|torn)"
)
_FILLER = (
    r"(?:still|yet|for\s+now|at\s+this\s+point|at\s+the\s+moment|right\s+now|so\s+far|really|"
    r"quite|a\s+bit|somewhat|bit|on\s+this|overall)"
)

# Each rule: the reason, the pattern, and optionally a pattern that, matching the words just
# before the match, shows the text is about the candidate after all.
_RULES: tuple[tuple[str, ...], ...] = (
    # Postponing the decision.
    (
        POSTPONES,
        rf"\b(?:postpone[ds]?|postponing|defer(?:s|red|ring)?|delay(?:s|ed|ing)?|"
        rf"hold(?:s|ing)?\s+off(?:\s+on)?|put(?:s|ting)?\s+(?:\w+\s+)?on\s+hold|on\s+hold|"
        rf"revisit(?:s|ed|ing)?|reconsider(?:s|ed|ing)?|re\s?(?:assess|evaluate)(?:s|d|ing)?|"
        rf"park(?:s|ed|ing)?|table(?:s|d)?|"
        rf"reschedul\w*|wait(?:s|ed|ing)?(?:\s+(?:on|for|with|until))?|come\s+back\s+to|"
        rf"return\s+to)\s+(?:\w+\s+){{0,1}}{_VERDICT}\b",
    ),
    (
        POSTPONES,
        r"\b(?:postpone[ds]?|defer(?:red)?|delay(?:ed)?|hold\s+off|revisit|reconsider|park|"
        r"re\s?assess|re\s?evaluate|wait|table|hire|decide|judge)\s+(?:(?:until|till|to|for)\s+(?:later|after|another|a\s+later|the\s+next|"
        r"next|more|a\s+follow|a\s+second|a\s+future|now|the\s+moment|we)|after|once|when|later|another\s+time|"
        r"next\s+(?:week|month|quarter|year|cycle|time)|"
        r"in\s+(?:a\s+few\s+|\w+\s+)?(?:days?|weeks?|months?|quarters?|years?))\b",
    ),
    (
        POSTPONES,
        r"\b(?:postpone[ds]?|defer(?:red)?|revisit|reconsider|hold\s+off|park|wait)\s+"
        r"(?:it\s+|this\s+)?(?:later|for\s+now|for\s+the\s+moment)\b",
    ),
    (
        POSTPONES,
        r"^(?:postpone[ds]?|defer(?:red)?|delayed|on\s+hold|hold|parked|tabled|revisit|"
        r"wait|wait\s+and\s+see|later)$",
    ),
    (
        POSTPONES,
        r"\b(?:wait\s+and\s+see|decide\s+later|decision\s+later|later\s+decision|"
        r"not\s+(?:yet\s+)?decided|decide\s+(?:after|once|when)|before\s+(?:deciding|we\s+decide|"
        r"a\s+decision|making\s+(?:a|the)\s+(?:call|decision)|committing)|to\s+be\s+(?:decided|"
        r"determined|confirmed|discussed|agreed)|tbd|tbc|undetermined|decision\s+pending|"
        r"pending\s+(?:more|further|another|references?|review|feedback|a\s+|the\s+|decision|"
        r"discussion)|^pending\b)",
    ),
    # More rounds, more data, more time.
    (
        MORE_EVIDENCE,
        rf"\b{_MORE}\s+(?:[a-z]+\s+){{0,2}}?{_EVIDENCE}\b",
        # "Asks for more information" is a candidate's behaviour, so it is judged, not deferred.
        rf"\b{_CANDIDATE_GATHERS}\s+(?:\w+\s+){{0,2}}$",
    ),
    (
        MORE_EVIDENCE,
        r"\b(?:re\s*interview\w*|interview(?:ed)?\s+(?:them\s+|him\s+|her\s+)?again|"
        r"(?:see|meet|talk\s+to|speak\s+(?:to|with)|hear\s+from)\s+(?:them|him|her|the\s+candidate)"
        r"\s+again|bring\s+(?:them|him|her|the\s+candidate)\s+back|"
        r"(?:probe|check|assess|test|explore|cover|verify|confirm|dig\s+into)\s+(?:\w+\s+){0,2}"
        r"(?:again|further|later|in\s+(?:a|the)\s+(?:later|next|follow\s+up|second|another)\s+"
        r"(?:round|interview|stage|call))|"
        r"(?:need|needs|needed|want|wants|require|requires)\s+(?:a\s+|an\s+)?(?:another|second|"
        r"closer|further|fresh)\s+look|second\s+opinion|"
        r"(?:talk|speak|meet|chat|catch\s+up)\s+(?:\w+\s+){0,3}again$|"
        r"to\s+see\s+more(?:\s+of\s+(?:them|him|her|the\s+candidate|their\s+\w+))?"
        r"(?:\s+before\s+\w+)?$)\b",
    ),
    (
        MORE_EVIDENCE,
        r"\b(?:more|extra|additional|further)\s+time\b(?!\s+(?:than|on|in|with|to\s+(?!"
        r"(?:decide|think|consider|evaluate|assess|judge|reflect|weigh|mull|tell|say|make)\b)))",
    ),
    (
        MORE_EVIDENCE,
        r"\b(?:need|needs|needed|want|wants|require|requires|take|takes)\s+(?:some\s+)?time\s+"
        r"to\s+(?:decide|think|consider|evaluate|assess|judge|reflect|weigh|mull)\b",
    ),
    # Undecided, whoever cannot decide is the panel.
    (
        UNDECIDED,
        r"\b(?:undecided|inconclusive|on\s+the\s+fence|ambivalent|not\s+(?:yet\s+)?ready\s+to\s+"
        r"(?:call|decide|judge|rate|score|make\s+(?:a|the)\s+call|say)|jury\s+is\s+(?:still\s+)?out|"
        r"hard\s+to\s+(?:say|tell|judge|call|decide)|too\s+(?:early|soon)\s+to\s+(?:say|tell|judge|"
        r"call|decide)|(?:can|could)\s+not\s+(?:make|reach)\s+(?:a|the)\s+(?:call|decision)|"
        r"no\s+(?:call|decision|verdict)(?:\s+yet)?$|(?:is|still)\s+an\s+open\s+question|^open\s+question$|(?:insufficient|not\s+enough|"
        r"too\s+little)\s+(?:evidence|data|signal|information|to\s+go\s+on)(?!\s+of\b)|"
        r"not\s+enough\s+to\s+(?:judge|decide|tell|say|rate|score)|"
        r"no\s+(?:evidence|signal|data)\s+(?:either\s+way|yet|to\s+(?:judge|decide|go\s+on)))",
    ),
    (UNDECIDED, rf"^(?:{_FILLER}\s+)*{_DOUBT}(?:\s+{_FILLER})*$"),
    (UNDECIDED, rf"\b{_PANEL}\s+(?:\w+\s+){{0,2}}{_DOUBT}\b"),
    (UNDECIDED, rf"\b{_DOUBT}\s+(?:{_FILLER}\s+)?(?:about|on|of|whether|if)\s+{_VERDICT}\b"),
    (
        UNDECIDED,
        r"\b(?:unsure|uncertain|unclear|undecided)\s+(?:fit|hire|verdict|signal|call|outcome|"
        r"evidence|level|recommendation|result)\b",
    ),
    # In between, neither way.
    (
        IN_BETWEEN,
        r"\b(?:borderline|on\s+the\s+(?:border|line|bubble)|middle\s+of\s+the\s+road|"
        r"somewhere\s+(?:in\s+)?between|somewhere\s+in\s+the\s+middle|midpoint|mid\s+point|"
        r"halfway|half\s+way|middle\s+(?:level|ground|option|rating|score|of\s+the\s+(?:scale|"
        r"range|pack))|in\s+(?:the\s+)?middle$|in\s+between$|"
        r"between\s+(?:the\s+)?(?:two|levels|yes\s+and\s+no|hire\s+and\s+no\s+hire|bars|"
        r"strong\s+and\s+weak)|mixed\s+(?:signals?|bag|feelings|picture|evidence|results|"
        r"impressions?|performance|reviews?|showing)|^mixed$|(?:could|can|might|would)\s+go\s+"
        r"(?:either|both)\s+ways?|either\s+way$|50\s*/\s*50|fifty\s+fifty|coin\s+(?:toss|flip)|"
        r"toss\s+up|\bmeh\b|so\s+so|lukewarm|split\s+(?:decision|opinions?|verdict|views?|panel|"
        r"vote)|neither\s+(?:a\s+)?(?:yes|hire|strong|pass|positive|for)\b.{0,20}\bnor\s+(?:a\s+)?"
        r"(?:no|weak|fail|negative|against)\b|not\s+(?:a\s+)?(?:clear\s+)?yes\s+(?:or|nor)\s+"
        r"(?:a\s+)?no|maybe|^(?:perhaps|possibly)\b|(?:perhaps|possibly)\s+(?:a\s+)?(?:hire|yes|"
        r"no|fit|later)\b)",
    ),
    (IN_BETWEEN, r"\bneutral\b(?!\s+(?:language|tone|wording|way|terms|framing|party|format))"),
    # No opinion at all.
    (
        NO_OPINION,
        r"\b(?:no\s+(?:strong\s+)?(?:opinion|view|preference|feelings?)|(?:not|n)\s*/?\s*"
        r"applicable$|^n\s*/?\s*a$|not\s+assessed$|^no\s+comment$|^(?:none|nothing|skip|abstain)$|"
        r"abstain\w*)\b",
    ),
)
_COMPILED = tuple(
    (rule[0], re.compile(rule[1]), re.compile(rule[2]) if len(rule) > 2 else None)
    for rule in _RULES
)


def normalise(text: str) -> str:
    """Lowercase words separated by single spaces, with "n't" spelled out and dashes as spaces."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"\bcan't\b|\bcannot\b", "can not", text)
    text = re.sub(r"\bwon't\b", "will not", text)
    text = re.sub(r"n't\b", " not", text)
    text = re.sub(r"[-\u2010-\u2015_]+", " ", text)
    text = re.sub(r"[^\w/\s]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def deferral_in(text: str) -> Deferral | None:
    """The first way `text` puts off judging the candidate, or None when it judges."""
    plain = normalise(text)
    for reason, pattern, unless_before in _COMPILED:
        for match in pattern.finditer(plain):
            if unless_before and unless_before.search(plain[: match.start()]):
                continue
            return Deferral(reason, match.group(0).strip())
    return None
