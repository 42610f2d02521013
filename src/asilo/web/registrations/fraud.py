"""Duplicate and abuse signals. Each opens (or adds to) a review task; none rejects anything.

- the same person in two registrations: same date of birth (compared by keyed digest) and
  names that match after normalisation (unidecode, lower case, letters only) with a rapidfuzz
  token-sort ratio of at least ``ASILO_DUPLICATE_NAME_SCORE`` (default 85), so "María José
  López" meets "Maria Jose Lopes";
- one phone number (phone or WhatsApp) behind ``ASILO_SHARED_PHONE_THRESHOLD`` (default 5) or
  more registrations, one shelter or address behind ``ASILO_SHARED_PLACE_THRESHOLD`` (default
  10) or more;
- a burst: ``ASILO_BURST_THRESHOLD`` (default 20) or more registrations from one source (one
  caseworker, or one client address for self-service) within ``ASILO_BURST_WINDOW_MINUTES``
  (default 10) minutes. A partner's list is one import, audited as such, and is not a burst.

On the self-service channel a burst needs only ``ASILO_SELF_SERVICE_BURST_THRESHOLD`` (default
5; or ``ASILO_BURST_THRESHOLD`` when lower) registrations from one client address.

Signals gate: a registration in an open task of a holding kind (``ASILO_HOLDING_KINDS``: by
default all four, a burst, a shared phone or address and the same person twice) is held out
of allocation until a person closes the task (:func:`held_registrations`); it is never
rejected and keeps its place.

Thresholds are Django settings (``getattr(settings, name, default)``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from rapidfuzz import fuzz
from unidecode import unidecode

from asilo.web.registrations.models import (
    NOTES_SEPARATOR,
    Channel,
    Member,
    Registration,
    ReviewTask,
    Status,
    TaskKind,
    TaskState,
    task_notes,
)

_NOT_LETTER = re.compile(r"[^a-z]+")


#: Signals that can hold registrations out of allocation until a person reviews them.
HOLDING_KINDS = (
    TaskKind.BURST,
    TaskKind.SHARED_PHONE,
    TaskKind.SHARED_PLACE,
    TaskKind.DUPLICATE_PERSON,
    TaskKind.DUPLICATE_REGISTRATION,
    TaskKind.SHARED_DEVICE,
    TaskKind.SHARED_NETWORK,
)

#: Signals other apps add, called like the ones below (inside the creating transaction) and
#: returning the tasks they opened: identity resolution adds "possible duplicate
#: registration" (a member matches a member of another open registration; it registers
#: itself in its ``AppConfig.ready``, being a layer above).
Signal = Callable[[Registration, list[Member], datetime], list[ReviewTask]]
EXTRA_SIGNALS: list[Signal] = []


def holding_kinds() -> list[str]:
    """The kinds that hold (``ASILO_HOLDING_KINDS``; by default all of :data:`HOLDING_KINDS`:
    a burst, a shared phone or address, the same person twice, a family registered again)."""
    configured = getattr(settings, "ASILO_HOLDING_KINDS", HOLDING_KINDS)
    return [str(k) for k in configured if k in HOLDING_KINDS]


def held_registrations() -> Any:
    """Ids of registrations held for review (a subquery for ``id__in``)."""
    return (
        ReviewTask.registrations.through.objects.filter(
            reviewtask__state=TaskState.OPEN, reviewtask__kind__in=holding_kinds()
        )
        .values("registration_id")
        .distinct()
    )


def setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def normalise_name(text: str) -> str:
    """``"María-José  López"`` → ``"maria jose lopez"``."""
    return " ".join(_NOT_LETTER.sub(" ", unidecode(text or "").lower()).split())


def name_score(a: str, b: str) -> float:
    """How alike two full names are (0–100), ignoring accents, case, order and punctuation."""
    return float(fuzz.token_sort_ratio(normalise_name(a), normalise_name(b)))


def open_task(
    *,
    kind: str,
    key: str,
    registrations: Callable[[], Iterable[Registration | int]],
    detail: dict[str, Any],
    newest: Registration | None = None,
) -> ReviewTask:
    """The open task for ``key``. A new task gets every registration ``registrations()``
    yields; an open one gets only ``newest`` (the others were added before)."""
    task = ReviewTask.objects.filter(kind=kind, key=key, state=TaskState.OPEN).order_by().first()
    if task is None:
        task = ReviewTask.objects.create(kind=kind, key=key, detail=detail)
        task.registrations.add(*registrations())
        return task
    # ``detail`` keeps what was seen when the task opened: no write to the task's row here,
    # so concurrent registrations joining one task never wait for each other.
    joining = [newest] if newest is not None else list(registrations())
    _join(task, joining)
    return task


def _join(task: ReviewTask, joining: Iterable[Registration | int]) -> None:
    through = ReviewTask.registrations.through
    through.objects.bulk_create(
        [through(reviewtask_id=task.pk, registration_id=getattr(r, "pk", r)) for r in joining],
        ignore_conflicts=True,
    )


class NotedTask(NamedTuple):
    """The task a caseworker's note went to, and whether it was already open."""

    task: ReviewTask
    was_open: bool


