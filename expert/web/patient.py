"""The patient handout's words: what the report says to the clinician, said to the patient.

Short sentences, no clinical terms, instructions rather than questions. Each text restates a
clinician text of the knowledge base (same source, quoted beside it); nothing here adds advice.
A clinician text without a patient version here is left out of the handout, never shown raw;
tests/test_consult_room.py checks that every text the knowledge base can put on a handout has one.
"""
from __future__ import annotations

# triage -> (what to do, why), the referral advice in patient words
LEAD = {
    # advice.emergency (girft-ces-2023; finucane-2020)
    "emergency": ("Go to a hospital emergency department now. Do not wait for another appointment. "
                  "Take this sheet with you and show it to the staff.",
                  "What you told us can be a sign that the nerves at the bottom of your spine are being "
                  "pressed. A doctor needs to see you and arrange a scan today."),
    # advice.urgent_referral (nice-ng59; finucane-2020)
    "urgent_referral": ("See a doctor in the next few days, before any more treatment. "
                        "Your therapist will help you arrange it.",
                        "Some of what you told us means a doctor should first rule out other causes of "
                        "back and leg pain."),
    # advice.refer_nerve (van-der-windt-2010; tawa-2017)
    "refer_nerve": ("See a doctor to have the nerve in your back checked. Your therapist will help you "
                    "arrange it.",
                    "Some of your tests suggest that a nerve in your back is irritated. Treatment of sore "
                    "muscles can go on at the same time."),
    "screen_first": ("Your therapist needs a few more checks before treatment starts.", ""),
    "insufficient_evidence": ("Your therapist needs a few more checks to find where the pain comes from.", ""),
}

# triage -> the handout's heading, for a report that sends the patient on (Report.leads_with_referral)
HEADING = {"emergency": "Go to hospital now", "urgent_referral": "See a doctor", "refer_nerve": "See a doctor"}

# muscle -> where it is, in plain words (travell-simons-1992, vol. 2: the muscles' anatomy)
MUSCLE_PLACES = {
    "gluteus_minimus": "a small muscle deep in your buttock",
    "gluteus_medius": "a muscle at the side of your hip",
    "gluteus_maximus": "the large muscle of your buttock",
    "tensor_fasciae_latae": "a small muscle at the front and side of your hip",
    "vastus_lateralis": "the muscle on the outside of your thigh",
    "quadratus_lumborum": "a muscle in your lower back, at the side",
    "piriformis": "a muscle deep in your buttock",
    "peroneus_longus": "the muscle on the outside of your lower leg",
    "hamstrings": "the muscles at the back of your thigh",
}

