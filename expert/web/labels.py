"""Words for the screen where an id would otherwise show: findings named as a clinician says them.

Display only: nothing here is read by the rules. A finding without a name here falls back
to its id in words (``label``); the vocabulary test in tests/test_consult_room.py keeps
every finding named.
"""
from __future__ import annotations

import re

from myotrace.facts.vocabulary import FINDINGS, label

FINDING_NAMES = {
    "pain_worse_below_knee": "pain felt more below the knee than above",
    "pain_lying_on_side": "pain lying on the painful side",
    "pain_rising_from_chair": "pain rising from a chair",
    "limp": "limp",
    "pain_prolonged_sitting": "pain with prolonged sitting",
    "pain_with_running": "pain with running",
    "pain_on_cough_sneeze": "pain on coughing or sneezing",
    "shooting_electric_pain": "shooting or electric pain",
    "foam_rolling_brief_relief": "foam rolling helps only briefly",
    "patella_stuck": "kneecap feels stuck",
    "pain_single_leg_stance": "pain standing on the painful leg",
    "ober_positive": "Ober's sign positive",
    "slr_positive": "straight-leg raise positive",
    "crossed_slr_positive": "crossed straight-leg raise positive",
    "dermatomal_numbness": "numbness in a dermatome",
    "reflex_reduced": "reduced tendon reflex",
    "myotomal_weakness": "weakness in a myotome",
    "lateral_epicondyle_tender": "lateral femoral epicondyle tender",
    "itb_tender": "IT band tender",
    "genu_varum": "bowlegged stance (genu varum)",
    "foot_hyperpronation": "foot hyperpronation",
    "leg_length_discrepancy": "leg-length discrepancy",
    "greater_trochanter_tender": "greater trochanter tender",
    "saddle_anesthesia": "saddle anaesthesia",
    "bladder_dysfunction": "bladder dysfunction",
    "bowel_dysfunction": "bowel dysfunction",
    "sexual_dysfunction": "sexual dysfunction",
    "bilateral_sciatica": "leg pain in both legs",
    "bilateral_leg_weakness": "weakness in both legs",
    "progressive_weakness": "progressive weakness",
    "fever": "fever",
    "cancer_history": "history of cancer",
    "unexplained_weight_loss": "unexplained weight loss",
    "significant_trauma": "significant trauma",
    "immunosuppression": "immunosuppression",
    "night_pain_unrelenting": "unrelenting night pain",
}
_PART = re.compile(r"\btrp(\d)\b")
_ITEM_TAIL = re.compile(r"\s*\((?:palpate:)?[a-z]+(?:_[a-z]+)+\)$|\s*\((?:palpate:)?[a-z]+\)$")
_BY_WORDS = sorted(((label(f), FINDING_NAMES.get(f, label(f))) for f in FINDINGS), key=lambda p: -len(p[0]))
_SPOKEN_IDS = re.compile(r"(?<![\w'])(" + "|".join(re.escape(w) for w, n in _BY_WORDS if w != n)
                         + r")(?= \(|[;,.]|$)")
_NAMES = {w: n for w, n in _BY_WORDS}


def finding_name(item: str) -> str:
    """A finding (or any id) in clinical words."""
    return FINDING_NAMES.get(item) or label(item)


def reason_words(line: str) -> str:
    """A report's evidence line with its ids in words: ``ober positive (+0.10)`` -> ``Ober's sign
    positive (+0.10)``; a pattern part ``trp2`` -> ``trigger point 2``."""
    line = _PART.sub(r"trigger point \1", line)
    return _SPOKEN_IDS.sub(lambda match: _NAMES[match.group(1)], line)


def question_words(line: str) -> str:
    """An open question without the item id the text report appends: ``Does the patient limp? (limp)``
    -> ``Does the patient limp?``."""
    return _ITEM_TAIL.sub("", line)
