"""What the interview says to the therapist, in one place for the terminal and the web room.

How to find each answer (the ``*_HINT`` lines) is clinical wording both front ends show
beside a question; the rest is the terminal's own wording of its screens.
"""
from __future__ import annotations

# ---- how to find the answer (the terminal and the web room) ---------------------
PALPATION_HINT = ("Press the muscle's trigger-point areas firmly for a few seconds: answer yes only when "
                  "it reproduces the patient's familiar pain (local tenderness alone is no).")
PAIN_MAP_HINT = "Ask the patient to point to every painful area, including where the pain spreads."
RED_FLAG_HINT = "Ask every item directly; a patient rarely volunteers them."
NERVE_SCREEN_HINT = "Examine every item on both sides; a sign not examined is not a negative one."

# ---- the terminal's screens --------------------------------------------------------
RED_FLAG_TITLE = "Red-flag screen: is any of these present?"
NERVE_SCREEN_TITLE = "Nerve screen: is any of these signs present?"
PAIN_MAP_TITLE = "Pain map: where does it hurt? Pick every painful region."

CHECKLIST_ANSWERS = ("Type the numbers present (e.g. 3 or 2 5), or the word `none` when every item was asked "
                     "and is absent; u6 marks item 6 not known (e.g. none u6); u alone: none could be asked. "
                     "why · back · help · quit")
PAIN_MAP_ANSWERS = ("Numbers, ranges or names (e.g. 3 7-9 lateral calf), or unknown. "
                    "why · back · answers · help · quit")
YES_NO_ANSWERS = "y / n / u (unknown) · why · back · answers · edit N · how · help · quit"

# How a checklist answer is echoed: (what a yes is called, its style, the verb for the open items, none)
CHECKLIST_ECHO = {
    "red_flag_screen": ("Red flag", "bold red", "screen", "No red flag."),
    "nerve_screen": ("Nerve sign", "bold yellow", "examine", "No nerve sign."),
}

INTAKE_FIELDS = (  # (field, prompt)
    ("age", "Age (years)"),
    ("onset", "Onset (sudden / gradual)"),
    ("duration_weeks", "Duration (weeks)"),
    ("pain_intensity", "Pain intensity, worst in the last week (0-10)"),
    ("aggravating", "What makes it worse"),
)

# The lines of `help` around the command table, by where it is typed
HELP_HEAD = {"question": "Answers:   y / yes   n / no   u / unknown (not asked again)"}
HELP_FOOT = {"question": "The session is saved after every answer; Ctrl-C also saves."}
REVIEW_LINE = "Review: Enter shows the result · edit N changes an answer · back"
