"""``Catalogue.changes_between``: each change says plainly whether a value starts or ends."""

from __future__ import annotations

from datetime import date

from asilo.policy import load_catalogue
from asilo.policy.catalogue import PolicyChange


def test_changes_name_their_value_and_whether_it_starts_or_ends() -> None:
    changes = load_catalogue().changes_between(date(2018, 1, 1), date(2026, 12, 31))
    assert changes == sorted(changes, key=PolicyChange.order)
    starts = [c for c in changes if not c.ends]
    ends = [c for c in changes if c.ends]
    assert starts and ends
    for change in starts:
        assert change.period.start == change.day
    for change in ends:
        end = change.period.end_instant()
        assert end is not None and end.date() == change.day
        # an end is listed only when no value of the same policy follows at once
        following = change.document.values[change.index + 1 :]
        assert not following or following[0].start_instant() != end


def test_a_value_ending_sorts_after_the_same_value_starting_on_that_day() -> None:
    catalogue = load_catalogue()
    document = next(iter(catalogue.documents.values()))
    day = document.values[0].start
    start = PolicyChange(day, document, 0, ends=False)
    end = PolicyChange(day, document, 0, ends=True)
    assert sorted([end, start], key=PolicyChange.order) == [start, end]
