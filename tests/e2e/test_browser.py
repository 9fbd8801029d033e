"""Browser journeys on Debian's Chromium: accessibility (axe, WCAG 2.1 A/AA), keyboard use,
language switch, no console errors or CSP violations, and screenshots for a human eye.

Run with ``make e2e`` (``python -m pytest -m e2e tests/e2e``). Screenshots are written to
test-output/screenshots/<page>-<width>.png.
"""

from __future__ import annotations

import re

import pytest

from .conftest import DESKTOP, PHONE, SCREENSHOT_DIR

# django_db: see conftest.py (creates the test database; no flush, the data is read only).
pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

PAGES = {
    "home": "/",
    "search": "/tim-kiem/?q=dang+ky+khai+sinh",
    "procedure": "/thu-tuc/1.001193/",
    "faq": "/hoi-dap/",
}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}

AXE_RUN = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), html: n.html, summary: n.failureSummary})),
  }));
}"""


def run_axe(page, axe_source: str) -> list[dict]:
    # Injected through the DevTools protocol, not as a <script> tag, so the page's CSP
    # (script-src 'self', no inline) stays in force for everything else.
    page.evaluate(axe_source)
    return page.evaluate(AXE_RUN, WCAG_TAGS)


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for n in v["nodes"][:10]:
            lines.append(f"  - {n['target']}: {n['html'][:200]}")
            lines.extend(f"      {line}" for line in (n["summary"] or "").splitlines())
        if len(v["nodes"]) > 10:
            lines.append(f"    … and {len(v['nodes']) - 10} more nodes")
    return "\n".join(lines)


def tab_until(page, predicate_js: str, limit: int = 150) -> int:
    """Press Tab until ``predicate_js(document.activeElement)`` holds; returns the presses."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => {predicate_js})(document.activeElement)"):
            return presses
    raise AssertionError(f"not reached with {limit} Tab presses; focus on {active(page)}")


def active(page) -> str:
    return page.evaluate(
        "(() => { const e = document.activeElement; return e ? e.outerHTML.slice(0, 160) : 'nothing'; })()"
    )


@pytest.mark.parametrize("width", [PHONE, DESKTOP], ids=lambda v: str(v["width"]))
@pytest.mark.parametrize("name", list(PAGES))
def test_page_is_accessible_clean_and_fits(open_page, axe_source, name, width):
    page, problems = open_page(width)
    response = page.goto(PAGES[name], wait_until="load")
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    if name == "faq":  # audit (and show) the answers too, not only the questions
        page.evaluate(
            "document.querySelectorAll('details.faq-item').forEach((d) => { d.open = true; })"
        )

    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"{name}-{width['width']}.png"), full_page=True)

    # Nothing wider than the screen: no sideways scrolling on a phone (WCAG 1.4.10 reflow).
    overflow = page.evaluate(
        """() => {
          const limit = document.documentElement.clientWidth;
          const wide = [...document.querySelectorAll("body *")].filter((el) => {
            const r = el.getBoundingClientRect();
            return r.width > 0 && r.right > limit + 1 && !el.closest(".table-wrap, .skip-link, .visually-hidden");
          });
          return {scroll: document.documentElement.scrollWidth, limit,
                  wide: wide.slice(0, 5).map((el) => el.outerHTML.slice(0, 120))};
        }"""
    )
    assert overflow["scroll"] <= overflow["limit"] and not overflow["wide"], overflow

    found = run_axe(page, axe_source)
    minor = [v for v in found if v["impact"] not in BLOCKING_IMPACTS]
    if minor:  # reported (pytest -rP / -s), not failed
        print(f"axe, minor/moderate, {name} at {width['width']} px:\n{describe(minor)}")
    violations = [v for v in found if v["impact"] in BLOCKING_IMPACTS]
    assert not violations, f"axe on {name} at {width['width']} px:\n{describe(violations)}"
    problems.check(page)


def test_skip_link_is_first_and_moves_focus_to_main(open_page):
    page, problems = open_page(DESKTOP)
    page.goto(PAGES["procedure"])
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "({cls: document.activeElement.className, href: document.activeElement.getAttribute('href')})"
    )
    assert focused == {"cls": "skip-link", "href": "#main"}
    box = page.locator(".skip-link").bounding_box()
    assert box and box["y"] >= 0, "the focused skip link must be visible on screen"

    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert page.url.endswith("#main")
    # The next Tab lands inside the main content, past the header and navigation.
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('main')"), active(page)
    problems.check(page)


