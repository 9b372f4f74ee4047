"""Phones (issue 11): every page every demo role can reach fits a 360-pixel-wide screen, passes
axe, and has touch targets of at least 24×24 CSS pixels; wide tables scroll inside a focusable
region; the navigation collapses into a menu that works with the keyboard, and without
JavaScript the navigation is still there.

The crawl follows the links each person sees (same origin, GET only, no downloads, no sign out),
one page per kind of address (one evidence page, one matrix, one unit page...), in one browser
with one context per person."""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from playwright.sync_api import expect

from apps.centres.models import Membership
from apps.demo.seed import PLATFORM_STAFF, seed_everything
from apps.learners.models import Enrolment
from apps.qualifications.services import catalogue_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "qualifications"
PHONE = {"width": 360, "height": 740}
TRAINEE = "trainee@demo.test"
PEOPLE = {
    "nobody": None,
    "learner": "learner@demo.test",
    "assessor": "assessor@demo.test",
    "trainee assessor": TRAINEE,
    "IQA": "iqa@demo.test",
    "EQA": "eqa@demo.test",
    "centre admin": "admin@demo.test",
    "platform staff": PLATFORM_STAFF[0],
}
# Files, exports and the read-only Django admin are not pages of Attest's own.
NOT_PAGES = re.compile(r"/files/|/download|/export|\.(csv|xlsx|zip|pdf|json)$|/django-admin/|/accounts/logout/|/static/|/media/")
# Pages whose content is the same whoever reads them are measured for the first person who reaches them.
SHARED = re.compile(r"^/accounts/|^/catalogue/(?!imports/)[^/]+/")
PAGES_PER_PERSON = 64
# The deepest elements that reach past the right edge of the screen, with their widths.
OFFENDERS = """() => {
  const edge = document.documentElement.clientWidth + 1;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.classList.length ? "." + Array.from(el.classList).join(".") : "");
  const clipped = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") return true;
    }
    return false;
  };
  const past = (el) => el.getClientRects().length && el.getBoundingClientRect().right > edge && !clipped(el);
  return Array.from(document.querySelectorAll("body *"))
    .filter((el) => past(el) && !Array.from(el.children).some(past))
    .slice(0, 3)
    .map((el) => `${name(el.parentElement)} > ${name(el)} (${Math.round(el.getBoundingClientRect().width)} px)`);
}"""

# Each visible checkbox or radio and its label are one target of at least 24×24 px: the label
# holds the box, or touches it, so a tap between the two lands on one of them.
ONE_TARGET = """() => {
  const problems = [];
  const boxes = Array.from(document.querySelectorAll("input[type=checkbox], input[type=radio]"))
    .filter((box) => box.getClientRects().length && getComputedStyle(box).visibility !== "hidden").slice(0, 40);
  for (const box of boxes) {
    const label = box.labels && box.labels[0];
    const name = "#" + (box.id || box.name);
    if (!label) { problems.push(`${name} has no label`); continue; }
    const b = box.getBoundingClientRect(), l = label.getBoundingClientRect();
    const width = Math.max(b.right, l.right) - Math.min(b.left, l.left);
    const height = Math.max(b.bottom, l.bottom) - Math.min(b.top, l.top);
    if (width < 24 || height < 24) problems.push(`${name} and its label are ${Math.round(width)}×${Math.round(height)} px`);
    const besides = !label.contains(box) && l.width > 2 && l.left >= b.left && l.top < b.bottom && l.bottom > b.top;
    if (besides && l.left - b.right > 1) problems.push(`${name}: ${Math.round(l.left - b.right)} px between the box and its label are neither`);
  }
  return problems;
}"""


@pytest.fixture
def demo(live_server):
    """The demo centre as `make run` seeds it (its trainee assessor assigned to Lena too)."""
    for name in ("600-1257-2.yaml", "600-1137-3.yaml", "600-9662-7.yaml"):
        catalogue_load(data=yaml.safe_load((FIXTURES / name).read_text()), source=name)
    seed_everything(password=settings.DEMO_PASSWORD)
    Enrolment.objects.get(learner__user__email="learner@demo.test").assessors.add(
        Membership.objects.get(user__email=TRAINEE, centre__slug="demo").user
    )
    return live_server


def phone_cookies(live_server, email: str) -> list[dict]:
    """A signed-in session for `email`, as tests/records/test_browser.py's `person` makes one."""
    client = Client()
    client.force_login(get_user_model().objects.get(email=email))
    return [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]


def phone(browser, live_server, email: str | None = None, **options):
    """A 360-pixel phone context, signed in as `email` (None: nobody)."""
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True, **options)
    if email is not None:
        context.add_cookies(phone_cookies(live_server, email))
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def kind_of_address(url: str) -> str:
    """One page per kind: numbers and tokens in the path stand for any; a query (a filter, a
    sort, the units shown) changes what a page lists, not how it is laid out."""
    path = re.sub(r"/[0-9]+(?=/|$)", "/<n>", urlsplit(url).path)
    return re.sub(r"/[A-Za-z0-9_:-]{20,}(?=/|$)", "/<token>", path)


