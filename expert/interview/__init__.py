"""The therapist's adaptive interview: the state machine (session) and its terminal front end (tty)."""
