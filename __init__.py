"""myotrace: traces lateral-leg "sciatica" to its myofascial source with an experta rule engine.

The repository root is the import package ``myotrace``: ``myotrace.expert`` (the engine and
its front ends), ``myotrace.rules``, ``myotrace.facts`` and ``myotrace.cli``.
"""
__version__ = "0.2.0"
