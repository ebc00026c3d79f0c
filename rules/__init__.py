"""experta rules, one mixin per reasoning stage; the engine is composed from MIXINS."""
import myotrace.expert._compat  # noqa: F401  (must run before experta is imported)

from myotrace.rules.conditions import ConditionRules
from myotrace.rules.myths import MythRules
from myotrace.rules.nerve import NerveRules
from myotrace.rules.protocol import ProtocolRules
from myotrace.rules.questions import QuestionRules
from myotrace.rules.referral import ReferralRules
from myotrace.rules.safety import SafetyRules
from myotrace.rules.satellites import SatelliteRules

MIXINS = (
    SafetyRules, NerveRules, ReferralRules, SatelliteRules,
    ConditionRules, MythRules, ProtocolRules, QuestionRules,
)
