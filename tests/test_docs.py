"""README stays true to the code it describes."""

from __future__ import annotations

from pathlib import Path

from app.access.policy import matrix_markdown

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_shows_the_permission_matrix_the_rules_define():
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- permission-matrix:")
    start = text.index("\n", start) + 1
    end = text.index("<!-- /permission-matrix -->")
    assert text[start:end].strip() == matrix_markdown()