def open_task_with_note(
    *,
    kind: str,
    key: str,
    registrations: Callable[[], Iterable[Registration]],
    detail: dict[str, Any],
    note: str,
) -> NotedTask:
    """The open task for ``key`` with what a caseworker wrote (encrypted at rest; ``detail``
    holds no free text). A new task gets ``note`` as its opening note; an open one (a signal
    or another caseworker opened it) gets it added to its notes, unless it holds the same note
    already, so that no caseworker's note is lost. The open task's row is locked while the note
    is added: two caseworkers writing at once both keep theirs, and one who opens the task
    while another caseworker opens it too adds the note to the other's task (the partial
    unique index of open tasks refuses the second, in a savepoint)."""
    open_one = ReviewTask.objects.select_for_update().filter(
        kind=kind, key=key, state=TaskState.OPEN
    )
    task = open_one.order_by().first()
    if task is None:
        try:
            with transaction.atomic():
                task = ReviewTask.objects.create(
                    kind=kind, key=key, detail=detail, opening_note=note
                )
        except IntegrityError:
            task = open_one.order_by().get()  # opened meanwhile, and committed
        else:
            task.registrations.add(*registrations())
            return NotedTask(task, was_open=False)
    notes = task_notes(task.opening_note)
    if note not in notes:
        task.opening_note = NOTES_SEPARATOR.join([*notes, note])
        task.save(update_fields=["opening_note"])
    _join(task, registrations())
    return NotedTask(task, was_open=True)


def open_new_task(
    *, kind: str, key: str, registration: Registration, detail: dict[str, Any]
) -> ReviewTask:
    """A task that cannot exist yet (keyed by a registration created in this transaction)."""
    task = ReviewTask.objects.create(kind=kind, key=key, detail=detail)
    ReviewTask.registrations.through.objects.create(reviewtask=task, registration=registration)
    return task


def _full_name(member: Member) -> str:
    return f"{member.given_names} {member.surnames}"


