"""The one lock of identity writers (the audit writers' lock, taken before a write to stored
identities)."""

from __future__ import annotations

from asilo.web.audit.chain import lock_chain


def writers_one_at_a_time() -> None:
    """Inside a transaction that changes stored identities: wait for the audit writers' lock
    first.

    Every such transaction ends with an audit entry, which takes that lock anyway
    (:func:`asilo.web.audit.chain.lock_chain`); taking it before the first write to a stored
    identity puts two such writers one after the other. Two registrations merging
    overlapping identities at once otherwise updated the same identity records in opposite
    orders (a deadlock on PostgreSQL), or one merged into an identity the other had just
    emptied. Matching at record time takes it only when a new record joins or merges stored
    identities, after everything it reads; a record that starts a new identity of its own
    changes no stored identity and waits for nobody until its audit entry.
    """
    lock_chain()
