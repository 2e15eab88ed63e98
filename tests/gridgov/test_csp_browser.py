"""Every main page of every role under the Content-Security-Policy in Debian's Chromium: no violation, no
script error. The policy allows no inline script, style attribute or eval, so a page that breaks it shows
up here (the browser refuses the script or style and reports it), not in production."""

import pytest
from django.conf import settings as django_settings
from django.test import Client

from cases.models import Category
from cases.tokens import citizen_token
from residents.models import ImportJob
from tests.browser import DESKTOP, PHONE, needs_chromium
from tests.residents.conftest import Register, fill_grid, grant

from ..pages.conftest import report

pytestmark = [pytest.mark.browser, needs_chromium]

# Recorded from the first script on: Chromium fires this for every refused script, style, eval, frame…
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " at " +
    (e.sourceFile || location.pathname) + ":" + e.lineNumber);
});
"""


class Visitor:
    """One person (or nobody) at one screen size, signed in by session cookie: the login page is not what
    this test looks at."""

    def __init__(self, browser, base, user, viewport, point):
        self.context = browser.new_context(
            viewport=viewport, locale="zh-CN", geolocation=point, permissions=["geolocation"]
        )
        self.context.set_default_timeout(15000)
        self.context.add_init_script(WATCH)
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
            self.context.add_cookies(
                [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}]
            )
        self.page = self.context.new_page()
        self.problems = []
        self.page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        self.page.on("console", self.console)
        self.base = base

    def console(self, message):
        # Chromium also says here what it refused, and which Permissions-Policy features it did not know.
        if message.type == "error" and any(
            name in message.text for name in ("Content Security Policy", "Permissions-Policy")
        ):
            self.problems.append(f"console: {message.text}")

    def visit(self, path):
        answer = self.page.goto(self.base + path, wait_until="networkidle")
        found = [f"{path}: answered {answer.status}"] if answer.status != 200 else []
        # django-csp writes the directives in a set's order: script-src may be the last one, without a ";".
        directives = [d.strip() for d in answer.headers.get("content-security-policy", "").split(";")]
        if "script-src 'self'" not in directives:
            found.append(f"{path}: no Content-Security-Policy")
        found += [f"{path}: {v}" for v in self.page.evaluate("window.__violations")]
        found += [f"{path}: {p}" for p in self.problems]
        self.problems.clear()
        return found


def test_the_main_pages_of_every_role_break_no_rule_of_the_policy(
    transactional_db, tree, live_server, browser, settings, django_user_model
):
    settings.LANGUAGE_CODE = "zh-hans"
    grid = tree.grids[0]
    here = {"latitude": grid.centroid_lat, "longitude": grid.centroid_lon}
    case = report(tree, Category.objects.get(code="01001"), title="东门垃圾堆放")
    root = django_user_model.objects.create_superuser("root", password="pw-root")
    register = Register(tree=tree)
    fill_grid(register, grid, root)
    household = register.households[grid.code][0]
    community = grant(tree.users["community"], "unmask_pii")  # the household page's "show full numbers"
    job = ImportJob.objects.create(
        area=tree.communities[0], actor=community, file="residents/imports/none.csv", file_name="名册.csv"
    )
    token = citizen_token(case)
    users = {"worker": tree.users["worker"], "community": community, "centre": tree.users["centre"]}
    users.update(handler=tree.users["handler"], root=root, citizen=None)
    pages = [
        ("worker", PHONE, ["/", "/cases/new/", f"/cases/{case.pk}/", "/cases/?queue=my_reports"]),
        ("worker", DESKTOP, ["/residents/", f"/residents/households/{household.pk}/", "/command/patrol/"]),
        ("community", DESKTOP, ["/", "/cases/?queue=to_file", f"/cases/{case.pk}/", "/residents/"]),
        ("community", PHONE, [f"/residents/households/{household.pk}/", "/residents/persons/"]),
        ("community", DESKTOP, ["/residents/tasks/", "/residents/coverage/", "/residents/import/"]),
        ("community", DESKTOP, [f"/residents/import/{job.pk}/", "/residents/export/"]),
        ("centre", DESKTOP, ["/command/", "/assessment/", "/assessment/published/"]),
        ("centre", PHONE, ["/assessment/stars/", "/intake/"]),
        ("handler", DESKTOP, ["/", "/cases/"]),
        ("root", DESKTOP, ["/admin/", "/residents/access-log/", "/api/docs/", "/api/redoc/"]),
        (
            "citizen",
            PHONE,
            ["/accounts/login/", "/public/report/", f"/public/track/{token}/", "/open311/v2/"],
        ),
    ]
    violations = []
    for name, viewport, paths in pages:
        visitor = Visitor(browser, live_server.url, users[name], viewport, here)
        for path in paths:
            violations += visitor.visit(path)
        if name != "citizen":
            visitor.context.close()
    # Redoc's "API docs by Redocly" footer fetches its logo from Redocly's CDN: refusing it is the point.
    violations = [
        v for v in violations if "https://cdn.redoc.ly/" not in v or not v.startswith("/api/redoc/")
    ]
    assert violations == []

    # The watch does see what the policy refuses: a style attribute and an inline script added now.
    visitor.page.evaluate("""() => {
      document.body.insertAdjacentHTML("beforeend", "<p style='color: red'>x</p>");
      const script = document.createElement("script");
      script.textContent = "window.ran = true";
      document.body.appendChild(script);
    }""")
    visitor.page.wait_for_function("() => window.__violations.length >= 2")
    seen = visitor.page.evaluate("window.__violations")
    assert any(v.startswith("style-src") for v in seen) and any(v.startswith("script-src") for v in seen)
    assert visitor.page.evaluate("window.ran") is None
    visitor.context.close()
