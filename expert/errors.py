"""Errors the user can fix; the CLI prints them as one line and exits 2."""


class InputError(Exception):
    """Bad input: the message names the problem and suggests a fix."""


def did_you_mean(word: object, allowed) -> str:
    import difflib  # only when something is misspelt
    close = difflib.get_close_matches(str(word), list(allowed), n=1, cutoff=0.5)
    return f"; did you mean '{close[0]}'?" if close else ""


def allowed_list(allowed, limit: int = 16) -> str:
    allowed = list(allowed)
    shown = ", ".join(allowed[:limit])
    return shown + (f", … ({len(allowed)} in all)" if len(allowed) > limit else "")
