"""The error of a population run, shared by the run and its engines (kept apart so neither imports the other)."""


class PopulationError(Exception):
    """A population run that cannot go on (the message says why)."""
