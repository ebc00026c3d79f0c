"""Fact types and the knowledge base as data."""
import myotrace.expert._compat  # noqa: F401  (must run before experta is imported)
