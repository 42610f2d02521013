"""Primary sources first (issue 8): every citation has a kind, Federal Register documents are cited
at the government's own address, and a primary source is a government address."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from pydantic import ValidationError

from asilo.policy import CatalogueError, load_catalogue, load_scenario
from asilo.policy.catalogue import CATALOGUE_DIR, _load, read_yaml
from asilo.policy.schema import SOURCE_KINDS, Citation, Reference
from asilo.policy.sources import source_report

# The government's own addresses, named one by one (the schema's rule is the .gov / .mil domain;
# this list keeps the test independent of it). cdc.gov and childwelfare.gov are HHS sites;
# oversight.gov publishes the federal inspectors general's reports (DHS OIG).
GOVERNMENT_HOSTS = (
    "govinfo.gov",
    "federalregister.gov",
    "whitehouse.gov",
    "dhs.gov",
    "cbp.gov",
    "uscis.gov",
    "justice.gov",
    "state.gov",
    "congress.gov",
    "uscode.house.gov",
    "supremecourt.gov",
    "uscourts.gov",
    "cdc.gov",
    "childwelfare.gov",
    "oversight.gov",
)
# Sites that hold copies of Federal Register documents: never a citation's main address.
FEDERAL_REGISTER_MIRRORS = (
    "regulations.vlex.com",
    "federal.elaws.us",
    "regulations.justia.com",
    "thefederalregister.org",
    "casetext.com/federal-register",
)
GOVINFO_LINK = re.compile(r"^https://www\.govinfo\.gov/link/fr/(\d+)/(\d+)$")
FR_IN_TITLE = re.compile(r"\((?:[^()]*, )?(\d+ FR \d+)\)")


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def _government(url: str) -> bool:
    host = _host(url)
    return any(host == gov or host.endswith("." + gov) for gov in GOVERNMENT_HOSTS)


def _citations() -> list[tuple[str, int, Citation]]:
    return [
        (document.name, index, citation)
        for document in load_catalogue().documents.values()
        for index, period in enumerate(document.values)
        for citation in period.citations
    ]


def test_every_citation_and_reference_has_a_kind() -> None:
    citations = _citations()
    assert len(citations) > 100
    for name, index, citation in citations:
        assert citation.kind in SOURCE_KINDS, (name, index, citation.title)
        for reference in citation.references:
            assert reference.kind in SOURCE_KINDS, (name, index, reference.url)


def test_a_federal_register_citation_matches_its_govinfo_link() -> None:
    cited = 0
    for name, index, citation in _citations():
        link = GOVINFO_LINK.match(citation.url)
        if link is None:
            assert citation.fr_citation is None or _host(citation.url) == "federalregister.gov"
            continue
        cited += 1
        assert citation.fr_citation == f"{link.group(1)} FR {link.group(2)}", (name, index)
        assert citation.kind == "primary", (name, index)
    assert cited >= 20


def test_a_federal_register_citation_named_in_a_title_is_the_one_cited() -> None:
    for name, index, citation in _citations():
        named = FR_IN_TITLE.search(citation.title)
        if named is not None:
            assert citation.fr_citation == named.group(1), (name, index, citation.title)


def test_a_primary_source_is_a_government_address() -> None:
    primary = 0
    for name, index, citation in _citations():
        if citation.kind == "primary":
            primary += 1
            assert _government(citation.url), (name, index, citation.url)
        for reference in citation.references:
            if reference.kind == "primary":
                assert _government(reference.url), (name, index, reference.url)
    assert primary >= 40


def test_no_federal_register_mirror_is_a_main_citation() -> None:
    for name, index, citation in _citations():
        assert not any(m in citation.url for m in FEDERAL_REGISTER_MIRRORS), (name, index)


def test_the_federal_register_mirrors_are_kept_as_references() -> None:
    kept = {r.url for _, _, c in _citations() for r in c.references}
    assert "https://regulations.vlex.com/vid/notice-of-order-under-842440124" in kept
    assert "http://federal.elaws.us/fr/4/22/2020/2020-08605" in kept
    assert all(
        r.kind != "primary"
        for _, _, c in _citations()
        for r in c.references
        if any(m in r.url for m in FEDERAL_REGISTER_MIRRORS)
    )


def test_the_title42_order_rests_on_the_federal_register() -> None:
    order = load_catalogue().documents["title42/order"]
    first = order.values[0].citations[0]
    assert first.fr_citation == "85 FR 16567"
    assert first.url == "https://www.govinfo.gov/link/fr/85/16567"
    assert {c.fr_citation for c in order.values[0].citations} >= {"85 FR 17060", "85 FR 22424"}


def test_each_value_cites_its_strongest_source_first() -> None:
    rank = {kind: position for position, kind in enumerate(SOURCE_KINDS)}
    for document in load_catalogue().documents.values():
        for index, period in enumerate(document.values):
            kinds = [rank[c.kind] for c in period.citations]
            assert kinds == sorted(kinds), (document.name, index)
            assert period.basis() == period.citations[0].kind


# --- the model refuses what it should --------------------------------------------------------

GOOD = {"title": "A notice", "url": "https://www.govinfo.gov/link/fr/85/16567", "section": "s"}


def test_a_citation_needs_a_kind() -> None:
    with pytest.raises(ValidationError, match="kind"):
        Citation.model_validate({**GOOD, "fact": "T42-01", "fr_citation": "85 FR 16567"})


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValidationError, match="kind"):
        Citation.model_validate(
            {**GOOD, "fact": "T42-01", "kind": "official", "fr_citation": "85 FR 16567"}
        )


@pytest.mark.parametrize("bad", ["85FR16567", "85 F.R. 16567", "FR 16567", "85 FR 0", "85 FR x"])
def test_a_malformed_fr_citation_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError, match="Federal Register citation"):
        Citation.model_validate({**GOOD, "fact": "T42-01", "kind": "primary", "fr_citation": bad})


def test_an_fr_citation_must_match_its_govinfo_link() -> None:
    with pytest.raises(ValidationError, match="does not match the govinfo link"):
        Citation.model_validate(
            {**GOOD, "fact": "T42-01", "kind": "primary", "fr_citation": "85 FR 17060"}
        )


def test_a_govinfo_link_needs_its_fr_citation() -> None:
    with pytest.raises(ValidationError, match="needs fr_citation"):
        Citation.model_validate({**GOOD, "fact": "T42-01", "kind": "primary"})


def test_an_fr_citation_at_a_mirror_is_refused() -> None:
    with pytest.raises(ValidationError, match="government's address"):
        Citation.model_validate(
            {
                **GOOD,
                "url": "https://regulations.justia.com/regulations/fedreg/2022/03/17/2022-05687.html",
                "fact": "T42-05",
                "kind": "secondary",
                "fr_citation": "87 FR 15243",
            }
        )


def test_a_primary_source_at_a_mirror_is_refused() -> None:
    with pytest.raises(ValidationError, match="primary source needs the government's own address"):
        Citation.model_validate(
            {
                **GOOD,
                "url": "https://www.scribd.com/document/575431055/Title-42-Preliminary-Injunction",
                "fact": "T42-06",
                "kind": "primary",
            }
        )
    with pytest.raises(ValidationError, match="government's own address"):
        Reference.model_validate({"url": "https://regulations.vlex.com/vid/x", "kind": "primary"})


def test_a_primary_source_on_a_court_site_is_accepted() -> None:
    cited = Citation.model_validate(
        {
            "title": "An opinion",
            "url": "https://cdn.ca9.uscourts.gov/datastore/opinions/2023/08/03/x.pdf",
            "section": "s",
            "fact": "CLP-04",
            "kind": "primary",
        }
    )
    assert cited.kind == "primary"


# --- in a catalogue file, the loader names the file and the field ----------------------------


@pytest.fixture
def catalogue_copy(tmp_path: Path) -> Path:
    target = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_DIR, target)
    return target


def _rejected(root: Path) -> str:
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(root)
    return str(raised.value)


def test_a_catalogue_citation_without_kind_is_rejected(catalogue_copy: Path) -> None:
    path = catalogue_copy / "aca" / "guatemala.yaml"
    data = read_yaml(path)
    del data["values"][2]["citations"][0]["kind"]
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    message = _rejected(catalogue_copy)
    assert "guatemala.yaml" in message and "citations.0.kind" in message


def test_a_catalogue_mirror_marked_primary_is_rejected(catalogue_copy: Path) -> None:
    path = catalogue_copy / "title42" / "order.yaml"
    data = read_yaml(path)
    citation = data["values"][2]["citations"][-2]
    assert "scribd.com" in citation["url"]
    citation["kind"] = "primary"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    message = _rejected(catalogue_copy)
    assert "order.yaml" in message and "government's own address" in message


def test_the_report_follows_the_citations(catalogue_copy: Path) -> None:
    before = source_report(load_catalogue(catalogue_copy)).by_kind()
    path = catalogue_copy / "title8" / "mexico_returns.yaml"
    data = read_yaml(path)
    for citation in data["values"][0]["citations"]:
        citation["kind"] = "weak"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    _load.cache_clear()
    report = source_report(load_catalogue(catalogue_copy))
    assert report.by_kind()["primary"] == before["primary"] - 1
    assert report.by_kind()["weak"] == before["weak"] + 1
    assert "title8/mexico_returns" in {value.policy for value in report.weak_only()}


def test_the_report_counts_every_value_by_its_strongest_source() -> None:
    catalogue = load_catalogue()
    report = source_report(catalogue)
    periods = [p for d in catalogue.documents.values() for p in d.values]
    assert len(report.values) == len(periods)
    assert sum(report.by_kind().values()) == len(periods)
    only_weak = [p for p in periods if all(c.kind == "weak" for c in p.citations)]
    assert len(report.weak_only()) == len(only_weak)
    with_primary = [p for p in periods if any(c.kind == "primary" for c in p.citations)]
    assert report.by_kind()["primary"] == len(with_primary)


# --- scenarios: a hypothesis is weak unless its author says otherwise -------------------------


def test_a_scenario_citation_without_kind_counts_as_weak(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: s\ndescription: x\nwritten_on: '2026-01-01'\nchanges:\n"
        "  - policy: title42/order\n    end: {date: '2021-01-20'}\n"
        "    citation: {title: A title, url: 'https://example.org', section: s, fact: SCN-X}\n",
        encoding="utf-8",
    )
    scenario = load_scenario(path)
    assert scenario.changes[0].citation.kind == "weak"
    changed = scenario.apply(load_catalogue())
    assert any(value.basis == "weak" for value in source_report(changed).weak_only())


def test_a_scenario_citation_claiming_primary_needs_a_government_address(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: s\ndescription: x\nwritten_on: '2026-01-01'\nchanges:\n"
        "  - policy: title42/order\n    end: {date: '2021-01-20'}\n"
        "    citation: {title: A title, url: 'https://example.org', section: s, fact: SCN-X,"
        " kind: primary}\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError, match="government's own address"):
        load_scenario(path)
