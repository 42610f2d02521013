"""Writes of the encounters app: record (decide), confirm, override, review, book out, family
exceptions and reunification tasks. One transaction each, audited in the same transaction;
decisions carry the catalogue version. Rights are checked (and refusals audited) first.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from asilo.policy import EncounterInputError, decide, load_catalogue, parse_encounter
from asilo.policy.countries import ISO3
from asilo.web.accounts.roles import Capability
from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_record
from asilo.web.core.access import require
from asilo.web.encounters.clocks import (
    UC_LIMIT_HOURS,
    encounter_moment,
    place_time_zone,
    standard_hours,
)
from asilo.web.encounters.errors import EncounterError
from asilo.web.encounters.errors import EncounterErrorCode as C
from asilo.web.encounters.models import (
    Authority,
    Component,
    Custody,
    Encounter,
    EncounterDecision,
    EncounterPerson,
    EncounterStatus,
    ExceptionStatus,
    FamilyException,
    NotificationKind,
    Outcome,
    Override,
    OverrideVerdict,
    Pathway,
    ReunificationNote,
    ReunificationTask,
    StaffNotification,
    TaskClosing,
    TaskStatus,
)
from asilo.web.people import name_index
from asilo.web.people.errors import DomainError, PeopleError
from asilo.web.people.errors import PeopleErrorCode as PC
from asilo.web.people.models import PERSON_ONLY_VULNERABILITIES, MemberRole, Person, Relationship
from asilo.web.people.services import (
    MemberInput,
    family_unit_create_unchecked,
    person_create_unchecked,
    person_find_by_a_number,
)
from asilo.web.people.validation import IdentityInput, clean_identity

if TYPE_CHECKING:
    from asilo.policy import Encounter as PolicyEncounter
    from asilo.web.accounts.models import User

ENCOUNTER = "encounters.encounter"
OVERRIDE = "encounters.override"
CUSTODY = "encounters.custody"
FAMILY_EXCEPTION = "encounters.familyexception"
REUNIFICATION_TASK = "encounters.reunificationtask"

#: A person's identity fields: kept (encrypted) on the person, never passed to the policy engine.
IDENTITY_FIELDS = frozenset(
    {
        "given_names",
        "first_surname",
        "second_surname",
        "date_of_birth",
        "sex",
        "documents",
        "a_number",
        "languages",
    }
)
#: Top-level fields of the request that are asilo's, not the policy engine's.
REQUEST_FIELDS = frozenset({"client_request_id", "booked_in_at"})
CLOCK_SKEW = timedelta(minutes=5)
MIN_REASON = 15
MIN_NOTE = 10
MAX_TEXT = 2000
CLIENT_REQUEST_ID_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.:-_"
)


def _written(text: str | None, *, field: str, minimum: int, code: C) -> str:
    """A reason or note: stripped, at least ``minimum`` and at most ``MAX_TEXT`` characters."""
    clean = (text or "").strip()
    if len(clean) < minimum:
        raise EncounterError(code, field, minimum=minimum)
    if len(clean) > MAX_TEXT:
        raise EncounterError(C.TEXT_TOO_LONG, field, limit=MAX_TEXT)
    return clean


class EncounterErrors(Exception):
    """Every input error of a document at once: the policy engine's (every bad field), or the
    identity errors (the first bad field of each person)."""

    def __init__(self, errors: Sequence[DomainError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.code}" for e in errors))


@dataclass(frozen=True)
class RecordedEncounter:
    """The encounter; when it was just created, also its participants and custodies as written
    (in position order), so the answer can be built without reading them back."""

    encounter: Encounter
    created: bool
    participants: list[EncounterPerson] | None = None
    custodies: list[Custody] | None = None


@dataclass(frozen=True)
class PreparedEncounter:
    policy_document: dict[str, Any]
    parsed: PolicyEncounter
    identities: list[IdentityInput]
    occurred_at: datetime | None
    result: dict[str, Any]
    #: The moment of the encounter in its place's time zone (the start of the day when the
    #: time is unknown), and whether the time of day is known.
    moment: datetime
    time_known: bool


# --- the encounter document ---------------------------------------------------------------


def policy_field(path: str) -> str | None:
    """``people[0].age`` (the policy engine's) -> ``people.0.age`` (the API's)."""
    if path in ("", "(document)"):
        return None
    return path.replace("[", ".").replace("]", "")


def split_document(document: Mapping[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The policy engine's document, and each person's full object (identity included)."""
    policy = {k: v for k, v in document.items() if k not in REQUEST_FIELDS}
    people = document.get("people")
    raw_people: list[dict[str, Any]] = []
    if isinstance(people, list):
        policy_people: list[Any] = []
        for person in people:
            if not isinstance(person, Mapping):
                raw_people.append({})
                policy_people.append(person)
                continue
            raw_people.append(dict(person))
            policy_person = {k: v for k, v in person.items() if k not in IDENTITY_FIELDS}
            if policy_person.get("relationship") == "child":
                # asilo's own word for a child's place in the unit; the engine leaves a child's
                # relationship empty (it reads the adults' relationships to the children).
                del policy_person["relationship"]
            vulnerabilities = policy_person.get("vulnerabilities")
            if isinstance(vulnerabilities, list):
                policy_person["vulnerabilities"] = [
                    v for v in vulnerabilities if v not in PERSON_ONLY_VULNERABILITIES
                ]
            policy_people.append(policy_person)
        policy["people"] = policy_people
    return policy, raw_people


