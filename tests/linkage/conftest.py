"""A small synthetic population shared by the linkage tests (a few thousand records)."""

from __future__ import annotations

from pathlib import Path

import pytest

from asilo.linkage import synth

SMALL_N = 3000
SMALL_SEED = 101


@pytest.fixture(scope="session")
def small_population(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("population")
    records, truth = folder / "R.csv", folder / "T.csv"
    synth.write(synth.generate(SMALL_N, SMALL_SEED), records, truth)
    return records, truth
