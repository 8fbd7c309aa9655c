"""Test-wide settings."""

import matplotlib

# Unit tests draw without a screen; the notebook tests use the inline backend.
matplotlib.use("Agg")
