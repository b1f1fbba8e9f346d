"""check's reports for CI: SARIF 2.1.0, GitLab Code Quality, GitHub annotations, --exit-zero."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result

from ankipress import ciformats, rules
from ankipress.cli import cli
from ankipress.model import Diagnostic, Severity, SourceLocation

from conftest import ROOT

SARIF_SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text("utf-8"))

# GitLab's Code Quality report as its documentation describes it ("Code Quality report
# format"): an array of issues, each with these keys; severity one of five words.
GITLAB_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "pattern": "^[^/]"},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {"begin": {"type": "integer", "minimum": 1}},
                    },
                },
            },
        },
    },
}

DECK = """\
# Biology

## What is a cell?

![a cell](missing.png)

## An empty one

## What does | mean in a table?

It separates cells.

## What is DNA?

![](gone.png)
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose deck, in a subfolder, has two errors and a warning."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "decks").mkdir()
    (tmp_path / "decks" / "bio.md").write_text(DECK, "utf-8")
    monkeypatch.chdir(tmp_path / "decks")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_sarif_is_valid_sarif_2_1_0_with_stable_rules_and_repository_paths(repo: Path) -> None:
    result = run("check", "bio.md", "--format", "sarif")

    assert result.exit_code == 1
    log = json.loads(result.stdout)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    (sarif_run,) = log["runs"]
    found = [
        (
            r["ruleId"],
            r["level"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in sarif_run["results"]
    ]
    assert found == [
        ("AP1001", "warning", "decks/bio.md", 7),
        ("AP3001", "error", "decks/bio.md", 3),
        ("AP3001", "error", "decks/bio.md", 13),
    ]
    driver = sarif_run["tool"]["driver"]
    assert driver["name"] == "ankipress"
    assert [(r["id"], r["name"]) for r in driver["rules"]] == [
        ("AP1001", "empty-answer"),
        ("AP3001", "media-missing"),
    ]
    for result_ in sarif_run["results"]:
        assert driver["rules"][result_["ruleIndex"]]["id"] == result_["ruleId"]
        location = result_["locations"][0]["physicalLocation"]["artifactLocation"]
        assert location["uriBaseId"] == "SRCROOT"
    assert sarif_run["originalUriBaseIds"]["SRCROOT"]["uri"] == repo.as_uri() + "/"
    assert sarif_run["results"][1]["message"]["text"].startswith("media file 'missing.png'")


def test_a_whole_file_problem_is_on_line_1_and_a_column_is_kept() -> None:
    diagnostics = [
        Diagnostic(
            SourceLocation("a b.txt"), Severity.ERROR, "no cards found", None, rules.NO_CARDS
        ),
        Diagnostic(
            SourceLocation("x.csv", 4, 7), Severity.INFO, "read as ;", None, rules.SEPARATOR
        ),
        Diagnostic(SourceLocation("x.csv", 5), Severity.NOTE, "trimmed", None, rules.NORMALIZED),
    ]

    log = ciformats.sarif_log(diagnostics, Path.cwd(), "1.0")

    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    results = log["runs"][0]["results"]
    places = [r["locations"][0]["physicalLocation"] for r in results]
    assert places[0] == {
        "artifactLocation": {"uri": "a%20b.txt", "uriBaseId": "SRCROOT"},
        "region": {"startLine": 1},
    }
    assert places[1]["region"] == {"startLine": 4, "startColumn": 7}
    assert [r["level"] for r in results] == ["error", "note", "note"]


def test_gitlab_report_has_the_documented_shape_and_stable_fingerprints(repo: Path) -> None:
    first = run("check", "bio.md", "--format", "gitlab")
    deck = repo / "decks" / "bio.md"
    deck.write_text("\n" + DECK, "utf-8")
    moved = run("check", "bio.md", "--format", "gitlab")

    assert first.exit_code == moved.exit_code == 1
    issues = json.loads(first.stdout)
    jsonschema.validate(issues, GITLAB_SCHEMA)
    assert [(i["check_name"], i["severity"], i["location"]) for i in issues] == [
        ("AP1001 empty-answer", "minor", {"path": "decks/bio.md", "lines": {"begin": 7}}),
        ("AP3001 media-missing", "major", {"path": "decks/bio.md", "lines": {"begin": 3}}),
        ("AP3001 media-missing", "major", {"path": "decks/bio.md", "lines": {"begin": 13}}),
    ]
    assert len({i["fingerprint"] for i in issues}) == 3
    # A line added above moves every problem but changes no fingerprint.
    after = json.loads(moved.stdout)
    assert [i["location"]["lines"]["begin"] for i in after] == [8, 4, 14]
    assert [i["fingerprint"] for i in after] == [i["fingerprint"] for i in issues]


def _many(errors: int, warnings: int, notices: int) -> list[Diagnostic]:
    made = [
        Diagnostic(SourceLocation("deck.md", n), severity, f"problem {n}")
        for severity, count in (
            (Severity.ERROR, errors),
            (Severity.WARNING, warnings),
            (Severity.INFO, notices),
        )
        for n in range(1, count + 1)
    ]
    return made


def test_github_annotations_keep_to_10_of_each_kind_then_say_how_many_more() -> None:
    lines = ciformats.github_lines(_many(13, 11, 4), summary=True)

    assert [line.split(" ")[0] for line in lines[:-1]] == (
        ["::error"] * 10 + ["::warning"] * 10 + ["::notice"] * 4
    )
    assert lines[-1] == (
        "ankipress: 3 more errors and 1 more warning not shown as annotations (GitHub shows "
        "10 of each kind per step); the step summary lists every problem"
    )
    assert ciformats.github_lines(_many(10, 0, 0), summary=False)[-1].startswith("::error")
    unsaid = ciformats.github_lines(_many(11, 0, 0), summary=False)[-1]
    assert unsaid.endswith("without --format github lists every problem")


def test_the_step_summary_lists_every_problem_in_a_table(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = repo / "summary.md"
    summary.write_text("## earlier step\n", "utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))

    result = run("check", "bio.md", "--format", "github")

    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        "::warning file=bio.md,line=7::the card 'An empty one' has no answer: skipped, as "
        "mdanki does; write the answer under the heading, or make the card a cloze with "
        "{{c1::…}}"
    )
    text = summary.read_text("utf-8")
    assert text.startswith("## earlier step\n### ankipress check: 2 errors, 1 warning\n\n")
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert rows[0] == "| severity | where | rule | problem |"
    assert rows[2].startswith("| warning | bio.md:7 | AP1001 empty-answer | the card ")
    assert len(rows) == 5


def test_a_summary_cell_escapes_pipes_markup_and_line_breaks() -> None:
    diagnostic = Diagnostic(
        SourceLocation("a|b.md", 2), Severity.WARNING, "x | y\n<b>z</b>", "do\r\nthat"
    )

    text = ciformats.step_summary([diagnostic])

    assert text.splitlines()[-1] == (
        r"| warning | a\|b.md:2 | AP0000 unclassified | "
        r"x \| y<br>&lt;b&gt;z&lt;/b&gt;; do<br>that |"
    )
    assert ciformats.step_summary([]) == "### ankipress check: no problems\n"


def test_a_summary_past_its_size_says_how_many_rows_it_left_out() -> None:
    long = "x" * 10_000
    diagnostics = [
        Diagnostic(SourceLocation("d.md", n), Severity.ERROR, long) for n in range(1, 101)
    ]

    text = ciformats.step_summary(diagnostics)

    assert len(text.encode()) <= ciformats.STEP_SUMMARY_LIMIT
    listed = sum(1 for line in text.splitlines() if line.startswith("| error"))
    assert text.endswith(f"{100 - listed} more problems not listed (the summary is full).\n")


def test_exit_zero_reports_without_failing_but_a_usage_error_still_exits_2(repo: Path) -> None:
    failing = run("check", "bio.md", "--format", "sarif", "--exit-zero")
    text = run("check", "bio.md", "--exit-zero")
    usage = run("check", "bio.md", "--exit-zero", "--reverse", "--type-answer")
    missing = run("check", "nothing.md", "--exit-zero")

    assert failing.exit_code == 0
    assert len(json.loads(failing.stdout)["runs"][0]["results"]) == 3
    assert text.exit_code == 0
    assert "bio.md:3: error: media file 'missing.png' not found" in text.stderr
    assert usage.exit_code == 2
    assert missing.exit_code == 2


def test_a_broken_project_file_is_reported_in_the_format_asked_for(repo: Path) -> None:
    (repo / "decks" / "ankipress.toml").write_text("[build]\nmath = 3\n", "utf-8")

    sarif = run("check", "--format", "sarif")
    github = run("check", "--format", "github")
    excused = run("check", "--format", "gitlab", "--exit-zero")

    assert sarif.exit_code == 1
    (result,) = json.loads(sarif.stdout)["runs"][0]["results"]
    assert result["ruleId"] == "AP4001"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "decks/ankipress.toml"
    )
    assert github.exit_code == 1
    assert github.stdout.startswith("::error file=ankipress.toml,line=2::")
    assert excused.exit_code == 0
    assert json.loads(excused.stdout)[0]["check_name"] == "AP4001 project-file"


# --- the rules registry --------------------------------------------------------------------

# Every id ever released with its name. An id is never renumbered or reused; add new rules
# here as they are made, never change a line.
RELEASED = {
    "AP0000": "unclassified",
    "AP1001": "empty-answer",
    "AP1002": "empty-question",
    "AP1003": "duplicate-question",
    "AP1004": "duplicate-id",
    "AP1005": "cloze-without-deletion",
    "AP1006": "cloze-number-too-large",
    "AP1007": "cloze-misread",
    "AP1008": "control-character",
    "AP1009": "field-not-writable",
    "AP1010": "tex-error",
    "AP1011": "normalized",
    "AP1012": "active-content",
    "AP1013": "sanitized",
    "AP1014": "note-type-option-ignored",
    "AP2001": "encoding-detected",
    "AP2002": "unreadable-source",
    "AP2003": "no-cards",
    "AP2004": "front-matter",
    "AP2005": "unsupported-format",
    "AP2006": "package-content",
    "AP2007": "separator",
    "AP2008": "malformed-row",
    "AP2009": "header",
    "AP2010": "card-count",
    "AP3001": "media-missing",
    "AP3002": "media-refused",
    "AP3003": "media-not-packed",
    "AP3004": "remote-media",
    "AP3005": "media-name-clash",
    "AP3006": "media-folder",
    "AP4001": "project-file",
    "AP4002": "lock-file",
    "AP4003": "deck-name",
    "AP4004": "default-deck",
    "AP4005": "note-time",
    "AP4006": "output-skipped",
    "AP4007": "template",
    "AP4008": "pin",
    "AP5001": "write-failed",
    "AP5002": "lossy-output",
    "AP6001": "note-removed",
    "AP6002": "guid-changed",
    "AP6003": "notetype-changed",
}


def test_rule_ids_are_stable_unique_and_well_formed() -> None:
    registered = {rule.id: rule.name for rule in rules.RULES}
    assert {k: registered.get(k) for k in RELEASED} == RELEASED
    assert len(registered) == len(rules.RULES)
    assert len(set(registered.values())) == len(registered)
    assert [rule.id for rule in rules.RULES] == sorted(registered)
    for rule in rules.RULES:
        assert re.fullmatch(r"AP\d{4}", rule.id)
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name)
        assert rule.summary.endswith(".")
    named = {value for value in vars(rules).values() if isinstance(value, rules.Rule)}
    assert named == set(rules.RULES)


def test_the_readme_lists_every_rule() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    listed = re.findall(r"^\| `(AP\d{4})` \| `([a-z-]+)` \| (.+) \|$", readme, re.M)
    assert listed == [(rule.id, rule.name, rule.summary) for rule in rules.RULES]


@pytest.mark.parametrize(
    ("deck", "rule"),
    [
        ("# D\n\n## Q\n", "AP1001"),
        ("# D\n\n## Q\n\nA\n\n## Q\n\nB\n", "AP1003"),
        ("# D\n\n## Q\n\n![](no.png)\n", "AP3001"),
        ("# D\n\n## Q\n\n![](../out.png)\n", "AP3002"),
        ("---\ndeck: [1]\n---\n## Q\n\nA\n", "AP2004"),
        ('q,a\n"b,c\n', "AP2008"),
    ],
    ids=["empty-answer", "duplicate", "media-missing", "media-refused", "front-matter", "row"],
)
def test_common_problems_carry_their_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deck: str, rule: str
) -> None:
    from ankipress import api

    monkeypatch.chdir(tmp_path)
    (tmp_path / "out.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "decks").mkdir()
    path = tmp_path / "decks" / ("d.csv" if rule == "AP2008" else "d.md")
    path.write_text(deck, "utf-8")

    report = api.check([path], lock=False)

    assert rule in [d.rule.id for d in report.diagnostics]
