"""Measurements of the book against d2l 1.0.3: ``python -m benchmarks`` (``make bench``)."""
