"""How long a list may be."""

LIST_LIMIT = 200


def bounded(limit: int) -> int:
    """A page size between 1 and ``LIST_LIMIT``."""
    return max(1, min(limit, LIST_LIMIT))
