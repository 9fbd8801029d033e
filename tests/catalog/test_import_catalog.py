"""import_catalog on a slice of the real crawl: structure, idempotency, versions, bad records."""

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from dichvucong.catalog import importing, services
from dichvucong.catalog.models import Procedure

RAW = Path(__file__).resolve().parents[3] / "shared" / "data"
CODES = {"bo-tu-phap": ["1.001193", "1.000080"], "bo-cong-an": ["1.004194"]}


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    """A small directory shaped like ../shared/data, built from the real files."""
    if not RAW.exists():
        pytest.skip("the raw national data is not beside the project")
    for ministry, codes in CODES.items():
        (tmp_path / "tthc-procedures" / ministry).mkdir(parents=True)
        for code in codes:
            source = RAW / "tthc-procedures" / ministry / f"{code}.json"
            if source.exists():
                shutil.copy(source, tmp_path / "tthc-procedures" / ministry / source.name)
    shutil.copytree(RAW / "tthc-reference", tmp_path / "tthc-reference")
    (tmp_path / "tthc-usage").mkdir()
    for name in ("congdan_raw_result.json", "doanhnghiep_raw_result.json"):
        rows = json.loads((RAW / "tthc-usage" / name).read_text())
        (tmp_path / "tthc-usage" / name).write_text(json.dumps(rows[:5], ensure_ascii=False))
    return tmp_path


def test_build_dataset_parses_and_reports(raw_dir):
    (raw_dir / "tthc-procedures" / "bo-tu-phap" / "broken.json").write_text("{not json")
    dataset, report = importing.build_dataset(raw_dir)
    codes = {p["code"]: p for p in dataset["procedures"]}
    birth = codes["1.001193"]
    assert birth["name"] == "Thủ tục đăng ký khai sinh"
    assert birth["channels"] and birth["channels"][0]["channel"] in {"online", "in_person", "postal"}
    assert birth["components"] and all("copies_original" in c for c in birth["components"])
    assert birth["ministry_code"] == "000.00.00.G15"
    assert report.bad_records and report.bad_records[0][0] == "broken.json"
    assert 0.8 < report.parse_rate <= 1.0
    # Usage-list services outside the full crawl come in with what is known.
    usage_only = [p for p in dataset["procedures"] if not p["is_complete"]]
    assert usage_only and all(p["name"] and p["popularity"] > 0 for p in usage_only)


@pytest.mark.django_db
def test_import_twice_changes_nothing_then_an_amendment_makes_a_version(raw_dir, tmp_path):
    out = StringIO()
    call_command("import_catalog", str(raw_dir), "--no-progress", stdout=out)
    # The session catalog already holds these codes, so the first run finds them unchanged.
    first = out.getvalue()
    assert "bad" in first
    out = StringIO()
    call_command("import_catalog", str(raw_dir), "--no-progress", stdout=out)
    assert "0 created, 0 amended" in out.getvalue()

    procedure = Procedure.objects.get(code="1.004194")
    versions_before = procedure.versions.count()
    services.amend_procedure(procedure=procedure, changes={"name_en": "Temporary residence"}, change_note="EN name")
    procedure.refresh_from_db()
    assert procedure.versions.count() == versions_before + 1
    assert procedure.current.number == versions_before + 1
    assert procedure.name_en == "Temporary residence"
    # The older version is still there, unchanged.
    assert procedure.versions.get(number=versions_before).change_note != "EN name"


@pytest.mark.django_db
def test_dataset_file_round_trip(raw_dir, tmp_path):
    dataset, _report = importing.build_dataset(raw_dir)
    path = tmp_path / "catalog.json.gz"
    importing.write_dataset(dataset, path)
    first = path.read_bytes()
    importing.write_dataset(dataset, path)
    assert path.read_bytes() == first, "the committed dataset must be byte-stable"
    assert importing.read_dataset(path) == json.loads(json.dumps(dataset))


def test_unknown_dataset_format_is_refused(tmp_path):
    path = tmp_path / "x.json.gz"
    importing.write_dataset({"format": 99}, path)
    with pytest.raises(ValueError, match="format"):
        importing.read_dataset(path)


@pytest.mark.django_db
def test_abolished_procedure_keeps_its_versions():
    procedure = Procedure.objects.get(code="1.004194")
    services.abolish_procedure(procedure=procedure)
    procedure.refresh_from_db()
    assert procedure.status == "abolished"
    assert procedure.versions.exists()