def test_keyboard_only_search_to_procedure(open_page):
    page, problems = open_page(DESKTOP)
    page.goto(PAGES["home"])

    tab_until(page, "el.id === 'home-q'", limit=20)
    page.keyboard.type("dang ky khai sinh")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/tim-kiem/" in page.url and "q=dang+ky+khai+sinh" in page.url
    page.wait_for_load_state("networkidle")
    first = page.locator(".procedure-list a.procedure-item__title").first
    first_href = first.get_attribute("href")
    assert first_href and first_href.startswith("/thu-tuc/")

    tab_until(page, "el.matches('.procedure-list a.procedure-item__title')")
    assert page.evaluate("document.activeElement.getAttribute('href')") == first_href, (
        "Tab must reach the first result first"
    )
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/thu-tuc/[^/]+/$"))
    page.wait_for_load_state("networkidle")

    assert page.url.endswith(first_href)
    heading = page.locator("h1")
    assert heading.count() == 1, (
        "the procedure must be shown as a page of its own, not inside the results"
    )
    assert "khai sinh" in heading.inner_text().lower()
    assert page.title().lower().count("khai sinh") >= 1
    problems.check(page)


def test_switch_to_english_on_procedure_page_and_back(open_page):
    page, problems = open_page(DESKTOP)
    page.goto(PAGES["procedure"])
    assert page.locator("html").get_attribute("lang") == "vi"

    with page.expect_navigation():
        page.get_by_role("link", name="English").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/en/thu-tuc/1.001193/"), page.url
    assert page.locator("html").get_attribute("lang") == "en"
    headings = page.locator("main h2").all_inner_texts()
    for expected in ("Documents to prepare", "Legal basis", "Version history"):
        assert any(expected in h for h in headings), (expected, headings)
    assert page.get_by_role("navigation", name=re.compile("Main", re.I)).is_visible()

    with page.expect_navigation():
        page.get_by_role("link", name="Tiếng Việt").click()
    assert page.url.endswith("/thu-tuc/1.001193/") and "/en/" not in page.url, page.url
    assert page.locator("html").get_attribute("lang") == "vi"
    assert "Hồ sơ cần chuẩn bị" in page.locator("main").inner_text()
    problems.check(page)


def test_english_pages_are_accessible(open_page, axe_source):
    page, problems = open_page(PHONE)
    for path in ("/en/", "/en/tim-kiem/?q=birth", "/en/thu-tuc/1.001193/", "/en/hoi-dap/"):
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == "en"
        violations = [v for v in run_axe(page, axe_source) if v["impact"] in BLOCKING_IMPACTS]
        assert not violations, f"axe on {path}:\n{describe(violations)}"
    problems.check(page)


def test_faq_live_search_and_search_filters_work_under_csp(open_page):
    """htmx swaps (FAQ search as you type, boosted filter links) run without CSP violations."""
    page, problems = open_page(PHONE)
    page.goto(PAGES["faq"])
    with page.expect_response(
        lambda r: "/hoi-dap/" in r.url and r.request.headers.get("hx-request") == "true"
    ):
        page.locator("#faq-q").press_sequentially("mat khau", delay=20)
    page.wait_for_load_state("networkidle")
    assert re.fullmatch(r"[1-9][\d.]* câu hỏi", page.locator("#faq-count").inner_text()), (
        page.locator("#faq-count").inner_text()
    )
    assert "mật khẩu" in page.locator("#faq-results").inner_text().lower()
    assert page.evaluate("document.activeElement.id") == "faq-q", "typing keeps focus in the box"
    assert re.search(r"q=mat(\+|%20)khau", page.url), page.url

    page.goto(PAGES["search"])
    total_before = page.locator("#results-title").inner_text()
    link = page.locator(".facet[open] a.facet__value").nth(1)
    with page.expect_response(
        lambda r: "/tim-kiem/" in r.url and r.request.headers.get("hx-request") == "true"
    ):
        link.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("a.facet__value.is-selected").count() == 1
    assert page.locator("#results-title").inner_text() != total_before
    assert page.locator("h1").count() == 1 and page.locator("header.site-header").count() == 1
    # Focus moves to the new results' heading instead of being lost with the old link.
    # (polled from Python: wait_for_function evaluates a string, which the CSP forbids)
    for _attempt in range(20):
        if page.evaluate("document.activeElement && document.activeElement.id") == "results-title":
            break
        page.wait_for_timeout(100)
    assert page.evaluate("document.activeElement.id") == "results-title"
    problems.check(page)
