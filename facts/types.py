"""experta fact types.

experta matches fact types exactly (no subclass matching), so every kind of
fact is its own flat class; variants are told apart by fields (a subclass would never
match a rule written for its parent).
"""
from experta import Fact


# --- what the therapist observed (declared from the case) ---------------------
class Finding(Fact):
    """A finding from the contract's vocabulary: value True, False or 'unknown'."""


class PainMap(Fact):
    """The patient's pain map: ``regions`` is the set of painful region ids."""


class Palpation(Fact):
    """A muscle palpated: ``reproduces`` is True when it reproduced the familiar pain."""


class Unpalpable(Fact):
    """A muscle whose palpation was asked and was not possible or not conclusive: it is not
    evidence either way and is not asked again (an interview's answer, never a case file's)."""


class Screen(Fact):
    """A screen (``group`` red_flags or nerve): ``missing`` its items not answered true or false;
    ``complete`` when none is missing; ``negative`` when complete and none is true."""


class SatelliteEdge(Fact):
    """A key -> satellite edge of the knowledge base."""


class FindingLink(Fact):
    """The knowledge base links this finding's answer (``finding``, ``value``) to some
    muscle's evidence: declared by the engine from its own knowledge base."""


# --- what the rules conclude -------------------------------------------------
class RedFlag(Fact):
    """A red flag is present; ``pathway`` is 'cauda_equina' or 'serious_pathology'."""


class NerveInvolvement(Fact):
    """Nerve-root involvement is likely; ``signs`` names the findings behind it."""


class Evidence(Fact):
    """One piece of MYCIN evidence about a muscle: ``cf`` in [-1, 1]. ``kind`` says what it
    rests on: ``zone`` (the pain map in its referral zone), ``finding`` or ``palpation``."""


class Hypothesis(Fact):
    """A muscle's combined certainty; ``supported`` when at or above the threshold."""


class ChainLink(Fact):
    """A supported satellite of a supported key muscle."""


class Root(Fact):
    """A supported muscle with no supported key muscle: it can head a chain."""


class Primary(Fact):
    """The primary muscle and its chain in treatment order."""


class Undecided(Fact):
    """Competing chain roots are too close to call."""


class Condition(Fact):
    """A named clinical picture beside the chain (e.g. IT band syndrome), with its certainty."""


class TriageVote(Fact):
    """A triage level some rule asks for; the report takes the most urgent."""


class Correction(Fact):
    """A myth the report corrects."""


class Advice(Fact):
    """A line of the protocol: ``kind`` is step, home_care, avoid or referral; ``order`` sorts."""


class Factor(Fact):
    """A perpetuating factor found in this patient."""


class Question(Fact):
    """A finding or palpation whose answer could still change the conclusion."""


class Triage(Fact):
    """The final triage level: the most urgent vote."""


class HeldKey(Fact):
    """A key muscle supported only by what it shares with its satellite: palpate it before it may lead."""


class ChainsFormed(Fact):
    """The chains are formed: ``valid`` chains fit the pain map; ``outside`` when every muscle that fits was ruled out."""


class Secondary(Fact):
    """Another active chain within the margin of the best: ``rank`` orders them, ``chain`` root first."""


class OutsideCoverage(Fact):
    """Every muscle whose referral pattern fits the pain map was palpated non-tender (or none fits)."""
