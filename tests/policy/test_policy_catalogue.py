"""The catalogue's schema check: the shipped catalogue passes, and each kind of bad file fails."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from asilo.policy import CatalogueError, load_catalogue
from asilo.policy.catalogue import CATALOGUE_DIR, _load, read_yaml
from asilo.policy.schema import VALUE_TYPES

FACT_SHEET_IDS = re.compile(
    r"^(T42|MPP|MPP25|ACA|UC|REF|C1|CLP|CHNV|LEG|ST|PROC|CUS|OTH|SB|ER)-[A-Z0-9]+(-[A-Z0-9]+)*[a-z]?$"
)


def test_shipped_catalogue_passes_the_schema_check() -> None:
    catalogue = load_catalogue()
    assert set(VALUE_TYPES) <= set(catalogue.documents)
    assert {f"refugees/ceiling/fy{year}" for year in range(2019, 2026)} <= set(catalogue.documents)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}\+[0-9a-f]{12}", catalogue.version)


def test_every_value_cites_a_fact_of_the_fact_sheet() -> None:
    for document in load_catalogue().documents.values():
        for period in document.values:
            assert period.citations, document.name
            for citation in period.citations:
                assert FACT_SHEET_IDS.match(citation.fact), (document.name, citation.fact)
                assert citation.url.startswith(("http://", "https://"))


def test_the_fact_sheet_gaps_are_marked_uncertain() -> None:
    catalogue = load_catalogue()

    def uncertain(name: str) -> list[str]:
        return [p.uncertain or "" for p in catalogue.documents[name].values]

    assert any("January 2021" in u for u in uncertain("title42/unaccompanied_children"))
    assert any("under-six" in u for u in uncertain("title42/tamaulipas_young_children"))
    assert any("clock time" in u for u in uncertain("asylum/lawful_pathways"))
    assert any("23:59" in u for u in uncertain("title42/order"))
    assert any("not identified" in u for u in uncertain("refugees/ceiling/fy2021"))


def test_ended_policies_have_an_end() -> None:
    catalogue = load_catalogue()
    # title42/order is open again: the 2026 Ebola order (T42-42) has no known end.
    for name in ("mpp/enrolment", "aca/guatemala", "cbp_one/appointments", "parole/chnv"):
        last = catalogue.documents[name].values[-1]
        assert last.value is None or last.to is not None, name


@pytest.fixture
def catalogue_copy(tmp_path: Path) -> Path:
    target = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_DIR, target)
    return target


def _edit(root: Path, name: str, change: str, replacement: str) -> None:
    path = root / f"{name}.yaml"
    text = path.read_text(encoding="utf-8")
    assert change in text, f"{change!r} not in {path}"
    path.write_text(text.replace(change, replacement, 1), encoding="utf-8")


def _rejected(root: Path) -> str:
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(root)
    return str(raised.value)


def test_a_value_without_citation_is_rejected(catalogue_copy: Path) -> None:
    path = catalogue_copy / "aca" / "guatemala.yaml"
    data = read_yaml(path)
    data["values"][0]["citations"] = []
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    message = _rejected(catalogue_copy)
    assert "guatemala.yaml" in message and "citations" in message


def test_a_non_iso_date_is_rejected(catalogue_copy: Path) -> None:
    _edit(catalogue_copy, "aca/guatemala", 'from: "2019-11-19"', 'from: "11/19/2019"')
    message = _rejected(catalogue_copy)
    assert "not an ISO date" in message and "values.0.from" in message


def test_a_malformed_date_is_rejected(catalogue_copy: Path) -> None:
    _edit(catalogue_copy, "aca/guatemala", 'from: "2019-11-19"', 'from: "2019-13-40"')
    assert "values.0.from" in _rejected(catalogue_copy)


def test_overlapping_periods_are_rejected(catalogue_copy: Path) -> None:
    _edit(catalogue_copy, "aca/guatemala", 'to: "2020-03-15"', 'to: "2020-04-30"')
    assert "overlap" in _rejected(catalogue_copy)


def test_last_verified_before_newest_value_is_rejected(catalogue_copy: Path) -> None:
    path = catalogue_copy / "aca" / "guatemala.yaml"
    data = read_yaml(path)
    data["values"][0]["last_verified_on"] = "2020-01-01"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert "earlier than the newest value" in _rejected(catalogue_copy)


def test_a_citation_without_a_fact_id_is_rejected(catalogue_copy: Path) -> None:
    _edit(catalogue_copy, "aca/guatemala", "fact: ACA-02", "fact: somewhere")
    assert "fact" in _rejected(catalogue_copy)


def test_an_unknown_place_is_rejected(catalogue_copy: Path) -> None:
    _edit(catalogue_copy, "aca/guatemala", "sectors: [El Paso]", "sectors: [Gotham]")
    assert "Gotham" in _rejected(catalogue_copy)


def test_a_name_that_is_not_its_path_is_rejected(catalogue_copy: Path) -> None:
    _edit(catalogue_copy, "aca/guatemala", "name: aca/guatemala", "name: aca/honduras")
    assert "must equal its path" in _rejected(catalogue_copy)


def test_a_value_of_the_wrong_shape_is_rejected(catalogue_copy: Path) -> None:
    _edit(catalogue_copy, "aca/guatemala", "adults_only: true", "adults_only: sometimes")
    assert "adults_only" in _rejected(catalogue_copy)


def test_the_version_changes_with_the_content(catalogue_copy: Path) -> None:
    before = load_catalogue(catalogue_copy).version
    _edit(catalogue_copy, "aca/guatemala", "Asylum Cooperative Agreement with Guatemala", "ACA")
    _load.cache_clear()
    assert load_catalogue(catalogue_copy).version != before
