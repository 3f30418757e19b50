"""A catalogue of hostile configurations: each refused before any call, with one line and a non-zero exit.

Every setting that guards spending or data (``harvester.checks.guards``) is
given negative, zero, huge, non-numeric and empty values; every file a crawl
reads is given missing, as a folder, empty, binary and (the token file) in
the wrong JSON shape. A value a setting documents (``OPEN1688_QPS=0`` turns
pacing off) is accepted; every other one is refused by ``scrapy crawl`` with
exit status 2 and one line naming the setting, and by ``scrapy doctor`` with
a FAIL line. ``scrapy crawl``'s checks run in this process (its
``process_options``, as ``scrapy`` runs it); a sample of each kind also runs
as a real ``scrapy crawl`` against the sandbox, which then must have served
no call, and the data folder must hold nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from scrapy.settings import Settings

from harvester.checks import guards
from harvester.commands.crawl import Command as CrawlCommand
from harvester.commands.doctor import Command as DoctorCommand
from harvester.crawl import exitcodes
from harvester.sandbox.process import SandboxProcess
from tests.support.crawls import ROOT, crawl_command
from tests.support.live import SEARCH_PAGE, LiveCrawl

#: Values no number setting accepts: negative, overflowing, infinite, not a number, empty, a word.
NOT_NUMBERS = ["-1", "1e400", "inf", "-inf", "nan", "", "   ", "abc", "10 calls", "true", "0x10"]
#: Far past any sane value (each setting's maximum is far below).
HUGE = ["1e30", str(10**30)]
#: Settings where 0 is documented and accepted, and what it means.
ZERO_MEANS = {
    "OPEN1688_QPS": "no pacing",
    "OPEN1688_DAILY_CALL_BUDGET": "no daily limit",
    "OPEN1688_RETRY_TIMES": "no retry",
    "OPEN1688_RETRY_BACKOFF": "retry at once",
    "OPEN1688_RETRY_BACKOFF_MAX": "retry at once",
    "OPEN1688_ISP_RETRY_TIMES": "no retry of ISP errors",
    "OPEN1688_THROTTLE_RETRY_TIMES": "no retry when throttled",
    "OPEN1688_QPS_HEADROOM": "no headroom",
    "OPEN1688_TOKEN_REFRESH_MARGIN": "refresh at expiry",
    "OPEN1688_MAX_CLOCK_SKEW": "warn at any skew",
    "HARVEST_PARQUET_COMPRESSION_LEVEL": "the codec's default",
    "HARVEST_REDIS_IDLE_CLOSE": "finish as soon as quiet",
    "HARVEST_PROGRESS_INTERVAL": "no progress lines",
    "HARVEST_REPORT_SAMPLE_INTERVAL": "no time series",
    "HARVEST_REPORT_TOP_QUERIES": "no query list",
    "HARVEST_FREIGHT_MAX_CALLS": "no limit on freight calls",
    "HARVEST_TRENDS_MAX_CALLS": "no limit on trend calls",
    "HARVEST_MEDIA_RATE": "no media pacing",
    "HARVEST_MONTH_SOLD_TOLERANCE": "any move of monthSold counts",
}
NUMBERS = [name for name, guard in guards.GUARDS.items() if isinstance(guard, guards.Number)]
#: The other guarded settings, with values each must refuse.
OTHERS = {
    "OPEN1688_GATEWAY": [
        "ftp://gw.example",
        "http://",
        "gw.open.1688.com",
        "http://127.0.0.1:port",
        "https://gw.open.1688.com/?x=1",
        "http://a b",
        "sandbox\n",
    ],
    # A bucket that merely cannot be reached is the doctor's "data dir" check (against the test's own S3 server,
    # tests/integration/test_object_storage*.py): these are wrong as written, refused without any connection.
    "HARVEST_DATA_DIR": [
        "",
        "   ",
        "s3://",
        "s3:bucket",
        "s3://bucket/x?region=eu",
        "s3://key:secret@bucket",
        "nosuchscheme://bucket",
        "data\nmore",
    ],
    "HARVEST_CRAWL_ID": ["-leading-dash", "a/b", "a b", "../up", "x\ty"],
    "HARVEST_REDIS_PREFIX": ["", "a b", "prefix\n"],
    "OPEN1688_SPLIT_DIMENSIONS": ["price,colour", "sizes"],
    "OPEN1688_HTTP_METHOD": ["PUT", "", "post get"],
    "HARVEST_PARQUET_COMPRESSION": ["zip", ""],
    "OPEN1688_STATE_DIR": ["", "   "],
    "HARVEST_UNDATED_LISTINGS": ["always", ""],
    "HARVEST_TRENDS_END": ["2025-06-30", "yesterday", "20251340", "20250630\n"],
    "HARVEST_MEDIA_STORE": ["s3://bucket/harvest?x=1", "s3:/bucket", "s3://user:secret@bucket", "media\nmore"],
}
#: Settings that each hold up alone but not together.
CONFLICTS = [
    {"HARVEST_ROW_GROUP_ROWS": "1000", "HARVEST_FILE_ROWS": "10"},
    {"OPEN1688_SEARCH_CAP": "10", "OPEN1688_PAGE_SIZE": "50"},
]


#: zstd has negative (fast) levels.
NEGATIVE_ALLOWED = {"HARVEST_PARQUET_COMPRESSION_LEVEL"}


def hostile_values() -> list[tuple[str, str]]:
    cases = [
        (name, value)
        for name in NUMBERS
        for value in [*NOT_NUMBERS, *HUGE]
        if not (value == "-1" and name in NEGATIVE_ALLOWED)
    ]
    cases += [(name, "0") for name in NUMBERS if name not in ZERO_MEANS]
    cases += [(name, value) for name, values in OTHERS.items() for value in values]
    return cases


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The user's shell must not change what the command sees (an exported OPEN1688_GATEWAY would)."""
    for name in list(os.environ):
        if name.startswith(("OPEN1688_", "HARVEST_", "SCRAPY_", "REDIS_URL")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def options(*settings: tuple[str, str], arguments: dict[str, str] | None = None) -> list[str]:
    argv = []
    for name, value in settings:
        argv += ["-s", f"{name}={value}"]
    for name, value in (arguments if arguments is not None else {"keywords": "茶具"}).items():
        argv += ["-a", f"{name}={value}"]
    return argv


def crawl_checks(capsys: pytest.CaptureFixture[str], spider: str, argv: list[str]) -> tuple[int | None, list[str]]:
    """``scrapy crawl SPIDER ARGV`` up to where it would start the crawl, as ``scrapy`` runs it: the exit status
    it stops with (None: it would go on) and what it printed on stderr."""
    settings = Settings()
    settings.setmodule("harvester.settings", priority="project")
    command = CrawlCommand()
    settings.setdict(command.default_settings, priority="command")
    command.settings = settings
    parser = argparse.ArgumentParser(conflict_handler="resolve")
    command.add_options(parser)
    opts, args = parser.parse_known_args([spider, *argv])
    try:
        command.process_options(args, opts)
        code = None
    except SystemExit as stop:
        code = int(stop.code or 0)
    return code, [line for line in capsys.readouterr().err.splitlines() if line.strip()]


def doctor_checks(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, list[str]]:
    settings = Settings()
    settings.setmodule("harvester.settings", priority="project")
    command = DoctorCommand()
    command.settings = settings
    parser = argparse.ArgumentParser(conflict_handler="resolve")
    command.add_options(parser)
    opts, args = parser.parse_known_args(argv)
    command.process_options(args, opts)
    command.run(args, opts)
    return command.exitcode, capsys.readouterr().out.splitlines()


# --- guard settings ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "value"), hostile_values(), ids=lambda value: repr(value)[:30])
def test_scrapy_crawl_refuses_a_hostile_setting_with_one_line(capsys, tmp_path, name: str, value: str) -> None:
    setting = (name, value)
    others = [] if name == "HARVEST_DATA_DIR" else [("HARVEST_DATA_DIR", str(tmp_path / "data"))]
    code, lines = crawl_checks(capsys, "keyword", options(setting, *others))
    assert code == exitcodes.USAGE
    assert len(lines) == 1 and lines[0].startswith(f"harvester: {name}"), lines
    assert "Traceback" not in "\n".join(lines)
    assert not (tmp_path / "data").exists(), "nothing written"


@pytest.mark.parametrize("name", sorted(ZERO_MEANS))
def test_zero_is_accepted_where_it_is_documented(capsys, tmp_path, name: str) -> None:
    code, lines = crawl_checks(capsys, "keyword", options((name, "0"), ("HARVEST_DATA_DIR", str(tmp_path))))
    assert code is None and lines == []


@pytest.mark.parametrize("conflict", CONFLICTS, ids=lambda conflict: ",".join(conflict))
def test_settings_that_conflict_are_refused(capsys, tmp_path, conflict: dict[str, str]) -> None:
    code, lines = crawl_checks(capsys, "keyword", options(*conflict.items(), ("HARVEST_DATA_DIR", str(tmp_path))))
    assert code == exitcodes.USAGE and len(lines) == 1, lines


def test_several_bad_settings_are_still_one_line_naming_the_first(capsys, tmp_path) -> None:
    code, lines = crawl_checks(
        capsys,
        "keyword",
        options(("OPEN1688_QPS", "-1"), ("OPEN1688_PAGE_SIZE", "0"), ("HARVEST_DATA_DIR", str(tmp_path))),
    )
    assert code == exitcodes.USAGE
    assert lines == [
        "harvester: OPEN1688_QPS=-1 is out of range: give a number from 0 to 10,000 (0 turns pacing "
        "off) (and 1 more: `scrapy doctor` lists them)"
    ]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OPEN1688_QPS", "-1"),
        ("OPEN1688_DAILY_CALL_BUDGET", "-5"),
        ("OPEN1688_QPS", "abc"),
        ("HARVEST_DATA_DIR", ""),
        ("HARVEST_DATA_DIR", "s3://"),
        ("OPEN1688_GATEWAY", "ftp://x"),
    ],
)
def test_scrapy_doctor_fails_a_hostile_setting_and_calls_nothing(capsys, name: str, value: str) -> None:
    code, lines = doctor_checks(capsys, ["-s", f"{name}={value}"])
    assert code == exitcodes.ERROR
    failed = [line for line in lines if line.startswith("FAIL")]
    assert len(failed) == 1 and failed[0].startswith(f"FAIL  settings: {name}"), lines
    assert all(line.startswith(("SKIP", "FAIL")) for line in lines[:-1]), "no gateway check runs"


