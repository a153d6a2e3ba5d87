"""Benchmarks behind ``muralstudio bench``: the papers' protocols, engines side by side."""
