"""Forms of the border-processing pages. They check the shape of the input (and say so in the
officer's language); the services check everything else and their errors are put on the field
they name."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from asilo.policy import load_catalogue
from asilo.policy.countries import ISO3
from asilo.policy.encounter import MAX_PEOPLE
from asilo.policy.places import place_names
from asilo.web.core.relationships import RelationshipToChildren
from asilo.web.encounters.models import Authority, Outcome, OverrideVerdict, Pathway
from asilo.web.people.models import VULNERABILITIES, Sex

VULNERABILITY_LABELS = {
    "medical_emergency": _("Medical emergency"),
    "physical_health": _("Physical health condition"),
    "mental_health": _("Mental health condition"),
    "pregnancy": _("Pregnancy"),
    "advanced_age": _("Elderly"),
    "disability": _("Disability"),
    "lgbtqi": _("LGBTQI+"),
    "imminent_threat": _("Imminent threat to life or safety"),
    "trafficking_victim": _("Victim of trafficking"),
    "violence_in_mexico": _("Victim of violence or kidnapping in Mexico"),
}


def place_choices() -> list[tuple[Any, Any]]:
    return [
        ("", _("Choose the sector or port")),
        (
            _("Border Patrol sector (between ports)"),
            [(f"between_ports|{n}", n) for n in place_names("between_ports")],
        ),
        (
            _("Port of entry (OFO)"),
            [(f"port_of_entry|{n}", n) for n in place_names("port_of_entry")],
        ),
    ]


class EncounterForm(forms.Form):
    date = forms.DateField(
        label=_("Date of the encounter"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        help_text=_("Year-month-day."),
    )
    time = forms.TimeField(
        label=_("Time (local time at the place)"),
        required=False,
        help_text=_(
            "The custody clocks start at this moment; leave it empty if unknown (the clocks"
            " then start at the start of the day)."
        ),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        input_formats=["%H:%M"],
    )
    place = forms.ChoiceField(label=_("Sector or port of entry"), choices=place_choices)
    manifests_fear = forms.TypedChoiceField(
        label=_("Did anyone in the group express fear of return?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Ask the group and answer: did anyone express fear of return?")
        },
    )
    title42_exception_granted = forms.BooleanField(
        label=_("A Title 42 humanitarian exception was granted"), required=False
    )
    cbp_one_appointment = forms.BooleanField(
        label=_("Presented at a port with a CBP One appointment"), required=False
    )
    client_request_id = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("client_request_id", f"web-{uuid.uuid4()}")
        super().__init__(*args, **kwargs)

    def clean_date(self) -> Any:
        day = self.cleaned_data["date"]
        first, last = load_catalogue().covers
        if not first <= day <= last:
            raise forms.ValidationError(
                _("The policy catalogue covers %(first)s to %(last)s; this date is outside it."),
                params={"first": first.isoformat(), "last": last.isoformat()},
            )
        return day

    def place_ref(self) -> dict[str, str]:
        kind, name = self.cleaned_data["place"].split("|", 1)
        return {"kind": kind, "name": name}

    def document(self) -> dict[str, Any]:
        data = self.cleaned_data
        doc: dict[str, Any] = {"date": data["date"].isoformat(), "place": self.place_ref()}
        if data.get("time"):
            doc["time"] = data["time"].strftime("%H:%M")
        doc["manifests_fear"] = data["manifests_fear"] is True
        for flag in ("title42_exception_granted", "cbp_one_appointment"):
            doc[flag] = bool(data.get(flag))
        return doc


class MemberForm(forms.Form):
    given_names = forms.CharField(label=_("Given names"), required=False, max_length=200)
    first_surname = forms.CharField(label=_("First surname"), required=False, max_length=200)
    second_surname = forms.CharField(label=_("Second surname"), required=False, max_length=200)
    age = forms.IntegerField(
        label=_("Age (stated or estimated)"),
        min_value=0,
        max_value=120,
        error_messages={
            "required": _("Enter the age, estimated if not known."),
            "invalid": _("The age must be a whole number from 0 to 120."),
            "min_value": _("The age must be a whole number from 0 to 120."),
            "max_value": _("The age must be a whole number from 0 to 120."),
        },
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    nationality = forms.CharField(
        label=_("Nationality"),
        max_length=3,
        help_text=_("Three-letter country code, e.g. HND, GTM, MEX."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "size": 4}),
        error_messages={"required": _("Enter the nationality (e.g. HND).")},
    )
    relationship = forms.ChoiceField(
        label=_("Relationship to the children in the group"),
        required=False,
        choices=[
            ("", _("None, or this person is a child")),
            (RelationshipToChildren.PARENT, RelationshipToChildren.PARENT.label),
            (RelationshipToChildren.LEGAL_GUARDIAN, RelationshipToChildren.LEGAL_GUARDIAN.label),
            (RelationshipToChildren.OTHER_RELATIVE, RelationshipToChildren.OTHER_RELATIVE.label),
        ],
    )
    vulnerabilities = forms.MultipleChoiceField(
        label=_("Vulnerabilities"),
        required=False,
        choices=[(v, VULNERABILITY_LABELS.get(v, v)) for v in VULNERABILITIES],
        widget=forms.CheckboxSelectMultiple,
    )

    def clean_nationality(self) -> str:
        code: str = self.cleaned_data["nationality"].strip().upper()
        if code not in ISO3:
            raise forms.ValidationError(
                _("%(code)s is not a three-letter country code (ISO 3166-1 alpha-3)."),
                params={"code": code},
            )
        return str(code)

    def person(self) -> dict[str, Any]:
        data = self.cleaned_data
        person: dict[str, Any] = {"age": data["age"], "nationality": data["nationality"]}
        for key in ("given_names", "first_surname", "second_surname"):
            if data.get(key):
                person[key] = data[key].strip()
        if data.get("date_of_birth"):
            person["date_of_birth"] = data["date_of_birth"].isoformat()
        if data.get("sex") and data["sex"] != Sex.UNKNOWN:
            person["sex"] = data["sex"]
        if data.get("relationship") and data["age"] >= 18:
            person["relationship"] = data["relationship"]
        if data.get("vulnerabilities"):
            person["vulnerabilities"] = list(data["vulnerabilities"])
        return person


MAX_MEMBERS = MAX_PEOPLE
MemberFormSet = forms.formset_factory(
    MemberForm,
    extra=0,
    min_num=1,
    validate_min=True,
    max_num=MAX_MEMBERS,
    validate_max=True,
)
MEMBER_PREFIX = "m"
MEMBER_FIELDS = tuple(MemberForm.base_fields)


def written(label: Any, *, rows: int, help_text: Any, required: Any = None) -> forms.CharField:
    """A free-text field written in a text area (a reason, a note): ``required`` is the
    message when it is left empty (``None``: the field may stay empty)."""
    return forms.CharField(
        label=label,
        required=required is not None,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
        error_messages={"required": required} if required is not None else {},
    )


class OverrideForm(forms.Form):
    authority = forms.ChoiceField(label=_("Authority"), choices=Authority.choices)
    pathway = forms.ChoiceField(label=_("Pathway"), choices=Pathway.choices)
    destination = forms.CharField(
        label=_("Destination country (if any)"),
        required=False,
        max_length=3,
        help_text=_("Three-letter country code, or empty."),
    )
    reason = written(
        _("Reason for the override"),
        rows=4,
        help_text=_("Required: at least 15 characters. A supervisor reviews every override."),
        required=_("Write the reason for the override."),
    )

    def clean_destination(self) -> str | None:
        """The country code, upper case; None when left empty."""
        code = (self.cleaned_data.get("destination") or "").strip().upper()
        if code and code not in ISO3:
            raise forms.ValidationError(_("Use a three-letter country code, or leave it empty."))
        return code or None


class ReviewForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Verdict"), choices=OverrideVerdict.choices, widget=forms.RadioSelect
    )
    note = written(_("Note"), rows=3, help_text=_("Required when the override is overturned."))


class BookOutForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("", _("Choose the outcome")), *Outcome.choices],
        error_messages={"required": _("Choose the outcome.")},
    )
    family = forms.BooleanField(
        label=_("Book out the whole family unit together, with this outcome"),
        required=False,
        help_text=_("Every member of the family unit still in custody leaves with this outcome."),
    )


class ExceptionRequestForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome for this member"), choices=Outcome.choices)
    reason = written(
        _("Why this member must leave apart from the family"),
        rows=3,
        help_text=_("At least 15 characters. A supervisor approves or denies it."),
        required=_("Write the reason for the exception."),
    )


class ExceptionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("deny", _("Deny"))],
        widget=forms.RadioSelect,
    )
    note = written(
        _("Reason"),
        rows=3,
        help_text=_("At least 10 characters."),
        required=_("Write the reason for your decision."),
    )


class TaskNoteForm(forms.Form):
    text = written(
        _("Add a note"),
        rows=2,
        help_text=_("At least 10 characters: what was tried, who was contacted."),
        required=_("Write the note."),
    )


class TaskCloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("How the task ends"),
        choices=[("reunited", _("Reunited")), ("closed", _("Closed with a reason"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how the task ends.")},
    )
    note = written(
        _("How the family was brought back together, or why the task is closed"),
        rows=2,
        help_text=_("At least 10 characters."),
        required=_("Write how the task ends."),
    )
