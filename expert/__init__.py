"""Engine assembly, run loop and trace, reports, explanations."""
import myotrace.expert._compat  # noqa: F401  (must run before experta is imported)