def crawl(page, origin: str, measured: set[str], left: list[str], also: tuple[str, ...] = (),
          limit: int = PAGES_PER_PERSON):
    """Yield each page reached by following links from home (and the addresses `also` names:
    pages a query makes larger), breadth first, once per kind (and once for everybody where
    the page is the same for all). What the limit left unvisited goes into `left`."""
    queue = ["/", *also]
    seen = {"/", *map(kind_of_address, also)} | {kind for kind in measured if SHARED.match(kind)}
    visited = 0
    while queue and visited < limit:
        url = queue.pop(0)
        response = page.goto(url)
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        visited += 1
        measured.add(kind_of_address(url))
        yield url, response.status
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            href = href.split("#")[0]
            if not href.startswith(origin) or NOT_PAGES.search(urlsplit(href).path):
                continue
            kind = kind_of_address(href)
            if kind not in seen:
                seen.add(kind)
                queue.append(href[len(origin):] or "/")
    left.extend(queue)


def test_every_page_every_role_reaches_fits_a_360_pixel_phone_and_passes_axe(browser, demo, assert_accessible):
    started, measured = time.monotonic(), set()
    too_wide, inaccessible, broken, apart, left, pages = [], [], [], [], [], 0
    lena = Enrolment.objects.get(learner__user__email="learner@demo.test").pk
    # The largest forms of two pages a query changes: the criteria picker with every unit's
    # criteria (713 for NCFE), and the portfolio filtered to feedback not read yet.
    also = {"learner": (f"/portfolio/enrolments/{lena}/evidence/new/?units=all",
                        f"/portfolio/enrolments/{lena}/?feedback=unread")}
    for who, email in PEOPLE.items():
        context, page = phone(browser, demo, email)
        for url, status in crawl(page, demo.url, measured, left, also.get(who, ())):
            pages += 1
            if status >= 400:
                broken.append(f"{who}: {url} answered {status}")
                continue
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                too_wide.append(f"{who}: {url} is {width} px wide: " + ", ".join(page.evaluate(OFFENDERS)))
            for problem in page.evaluate(ONE_TARGET):
                apart.append(f"{who}: {url} {problem}")
            try:
                assert_accessible(page)
            except AssertionError as problem:
                inaccessible.append(f"{who}: {problem}")
        context.close()
    elapsed = time.monotonic() - started
    print(f"\n{pages} pages for {len(PEOPLE)} people at {PHONE['width']} px in {elapsed:.0f} s")
    for line in too_wide + broken + apart:
        print(line)
    assert pages > 60, "the crawl reached the pages of every role"
    assert not left, f"the crawl stopped at {PAGES_PER_PERSON} pages a person before measuring: {left}"
    problems = [f"{len(too_wide)} pages wider than {PHONE['width']} px:", *too_wide, *broken,
                f"{len(inaccessible)} pages with axe violations:", *inaccessible,
                f"{len(apart)} checkboxes or radios and labels that are not one target of 24×24 px:", *apart]
    assert not (too_wide or broken or inaccessible or apart), "\n".join(problems)


def test_on_a_phone_the_navigation_is_a_menu_that_works_by_keyboard_and_is_there_without_javascript(
    browser, demo, assert_accessible
):
    context, page = phone(browser, demo, "learner@demo.test")
    page.goto("/")
    nav = page.get_by_role("navigation", name="Main")
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    assert page.locator(".site-header").bounding_box()["height"] <= 120, "the closed menu leaves the screen to the page"
    assert_accessible(page)

    menu.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Portfolio")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page)
    page.keyboard.press("Tab")
    expect(nav.get_by_role("link", name="Home")).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    expect(nav).to_be_hidden()
    page.keyboard.press(" ")
    nav.get_by_role("link", name="Portfolio").click()
    expect(page).to_have_url(re.compile(r"/portfolio/"))
    context.close()

    # On a wide screen the navigation is always open and there is no menu button.
    context = browser.new_context(base_url=demo.url, viewport={"width": 1280, "height": 900})
    context.add_cookies(phone_cookies(demo, "learner@demo.test"))
    page = context.new_page()
    page.goto("/")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Portfolio")).to_be_visible()
    context.close()

    # Without JavaScript there is no menu to open: the navigation is simply there.
    context, page = phone(browser, demo, "learner@demo.test", java_script_enabled=False)
    page.goto("/")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Portfolio").click()
    expect(page).to_have_url(re.compile(r"/portfolio/"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()


def test_on_a_phone_a_wide_table_scrolls_inside_a_region_reached_by_keyboard(browser, demo, assert_accessible):
    context, page = phone(browser, demo, "admin@demo.test")
    page.goto("/learners/")
    page.get_by_role("link", name="Lena Learner").click()
    region = page.get_by_role("region", name="Enrolments")
    expect(region).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert region.evaluate("r => r.scrollWidth > r.clientWidth"), "the table is wider than the phone, so it scrolls"
    assert_accessible(page)
    for _ in range(40):  # Tab through the page until the region has focus, as a keyboard user would
        page.keyboard.press("Tab")
        if region.evaluate("r => r === document.activeElement"):
            break
    expect(region).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("End")
    page.wait_for_function("() => document.activeElement.scrollLeft > 0")
    context.close()