def prepare_encounter(document: Mapping[str, Any], *, now: datetime) -> PreparedEncounter:
    """Check the document and decide; writes nothing. Raises ``EncounterErrors`` (every bad
    field) or an ``EncounterError`` naming the field."""
    if not isinstance(document, Mapping):
        raise EncounterErrors(
            [EncounterError(C.INVALID_ENCOUNTER, None, detail="an encounter is a JSON object")]
        )
    policy_document, raw_people = split_document(document)
    catalogue = load_catalogue()
    try:
        parsed = parse_encounter(policy_document, catalogue=catalogue)
    except EncounterInputError as exc:
        raise EncounterErrors(
            [
                EncounterError(C.INVALID_ENCOUNTER, policy_field(field), detail=f"{field} {msg}")
                for field, msg in exc.errors
            ]
        ) from None
    place = parsed.place_of_encounter()
    zone = place_time_zone(place.kind, place.name)
    moment, time_known = encounter_moment(parsed.date, parsed.time, zone)
    occurred_at = moment if time_known else None
    today = timezone.localtime(now, zone).date()
    if parsed.date > today or (occurred_at is not None and occurred_at > now + CLOCK_SKEW):
        raise EncounterError(C.ENCOUNTER_IN_FUTURE, "date" if parsed.date > today else "time")
    identities: list[IdentityInput] = []
    errors: list[DomainError] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_people):
        try:
            identity = clean_identity(raw, on=parsed.date, prefix=f"people.{i}")
        except PeopleError as exc:
            errors.append(exc)
            continue
        if identity.a_number is not None:
            if identity.a_number in seen:
                errors.append(PeopleError(PC.FAMILY_MEMBER_DUPLICATE, f"people.{i}.a_number"))
            seen.add(identity.a_number)
        identities.append(identity)
    if errors:
        raise EncounterErrors(errors)
    result = decide(parsed, catalogue=catalogue).model_dump(mode="json")
    return PreparedEncounter(
        policy_document, parsed, identities, occurred_at, result, moment, time_known
    )


def _member_outcomes(result: Mapping[str, Any], count: int) -> list[Mapping[str, Any]]:
    """Each person's outcome: their own when the decision splits the group, else the group's."""
    members = result.get("members") or []
    if not members:
        return [{**result, "unit": 0} for _i in range(count)]
    by_person = {m["person"]: m for m in members}
    return [by_person.get(i, {**result, "unit": 0}) for i in range(count)]


def _clean_client_request_id(value: str | None) -> str | None:
    if value is None:
        return None
    if not 1 <= len(value) <= 100 or not set(value) <= CLIENT_REQUEST_ID_CHARS:
        raise EncounterError(C.CLIENT_REQUEST_ID_INVALID, "client_request_id")
    return value


def _request_digest(document: Mapping[str, Any]) -> str:
    payload = {k: v for k, v in document.items() if k != "client_request_id"}
    canonical = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return name_index.digest("encounter-request:" + canonical)


def _replay(actor: User, client_request_id: str, digest: str) -> Encounter | None:
    # At most one row (unique per user and id): no ordering to compile, as ``first()`` would.
    existing = next(
        iter(
            Encounter.objects.filter(
                recorded_by=actor, client_request_id=client_request_id
            ).order_by()[:1]
        ),
        None,
    )
    if existing is not None and existing.request_digest != digest:
        raise EncounterError(C.CLIENT_REQUEST_ID_REUSED, "client_request_id", id=existing.pk)
    return existing


def _booked_in_at(
    value: datetime | None, *, prepared: PreparedEncounter, now: datetime
) -> tuple[datetime, bool]:
    """The book-in: the moment of the encounter (never the moment of typing), or an explicit
    later moment (a person brought in later). Also whether its time of day is known."""
    if value is None:
        return prepared.moment, prepared.time_known
    if timezone.is_naive(value):
        value = value.replace(tzinfo=prepared.moment.tzinfo)
    if value > now + CLOCK_SKEW or value < prepared.moment:
        raise EncounterError(C.BOOK_IN_INVALID, "booked_in_at")
    return value, True


def encounter_record(
    *,
    actor: User,
    document: Mapping[str, Any],
    client_request_id: str | None = None,
    booked_in_at: datetime | None = None,
    now: datetime | None = None,
) -> RecordedEncounter:
    """Record an encounter: its people (or family unit), the decision, and each person's custody.

    A resubmission with the same ``client_request_id`` by the same user returns the first
    encounter (``created=False``); the same id with a different document is refused.
    """
    require(actor, Capability.ENCOUNTER_RECORD, object_type=ENCOUNTER)
    now = now or timezone.now()
    crid = _clean_client_request_id(client_request_id)
    digest = _request_digest(document) if isinstance(document, Mapping) else ""
    if crid is not None and (existing := _replay(actor, crid, digest)) is not None:
        return RecordedEncounter(existing, created=False)
    prepared = prepare_encounter(document, now=now)
    book_in, time_known = _booked_in_at(booked_in_at, prepared=prepared, now=now)
    for attempt in range(2):
        try:
            with transaction.atomic():
                encounter, participants, custodies = _write_encounter(
                    actor=actor,
                    prepared=prepared,
                    crid=crid,
                    digest=digest,
                    book_in=book_in,
                    time_known=time_known,
                    now=now,
                )
            return RecordedEncounter(
                encounter, created=True, participants=participants, custodies=custodies
            )
        except IntegrityError:
            # Two submissions with one client request id raced: the other one won.
            if crid is not None and (existing := _replay(actor, crid, digest)) is not None:
                return RecordedEncounter(existing, created=False)
            # Two encounters brought one new A-number at once: the retry links the person the
            # other one created.
            if attempt == 1:
                raise
    raise AssertionError("unreachable")


