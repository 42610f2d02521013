"""Reconciliation against published totals."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from asilo.stats import reconcile


def test_every_shipped_published_total_matches_the_real_files(
    shipped: duckdb.DuckDBPyConnection,
) -> None:
    totals = reconcile.load_totals()
    names = [t.name for t in totals]
    for year in range(2020, 2026):
        assert f"Southwest Land Border encounters, FY{year}" in names
    assert len(totals) >= 54
    checks = reconcile.reconcile(shipped, totals)
    assert [c.describe() for c in checks if c.status != "matched"] == []
    expected = {c.total.name: c.actual for c in checks}
    assert expected["Southwest Land Border, Title 42, FY2022"] == 1_079_507
    assert expected["Nationwide encounters, April 2020"] == 29_743
    # Facts ST-21: FY2024 and FY2025 come from the FY2022-FY2025 release.
    assert expected["Southwest Land Border encounters, FY2024"] == 2_135_005
    assert expected["Southwest Land Border encounters, FY2025"] == 443_671
    assert expected["Southwest Land Border, UC / Single Minors, FY2024"] == 109_998


def test_fy2024_and_fy2025_lines_have_no_data_without_the_later_release(
    real: duckdb.DuckDBPyConnection,
) -> None:
    checks = reconcile.reconcile(real, reconcile.load_totals())
    missing = {c.total.name for c in checks if c.status == "no data"}
    assert "Southwest Land Border encounters, FY2024" in missing
    assert "Southwest Land Border encounters, FY2025" in missing
    assert "Southwest Land Border encounters, FY2023" not in missing


def test_shipped_totals_name_their_source() -> None:
    for total in reconcile.load_totals():
        assert total.source.strip(), total.name


def totals_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "totals.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_off_and_no_data_lines(real: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = totals_file(
        tmp_path,
        """
totals:
  - name: SW FY2021, as misprinted
    product: any
    filter: {region: southwest, fiscal_year: 2021}
    expected: 1734000
    source: a test
  - name: SW FY2019
    filter: {region: southwest, fiscal_year: 2019}
    expected: 977509
    source: a test
  - name: SW FY2020 and FY2021 in Texas
    product: nationwide_state
    filter: {region: southwest, state: TX, fiscal_year: [2020, 2021]}
    expected: 1
    source: a test
""",
    )
    checks = reconcile.reconcile(real, reconcile.load_totals(path))
    assert [c.status for c in checks] == ["off", "no data", "off"]
    assert checks[0].difference == 686
    assert checks[0].describe() == (
        "OFF      SW FY2021, as misprinted: expected 1,734,000, imported 1,734,686 (off by +686)"
    )
    assert "nothing imported under this filter" in checks[1].describe()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("totals: 3", "expected a mapping with a 'totals' list"),
        ("totals:\n  - {name: x, filter: {}, source: s}", "totals[0]: missing 'expected'"),
        (
            "totals:\n  - {name: x, filter: {}, source: s, expected: 'many'}",
            "expected must be a whole number",
        ),
        (
            "totals:\n  - {name: x, product: tv, filter: {}, source: s, expected: 1}",
            "unknown product 'tv'",
        ),
        (
            "totals:\n  - {name: x, filter: {colour: red}, source: s, expected: 1}",
            "unknown dimension 'colour'",
        ),
        ("totals: [", "not YAML"),
    ],
)
def test_bad_totals_file(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(reconcile.TotalsFileError, match=message.replace("[", r"\[")):
        reconcile.load_totals(totals_file(tmp_path, body))