def check_duplicate_people(registration: Registration, members: list[Member]) -> list[ReviewTask]:
    """Members of other open registrations born the same day (an indexed look-up of the
    keyed digest of the date of birth) whose names are alike. Only the candidates' two name
    fields are decrypted (not their dates, contacts or registrations): a registration's cost
    grows with the people born on the same days, never with the registrations stored."""
    threshold = setting("ASILO_DUPLICATE_NAME_SCORE", 85)
    tasks: list[ReviewTask] = []
    born = {m.dob_digest for m in members if m.dob_digest is not None}
    if not born:
        return tasks
    candidates = list(
        Member.objects.filter(dob_digest__in=born)
        .exclude(registration=registration)
        .exclude(registration__status=Status.CLOSED)
        .order_by()
        .values_list(
            "dob_digest",
            "given_names",
            "surnames",
            "position",
            "registration_id",
            "registration__number",
        )
    )
    # Every pair found, keyed by the two registrations (the first member pair found tells).
    found: dict[str, tuple[int, dict[str, Any]]] = {}
    for member in members:
        for dob_digest, given, surnames, position, other_id, other_number in candidates:
            if dob_digest != member.dob_digest:
                continue
            score = name_score(_full_name(member), f"{given} {surnames}")
            if score < threshold:
                continue
            first, second = sorted([registration.pk, other_id])
            found.setdefault(
                f"{first}:{second}",
                (
                    other_id,
                    {
                        "members": {
                            registration.number: member.position,
                            other_number: position,
                        },
                        "name_score": round(score, 1),
                    },
                ),
            )
    return open_pair_tasks(TaskKind.DUPLICATE_PERSON, registration, found)


def open_pair_tasks(
    kind: str, registration: Registration, found: dict[str, tuple[int, dict[str, Any]]]
) -> list[ReviewTask]:
    """The open task of ``kind`` for each key of ``found`` (``key: (other registration id,
    detail)``), each holding ``registration`` and the other one: the open ones read in one
    query, the new ones created in one insert, the registrations joined in one insert."""
    if not found:
        return []
    tasks = {
        t.key: t
        for t in ReviewTask.objects.filter(kind=kind, key__in=list(found), state=TaskState.OPEN)
    }
    new = [ReviewTask(kind=kind, key=k, detail=d) for k, (_o, d) in found.items() if k not in tasks]
    if new:
        tasks.update((t.key, t) for t in ReviewTask.objects.bulk_create(new))
    through = ReviewTask.registrations.through
    through.objects.bulk_create(
        [
            through(reviewtask_id=tasks[key].pk, registration_id=rid)
            for key, (other_id, _d) in found.items()
            for rid in (registration.pk, other_id)
        ],
        ignore_conflicts=True,
    )
    return [tasks[key] for key in found]


def _shared(
    registration: Registration, kind: str, query: Q, digest: str, threshold: int
) -> ReviewTask | None:
    key = digest[:32]
    sharing = (
        Registration.objects.filter(query)
        .exclude(status=Status.CLOSED)
        .exclude(pk__in=_reviewed_for(kind, key=key))
    )
    count = sharing.count()
    if count < threshold:
        return None
    return open_task(
        kind=kind,
        key=key,
        registrations=lambda: sharing.values_list("id", flat=True),
        detail={"registrations": count, "threshold": threshold},
        newest=registration,
    )


def check_shared_contact(registration: Registration) -> list[ReviewTask]:
    tasks = []
    phone_threshold = setting("ASILO_SHARED_PHONE_THRESHOLD", 5)
    phones = {d for d in (registration.phone_digest, registration.whatsapp_digest) if d}
    for digest in sorted(phones):
        task = _shared(
            registration,
            TaskKind.SHARED_PHONE,
            Q(phone_digest=digest) | Q(whatsapp_digest=digest),
            digest,
            phone_threshold,
        )
        if task is not None:
            tasks.append(task)
    if registration.place_digest:
        task = _shared(
            registration,
            TaskKind.SHARED_PLACE,
            Q(place_digest=registration.place_digest),
            registration.place_digest,
            setting("ASILO_SHARED_PLACE_THRESHOLD", 10),
        )
        if task is not None:
            tasks.append(task)
    return tasks


def _reviewed_for(kind: str, *, key: str | None = None) -> QuerySet[Any]:
    """Ids of registrations a person already reviewed for the signal ``kind`` (in a closed
    task of that kind; with ``key``, of that phone or address): the signal does not hold them
    again (a subquery for ``pk__in``)."""
    closed = ReviewTask.registrations.through.objects.filter(
        reviewtask__kind=kind, reviewtask__state=TaskState.CLOSED
    )
    if key is not None:
        closed = closed.filter(reviewtask__key=key)
    return closed.values("registration_id")