def _write_encounter(
    *,
    actor: User,
    prepared: PreparedEncounter,
    crid: str | None,
    digest: str,
    book_in: datetime,
    time_known: bool,
    now: datetime,
) -> tuple[Encounter, list[EncounterPerson], list[Custody]]:
    parsed = prepared.parsed
    place = parsed.place_of_encounter()
    encounter = Encounter.objects.create(
        encounter_date=parsed.date,
        occurred_at=prepared.occurred_at,
        component=Component.USBP if place.kind == "between_ports" else Component.OFO,
        place_kind=place.kind,
        place_name=place.name,
        document=prepared.policy_document,
        client_request_id=crid,
        request_digest=digest,
        recorded_by=actor,
        recorded_at=now,
    )
    people: list[Person] = []
    for i, identity in enumerate(prepared.identities):
        known = person_find_by_a_number(identity.a_number) if identity.a_number else None
        people.append(
            known
            or person_create_unchecked(
                actor=actor,
                identity=identity,
                on=parsed.date,
                a_number_field=f"people.{i}.a_number",
            )
        )
    roles = [
        p.role or (MemberRole.CHILD if p.age < 18 else MemberRole.ADULT) for p in parsed.people
    ]
    relationships = [
        p.relationship or (Relationship.CHILD if role == MemberRole.CHILD else Relationship.NONE)
        for p, role in zip(parsed.people, roles, strict=True)
    ]
    if len(people) > 1:
        encounter.family_unit = family_unit_create_unchecked(
            actor=actor,
            members=[
                MemberInput(person=person, role=role, relationship=rel)
                for person, role, rel in zip(people, roles, relationships, strict=True)
            ],
        )
        encounter.save(update_fields=["family_unit"])
    result = prepared.result
    outcomes = _member_outcomes(result, len(people))
    participants = EncounterPerson.objects.bulk_create(
        [
            EncounterPerson(
                encounter=encounter,
                person=person,
                position=i,
                role=roles[i],
                relationship=relationships[i],
                age=parsed.people[i].age,
                nationality=parsed.people[i].nationality,
                pathway=outcomes[i]["pathway"],
                demographic=outcomes[i]["demographic"],
                unit=outcomes[i]["unit"],
                custody_limit_hours=outcomes[i]["custody_limit_hours"],
            )
            for i, person in enumerate(people)
        ]
    )
    EncounterDecision.objects.create(
        encounter=encounter,
        inputs=prepared.policy_document,
        result=result,
        catalogue_version=result["catalogue_version"],
        authority=result["authority"],
        pathway=result["pathway"],
        destination=result["destination"] or "",
        demographic=result["demographic"],
        custody_limit_hours=result["custody_limit_hours"],
        decided_at=now,
    )
    audit_record(
        actor=actor,
        action=AuditAction.DECIDE,
        object_type=ENCOUNTER,
        object_id=encounter.pk,
        after={
            "place": place.name,
            "date": parsed.date.isoformat(),
            "people": [p.pk for p in people],
            "authority": result["authority"],
            "pathway": result["pathway"],
            "demographic": result["demographic"],
            "destination": result["destination"],
            "rules": [r["rule"] for r in result["reasons"]],
        },
        catalogue_version=result["catalogue_version"],
    )
    custodies: list[Custody] = []
    standard = standard_hours(result)
    for i, person in enumerate(people):
        limit = outcomes[i]["custody_limit_hours"]
        if limit is None and outcomes[i]["demographic"] == "unaccompanied_child":
            # The statute binds even where the policy of the day set no clock (UC-02).
            limit = UC_LIMIT_HOURS
        custody = Custody.objects.create(
            encounter=encounter,
            person=person,
            booked_in_at=book_in,
            booked_in_time_known=time_known,
            limit_hours=limit,
            due_at=book_in + timedelta(hours=limit) if limit is not None else None,
            standard_hours=standard,
            standard_due_at=book_in + timedelta(hours=standard),
        )
        audit_record(
            actor=actor,
            action=AuditAction.BOOK_IN,
            object_type=CUSTODY,
            object_id=custody.pk,
            after={
                "encounter": encounter.pk,
                "person": person.pk,
                "booked_in_at": book_in.isoformat(),
                "booked_in_time_known": time_known,
                "limit_hours": limit,
                "standard_hours": standard,
                "due_at": custody.due_at.isoformat() if custody.due_at else None,
            },
            catalogue_version=result["catalogue_version"],
        )
        custodies.append(custody)
    return encounter, participants, custodies


# --- confirm, override, review ------------------------------------------------------------


def _locked_encounter(encounter_id: int) -> Encounter:
    encounter = (
        Encounter.objects.select_for_update(of=("self",))
        .select_related("decision")
        .filter(pk=encounter_id)
    ).first()
    if encounter is None:
        raise EncounterError(C.ENCOUNTER_NOT_FOUND, "encounter_id")
    return encounter


def _still_decided(encounter: Encounter) -> None:
    if encounter.status != EncounterStatus.DECIDED:
        raise EncounterError(
            C.DECISION_ALREADY_SETTLED, None, status=encounter.get_status_display()
        )


def decision_confirm(*, actor: User, encounter_id: int) -> Encounter:
    """The officer confirms the decision as the policy engine gave it."""
    require(actor, Capability.DECISION_CONFIRM, object_type=ENCOUNTER, object_id=encounter_id)
    with transaction.atomic():
        encounter = _locked_encounter(encounter_id)
        _still_decided(encounter)
        decision = encounter.decision
        decision.confirmed_by = actor
        decision.confirmed_at = timezone.now()
        decision.save(update_fields=["confirmed_by", "confirmed_at"])
        encounter.status = EncounterStatus.CONFIRMED
        encounter.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action=AuditAction.CONFIRM,
            object_type=ENCOUNTER,
            object_id=encounter.pk,
            before={"status": EncounterStatus.DECIDED},
            after={"status": EncounterStatus.CONFIRMED, "pathway": decision.pathway},
            catalogue_version=decision.catalogue_version,
        )
    return encounter


