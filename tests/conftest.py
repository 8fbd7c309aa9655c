"""Test-wide settings."""

# d2lrnn first: its compatibility layer must be in place before anything imports MXNet
# (with numpy >= 1.24, MXNet 1.9.1 imports only through it; see d2lrnn.compat).
import d2lrnn  # noqa: F401, I001
import matplotlib

# Unit tests draw without a screen; the notebook tests use the inline backend.
matplotlib.use("Agg")