def test_scrapy_doctor_lists_every_bad_setting(capsys) -> None:
    code, lines = doctor_checks(capsys, ["-s", "OPEN1688_QPS=-1", "-s", "HARVEST_WRITE_QUEUE=0"])
    assert code == exitcodes.ERROR
    assert [line.split(":")[1].strip().split("=")[0] for line in lines if line.startswith("FAIL")] == [
        "OPEN1688_QPS",
        "HARVEST_WRITE_QUEUE",
    ]


@pytest.mark.parametrize("name", ["JOBDIR"])
@pytest.mark.parametrize("kind", ["empty", "a file", "a line break"])
def test_a_jobdir_that_cannot_hold_the_crawl_is_refused(capsys, tmp_path, name: str, kind: str) -> None:
    (tmp_path / "file").write_text("x")
    value = {"empty": "", "a file": str(tmp_path / "file"), "a line break": f"{tmp_path}/job\nx"}[kind]
    code, lines = crawl_checks(capsys, "keyword", options((name, value), ("HARVEST_DATA_DIR", str(tmp_path))))
    assert code == exitcodes.USAGE and len(lines) == 1 and lines[0].startswith("harvester: JOBDIR"), lines


# --- spider arguments and the files they name -----------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["保温杯\n数据线", "保温杯\t", "\x00", "保温杯\r\n", "保温杯\u2028数据线"],
    ids=["newline", "tab", "nul", "crlf", "line separator"],
)
def test_a_line_break_in_an_argument_is_refused_not_searched(capsys, tmp_path, value: str) -> None:
    code, lines = crawl_checks(
        capsys, "keyword", options(("HARVEST_DATA_DIR", str(tmp_path)), arguments={"keywords": value})
    )
    assert code == exitcodes.USAGE and len(lines) == 1, lines
    assert lines[0].startswith("harvester: -a keywords=") and "line break" in lines[0]