# clinician text of the knowledge base -> patient text (same source as the clinician text)
CARE = {
    # protocol home_care.ball_and_adduction (seed article)
    "Roll the hips on a lacrosse ball, then stretch into adduction":
        "Lie on a firm ball (a lacrosse ball) under the sore spots in your buttock and hip. Roll slowly. "
        "Then stretch the outside of your hip: bring the painful leg across your body until you feel a "
        "gentle stretch.",
    # protocol home_care.ball_without_adduction (seed article; grimaldi-2015)
    "Roll the gluteal muscles on a lacrosse ball (not over the bony point of the hip); no adduction stretching":
        "Lie on a firm ball (a lacrosse ball) under the sore spots in your buttock. Roll slowly. Do not roll "
        "over the bony point at the side of your hip. Do not do stretches that pull the leg across your body.",
    # protocol home_care.tendon_load_education (grimaldi-2015; mellor-2018)
    "Gluteal tendons: avoid compressive positions (crossing the legs, standing hanging on one hip, lying on the "
    "painful side without a pillow between the knees, low deep chairs); progressive abductor exercise, as in the "
    "education-plus-exercise programme":
        "Do not cross your legs. Do not stand with your weight hanging on one hip. Avoid low, deep chairs. "
        "When you lie on your side, put a pillow between your knees. Do the strengthening exercises your "
        "therapist gives you, a little more each week.",
    # muscles.gluteus_minimus.self_care (travell-simons-1992, vol. 2 ch. 9)
    "Check sitting habits: if sitting is long, break it every 15-20 minutes; if a wallet is carried in a back "
    "pocket, take it out before sitting":
        "If you sit for a long time, stand up and move every 15 to 20 minutes. Take your wallet out of your "
        "back pocket before you sit.",
    "Sleep with a pillow between the knees when lying on the side":
        "When you lie on your side, put a pillow between your knees.",
    # muscles.gluteus_medius.self_care
    "Limit sitting; pillow between the knees when lying on the side":
        "Do not sit for long at a time. When you lie on your side, put a pillow between your knees.",
    # muscles.tensor_fasciae_latae.self_care
    "Keep the hip angle above 90 degrees when sitting or sleeping; check running routes: if they include hills or "
    "sloped roads, choose level ground for a while":
        "When you sit or sleep, do not bend your hips tightly: keep your knees lower than your hips when you "
        "sit. If you run, run on level ground for a while, not on hills or sloping roads.",
    # muscles.vastus_lateralis.self_care
    "Foam rolling may ease the vastus lateralis, but as a satellite of the minimus it is unlikely to be the sole "
    "source: the hips come first":
        "Rolling the outside of your thigh on a foam roller may ease it for a while. The main cause is in your "
        "hip, so treat the hip first.",
    # muscles.quadratus_lumborum.self_care
    "Ball pressure to the QL, 15-20 passes, 2-3 times a day":
        "Lie on a firm ball under the sore spot at the side of your lower back. Roll over it slowly 15 to 20 "
        "times. Do this 2 to 3 times a day.",
    # muscles.piriformis.self_care
    "Home stretching of the piriformis": "Do the buttock stretch your therapist showed you, at home.",
    # muscles.peroneus_longus.self_care
    "Check for high heels, tight socks and sleeping with the foot pointed; change any that are found":
        "Avoid high heels and tight socks. Do not sleep with your toes pointed.",
    # muscles.hamstrings.self_care
    "Positional release of the hamstrings, held 30-90 seconds":
        "Rest the back of your thigh in the position your therapist showed you. Hold it for 30 to 90 seconds.",
    # protocol avoid.adduction_stretch_gtps (grimaldi-2015; mellor-2018)
    "No adduction stretching of the hip abductors while the greater trochanter is painful: adduction presses the "
    "gluteal tendons against the trochanter and loads them where they are sore":
        "Do not do stretches that pull the painful leg across your body while the bony point at the side of "
        "your hip is sore. They press on the sore tendons.",
    # protocol avoid.itb_stretch_roll (willett-2016; falvey-2010; lehman-2012)
    "Do not stretch or foam-roll the IT band: stretching or rolling does not meaningfully lengthen it, and it does "
    "not limit adduction":
        "Do not stretch or foam-roll the band on the outside of your thigh (the IT band). It does not get "
        "longer that way, and it is not what makes your leg tight.",
}

# perpetuating finding -> what keeps the pain going, as an instruction (travell-simons-1992, vol. 2)
KEEPS_GOING = {
    "leg_length_discrepancy": "One leg is a little longer than the other. Ask your therapist whether a heel lift "
                              "would help.",
    "pain_prolonged_sitting": "Sitting for a long time keeps the pain going. Stand up and move every 15 to 20 "
                              "minutes. Take your wallet out of your back pocket before you sit.",
    "pain_with_running": "Running on hills or sloping roads keeps the pain going. Run on level ground for a while.",
    "foot_hyperpronation": "Your feet roll inwards when you stand and walk. Your therapist will check your shoes "
                           "with you.",
    "genu_varum": "The shape of your legs (bowlegs) puts more pressure on the outside of the knee. Your therapist "
                  "will show you how to take the load off it.",
}


def care_lines(texts) -> list[str]:
    """The patient versions of these clinician texts, each once, in order; texts without one are left out."""
    return list(dict.fromkeys(CARE[t] for t in texts if t in CARE))


def keeps_going(factor_lines) -> list[str]:
    """The report's perpetuating factors (``finding words: text``) as instructions."""
    out = []
    for line in factor_lines:
        head = line.split(":", 1)[0].strip().replace(" ", "_")
        if head in KEEPS_GOING and KEEPS_GOING[head] not in out:
            out.append(KEEPS_GOING[head])
    return out
