"""--template DIR: the user's own card template, checked before anything is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ankipress.building.pipeline import Options, convert
from ankipress.cli import cli

from ankiengine import AnkiCollection


def _template(folder: Path, front: str, back: str, css: str = ".card { color: red; }") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "front.html").write_text(front, encoding="utf-8")
    (folder / "back.html").write_text(back, encoding="utf-8")
    (folder / "style.css").write_text(css, encoding="utf-8")
    return folder


def test_a_users_template_is_used_for_basic_notes(
    seed_copy: Path, tmp_path: Path, anki: AnkiCollection
) -> None:
    folder = _template(
        tmp_path / "mycards",
        '<h1 class="q">{{Front}}</h1>{{#Tags}}<p class="tags">{{Tags}}</p>{{/Tags}}',
        '{{FrontSide}}<hr id="answer"><div class="a">{{text:Back}}</div>',
    )
    output = tmp_path / "deck.apkg"

    report = convert([seed_copy], output, Options(template=folder), 1_750_000_000)

    assert report.plan.errors == 0
    anki.import_package(output)
    assert anki.notetype_names(used_only=True) == ["ankipress Basic (mycards)"]
    assert anki.notetype_css("ankipress Basic (mycards)") == ".card { color: red; }"
    first = anki.cards()[0]
    assert first.question_body == '<h1 class="q">why the way we initialize is important</h1>'


@pytest.mark.parametrize(
    ("front", "back", "message"),
    [
        pytest.param(
            "<b>{{Question}}</b>",
            "{{FrontSide}}<hr>{{Back}}",
            "mycards/front.html:1:4: error: unknown field {{Question}}; the fields are Back, "
            "Front (and Anki's Card, CardFlag, CardID, Deck, FrontSide, Subdeck, Tags, Type)\n",
            id="unknown-field",
        ),
        pytest.param(
            "{{Front}}\n{{#Back}}\nhas a back",
            "{{FrontSide}}<hr>{{Back}}",
            "mycards/front.html:2:1: error: {{#Back}} is never closed; add {{/Back}}\n",
            id="unclosed-section",
        ),
        pytest.param(
            "{{Front}}",
            "{{FrontSide}}\n{{#Back}}{{#Tags}}x{{/Back}}{{/Tags}}",
            "mycards/back.html:2:20: error: {{/Back}} closes {{#Tags}} opened at "
            "mycards/back.html:2:10; close it with {{/Tags}}\n",
            id="crossed-sections",
        ),
    ],
)
def test_template_errors_are_reported_before_writing(
    seed_copy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    front: str,
    back: str,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    _template(Path("mycards"), front, back)

    result = CliRunner().invoke(
        cli, ["convert", str(seed_copy), "-o", "deck.apkg", "--template", "mycards"]
    )

    assert result.exit_code == 1
    assert message in result.stderr
    assert not Path("deck.apkg").exists()


def test_a_back_without_frontside_is_a_warning(seed_copy: Path, tmp_path: Path) -> None:
    folder = _template(tmp_path / "plain", "{{Front}}", "{{Back}}")

    report = convert([seed_copy], tmp_path / "d.apkg", Options(template=folder), 1_750_000_000)

    assert any("has no {{FrontSide}}" in d.message for d in report.diagnostics)
