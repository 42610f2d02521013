"""What the identity app's services and selectors share: audit object names, components."""

from __future__ import annotations

RUN = "identity.linkrun"
PAIR = "identity.reviewpair"
RECORD = "identity.identityrecord"


class Components:
    """Union-find over record ids (the smallest id of a component is its root)."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)