def test_an_ideographic_space_is_not_a_control_character(capsys, tmp_path) -> None:
    code, lines = crawl_checks(
        capsys, "keyword", options(("HARVEST_DATA_DIR", str(tmp_path)), arguments={"keywords": "儿童\u3000保温杯"})
    )
    assert code is None and lines == []


def bad_file(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"input-{kind.replace(' ', '-')}"
    if kind == "a folder":
        path.mkdir()
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "binary":
        path.write_bytes(bytes(range(256)) * 64)
    elif kind == "only blank lines":
        path.write_bytes(b"\n  \n\t\n")
    return path


FILE_ARGUMENTS = [("keyword", "keywords_file"), ("offers", "ids_file"), ("monitor", "ids_file"), ("image", "image")]


@pytest.mark.parametrize(("spider", "argument"), FILE_ARGUMENTS)
@pytest.mark.parametrize("kind", ["missing", "a folder", "empty", "binary", "only blank lines"])
def test_a_file_argument_that_holds_nothing_usable_is_refused(
    capsys, tmp_path, spider: str, argument: str, kind: str
) -> None:
    path = bad_file(tmp_path, kind)
    code, lines = crawl_checks(
        capsys, spider, options(("HARVEST_DATA_DIR", str(tmp_path / "data")), arguments={argument: str(path)})
    )
    assert code == exitcodes.USAGE and len(lines) == 1, lines
    assert lines[0].startswith("harvester: ") and str(path) in lines[0], lines
    assert not (tmp_path / "data").exists()


def test_an_ids_file_with_no_offer_id_is_refused(capsys, tmp_path) -> None:
    path = tmp_path / "ids.txt"
    path.write_text("not an id\nhttps://example.com/offer\n")
    code, lines = crawl_checks(
        capsys, "offers", options(("HARVEST_DATA_DIR", str(tmp_path)), arguments={"ids_file": str(path)})
    )
    assert code == exitcodes.USAGE and lines == [
        f"harvester: -a ids_file={path} holds no offer id: no line is one "
        "(is it the right file? one offer id a line, UTF-8 text)"
    ]


# --- real crawls: refused before any call, nothing written ----------------------------------------------------


def refused_crawl(
    sandbox: SandboxProcess, tmp_path: Path, settings: dict[str, Any], args: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    command, env = crawl_command(
        "keyword", tmp_path / "data", sandbox=sandbox, args=args or {"keywords": "茶具"}, settings=settings
    )
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


def assert_refused_before_any_call(
    run: subprocess.CompletedProcess[str], sandbox: SandboxProcess, tmp_path: Path, line: str
) -> None:
    lines = [text for text in run.stderr.splitlines() if text.strip()]
    assert run.returncode == exitcodes.USAGE, run.stderr[-2000:]
    assert lines == [line], run.stderr[-2000:]
    assert sandbox.admin.stats()["calls_total"] == 0, "no call spent"
    data = tmp_path / "data"
    assert not data.exists() or not any(data.rglob("*.parquet")), "nothing written"


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("settings", "line"),
    [
        (
            {"OPEN1688_QPS": -1},
            "harvester: OPEN1688_QPS=-1 is out of range: give a number from 0 to 10,000 (0 turns pacing off)",
        ),
        (
            {"OPEN1688_QPS": "inf"},
            "harvester: OPEN1688_QPS=inf is out of range: give a number from 0 to 10,000 (0 turns pacing off)",
        ),
        (
            {"OPEN1688_DAILY_CALL_BUDGET": -5},
            "harvester: OPEN1688_DAILY_CALL_BUDGET=-5 is out of range: give a whole "
            "number from 0 to 1,000,000,000,000 (0 = no daily limit)",
        ),
        (
            {"HARVEST_DATA_DIR": ""},
            "harvester: HARVEST_DATA_DIR is empty: give the dataset's folder (e.g. ./data); the "
            "crawl would write nowhere",
        ),
        ({"HARVEST_DATA_DIR": "s3://"}, "harvester: HARVEST_DATA_DIR=s3:// names no bucket: give s3://bucket/prefix"),
    ],
    ids=["negative qps", "infinite qps", "negative budget", "empty data dir", "s3"],
)
def test_a_real_crawl_with_a_hostile_setting_spends_nothing(
    sandbox: SandboxProcess, tmp_path: Path, settings: dict[str, Any], line: str
) -> None:
    assert_refused_before_any_call(refused_crawl(sandbox, tmp_path, settings), sandbox, tmp_path, line)
    assert not Path(ROOT, "s3:").exists(), "no local folder named after the scheme"


@pytest.mark.e2e
def test_a_real_crawl_with_a_line_break_in_its_keywords_spends_nothing(sandbox: SandboxProcess, tmp_path: Path) -> None:
    run = refused_crawl(sandbox, tmp_path, {}, {"keywords": "保温杯\n数据线"})
    assert_refused_before_any_call(
        run,
        sandbox,
        tmp_path,
        "harvester: -a keywords=保温杯\\n数据线: holds a line "
        "break or another control character; give the values on one line (separate "
        "keywords with commas, or use a file)",
    )


# --- the token file -------------------------------------------------------------------------------------------


def token_file(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / "token.json"
    if kind == "a folder":
        path.mkdir()
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "binary":
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    elif kind == "a JSON list":
        path.write_text(json.dumps([{"access_token": "x"}]))
    elif kind == "no access token":
        path.write_text(json.dumps({"refresh_token": "x"}))
    elif kind == "a number for the token":
        path.write_text(json.dumps({"access_token": 12345}))
    elif kind == "a broken date":
        path.write_text(json.dumps({"access_token": "x", "access_expires_at": "tomorrow"}))
    if path.exists() and not path.is_dir():
        path.chmod(0o600)
    return path


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("kind", "says"),
    [
        ("missing", "does not exist and OPEN1688_ACCESS_TOKEN is not set; run `scrapy auth`"),
        ("a folder", "is a folder: point OPEN1688_TOKEN_FILE at the file `scrapy auth` writes"),
        ("empty", "is not a token file (it is empty): run `scrapy auth` again"),
        ("binary", "is not a token file (it is not JSON text): run `scrapy auth` again"),
        ("a JSON list", "is not a token file (it holds a JSON list, not the object `scrapy auth` writes)"),
        ("no access token", "is not a token file (it holds no access_token)"),
        ("a number for the token", "is not a token file (it holds no access_token)"),
        ("a broken date", "is not a token file (Invalid isoformat string: 'tomorrow')"),
    ],
)
def test_a_token_file_that_is_not_one_is_refused_naming_it(
    sandbox: SandboxProcess, tmp_path: Path, kind: str, says: str
) -> None:
    """No token given: the crawl reads OPEN1688_TOKEN_FILE. A missing file used to make every call fail five
    times as if the gateway were down (exit 4); the others ended in tracebacks."""
    path = token_file(tmp_path, kind)
    command, env = crawl_command(
        "keyword",
        tmp_path / "data",
        sandbox=sandbox,
        args={"keywords": "茶具"},
        settings={"OPEN1688_TOKEN_FILE": str(path)},
    )
    for name in ("OPEN1688_ACCESS_TOKEN", "OPEN1688_REFRESH_TOKEN"):
        env.pop(name)
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    refusals = [line for line in run.stderr.splitlines() if line.startswith("harvester: ")]
    assert run.returncode == exitcodes.USAGE, run.stderr[-2000:]
    assert len(refusals) == 1 and str(path) in refusals[0] and says in refusals[0], run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    assert sandbox.admin.stats()["calls_total"] == 0


@pytest.mark.e2e
def test_a_token_file_others_can_read_is_warned_about_by_the_crawl(sandbox: SandboxProcess, tmp_path: Path) -> None:
    assert sandbox.credentials is not None
    path = tmp_path / "token.json"
    path.write_text(
        json.dumps(
            {"access_token": sandbox.credentials.access_token, "refresh_token": sandbox.credentials.refresh_token}
        )
    )
    path.chmod(0o644)
    command, env = crawl_command(
        "keyword",
        tmp_path / "data",
        sandbox=sandbox,
        args={"keywords": "算盘"},
        settings={"OPEN1688_TOKEN_FILE": str(path)},
    )
    for name in ("OPEN1688_ACCESS_TOKEN", "OPEN1688_REFRESH_TOKEN"):
        env.pop(name)
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False)
    assert run.returncode == exitcodes.OK, run.stderr[-2000:]
    assert f"{path} has mode 644: run `chmod 600 {path}`" in run.stderr


