"""Test configuration shared by the whole suite."""

import os

from hypothesis import settings

# CI runs a fixed set of examples, so a red build always reproduces; locally hypothesis explores.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