def _check_override(
    *, authority: str, pathway: str, destination: str | None, reason: str
) -> tuple[str, str]:
    if authority not in Authority.values:
        raise EncounterError(
            C.OVERRIDE_AUTHORITY_INVALID, "authority", allowed=", ".join(Authority.values)
        )
    if pathway not in Pathway.values:
        raise EncounterError(
            C.OVERRIDE_PATHWAY_INVALID, "pathway", allowed=", ".join(Pathway.values)
        )
    dest = destination or ""
    if dest and dest not in ISO3:
        raise EncounterError(C.OVERRIDE_DESTINATION_INVALID, "destination")
    text = _written(reason, field="reason", minimum=MIN_REASON, code=C.OVERRIDE_REASON_REQUIRED)
    return dest, text


def decision_override(
    *,
    actor: User,
    encounter_id: int,
    authority: str,
    pathway: str,
    destination: str | None,
    reason: str,
) -> Override:
    """The officer departs from the decision, with a written reason; a supervisor reviews it."""
    require(actor, Capability.DECISION_OVERRIDE, object_type=ENCOUNTER, object_id=encounter_id)
    dest, text = _check_override(
        authority=authority, pathway=pathway, destination=destination, reason=reason
    )
    with transaction.atomic():
        encounter = _locked_encounter(encounter_id)
        _still_decided(encounter)
        decision = encounter.decision
        if (authority, pathway, dest) == (
            decision.authority,
            decision.pathway,
            decision.destination,
        ):
            raise EncounterError(C.OVERRIDE_SAME_AS_DECISION, "pathway")
        options = decision.result.get("options") or []
        within = any(o["pathway"] == pathway and o["authority"] == authority for o in options)
        child = encounter.participants.filter(demographic="unaccompanied_child").exists()
        if child and pathway in (Pathway.EXPULSION, Pathway.MPP_RETURN) and not within:
            raise EncounterError(C.OVERRIDE_UNLAWFUL_FOR_CHILD, "pathway")
        override = Override.objects.create(
            decision=decision,
            authority=authority,
            pathway=pathway,
            destination=dest,
            reason=text,
            within_options=within,
            overridden_by=actor,
        )
        encounter.status = EncounterStatus.OVERRIDDEN
        encounter.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action=AuditAction.OVERRIDE,
            object_type=ENCOUNTER,
            object_id=encounter.pk,
            before={
                "authority": decision.authority,
                "pathway": decision.pathway,
                "destination": decision.destination or None,
            },
            after={
                "override": override.pk,
                "authority": authority,
                "pathway": pathway,
                "destination": dest or None,
                "within_options": within,
            },
            catalogue_version=decision.catalogue_version,
        )
    return override


def override_review(*, actor: User, override_id: int, verdict: str, note: str = "") -> Override:
    """A supervisor reviews an override: upheld, or overturned with a note."""
    require(actor, Capability.OVERRIDE_REVIEW, object_type=OVERRIDE, object_id=override_id)
    if verdict not in OverrideVerdict.values:
        raise EncounterError(C.VERDICT_INVALID, "verdict")
    minimum = MIN_NOTE if verdict == OverrideVerdict.OVERTURNED else 0
    text = _written(note, field="note", minimum=minimum, code=C.REVIEW_NOTE_REQUIRED)
    with transaction.atomic():
        override = (
            Override.objects.select_for_update(of=("self",))
            .select_related("decision")
            .filter(pk=override_id)
            .first()
        )
        if override is None:
            raise EncounterError(C.OVERRIDE_NOT_FOUND, "override_id")
        if override.reviewed_at is not None:
            raise EncounterError(C.OVERRIDE_ALREADY_REVIEWED, None)
        if override.overridden_by_id == actor.pk:
            raise EncounterError(C.SELF_REVIEW, None)
        override.verdict = verdict
        override.review_note = text
        override.reviewed_by = actor
        override.reviewed_at = timezone.now()
        override.save(update_fields=["verdict", "review_note", "reviewed_by", "reviewed_at"])
        audit_record(
            actor=actor,
            action=AuditAction.REVIEW,
            object_type=OVERRIDE,
            object_id=override.pk,
            after={"verdict": verdict, "encounter": override.decision.encounter_id},
            catalogue_version=override.decision.catalogue_version,
        )
    return override


# --- custody and the family ---------------------------------------------------------------


def _check_outcome(outcome: str) -> None:
    if outcome not in Outcome.values:
        raise EncounterError(C.OUTCOME_INVALID, "outcome", allowed=", ".join(Outcome.values))


def family_person_ids(custody: Custody) -> list[int]:
    """The other members of this person's unit (people who share one outcome in law)."""
    unit = (
        EncounterPerson.objects.filter(
            encounter_id=custody.encounter_id, person_id=custody.person_id
        )
        .values_list("unit", flat=True)
        .first()
    )
    return list(
        EncounterPerson.objects.filter(encounter_id=custody.encounter_id, unit=unit)
        .exclude(person_id=custody.person_id)
        .order_by("position")
        .values_list("person_id", flat=True)
    )


def family_outcome(custody: Custody, family: Sequence[int]) -> str | None:
    """The outcome the family was booked out to (members without an exception), if any."""
    return (
        Custody.objects.filter(
            encounter_id=custody.encounter_id,
            person_id__in=family,
            booked_out_at__isnull=False,
            family_exception__isnull=True,
        )
        .order_by("booked_out_at", "id")
        .values_list("outcome", flat=True)
        .first()
    )


