"""``asilo identity``: synth, link (contract and bad input), evaluate, train."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from asilo.cli.registry import only
from asilo.linkage import model

app = only("identity")
runner = CliRunner()


def test_synth_then_link_then_evaluate(tmp_path: Path) -> None:
    r, t, c = tmp_path / "R.csv", tmp_path / "T.csv", tmp_path / "C.csv"
    res = runner.invoke(
        app, ["identity", "synth", "--n", "1500", "--seed", "4", "--out", str(r), "--truth", str(t)]
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["identity", "link", "--records", str(r), "--out", str(c)])
    assert res.exit_code == 0, res.output
    with c.open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["record_id", "identity_id", "match_probability"]
    assert len(rows) == 1501
    res = runner.invoke(
        app,
        [
            "identity",
            "evaluate",
            "--records",
            str(r),
            "--truth",
            str(t),
            "--clusters",
            str(c),
            "--csv",
        ],
    )
    assert res.exit_code == 0, res.output
    lines = res.output.strip().splitlines()
    assert lines[0] == "kind,true_pairs,predicted_pairs,precision,recall,f1"
    overall = lines[1].split(",")
    assert overall[0] == "all" and float(overall[5]) > 0.9
    assert any(line.startswith("typo,") for line in lines)


def test_bad_input_exits_2_with_file_line_column_and_writes_nothing(tmp_path: Path) -> None:
    r, c = tmp_path / "R.csv", tmp_path / "C.csv"
    r.write_text(
        "record_id,given_names,first_surname,second_surname,date_of_birth,sex,nationality,"
        "a_number,document_number\n"
        "a,Ana,Cruz,,2001,F,HND,,\n"
        "b,Ana,Cruz,,2001-13-01,F,HND,,\n",
        encoding="utf-8",
    )
    res = runner.invoke(app, ["identity", "link", "--records", str(r), "--out", str(c)])
    assert res.exit_code == 2
    assert f"{r}, line 3, column date_of_birth" in res.output
    assert not c.exists()
    assert list(tmp_path.iterdir()) == [r]


def test_a_bad_model_file_exits_2(tmp_path: Path) -> None:
    r, c, m = tmp_path / "R.csv", tmp_path / "C.csv", tmp_path / "m.json"
    r.write_text(
        "record_id,given_names,first_surname,second_surname,date_of_birth,sex,nationality,"
        "a_number,document_number\na,Ana,Cruz,,2001,F,HND,,\n",
        encoding="utf-8",
    )
    m.write_text('{"format": "something else"}', encoding="utf-8")
    res = runner.invoke(
        app, ["identity", "link", "--records", str(r), "--out", str(c), "--model", str(m)]
    )
    assert res.exit_code == 2
    assert "not an asilo identity model" in res.output
    assert not c.exists()


def test_train_writes_a_versioned_model_that_links(tmp_path: Path) -> None:
    m = tmp_path / "model.json"
    res = runner.invoke(
        app,
        ["identity", "train", "--n", "4000", "--seed", "3", "--out", str(m), "--max-pairs", "2e5"],
    )
    assert res.exit_code == 0, res.output
    params = model.load_parameters(m)
    assert params.trained_on["records"] == 4000
    assert params.levels["a_number"]["exact"][0] is not None
    m_exact, u_exact = params.levels["a_number"]["exact"]
    assert m_exact is not None and u_exact is not None and m_exact > u_exact


def test_evaluate_with_clusters_needs_no_records(tmp_path: Path) -> None:
    """``evaluate --clusters C.csv`` scores an earlier link: it reads no R.csv, so it asks for
    none (it used to refuse to start without ``--records``)."""
    r, t, c = tmp_path / "R.csv", tmp_path / "T.csv", tmp_path / "C.csv"
    res = runner.invoke(
        app, ["identity", "synth", "--n", "300", "--seed", "5", "--out", str(r), "--truth", str(t)]
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["identity", "link", "--records", str(r), "--out", str(c)])
    assert res.exit_code == 0, res.output
    with_records = runner.invoke(
        app,
        [
            "identity",
            "evaluate",
            "--csv",
            "--records",
            str(r),
            "--truth",
            str(t),
            "--clusters",
            str(c),
        ],
    )
    r.unlink()
    without = runner.invoke(
        app, ["identity", "evaluate", "--truth", str(t), "--clusters", str(c), "--csv"]
    )
    assert without.exit_code == 0, without.output
    assert without.stdout == with_records.stdout
    assert without.stdout.startswith("kind,true_pairs,predicted_pairs,precision,recall,f1\nall,")


def test_evaluate_without_clusters_still_needs_records(tmp_path: Path) -> None:
    t = tmp_path / "T.csv"
    t.write_text("record_id,true_identity_id\na,1\n", encoding="utf-8")
    res = runner.invoke(app, ["identity", "evaluate", "--truth", str(t)])
    assert res.exit_code == 2
    assert "--records" in res.stderr
    assert "--clusters" in res.stderr


def test_link_writes_into_a_folder_whose_name_has_an_apostrophe(
    tmp_path: Path, small_population: tuple[Path, Path]
) -> None:
    """Defect: the temporary file's path went into DuckDB's COPY unquoted, so a folder like
    ``O'Brien`` ended the command with a DuckDB parser error and a traceback."""
    records, _ = small_population
    folder = tmp_path / "O'Brien"
    folder.mkdir()
    c, pairs = folder / "C.csv", folder / "review.csv"
    args = ["--records", str(records), "--out", str(c), "--review-out", str(pairs)]
    res = runner.invoke(app, ["identity", "link", *args])
    assert res.exit_code == 0, res.output
    assert c.read_text(encoding="utf-8").startswith("record_id,identity_id,match_probability\n")
    assert pairs.read_text(encoding="utf-8").startswith("record_id_l,record_id_r,")
    assert sorted(p.name for p in folder.iterdir()) == ["C.csv", "review.csv"]


