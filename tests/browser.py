"""What every Playwright test shares: Debian's Chromium, its flags, the screen sizes and the screenshots
folder.

The ``browser`` fixture (tests/conftest.py) launches it; modules mark themselves ``needs_chromium``.

Pages run under the Content-Security-Policy, which refuses eval: give ``page.wait_for_function`` a function
(``"() => …"``), which Playwright evaluates once. An expression string is evaluated again on every poll, and
from the second poll on the policy refuses it (EvalError) whenever the condition was not already true.
"""

import io
import os
from pathlib import Path

import pytest
from PIL import Image

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Git-ignored; GRIDGOV_SHOTS overrides it.
SHOTS = Path(os.environ.get("GRIDGOV_SHOTS") or Path(__file__).resolve().parents[1] / "screenshots")
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1920, "height": 1080}

needs_chromium = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason="needs Debian's Chromium at /usr/bin/chromium"
)


def jpeg(name, color):
    """A small JPEG as Playwright's set_input_files takes it."""
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(buffer, "JPEG")
    return {"name": name, "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def shot(page, name, size):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{size}.png"), full_page=True)
