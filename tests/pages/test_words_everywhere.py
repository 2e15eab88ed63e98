"""Every page of every role in zh-hans: no raw choice key and no leftover English sentence as a visible word.

The sweep follows the links each role sees from its home page and opens every parameterless page besides
(the URL patterns), with cases in every stage and a filled register behind them. The keys are every string
choice of every model (``TextChoices`` and plain ``choices``); the visible words are the page's text nodes
and the attributes people read (placeholder, title, aria-label, alt), never class names or values.
"""

import re
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import translation

from cases.services import (
    case_accept,
    case_close,
    case_dispatch,
    case_extension_request,
    case_feedback,
    case_file,
    case_return,
    case_verify,
)
from grids.models import Role
from tests.factories import make_user, photo
from tests.residents.conftest import Register, fill_grid

from .conftest import report

pytestmark = pytest.mark.django_db

SKIP = ("/api/", "/accounts/logout", "/i18n/", "/static/", "/admin/", "/open311/", "/healthz")
PER_PATTERN = 6  # the same page with other ids or dates: a few are enough (a case in every stage)
MAX_PAGES = 150  # per role
# Words that are English on purpose: names of products, formats and codes.
ENGLISH_OK = {
    "GridGov",
    "API",
    "Open311",
    "GeoReport",
    "JSON",
    "XML",
    "CSV",
    "xlsx",
    "Excel",
    "OpenStreetMap",
    "Leaflet",
    "ID",
    "GPS",
    "TOTP",
    "OTP",
    "Token",
    "Swagger",
    "Redoc",
    "HMAC",
    "SHA",
    "English",
    "GeoJSON",
    "README",
    "WGS",
    "GCJ",
    "XYZ",
    "km",
    "m",
}


def choice_keys():
    keys = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            for value, _label in getattr(field, "flatchoices", None) or ():
                if isinstance(value, str) and re.search(r"[a-z]{3}", value):
                    keys.add(value)
    return keys


class Visible(HTMLParser):
    """The words a person reads on the page, and the links to follow."""

    READ = ("placeholder", "title", "aria-label", "alt")

    VOID = {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }

    def __init__(self):
        super().__init__()
        self.words, self.links, self.hidden, self.stack = [], [], 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag not in self.VOID:
            # Scripts, styles, what is hidden from every reader (the report form's honeypot), and code: a
            # setting's name and value are typed as they are (the base map's first-run notice).
            hide = tag in ("script", "style", "template", "code") or attrs.get("aria-hidden") == "true"
            self.stack.append((tag, hide))
            self.hidden += hide
        if self.hidden:
            return
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        self.words += [attrs[a] for a in self.READ if attrs.get(a)]

    def handle_endtag(self, tag):
        while any(open_tag == tag for open_tag, _hide in self.stack):
            open_tag, hide = self.stack.pop()
            self.hidden -= hide
            if open_tag == tag:
                break

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.words.append(data.strip())


def plain_urls(resolver=None, prefix=""):
    """Every URL pattern that takes no argument."""
    for p in (resolver or get_resolver()).url_patterns:
        route = str(p.pattern)
        if "<" in route or "(?P" in route or route.startswith("^"):
            continue
        if isinstance(p, URLResolver):
            yield from plain_urls(p, prefix + route)
        elif isinstance(p, URLPattern):
            yield "/" + prefix + route


def pattern_of(url):
    parts = urlsplit(url)
    query = sorted(q for q in parts.query.split("&") if q and not q.startswith("after="))
    return re.sub(r"\d+", "N", parts.path), re.sub(r"\d+", "N", "&".join(query))


def walk(client, starts):
    """(url, words) of every HTML page reached from ``starts`` by the links on the pages."""
    seen_urls, per_pattern, found = set(), {}, []
    queue = list(starts)
    while queue and len(found) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen_urls or url.startswith(SKIP) or not url.startswith("/"):
            continue
        seen_urls.add(url)
        key = pattern_of(url)
        if per_pattern.get(key, 0) >= PER_PATTERN:
            continue
        per_pattern[key] = per_pattern.get(key, 0) + 1
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = Visible()
        parser.feed(response.content.decode())
        found.append((url, parser.words))
        queue += [link.split("#")[0].replace("&amp;", "&") for link in parser.links]
    return found


def cases_in_every_stage(tree, rubbish):
    worker, community, handler = tree.users["worker"], tree.users["community"], tree.users["handler"]
    department = tree.departments[0]
    report(tree, rubbish, title="刚上报的垃圾")
    filed = report(tree, rubbish, title="待派遣的垃圾")
    case_file(case_id=filed.pk, actor=community)
    for title in ("处置中的垃圾", "已处置的垃圾", "已退回的垃圾"):
        case = report(tree, rubbish, title=title)
        case_file(case_id=case.pk, actor=community)
        case_dispatch(case_id=case.pk, actor=community, department=department)
        if title == "已退回的垃圾":
            case_return(case_id=case.pk, actor=handler, reason="不属于本单位")
            continue
        case_accept(case_id=case.pk, actor=handler)
        if title == "处置中的垃圾":
            case_extension_request(
                case_id=case.pk, actor=handler, amount=Decimal("2.00"), unit="working_days", reason="等材料"
            )
            continue
        case_feedback(case_id=case.pk, actor=handler, result="已清运", photos=[photo()])
        case_verify(passed=True, case_id=case.pk, actor=worker, note="已干净", photos=[photo()])
        case_close(case_id=case.pk, actor=community)


@pytest.fixture
def everything(tree, rubbish, django_user_model):
    # Names people read: the test users' logins are English words that are also choice keys ("community").
    for name, user in tree.users.items():
        user.display_name = f"用户{name.__len__()}{user.pk}"
        user.save(update_fields=["display_name"])
    root = django_user_model.objects.create_superuser("root", password="pw-root", display_name="管理员")
    tree.users["admin"] = root
    reg = Register(tree=tree)
    seq = 1
    for grid in tree.grids[:2]:
        seq = fill_grid(reg, grid, root, seq_start=seq)
    cases_in_every_stage(tree, rubbish)
    tree.users["grid_worker"] = make_user("gw", Role.GRID_WORKER, tree.grids[0], display_name="网格员")
    return tree


ROLES = ["worker", "community", "street", "handler", "centre", "admin"]


@pytest.mark.parametrize("role", ROLES)
def test_it_shows_no_raw_key_nor_english_on_any_page(client, settings, everything, role):
    settings.LANGUAGE_CODE = "zh-hans"
    keys = choice_keys()
    key_re = re.compile(
        r"(?<![\w./-])(" + "|".join(sorted(map(re.escape, keys), key=len, reverse=True)) + r")(?![\w/-])"
    )
    english = re.compile(r"(?<![\w./@:-])[A-Za-z][A-Za-z']+(?:\s+[A-Za-z][A-Za-z']+)*(?![\w-])")
    client.force_login(everything.users[role])
    pages = walk(client, ["/", *plain_urls()])
    assert len(pages) > 3
    problems = {}
    with translation.override("zh-hans"):
        for url, words in pages:
            for text in words:
                if "://" in text:
                    continue  # a link or a key's address shown to copy, not words
                found = [("raw key", m.group(0)) for m in key_re.finditer(text)]
                found += [
                    ("English", m.group(0))
                    for m in english.finditer(text)
                    if not set(m.group(0).split()) <= ENGLISH_OK
                ]
                for what, word in found:
                    problems.setdefault(f"{what} {word!r} in {text[:60]!r}", pattern_of(url)[0])
    assert not problems, "\n".join(f"{page}: {problem}" for problem, page in sorted(problems.items()))