# --- one JOBDIR, two crawls -----------------------------------------------------------------------------------


@pytest.mark.e2e
def test_a_second_crawl_on_a_jobdir_in_use_is_refused_and_the_first_resumes_intact(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    settings = {"JOBDIR": str(tmp_path / "job"), "OPEN1688_QPS": 20, "LOG_LEVEL": "DEBUG"}
    command, env = crawl_command(
        "keyword", tmp_path / "data", sandbox=sandbox, args={"keywords": "茶具"}, settings=settings
    )
    with LiveCrawl(command, env, log=tmp_path / "first.log") as first:
        assert first.wait_for(SEARCH_PAGE)
        before = sandbox.admin.stats()["calls_total"]
        # The harvester's own files (Scrapy's queue files are the running crawl's to change).
        state = {name: (tmp_path / "job" / name).read_bytes() for name in ("harvester-crawl.json", "harvester.lock")}
        second = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert second.returncode == exitcodes.USAGE, second.stderr[-2000:]
        assert [line for line in second.stderr.splitlines() if line.strip()] == [
            f"harvester: JOBDIR={tmp_path / 'job'} is in use by another crawl (process {first.process.pid}): wait "
            "for it to end, or give this crawl a JOBDIR of its own"
        ]
        assert {name: (tmp_path / "job" / name).read_bytes() for name in state} == state, "the first's untouched"
        first.interrupt()
        assert first.finish() == exitcodes.INTERRUPTED
    assert sandbox.admin.stats()["calls_total"] >= before
    resumed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False)
    assert resumed.returncode == exitcodes.OK, resumed.stderr[-2000:]  # it neither hung nor blamed the app secret
    assert "APP_SECRET" not in resumed.stderr


