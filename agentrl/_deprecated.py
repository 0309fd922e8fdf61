"""The warning that an old import path gives for one release after the package was relaid."""

import warnings


def moved(old: str, new: str) -> None:
    """Warn (DeprecationWarning, pointing at the importer) that module ``old`` is now ``new``."""
    warnings.warn(
        f"`{old}` moved to `{new}`; the old path goes away in the next release",
        DeprecationWarning,
        stacklevel=3,
    )
