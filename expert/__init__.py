"""Engine assembly, run loop and trace, reports, explanations."""
import expert._compat  # noqa: F401  (must run before experta is imported)
