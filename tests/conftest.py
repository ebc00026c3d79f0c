import os
import tempfile

import myotrace.expert._compat  # noqa: F401  (before experta)
import pytest

# The knowledge snapshot cache of this test run (also for the myotrace processes tests start):
# never the user's own cache folder.
if "MYOTRACE_CACHE_DIR" not in os.environ:
    _CACHE = tempfile.TemporaryDirectory(prefix="myotrace-test-cache-")  # removed when pytest exits
    os.environ["MYOTRACE_CACHE_DIR"] = _CACHE.name

from myotrace.expert.engine import get_engine  # noqa: E402


@pytest.fixture(scope="session")
def engine():
    return get_engine()
