"""experta rules, one mixin per reasoning stage; the engine is composed from MIXINS."""
import expert._compat  # noqa: F401  (must run before experta is imported)

from rules.conditions import ConditionRules
from rules.myths import MythRules
from rules.nerve import NerveRules
from rules.protocol import ProtocolRules
from rules.questions import QuestionRules
from rules.referral import ReferralRules
from rules.safety import SafetyRules
from rules.satellites import SatelliteRules

MIXINS = (
    SafetyRules, NerveRules, ReferralRules, SatelliteRules,
    ConditionRules, MythRules, ProtocolRules, QuestionRules,
)
