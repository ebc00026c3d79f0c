import myotrace.expert._compat  # noqa: F401  (before experta)
import pytest

from myotrace.expert.engine import get_engine


@pytest.fixture(scope="session")
def engine():
    return get_engine()
