"""The method file: the published default loads, and every departure from the schema is refused
with a message naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from asilo.scheduling import MethodError, SelectedBy, load_method
from asilo.scheduling.method import DEFAULT_METHOD_FILE

W, L = SelectedBy.LONGEST_WAITING, SelectedBy.LOTTERY


def published() -> dict[str, object]:
    path = Path(__file__).parents[2] / "src/asilo/scheduling/methods" / DEFAULT_METHOD_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "method.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_a_copy_of_the_published_method_loads_the_same(tmp_path: Path) -> None:
    assert load_method(write(tmp_path, published())) == load_method()


def test_the_ratio_becomes_a_cycle_of_places(tmp_path: Path) -> None:
    data = published()
    data["places_per_cycle"] = {"longest_waiting": 3, "lottery": 2}
    assert load_method(write(tmp_path, data)).cycle() == (W, W, W, L, L)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"version": ""}, "version"),
        ({"horizon_days": 0}, "horizon_days"),
        ({"places_per_cycle": {"longest_waiting": 0, "lottery": 0}}, "places_per_cycle"),
        ({"places_per_cycle": {"longest_waiting": -1, "lottery": 1}}, "longest_waiting"),
        ({"tiers": [{"tier": 1, "name": "b"}, {"tier": 0, "name": "a"}]}, "tiers"),
        ({"tiers": [{"tier": 0, "name": "a"}, {"tier": 0, "name": "b"}]}, "tiers"),
        ({"tiers": []}, "tiers"),
        ({"longest_waiting_order": ["registration_id", "registered_on"]}, "longest_waiting"),
        (
            {"lottery": {"hash": "md5", "message": "{seed}:{registration_id}", "order": []}},
            "lottery.hash",
        ),
        ({"ports_without_preference": "random"}, "ports_without_preference"),
    ],
)
def test_a_method_outside_the_schema_is_refused(
    tmp_path: Path, change: dict[str, object], field: str
) -> None:
    path = write(tmp_path, {**published(), **change})
    with pytest.raises(MethodError, match=field) as caught:
        load_method(path)
    assert str(path) in str(caught.value)


def test_a_missing_field_is_named(tmp_path: Path) -> None:
    data = published()
    del data["horizon_days"]
    with pytest.raises(MethodError, match="horizon_days"):
        load_method(write(tmp_path, data))


def test_not_yaml_not_a_mapping_and_no_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(MethodError, match="not valid YAML"):
        load_method(broken)
    with pytest.raises(MethodError, match="mapping"):
        load_method(write(tmp_path, ["a", "list"]))
    with pytest.raises(MethodError, match="cannot read"):
        load_method(tmp_path / "absent.yaml")
