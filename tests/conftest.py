"""Test configuration shared by the whole suite."""

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

# CI runs a fixed set of examples, so a red build always reproduces; locally hypothesis explores.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def toys() -> Iterator[None]:
    """The toy methods and datasets of :mod:`reproduce.testing`, registered for one test.

    Not autouse: a module opts in with ``pytestmark = pytest.mark.usefixtures("toys")``.
    """
    from reproduce.testing import register_toys, unregister_toys  # imports the suite's packages

    register_toys()
    yield
    unregister_toys()


@pytest.fixture
def one_thread() -> Iterator[None]:
    """One torch/BLAS thread for one test: tiny networks run fastest so (and the machine is shared).

    Not autouse: a module opts in with ``pytestmark = pytest.mark.usefixtures("one_thread")``.
    """
    from rrnvp.runtime import ThreadBudget

    with ThreadBudget(1):
        yield
