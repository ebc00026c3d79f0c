"""Let experta 1.9.4 import on Python >= 3.10.

experta pins frozendict 1.2, which still looks up ``collections.Mapping``
(moved to ``collections.abc`` in Python 3.10). Restoring the alias before
experta is imported is enough for both to import and run.
"""
import collections
import collections.abc

if not hasattr(collections, "Mapping"):
    collections.Mapping = collections.abc.Mapping
