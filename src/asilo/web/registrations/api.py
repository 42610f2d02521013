"""The registrations API: create (same validation and idempotency as the form), read, list.

``POST /registrations`` answers 201 with the new registration and its PIN, or 200 with the
registration an earlier request with the same ``client_request_id`` created (no PIN). Without
credentials it is the self-service channel; a caseworker's token or session makes it
assisted. Reads follow the rights: a caseworker sees their organisation's registrations,
supervisors and auditors see all, anyone else gets 403.
"""

# No ``from __future__ import annotations`` here: ninja's ``paginate`` resolves the wrapped
# endpoint's annotations in its own module, where ``Query[RegistrationFilter]`` means nothing.
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate
from ninja.utils import check_csrf

from asilo.web.accounts.auth import BearerTokenAuth
from asilo.web.accounts.models import User
from asilo.web.core.actors import request_actor
from asilo.web.core.api import READ_ERRORS, ErrorsOut
from asilo.web.core.errors import DomainErrors
from asilo.web.core.ratelimits import client_address, refuse_if_rate_limited
from asilo.web.core.schemas import dataclass_fields, schema_model
from asilo.web.registrations import selectors, services
from asilo.web.registrations.devices import device_of
from asilo.web.registrations.errors import RegistrationInputError
from asilo.web.registrations.models import Member, Registration
from asilo.web.registrations.reasons import reason_text, status_label
from asilo.web.registrations.validation import MemberInput

router = Router(tags=["registrations"])


class _SessionOrSelfService:
    """After the bearer token: a signed-in session (CSRF-checked, as ninja's session auth
    does), else, when the request carries no credentials at all, the self-service channel.
    A request with a bad ``Authorization`` header is refused (401), never downgraded."""

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if check_csrf(request) is not None:
                raise HttpError(403, "CSRF check Failed")
            return user
        if "Authorization" in request.headers:
            return None
        return "anonymous"


class MemberIn(Schema):
    given_names: str | None = None
    surnames: str | None = None
    date_of_birth: str | None = None
    age: int | str | None = None
    sex: str | None = None
    nationality: str | None = None
    relationship: str | None = None


class RegistrationIn(Schema):
    program: str
    client_request_id: str
    members: list[MemberIn]
    phone: str | None = None
    whatsapp: str | None = None
    email: str | None = None
    waiting_city: str | None = None
    waiting_place: str | None = None
    preferred_ports: list[str] = []
    languages: list[str] = []
    vulnerabilities: list[str] = []
    language: str | None = None
    a_number: str | None = None
    mpp_enrolled_on: str | None = None
    mpp_case_status: str | None = None


class StatusChangeOut(Schema):
    at: datetime
    from_status: str
    to_status: str
    closed_reason: str
    status_label: str
    reason_code: str
    reason: str
    rule: str
    citation_title: str
    citation_url: str


class AppointmentRefOut(Schema):
    id: int
    status: str
    port: str
    date: date
    window_start: str
    window_end: str


# A registration's summary as every endpoint answers it: plain fields (no docstrings on the
# schemas: they would become descriptions in the OpenAPI document).
class RegistrationFields(Schema):
    number: str
    program: str
    channel: str
    organisation_id: int | None
    #: The lifecycle's code: registered, needs_verification, waiting, offered, checked_in,
    #: no_show, closed (with ``closed_reason``), or not_eligible.
    status: str
    status_label: str
    closed_reason: str | None
    reason: str
    tier: int
    family_size: int
    registered_on: datetime
    verified: bool


# The summary read from a stored registration.
class RegistrationOut(RegistrationFields):
    @staticmethod
    def resolve_program(obj: Registration) -> str:
        return obj.program.code

    @staticmethod
    def resolve_status_label(obj: Registration) -> str:
        return selectors.registration_status_label(obj)

    @staticmethod
    def resolve_closed_reason(obj: Registration) -> str | None:
        return obj.closed_reason or None

    @staticmethod
    def resolve_reason(obj: Registration) -> str:
        changes = list(obj.status_changes.all())
        if not changes:
            return ""
        last = max(changes, key=lambda c: (c.at, c.pk))
        return reason_text(last.reason_code, last.reason_params)

    @staticmethod
    def resolve_family_size(obj: Registration) -> int:
        return len(obj.members.all())

    @staticmethod
    def resolve_verified(obj: Registration) -> bool:
        return obj.verified_at is not None


# The summary, whether this request created the registration, and its PIN (only then).
class CreatedOut(RegistrationFields):
    created: bool
    pin: str | None


def created_data(submission: services.Submission) -> dict[str, Any]:
    """The answer to a submission as plain data: the stored registration's summary, whether
    this request created it, and the PIN (only when it did)."""
    summary = RegistrationOut.from_orm(submission.registration).model_dump()
    return {**summary, "created": submission.created, "pin": submission.pin}


# A member as it is stored: its position in the family and the fields validation gives it.
_RegistrationMember = schema_model(
    "RegistrationMemberOut",
    Schema,
    {"position": (int, Field()), **dataclass_fields(MemberInput)},
)


