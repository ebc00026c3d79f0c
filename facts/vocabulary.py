"""The fixed ids of case files: regions, findings, muscles, sides.

Extend these tuples, never rename or drop an id: case files and scripts of
other people depend on them.
"""

REGIONS = (
    "low_back", "sacroiliac", "buttock", "lateral_hip", "groin",
    "anterior_thigh", "lateral_thigh", "posterior_thigh", "lateral_knee",
    "posterior_knee", "lateral_calf", "posterior_calf", "lateral_ankle",
    "dorsum_foot", "sole",
)

MUSCLES = (
    "gluteus_minimus", "gluteus_medius", "gluteus_maximus",
    "tensor_fasciae_latae", "vastus_lateralis", "quadratus_lumborum",
    "piriformis", "peroneus_longus", "hamstrings",
)

HISTORY = (
    "pain_worse_below_knee", "pain_lying_on_side", "pain_rising_from_chair",
    "limp", "pain_prolonged_sitting", "pain_with_running",
    "pain_on_cough_sneeze", "shooting_electric_pain",
    "foam_rolling_brief_relief", "patella_stuck", "pain_single_leg_stance",
)
EXAMINATION = (
    "ober_positive", "slr_positive", "crossed_slr_positive",
    "dermatomal_numbness", "reflex_reduced", "myotomal_weakness",
    "lateral_epicondyle_tender", "itb_tender", "genu_varum",
    "foot_hyperpronation", "leg_length_discrepancy", "greater_trochanter_tender",
)
CAUDA_EQUINA_FLAGS = (
    "saddle_anesthesia", "bladder_dysfunction", "bowel_dysfunction",
    "sexual_dysfunction", "bilateral_sciatica", "bilateral_leg_weakness", "progressive_weakness",
)
OTHER_RED_FLAGS = (
    "fever", "cancer_history", "unexplained_weight_loss", "significant_trauma",
    "immunosuppression", "night_pain_unrelenting",
)
RED_FLAGS = CAUDA_EQUINA_FLAGS + OTHER_RED_FLAGS
FINDINGS = HISTORY + EXAMINATION + RED_FLAGS

# Nerve signs: one objective sign, or two soft signs, make nerve-root involvement likely.
OBJECTIVE_NERVE_SIGNS = ("reflex_reduced", "myotomal_weakness", "crossed_slr_positive")
SOFT_NERVE_SIGNS = ("slr_positive", "dermatomal_numbness", "shooting_electric_pain")

# The nerve screen: complete when each is answered true or false ("unknown" leaves it open).
NERVE_SCREEN = ("slr_positive", "dermatomal_numbness", "myotomal_weakness", "reflex_reduced")
# Signs of a neurological deficit: with a cancer history, suspected metastatic cord compression.
NERVE_DEFICIT_SIGNS = ("myotomal_weakness", "dermatomal_numbness", "reflex_reduced")
# The screens a case file may declare done (``screened:``), each with the findings it covers.
SCREENS = {"red_flags": RED_FLAGS, "nerve": NERVE_SCREEN}

# Most urgent first.
TRIAGE_LEVELS = (
    "emergency", "urgent_referral", "refer_nerve", "screen_first", "treat", "insufficient_evidence",
)

CONDITIONS = (
    "cauda_equina_suspected", "radiculopathy_suspected", "iliotibial_band_syndrome",
    "piriformis_nerve_entrapment_possible", "myofascial_pseudo_sciatica",
    "greater_trochanteric_pain_syndrome",
)

# Local conditions a report can act on without a muscle chain: their management is the protocol.
LOCAL_CONDITIONS = ("iliotibial_band_syndrome", "greater_trochanteric_pain_syndrome")

SIDES = ("left", "right", "both")

# Question items beside the findings: the pain map, and palpation of a muscle.
PAIN_MAP = "pain_map"
PALPATE = "palpate:"


def urgency(level: str) -> int:
    """Higher is more urgent."""
    return len(TRIAGE_LEVELS) - TRIAGE_LEVELS.index(level)


def label(identifier: str) -> str:
    """An id as words: ``gluteus_minimus`` -> ``gluteus minimus``."""
    return identifier.replace("_", " ")