def check_burst(registration: Registration, now: datetime) -> ReviewTask | None:
    """A burst from the registration's source within the window. Families a person already
    reviewed for a burst are neither counted nor held again by it."""
    if registration.channel == Channel.BULK_IMPORT:
        return None
    threshold = setting("ASILO_BURST_THRESHOLD", 20)
    if registration.channel == Channel.SELF_SERVICE:
        threshold = min(threshold, setting("ASILO_SELF_SERVICE_BURST_THRESHOLD", 5))
    window = timedelta(minutes=setting("ASILO_BURST_WINDOW_MINUTES", 10))
    recent = (
        Registration.objects.filter(
            source_digest=registration.source_digest,
            registered_on__gt=now - window,
            registered_on__lte=now,
        )
        .exclude(channel=Channel.BULK_IMPORT)
        .exclude(pk__in=_reviewed_for(TaskKind.BURST))
    )
    count = recent.count()
    if count < threshold:
        return None
    return open_task(
        kind=TaskKind.BURST,
        key=registration.source_digest[:32],
        registrations=lambda: recent.values_list("id", flat=True),
        newest=registration,
        detail={
            "registrations_in_window": count,
            "window_minutes": int(window.total_seconds() // 60),
            "threshold": threshold,
            "channel": registration.channel,
            "caseworker_id": registration.created_by_id,
        },
    )


def _ids_of(rows: QuerySet[Registration]) -> Callable[[], Iterable[int]]:
    return lambda: rows.values_list("id", flat=True)


def check_shared_origin(registration: Registration, now: datetime) -> list[ReviewTask]:
    """Many self-service registrations from one device (the browser's first-party cookie)
    or one network within ``ASILO_SHARED_ORIGIN_WINDOW_HOURS`` (default 24):
    ``ASILO_SHARED_DEVICE_THRESHOLD`` (default 3) or ``ASILO_SHARED_NETWORK_THRESHOLD``
    (default 20) hold them all in one task. A caseworker's registrations (staff, signed in)
    are never counted. Families a person already reviewed for the same signal are not held
    again by it."""
    if registration.channel != Channel.SELF_SERVICE:
        return []
    hours = setting("ASILO_SHARED_ORIGIN_WINDOW_HOURS", 24)
    since = now - timedelta(hours=hours)
    tasks = []
    for kind, field, threshold in (
        (TaskKind.SHARED_DEVICE, "device_digest", setting("ASILO_SHARED_DEVICE_THRESHOLD", 3)),
        (TaskKind.SHARED_NETWORK, "network_digest", setting("ASILO_SHARED_NETWORK_THRESHOLD", 20)),
    ):
        value = getattr(registration, field)
        if not value:
            continue
        recent = (
            Registration.objects.filter(
                **{field: value},
                channel=Channel.SELF_SERVICE,
                registered_on__gt=since,
                registered_on__lte=now,
            )
            .exclude(status=Status.CLOSED)
            .exclude(pk__in=_reviewed_for(kind))
        )
        count = recent.count()
        if count < threshold:
            continue
        tasks.append(
            open_task(
                kind=kind,
                key=value[:32],
                registrations=_ids_of(recent),
                newest=registration,
                detail={
                    "registrations_in_window": count,
                    "window_hours": hours,
                    "threshold": threshold,
                },
            )
        )
    return tasks


def run_signals(
    registration: Registration, members: list[Member], now: datetime
) -> list[ReviewTask]:
    """Every signal for a new registration (inside the creating transaction)."""
    tasks = check_duplicate_people(registration, members)
    tasks += check_shared_contact(registration)
    burst = check_burst(registration, now)
    if burst is not None:
        tasks.append(burst)
    tasks += check_shared_origin(registration, now)
    for signal in EXTRA_SIGNALS:
        tasks += signal(registration, members, now)
    return tasks
