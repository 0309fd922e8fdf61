"""Skip the MiniWoB++ tests where the `miniwob` package, playwright or Chromium is missing."""

import shutil

import pytest

pytest.importorskip("miniwob")
pytest.importorskip("playwright")
if not (shutil.which("chromium") or shutil.which("/usr/bin/chromium")):
    pytest.skip("MiniWoB++ tests need Debian chromium", allow_module_level=True)