def test_link_into_a_folder_that_does_not_exist_exits_2_and_writes_nothing(
    tmp_path: Path, small_population: tuple[Path, Path]
) -> None:
    """Defect: the folder was created (and C.csv written) before --review-out's folder was
    looked at; now every output's folder is checked before the work, as for
    ``schedule allocate --out``."""
    records, _ = small_population
    for args in (
        ["--out", str(tmp_path / "nowhere" / "C.csv")],
        ["--out", str(tmp_path / "C.csv"), "--review-out", str(tmp_path / "nowhere" / "p.csv")],
    ):
        res = runner.invoke(app, ["identity", "link", "--records", str(records), *args])
        assert res.exit_code == 2, res.output
        assert f"the folder {tmp_path / 'nowhere'} does not exist" in res.stderr
        assert list(tmp_path.iterdir()) == []


def test_synth_and_train_refuse_an_output_that_cannot_be_written(tmp_path: Path) -> None:
    """Defects: ``--out`` naming a folder ended ``synth`` (and ``train``, after training) in a
    traceback; ``synth --truth`` in a missing folder did so after writing R.csv; a missing
    folder of ``train --out`` was created. Now: exit 2, the file named, nothing written, and
    before the work."""
    folder, nowhere = tmp_path / "folder", tmp_path / "nowhere"
    folder.mkdir()
    synth = ["synth", "--n", "5", "--seed", "1", "--out"]
    cases = [
        ([*synth, str(folder)], f"{folder}: is a folder"),
        (
            [*synth, str(tmp_path / "R.csv"), "--truth", str(nowhere / "T.csv")],
            f"the folder {nowhere} does not exist",
        ),
        (["train", "--n", "50", "--out", str(folder)], f"{folder}: is a folder"),
        (["train", "--n", "50", "--out", str(nowhere / "m.json")], f"{nowhere} does not exist"),
    ]
    for args, message in cases:
        res = runner.invoke(app, ["identity", *args])
        assert res.exit_code == 2, (args, res.output)
        assert message in res.stderr
        assert sorted(p.name for p in tmp_path.iterdir()) == ["folder"]
        assert list(folder.iterdir()) == []