def _locked_custody(custody_id: int) -> Custody:
    custody = (
        Custody.objects.select_for_update(of=("self",))
        .select_related("encounter")
        .filter(pk=custody_id)
        .first()
    )
    if custody is None:
        raise EncounterError(C.CUSTODY_NOT_FOUND, "custody_id")
    return custody


def _check_lawful_for_child(
    custody: Custody, outcome: str, participant: EncounterPerson | None = None
) -> None:
    """An unaccompanied child leaves by expulsion or an MPP return only where the decision (or
    its override, or the child's own decision once left without the family) said so, i.e.
    before the exception for children was in force."""
    if outcome not in (Outcome.EXPELLED, Outcome.RETURNED_MPP):
        return
    if participant is None:
        participant = EncounterPerson.objects.get(
            encounter_id=custody.encounter_id, person_id=custody.person_id
        )
    redecided = custody.unaccompanied_since is not None
    if participant.demographic != "unaccompanied_child" and not redecided:
        return
    if redecided:
        allowed = {(custody.redecision or {}).get("pathway")}
    else:
        allowed = {participant.pathway}
        override = Override.objects.filter(decision__encounter_id=custody.encounter_id).first()
        if override is not None:
            allowed.add(override.pathway)
    wanted = Pathway.EXPULSION if outcome == Outcome.EXPELLED else Pathway.MPP_RETURN
    if wanted not in allowed:
        raise EncounterError(C.OUTCOME_UNLAWFUL_FOR_CHILD, "outcome")


@dataclass(frozen=True)
class UnitMember:
    """A member of a family unit (one unit of the decision) in one encounter."""

    custody: Custody
    participant: EncounterPerson

    @property
    def is_adult(self) -> bool:
        return self.participant.role == MemberRole.ADULT

    @property
    def is_child(self) -> bool:
        return self.participant.role == MemberRole.CHILD

    @property
    def handled_as_unaccompanied(self) -> bool:
        """A child left without the adults of the unit, re-decided alone (with the legal
        limit)."""
        return self.custody.unaccompanied_since is not None


def _locked_unit(custody_id: int) -> tuple[Custody, list[UnitMember]]:
    """The custody and every member of its unit, after locking their custodies in one order
    (id), so that two book-outs of one family cannot both see "no one booked out yet", and
    cannot deadlock (PostgreSQL; SQLite serialises writers)."""
    custody = Custody.objects.filter(pk=custody_id).first()
    if custody is None:
        raise EncounterError(C.CUSTODY_NOT_FOUND, "custody_id")
    unit = (
        EncounterPerson.objects.filter(
            encounter_id=custody.encounter_id, person_id=custody.person_id
        )
        .values_list("unit", flat=True)
        .first()
    )
    participants = {
        p.person_id: p
        for p in EncounterPerson.objects.filter(encounter_id=custody.encounter_id, unit=unit)
    }
    locked = list(
        Custody.objects.select_for_update(of=("self",))
        .select_related("encounter")
        .filter(encounter_id=custody.encounter_id, person_id__in=list(participants))
        .order_by("id")
    )
    members = sorted(
        (UnitMember(c, participants[c.person_id]) for c in locked),
        key=lambda m: m.participant.position,
    )
    return next(c for c in locked if c.pk == custody_id), members


def _left_alone(members: Sequence[UnitMember], leaving: Sequence[Custody]) -> list[UnitMember]:
    """The children of the unit who would be in custody without an adult of the unit (and not
    handled as unaccompanied children) once ``leaving`` left."""
    gone = {c.pk for c in leaving}
    staying = [m for m in members if m.custody.is_open and m.custody.pk not in gone]
    if any(m.is_adult for m in staying):
        return []
    return [m for m in staying if m.is_child and not m.handled_as_unaccompanied]


def _refuse_child_left_alone(children: Sequence[UnitMember]) -> None:
    raise EncounterError(
        C.FAMILY_CHILD_LEFT_ALONE,
        "outcome",
        children=", ".join(
            str(_("person {id} (age {age})")).format(id=m.custody.person_id, age=m.participant.age)
            for m in children
        ),
        person_ids=[m.custody.person_id for m in children],
        encounter_id=children[0].custody.encounter_id,
    )


def _check_family_stays_together(member: UnitMember, members: Sequence[UnitMember]) -> None:
    """One member leaving on their own may not leave a child of the unit in custody without an
    adult of the unit, nor take a child out without one (CUS-02, TEDS 1.9)."""
    if member.is_child and not member.handled_as_unaccompanied:
        adults = [m for m in members if m.is_adult and m.custody.is_open]
        if adults:
            _refuse_child_left_alone([member])
        return
    alone = _left_alone(members, [member.custody])
    if alone:
        _refuse_child_left_alone(alone)


def _child_document(custody: Custody, participant: EncounterPerson, at: datetime) -> dict[str, Any]:
    """The policy input of a child alone, as of ``at`` (the moment the child became
    unaccompanied), from the encounter's stored input."""
    inputs = custody.encounter.document
    zone = place_time_zone(custody.encounter.place_kind, custody.encounter.place_name)
    local = timezone.localtime(at, zone)
    person = dict(inputs["people"][participant.position])
    for key in ("role", "relationship"):
        person.pop(key, None)
    document = {k: v for k, v in inputs.items() if k not in ("people", "unaccompanied")}
    document.update(date=local.date().isoformat(), time=local.strftime("%H:%M"), people=[person])
    return document


