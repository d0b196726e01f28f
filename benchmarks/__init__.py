"""Benchmarks of the whole consolidation at district (60), province (10,000) and country (150,000) scale.

Not tests: ``python -m benchmarks.generate`` builds (and caches) the data, ``python -m benchmarks.run`` times it.
"""