class RegistrationMemberOut(_RegistrationMember):  # type: ignore[misc,valid-type]
    pass


class RegistrationDetailOut(RegistrationOut):
    members: list[RegistrationMemberOut]
    phone: str | None
    whatsapp: str | None
    email: str | None
    waiting_city: str
    waiting_place: str | None
    preferred_ports: list[str]
    languages: list[str]
    vulnerabilities: list[str]
    a_number: str | None
    mpp_enrolled_on: date | None
    mpp_case_status: str
    history: list[StatusChangeOut]
    status_history: list[StatusChangeOut]
    appointment: AppointmentRefOut | None

    @staticmethod
    def resolve_status_history(obj: Registration) -> list[dict[str, Any]]:
        return RegistrationDetailOut.resolve_history(obj)

    @staticmethod
    def resolve_appointment(obj: Registration) -> dict[str, Any] | None:
        current = selectors.current_appointment_of(obj)
        if current is None:
            return None
        return {
            "id": current["id"],
            "status": current["status"],
            "port": current["port"],
            "date": current["date"],
            "window_start": current["start"].strftime("%H:%M"),
            "window_end": current["end"].strftime("%H:%M"),
        }

    @staticmethod
    def resolve_members(obj: Registration) -> list[Member]:
        return list(obj.members.all())

    @staticmethod
    def resolve_phone(obj: Registration) -> str | None:
        phone: str | None = obj.contact_phone
        return phone

    @staticmethod
    def resolve_whatsapp(obj: Registration) -> str | None:
        whatsapp: str | None = obj.contact_whatsapp
        return whatsapp

    @staticmethod
    def resolve_email(obj: Registration) -> str | None:
        email: str | None = obj.contact_email
        return email

    @staticmethod
    def resolve_history(obj: Registration) -> list[dict[str, Any]]:
        return [
            {**entry, "status_label": entry["status"]} for entry in selectors.status_history(obj)
        ]


@router.post(
    "/registrations",
    auth=[BearerTokenAuth(), _SessionOrSelfService()],
    response={
        200: CreatedOut,
        201: CreatedOut,
        400: ErrorsOut,
        401: ErrorsOut,
        403: ErrorsOut,
        404: ErrorsOut,
        429: ErrorsOut,
    },
    summary="Register a family (idempotent on client_request_id)",
)
def create_registration(request: HttpRequest, payload: RegistrationIn) -> Any:
    auth = getattr(request, "auth", None)
    actor = auth if isinstance(auth, User) else None
    data = payload.dict()
    data["members"] = [m.dict() for m in payload.members]
    if actor is None:
        refuse_if_rate_limited(request, data)
    try:
        submission = services.registration_submit(
            actor=actor, data=data, source=client_address(request), device=device_of(request)
        )
    except RegistrationInputError as exc:
        # every problem at once, answered by the API's one error handler (400)
        raise DomainErrors(exc.errors) from None
    return Status(201 if submission.created else 200, created_data(submission))


class ContactCodeIn(Schema):
    code: str = Field(max_length=20)


class ContactConfirmedOut(Schema):
    number: str
    status: str
    status_label: str


@router.post(
    "/registrations/{number}/contact",
    auth=[BearerTokenAuth(), _SessionOrSelfService()],
    response={200: ContactConfirmedOut, 400: ErrorsOut, 401: ErrorsOut, 403: ErrorsOut},
    summary="Confirm the family's phone or e-mail with the code sent to it (self-service)",
)
def confirm_contact(request: HttpRequest, number: str, payload: ContactCodeIn) -> Any:
    """A self-service family types back the one-time code sent to its phone or e-mail and
    joins the queue (``waiting``). A wrong, used or expired code, or an unknown number: 400
    ``pin_code_invalid``, the same answer."""
    registration = services.registration_contact_confirm(number=number, code=payload.code)
    return {
        "number": registration.number,
        "status": registration.status,
        "status_label": str(status_label(registration.status, registration.closed_reason)),
    }


@router.get(
    "/registrations/{number}",
    response={200: RegistrationDetailOut, **READ_ERRORS},
    summary="One registration, with its members and status history",
)
def get_registration(request: HttpRequest, number: str) -> Registration:
    return selectors.registration_get(user=request_actor(request), number=number)


class RegistrationFilter(Schema):
    status: str | None = None
    program: str | None = None
    channel: str | None = None
    organisation: int | None = None
    port: str | None = None
    registered_from: str | None = None
    registered_to: str | None = None


@router.get(
    "/registrations",
    response={200: list[RegistrationOut], **READ_ERRORS},
    summary="Registrations the caller may see (own organisation, or all for oversight)",
)
@paginate(PageNumberPagination)
def list_registrations(request: HttpRequest, filters: Query[RegistrationFilter]) -> Any:
    rows = selectors.registration_list(user=request_actor(request), **filters.dict())
    return rows.prefetch_related("members", "status_changes")