# --- dataset files a crawl reads before it starts -------------------------------------------------------------


def damaged_crawl(root: Path) -> Path:
    """A crawl of the dataset with one products file cut short (what a full disk or a failed copy leaves)."""
    from tests.builders import COMPACT_CRAWL, many_products, write_crawl

    write_crawl(root, COMPACT_CRAWL, many_products(range(1, 30)), row_group_rows=5, file_rows=10)
    damaged = sorted((root / "products").rglob("part-*.parquet"))[1]
    damaged.write_bytes(damaged.read_bytes()[: damaged.stat().st_size // 2])
    return damaged


def test_monitor_over_a_part_file_cut_short_names_it_in_one_line(capsys, tmp_path) -> None:
    damaged = damaged_crawl(tmp_path / "data")
    code, lines = crawl_checks(capsys, "monitor", options(("HARVEST_DATA_DIR", str(tmp_path / "data")), arguments={}))
    assert code == exitcodes.USAGE
    assert lines == [
        f"harvester: {damaged} cannot be read (Parquet magic bytes not found in footer): move it out "
        "of HARVEST_DATA_DIR (or restore it from a backup) and run again"
    ]


def test_a_resume_over_a_part_file_cut_short_names_it_in_one_line(capsys, tmp_path) -> None:
    from harvester.crawl.jobdir import JobState, save
    from tests.builders import COMPACT_CRAWL

    damaged = damaged_crawl(tmp_path / "data")
    save(str(tmp_path / "job"), JobState(COMPACT_CRAWL, clean=True))
    code, lines = crawl_checks(
        capsys, "keyword", options(("HARVEST_DATA_DIR", str(tmp_path / "data")), ("JOBDIR", str(tmp_path / "job")))
    )
    assert code == exitcodes.USAGE and len(lines) == 1 and lines[0].startswith(f"harvester: {damaged} cannot be read")
