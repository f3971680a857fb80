"""The README's screenshots, made from the demo company so they stay current.

    .venv/bin/python scripts/screenshots.py            # or: make screenshots
    .venv/bin/python scripts/screenshots.py --db sqlite:////tmp/demo.db --out /tmp/shots

It loads the demo into a temporary store (or uses `--db`), serves it with `pavedroad serve`,
signs in as the demo user in Debian's Chromium and writes PNGs of the home page, a KPI page
(lead time) and the roadmap at 1440x900 into `docs/assets/`. Charts are drawn in the browser, so
each shot waits for them.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from pavedroad.demo.company import DEMO_LOGIN

# bench/pages.py serves the demo as a person runs it; the shots reuse it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from pages import demo_server

ROOT = Path(__file__).resolve().parents[1]
SHOTS = {
    "home.png": "/",
    "kpi-detail.png": "/kpis/lead_time_p50",
    "roadmap.png": "/roadmap",
}
# The README's first picture, kept under its old name too.
ALSO = {"kpi-dashboard": ("dashboard.png", "/kpis")}
WIDTH, HEIGHT = 1440, 900


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="a store with the demo loaded (default: load it afresh)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "assets")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("Debian's chromium is needed (make chromium installs it)")
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    shots = {**SHOTS, **dict(ALSO.values())}
    with demo_server(args.db, None) as base, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        page.set_default_timeout(120_000)
        page.goto(f"{base}/login")
        page.fill("input[name=email]", DEMO_LOGIN[0])
        page.fill("input[name=password]", DEMO_LOGIN[1])
        with page.expect_navigation():
            page.click("button[type=submit]")
        for name, path in shots.items():
            page.goto(f"{base}{path}", wait_until="networkidle")
            if page.locator(".chart").count():
                page.wait_for_selector(".chart svg, .chart canvas", state="attached")
            page.wait_for_timeout(400)
            target = args.out / name
            page.screenshot(path=str(target))
            print(f"wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
        browser.close()


if __name__ == "__main__":
    main()