def _redecide_child(*, actor: User, member: UnitMember, at: datetime) -> None:
    """A child left without a parent or legal guardian is an unaccompanied child: decided again
    alone under the policies in force at that moment, with the statutory limit counted from
    that moment (UC-02)."""
    custody = member.custody
    document = _child_document(custody, member.participant, at)
    catalogue = load_catalogue()
    try:
        result = decide(parse_encounter(document, catalogue=catalogue), catalogue=catalogue)
        decision: dict[str, Any] | None = result.model_dump(mode="json")
    except EncounterInputError:
        # The moment lies outside the catalogue's dated coverage: the statute alone applies.
        decision = None
    if decision is not None:
        pathway = decision["pathway"]
        limit = decision["custody_limit_hours"] or UC_LIMIT_HOURS
        reasons = decision["reasons"]
        version = decision["catalogue_version"]
    else:
        pathway = Pathway.ORR_TRANSFER.value
        limit = UC_LIMIT_HOURS
        reasons = [UC_AFTER_SEPARATION_REASON]
        version = catalogue.version
    custody.unaccompanied_since = at
    custody.limit_hours = limit
    custody.due_at = at + timedelta(hours=limit)
    custody.redecision = {
        "as_of": at.isoformat(),
        "document": document,
        "pathway": pathway,
        "custody_limit_hours": limit,
        "reasons": reasons,
        "decision": decision,
    }
    custody.save(update_fields=["unaccompanied_since", "limit_hours", "due_at", "redecision"])
    audit_record(
        actor=actor,
        action=AuditAction.DECIDE,
        object_type=CUSTODY,
        object_id=custody.pk,
        before={"limit_hours": None, "unaccompanied_since": None},
        after={
            "person": custody.person_id,
            "encounter": custody.encounter_id,
            "unaccompanied_since": at.isoformat(),
            "pathway": pathway,
            "limit_hours": limit,
            "due_at": custody.due_at.isoformat(),
            "rules": [r["rule"] for r in reasons],
        },
        catalogue_version=str(version),
    )


#: The reason a child left without the family's adults is handled as an unaccompanied child,
#: when the policy engine cannot decide the moment (outside the catalogue's dated coverage).
UC_AFTER_SEPARATION_REASON: dict[str, Any] = {
    "rule": "custody/unaccompanied-after-separation",
    "text": "No parent or legal guardian of the child's family unit remains in custody: the child"
    " is an unaccompanied child, to be transferred to ORR within 72 hours.",
    "text_es": "Ningún padre, madre o tutor legal de la unidad familiar del niño sigue bajo"
    " custodia: es un niño no acompañado, que debe ser trasladado a la ORR en 72 horas.",
    "citation": {
        "title": "TVPRA, 8 U.S.C. 1232(b)(3); CBP TEDS 1.9, Family Unity",
        "url": "https://www.law.cornell.edu/uscode/text/8/1232",
        "section": "8 U.S.C. 1232(b)(3)",
        "fact": "UC-02",
    },
}


def _book_out_one(
    *,
    actor: User,
    custody: Custody,
    outcome: str,
    at: datetime,
    exception: FamilyException | None,
    together: Sequence[int] = (),
) -> None:
    custody.booked_out_at = at
    custody.outcome = outcome
    custody.booked_out_by = actor
    custody.family_exception = exception
    custody.save(update_fields=["booked_out_at", "outcome", "booked_out_by", "family_exception"])
    audit_record(
        actor=actor,
        action=AuditAction.BOOK_OUT,
        object_type=CUSTODY,
        object_id=custody.pk,
        after={
            "outcome": outcome,
            "person": custody.person_id,
            "encounter": custody.encounter_id,
            "family_exception": exception.pk if exception else None,
            "family": list(together),
            "overdue": bool(custody.due_at and at > custody.due_at),
            "beyond_standard": bool(custody.standard_due_at and at > custody.standard_due_at),
        },
    )


def custody_book_out(
    *,
    actor: User,
    custody_id: int,
    outcome: str,
    at: datetime | None = None,
    family: bool = False,
) -> Custody:
    """Book a person out of custody with an outcome.

    ``family=True`` books out every member of the person's family unit still in custody with
    that outcome, in one transaction (refused as a whole if it is unlawful for one of them).
    On their own, a member may leave to another outcome than the family only under an approved
    family exception, and never so that a child of the unit is left in custody (or leaves)
    without an adult of the unit, unless under an approved exception: then each child left is
    decided again alone, as an unaccompanied child, as of that moment.
    """
    require(actor, Capability.CUSTODY_MANAGE, object_type=CUSTODY, object_id=custody_id)
    try:
        return _book_out(actor=actor, custody_id=custody_id, outcome=outcome, at=at, family=family)
    except EncounterError as exc:
        # The refusal is on the record (after the rollback of the book-out's transaction).
        audit_record(
            actor=actor,
            action=AuditAction.REFUSED,
            object_type=CUSTODY,
            object_id=custody_id,
            after={"outcome": outcome, "family": family, "code": str(exc.code)},
            note=str(exc.code),
        )
        raise


