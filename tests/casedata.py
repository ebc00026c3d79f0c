"""Case bodies shared by several test modules."""

# The seed's canonical case (cases/gmin-lateral-classic.yaml without notes/expect).
CLASSIC = {
    "case": "gmin-lateral-classic", "side": "right",
    "pain": ["buttock", "lateral_thigh", "lateral_knee", "lateral_calf"],
    "findings": {"pain_worse_below_knee": True, "ober_positive": True, "slr_positive": False},
    "tender_points": ["gluteus_minimus"], "non_tender": ["piriformis"],
    "screened": ["red_flags", "nerve"],
}
