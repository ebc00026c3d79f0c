"""Fact types and the knowledge base as data."""
import expert._compat  # noqa: F401  (must run before experta is imported)