def _book_out(
    *, actor: User, custody_id: int, outcome: str, at: datetime | None, family: bool
) -> Custody:
    _check_outcome(outcome)
    with transaction.atomic():
        custody, members = _locked_unit(custody_id)
        if not custody.is_open:
            raise EncounterError(C.CUSTODY_CLOSED, None)
        if custody.encounter.status == EncounterStatus.DECIDED:
            raise EncounterError(C.DECISION_PENDING, None)
        when = at or timezone.now()
        member = next(m for m in members if m.custody.pk == custody.pk)
        others = [m.custody.person_id for m in members if m is not member]
        shared = family_outcome(custody, others) if others else None
        if family:
            leaving = [m for m in members if m.custody.is_open]
            for m in leaving:
                _check_lawful_for_child(m.custody, outcome, m.participant)
            if shared is not None and shared != outcome:
                raise EncounterError(
                    C.FAMILY_OUTCOME_DIFFERS,
                    "outcome",
                    family_outcome=Outcome(shared).label,
                    outcome=Outcome(outcome).label,
                )
            ids = [m.custody.pk for m in leaving]
            for m in leaving:
                _book_out_one(
                    actor=actor,
                    custody=m.custody,
                    outcome=outcome,
                    at=when,
                    exception=None,
                    together=ids,
                )
            return custody
        _check_lawful_for_child(custody, outcome, member.participant)
        # An approved exception for this outcome lets the member leave apart from the family
        # (before or after it); it also keeps them out of the family's shared outcome.
        exception = FamilyException.objects.filter(
            custody=custody, outcome=outcome, status=ExceptionStatus.APPROVED
        ).first()
        if shared is not None and shared != outcome and exception is None:
            raise EncounterError(
                C.FAMILY_OUTCOME_DIFFERS,
                "outcome",
                family_outcome=Outcome(shared).label,
                outcome=Outcome(outcome).label,
            )
        if exception is None:
            _check_family_stays_together(member, members)
        _book_out_one(actor=actor, custody=custody, outcome=outcome, at=when, exception=exception)
        for child in _left_alone(members, [custody]):
            _redecide_child(actor=actor, member=child, at=when)
    return custody


def family_exception_request(
    *, actor: User, custody_id: int, outcome: str, reason: str
) -> FamilyException:
    """Ask a supervisor to let one family member leave custody to another outcome."""
    require(actor, Capability.CUSTODY_MANAGE, object_type=FAMILY_EXCEPTION)
    _check_outcome(outcome)
    text = _written(reason, field="reason", minimum=MIN_REASON, code=C.EXCEPTION_REASON_REQUIRED)
    with transaction.atomic():
        custody = _locked_custody(custody_id)
        if not custody.is_open:
            raise EncounterError(C.CUSTODY_CLOSED, "custody_id")
        if not family_person_ids(custody):
            raise EncounterError(C.EXCEPTION_NOT_FAMILY, "custody_id")
        if custody.exceptions.filter(status=ExceptionStatus.PENDING).exists():
            raise EncounterError(C.EXCEPTION_PENDING_EXISTS, "custody_id")
        exception = FamilyException.objects.create(
            custody=custody, outcome=outcome, reason=text, requested_by=actor
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            object_type=FAMILY_EXCEPTION,
            object_id=exception.pk,
            after={"custody": custody.pk, "person": custody.person_id, "outcome": outcome},
        )
    return exception


def _locked_pending_exception(actor: User, exception_id: int) -> FamilyException:
    exception = (
        FamilyException.objects.select_for_update(of=("self",))
        .select_related("custody__encounter")
        .filter(pk=exception_id)
        .first()
    )
    if exception is None:
        raise EncounterError(C.EXCEPTION_NOT_FOUND, "exception_id")
    if exception.status != ExceptionStatus.PENDING:
        raise EncounterError(C.EXCEPTION_ALREADY_DECIDED, None)
    if exception.requested_by_id == actor.pk:
        raise EncounterError(C.SELF_APPROVAL, None)
    return exception


def _supervisor_note(*, actor: User, exception_id: int, note: str) -> str:
    """The right to decide a family exception, and the written reason it needs."""
    require(
        actor,
        Capability.FAMILY_EXCEPTION_APPROVE,
        object_type=FAMILY_EXCEPTION,
        object_id=exception_id,
    )
    return _written(note, field="note", minimum=MIN_NOTE, code=C.NOTE_REQUIRED)


def _settle(exception: FamilyException, *, actor: User, status: ExceptionStatus, note: str) -> None:
    """Record a supervisor's decision on a pending family exception."""
    exception.status = status
    exception.decided_by = actor
    exception.decided_at = timezone.now()
    exception.decision_note = note
    exception.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    # The officer who asked is told the answer (in-app, in the same transaction).
    StaffNotification.objects.create(
        recipient_id=exception.requested_by_id,
        kind=NotificationKind.EXCEPTION_APPROVED
        if status == ExceptionStatus.APPROVED
        else NotificationKind.EXCEPTION_DENIED,
        exception=exception,
    )


def family_exception_approve(*, actor: User, exception_id: int, note: str) -> FamilyException:
    """A supervisor approves, with a reason; approval opens a reunification task."""
    text = _supervisor_note(actor=actor, exception_id=exception_id, note=note)
    with transaction.atomic():
        exception = _locked_pending_exception(actor, exception_id)
        custody = exception.custody
        if not custody.is_open:
            raise EncounterError(C.CUSTODY_CLOSED, None)
        _settle(exception, actor=actor, status=ExceptionStatus.APPROVED, note=text)
        family_unit_id = custody.encounter.family_unit_id
        assert family_unit_id is not None, "an exception exists only inside a family unit"
        task = ReunificationTask.objects.create(
            exception=exception, family_unit_id=family_unit_id, person_id=custody.person_id
        )
        audit_record(
            actor=actor,
            action=AuditAction.APPROVE,
            object_type=FAMILY_EXCEPTION,
            object_id=exception.pk,
            after={"outcome": exception.outcome, "reunification_task": task.pk},
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            object_type=REUNIFICATION_TASK,
            object_id=task.pk,
            after={"family_unit": family_unit_id, "person": custody.person_id},
        )
    return exception


def family_exception_deny(*, actor: User, exception_id: int, note: str) -> FamilyException:
    text = _supervisor_note(actor=actor, exception_id=exception_id, note=note)
    with transaction.atomic():
        exception = _locked_pending_exception(actor, exception_id)
        _settle(exception, actor=actor, status=ExceptionStatus.DENIED, note=text)
        audit_record(
            actor=actor,
            action=AuditAction.DENY,
            object_type=FAMILY_EXCEPTION,
            object_id=exception.pk,
            after={"outcome": exception.outcome},
        )
    return exception


