"""A short command's start-up and the cyclic garbage collector.

Imports, case files and the engine make most of the objects a short command ever has, and they
live until it exits. In a process of its own (``own_process``, called by the console script) the
collector is off while they are made (it would walk them again at every collection) and they are
frozen afterwards (``gc.freeze``), so neither later collections nor the one at exit walk them:
about a fifth of the CPU of a one-case ``diagnose``. A longer-lived caller (a program embedding
the app, the tests) keeps its collector as it is: freezing would keep the garbage it has at that
moment for ever.
"""
import gc
from contextlib import contextmanager

_own_process = False


def own_process() -> None:
    """This process runs one command, then exits."""
    global _own_process
    _own_process = True


@contextmanager
def start_up():
    """The block makes what lives until exit: no collection while it runs, all of it frozen after."""
    if not _own_process or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()
