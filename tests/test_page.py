"""The team's web page in a real browser: headless Chromium (Debian's `chromium` and `chromium-driver`, driven by
Selenium) against a real `rota serve` on loopback. `.ci/run` installs the browser, so nothing here skips in CI."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from tests.helpers import ROTA, free_port, run, wait_until_ready

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
AT = "2027-02-10T12:00"  # a Wednesday in the example's 2027Q1, London time
# No background traffic: this machine's network is closed, and a test must load nothing it did not ask for.
CHROMIUM_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic")  # fmt: skip


@dataclass
class Site:
    home: Path
    base: str

    def tokens(self) -> dict[str, str]:
        tokens: dict[str, str] = json.loads((self.home / "feed-tokens.json").read_text())["tokens"]
        return tokens

    def page(self, at: str = AT, token: str | None = None) -> str:
        return f"{self.base}/?token={token or self.tokens()['team']}&at={at}"


@pytest.fixture(scope="module")
def site(published_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("site") / "payments"
    shutil.copytree(published_home, home)
    port = free_port()
    process = subprocess.Popen(
        [ROTA, "serve", home, "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(process, base)
        yield Site(home, base)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    assert CHROMIUM.exists() and CHROMEDRIVER.exists(), "install Debian's chromium and chromium-driver (.ci/run does)"
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def expected(site: Site, at: str = AT) -> dict[str, Any]:
    result = run("who", site.home, "--json", "--at", at)
    assert result.exit_code == 0, result.output
    answer: dict[str, Any] = json.loads(result.output)
    return answer


def cards(browser: webdriver.Chrome) -> list[tuple[str, str]]:
    """(role, holder) of each 'now' card, as the browser shows them."""
    found = []
    for card in browser.find_elements(By.CSS_SELECTOR, ".cards .card"):
        role = card.find_element(By.CSS_SELECTOR, ".role").text.lower()
        found.append((role, card.find_element(By.CSS_SELECTOR, ".holder").text))
    return found


def test_the_page_shows_who_holds_each_role_at_the_moment(site: Site, browser: webdriver.Chrome) -> None:
    browser.set_window_size(1280, 900)
    browser.get(site.page())
    answer = expected(site)
    assert cards(browser) == [(r["role"], r["now"]["name"]) for r in answer["roles"]]
    current = browser.find_element(By.CSS_SELECTOR, "tr.current th").text
    assert current == "09 Feb" and browser.find_element(By.CSS_SELECTOR, "tr.current").get_attribute("aria-current")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    headers = browser.find_elements(By.CSS_SELECTOR, "thead th")
    assert headers and all(h.get_attribute("scope") == "col" for h in headers)


def test_on_a_phone_nothing_scrolls_sideways(site: Site, browser: webdriver.Chrome) -> None:
    browser.set_window_size(375, 812)
    browser.get(site.page())
    width, viewport = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= viewport


def test_the_page_loads_nothing_from_another_origin_and_runs_no_script(site: Site, browser: webdriver.Chrome) -> None:
    browser.get(site.page())
    loaded = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert loaded == [f"{site.base}/style.css"]
    assert not browser.find_elements(By.TAG_NAME, "script")
    assert browser.execute_script("return getComputedStyle(document.body).backgroundColor") != "rgba(0, 0, 0, 0)"


def test_the_page_shows_no_personal_token(site: Site, browser: webdriver.Chrome) -> None:
    browser.get(site.page())
    source = browser.page_source
    tokens = site.tokens()
    assert tokens["team"] in source  # its subscribe links
    assert not [feed for feed, token in tokens.items() if feed != "team" and token in source]


def test_a_cover_made_while_the_page_is_open_shows_after_a_reload(site: Site, browser: webdriver.Chrome) -> None:
    browser.get(site.page())
    primary = expected(site)["roles"][0]["now"]
    assert primary["kind"] == "rota"
    result = run("cover", site.home, "--who", primary["member"], "--from", "2027-02-10", "--now", "2027-02-09T18:00")
    assert result.exit_code == 0, result.output
    browser.refresh()
    now = expected(site)["roles"][0]["now"]
    assert now["kind"] == "cover"
    assert cards(browser)[0] == ("primary", f"{now['name']} cover")


def test_only_the_team_feeds_token_opens_the_page_and_its_headers_are_strict(site: Site) -> None:
    tokens = site.tokens()
    page = httpx.get(site.page())
    assert page.status_code == 200
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "private, no-cache"
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy and "script-src" not in policy
    for feed in ("alice", "primary"):
        assert httpx.get(site.page(token=tokens[feed])).status_code == 404
    assert httpx.get(f"{site.base}/?token=wrong").status_code == 404
    assert httpx.get(f"{site.base}/").status_code == 404
    assert httpx.get(site.page(at="soon")).status_code == 400
