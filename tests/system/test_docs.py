"""Documentation that is generated from the code must stay in sync with it."""
from __future__ import annotations

from conftest import REPO, run_cli


def test_readme_settings_table_matches_the_binary(rc_binary):
    table = run_cli(rc_binary, "config", "--markdown-table").stdout
    readme = (REPO / "README.md").read_text()
    assert table in readme, "README settings table is stale: regenerate with `regimecast config --markdown-table`"


def test_readme_shows_the_two_commands():
    readme = (REPO / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
