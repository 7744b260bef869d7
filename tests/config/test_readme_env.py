"""Every environment variable that config/settings.py reads has a row in both READMEs."""

import re
from pathlib import Path

import pytest
from django.conf import settings

SETTINGS_FILE = Path(settings.BASE_DIR) / "config" / "settings.py"
ENV_READ = re.compile(r"""env\.\w+\(\s*["']([A-Z][A-Z0-9_]*)["']""")
SECRET_READ = re.compile(r"""_required_secret\(\s*["']([A-Z][A-Z0-9_]*)["']""")


def variables_read_by_settings():
    source = SETTINGS_FILE.read_text()
    return sorted(set(ENV_READ.findall(source)) | set(SECRET_READ.findall(source)) | {"FLEXY_VAR_DIR"})


def test_settings_variables_found():
    found = variables_read_by_settings()
    assert "DATABASE_URL" in found
    assert "SECRET_KEY" in found


@pytest.mark.parametrize("readme", ["README.md", "README.zh-CN.md"])
def test_readme_lists_every_variable(readme):
    text = (Path(settings.BASE_DIR) / readme).read_text()
    missing = [name for name in variables_read_by_settings() if f"`{name}`" not in text]
    assert missing == [], f"{readme} has no row for {', '.join(missing)}: add one to its table"