def _open_task(task_id: int) -> ReunificationTask:
    task = ReunificationTask.objects.select_for_update().filter(pk=task_id).first()
    if task is None:
        raise EncounterError(C.TASK_NOT_FOUND, "task_id")
    if task.status == TaskStatus.CLOSED:
        raise EncounterError(C.TASK_CLOSED, None)
    return task


def reunification_task_close(
    *, actor: User, task_id: int, note: str, outcome: str = TaskClosing.REUNITED
) -> ReunificationTask:
    """Close a reunification task: ``reunited`` (saying how the family was brought back
    together) or ``closed`` with the reason."""
    require(actor, Capability.CUSTODY_MANAGE, object_type=REUNIFICATION_TASK, object_id=task_id)
    if outcome not in TaskClosing.values:
        raise EncounterError(
            C.TASK_CLOSING_INVALID, "outcome", allowed=", ".join(TaskClosing.values)
        )
    text = _written(note, field="note", minimum=MIN_NOTE, code=C.NOTE_REQUIRED)
    with transaction.atomic():
        task = _open_task(task_id)
        task.status = TaskStatus.CLOSED
        task.closed_at = timezone.now()
        task.closed_by = actor
        task.closing_note = text
        task.closing_outcome = outcome
        task.save(
            update_fields=["status", "closed_at", "closed_by", "closing_note", "closing_outcome"]
        )
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type=REUNIFICATION_TASK,
            object_id=task.pk,
            before={"status": TaskStatus.OPEN},
            after={"status": TaskStatus.CLOSED, "outcome": outcome},
        )
    return task


#: The steps of a reunification task, in order, and the field each one sets.
TASK_STEPS = {"contact_made": "contact_made_at", "located": "located_at"}


def reunification_task_step(*, actor: User, task_id: int, step: str) -> ReunificationTask:
    """Record a step of a reunification task: contact made with the family; sponsor or parent
    located. Each is recorded once, when it happened."""
    require(actor, Capability.CUSTODY_MANAGE, object_type=REUNIFICATION_TASK, object_id=task_id)
    if step not in TASK_STEPS:
        raise EncounterError(C.TASK_STEP_INVALID, "step", allowed=", ".join(TASK_STEPS))
    with transaction.atomic():
        task = _open_task(task_id)
        field = TASK_STEPS[step]
        if getattr(task, field) is not None:
            raise EncounterError(C.TASK_STEP_DONE, "step")
        setattr(task, field, timezone.now())
        task.save(update_fields=[field])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type=REUNIFICATION_TASK,
            object_id=task.pk,
            after={"step": step},
        )
    return task


def reunification_task_note(*, actor: User, task_id: int, text: str) -> ReunificationNote:
    """Add a note to an open reunification task."""
    require(actor, Capability.CUSTODY_MANAGE, object_type=REUNIFICATION_TASK, object_id=task_id)
    clean = _written(text, field="text", minimum=MIN_NOTE, code=C.NOTE_REQUIRED)
    with transaction.atomic():
        task = _open_task(task_id)
        note = ReunificationNote.objects.create(task=task, author=actor, text=clean)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            object_type=REUNIFICATION_TASK,
            object_id=task.pk,
            after={"note": note.pk},
        )
    return note


def notifications_mark_read(*, actor: User) -> int:
    """Mark every unread notification of the actor as read; how many were."""
    now = timezone.now()
    with transaction.atomic():
        count = StaffNotification.objects.filter(recipient=actor, read_at__isnull=True).update(
            read_at=now
        )
        if count:
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                object_type="encounters.staffnotification",
                after={"read": count},
            )
    return count


# --- exports --------------------------------------------------------------------------------

#: A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CUSTODY_CSV_COLUMNS = (
    "custody",
    "person",
    "encounter",
    "place",
    "booked_in_at",
    "booked_in_time_known",
    "standard_hours",
    "standard_due_at",
    "standard_exceeded",
    "limit_hours",
    "due_at",
    "overdue",
    "unaccompanied_since",
    "booked_out_at",
    "outcome",
)


def csv_text(value: object) -> str:
    """A cell's text, a formula neutralised (a leading quote: shown as text, never run)."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def custody_list_export(*, actor: User, clocks: Sequence[Any], filters: Mapping[str, Any]) -> str:
    """The rows of a custody list as CSV (ids and clocks, never names); the export is
    audited with its filters and the number of rows."""
    import csv
    import io

    require(actor, Capability.ENCOUNTER_VIEW, object_type=CUSTODY)

    def stamp(value: datetime | None) -> str:
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else ""

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CUSTODY_CSV_COLUMNS)
    for clock in clocks:
        c = clock.custody
        writer.writerow(
            [
                c.pk,
                c.person_id,
                c.encounter_id,
                csv_text(c.encounter.place_name),
                stamp(c.booked_in_at),
                str(c.booked_in_time_known).lower(),
                c.standard_hours,
                stamp(c.standard_due_at),
                str(clock.standard_exceeded).lower(),
                "" if c.limit_hours is None else c.limit_hours,
                stamp(c.due_at),
                str(clock.overdue).lower(),
                stamp(c.unaccompanied_since),
                stamp(c.booked_out_at),
                csv_text(c.outcome),
            ]
        )
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        object_type=CUSTODY,
        after={"rows": len(clocks), "filters": dict(filters), "columns": list(CUSTODY_CSV_COLUMNS)},
    )
    return out.getvalue()
