"""Shared test settings: hypothesis runs derandomized, so a CI failure replays."""

from hypothesis import settings

settings.register_profile("cnncalc", derandomize=True, database=None, deadline=None, print_blob=True)
settings.load_profile("cnncalc")
