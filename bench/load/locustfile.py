"""A district's working day against one GridGov node (issue 22). Run headless, bounded, against 127.0.0.1:

    bench/load/run.sh            # or by hand:
    locust -f bench/load/locustfile.py --host http://127.0.0.1:8000 --headless -u 200 -r 5 -t 3m --csv out

Reads ``bench/load/users.json`` (written by ``bench/load/prepare.py``: usernames, API tokens, a point in
each user's area, intake keys, category and department codes).

Roles and their weights (share of simulated users), from a district of 1,000 grids on a weekday:

* patrol phone, 40: a patrol position every 30 s (a grid worker on patrol; most of the day's requests);
* grid worker, 30: the case list (queue page), its cases by the API and a case page; reports a case with a
  photo and an ``Idempotency-Key`` (one time in ten the phone retries the same report);
* community / street staff, 14: lists reported and filed cases, files one, dispatches one, opens pages;
* department handler, 8: lists dispatched and accepted cases, accepts one, feeds back a result;
* district centre, 4: the command map (page, grid load, case markers, counts), the assessment report;
* intake, 4: an Open311 ``POST requests.json`` and ``GET requests.json``, a 12345 hotline order.

Before a step the user opens the case (``GET /api/v1/cases/<id>``) and takes the step only when the case
offers it to them (``allowed_actions``), as the case page does. An action refused because another user moved
the case first (409, or 400 because the case is no longer in that state) is counted apart (``… (conflict)``),
not as an error: in a real day two staff race for a case too. Reports answer their category's required
fields (``users.json`` carries an answer to each), as the phone's form makes the worker do.
"""

import itertools
import json
import random
import uuid
from pathlib import Path

from locust import HttpUser, between, constant, task

HERE = Path(__file__).resolve().parent
DATA = json.loads((HERE / "users.json").read_text())
PHOTO = (HERE / "photo.jpg").read_bytes()
_counters = {role: itertools.count() for role in DATA["users"]}


def _person(role):
    people = DATA["users"][role]
    return people[next(_counters[role]) % len(people)]


def _results(response):
    try:
        body = response.json()
    except ValueError:
        return []
    return body.get("results", body) if isinstance(body, dict) else body


class ApiUser(HttpUser):
    abstract = True
    role = ""
    login_pages = False

    def on_start(self):
        self.me = _person(self.role)
        self.client.headers["Authorization"] = f"Token {self.me['token']}"
        self.client.headers["Accept-Language"] = "zh-hans"
        if self.login_pages:
            self._login()

    def _login(self):
        # The session prepare.py made for this user (as login() makes one), and a CSRF token of our own:
        # signed in, DRF authenticates the API by the session first, which wants the token in a header.
        csrf = uuid.uuid4().hex
        self.client.cookies.set("sessionid", self.me["session"])
        self.client.cookies.set("csrftoken", csrf)
        self.client.headers["X-CSRFToken"] = csrf

    def act(self, case, action, body, name):
        # As on the case page: open the case, and act only when the step is offered to this user (a street's
        # staff see their communities' cases, but filing them is the community's step).
        detail = self.client.get(f"/api/v1/cases/{case['id']}/", name="/api/v1/cases/<id>")
        case = detail.json() if detail.ok else case
        if action not in case.get("allowed_actions", [action]):
            return
        with self.client.post(
            f"/api/v1/cases/{case['id']}/{action}/",
            json={**body, "version": case.get("version")} if case.get("version") else body,
            name=name,
            catch_response=True,
        ) as response:
            if response.status_code in (400, 409):
                response.success()
                self.environment.events.request.fire(
                    request_type="POST",
                    name=f"{name} (conflict)",
                    response_time=response.elapsed.total_seconds() * 1000,
                    response_length=0,
                    exception=None,
                    context={},
                )

    def case_page(self, cases):
        if cases:
            self.client.get(f"/cases/{random.choice(cases)['id']}/", name="/cases/<id>/")


class PatrolPhone(ApiUser):
    """A grid worker's phone on patrol: one position every 30 s."""

    weight = 40
    role = "worker"
    wait_time = constant(30)

    @task
    def position(self):
        lat, lon = self.me["lat"] or 28.15, self.me["lon"] or 112.9
        self.client.post(
            "/api/v1/patrol/positions/",
            json={"lat": lat + random.uniform(-0.001, 0.001), "lon": lon + random.uniform(-0.001, 0.001)},
            name="/api/v1/patrol/positions/ [POST]",
        )


class GridWorker(ApiUser):
    weight = 30
    role = "worker"
    login_pages = True
    wait_time = between(5, 15)

    @task(5)
    def queue_page(self):
        self.client.get("/cases/", name="/cases/ (queue page)")

    @task(5)
    def my_cases(self):
        response = self.client.get("/api/v1/cases/?mine=true", name="/api/v1/cases/?mine")
        self.case_page(_results(response)[:10])

    @task(2)
    def report(self):
        key = uuid.uuid4().hex
        category = random.choice(DATA["categories"])
        data = {
            "category": category["code"],
            "extra": json.dumps(category["extra"], ensure_ascii=False),  # the form's required fields
            "title": "占道经营（压测）",
            "description": "load test",
            "lat": (self.me["lat"] or 28.15) + random.uniform(-0.0005, 0.0005),
            "lon": (self.me["lon"] or 112.9) + random.uniform(-0.0005, 0.0005),
        }
        for attempt in range(2 if random.random() < 0.1 else 1):
            self.client.post(
                "/api/v1/cases/",
                data=data,
                files={"photos": ("photo.jpg", PHOTO, "image/jpeg")},
                headers={"Idempotency-Key": key},
                name="/api/v1/cases/ [POST report+photo]" + (" (retry)" if attempt else ""),
            )


class Staff(ApiUser):
    weight = 14
    role = "staff"
    login_pages = True
    wait_time = between(5, 20)

    @task(4)
    def list_reported(self):
        cases = _results(self.client.get("/api/v1/cases/?status=reported", name="/api/v1/cases/?status"))
        if cases:
            self.act(random.choice(cases[:20]), "file", {"comment": ""}, "/api/v1/cases/<id>/file/")

    @task(3)
    def list_filed(self):
        cases = _results(self.client.get("/api/v1/cases/?status=filed", name="/api/v1/cases/?status"))
        if cases:
            self.act(
                random.choice(cases[:20]),
                "dispatch",
                {"department": random.choice(DATA["departments"]), "comment": ""},
                "/api/v1/cases/<id>/dispatch/",
            )

    @task(3)
    def pages(self):
        self.client.get("/cases/", name="/cases/ (queue page)")
        cases = _results(self.client.get("/api/v1/cases/?open=true", name="/api/v1/cases/?open"))
        self.case_page(cases[:20])


class Department(ApiUser):
    weight = 8
    role = "department"
    wait_time = between(5, 20)

    @task(3)
    def accept(self):
        cases = _results(self.client.get("/api/v1/cases/?status=dispatched", name="/api/v1/cases/?status"))
        if cases:
            self.act(random.choice(cases[:20]), "accept", {"comment": ""}, "/api/v1/cases/<id>/accept/")

    @task(2)
    def feedback(self):
        cases = _results(self.client.get("/api/v1/cases/?status=accepted", name="/api/v1/cases/?status"))
        if cases:
            self.act(
                random.choice(cases[:20]),
                "feedback",
                {"result": "已处理完毕（压测）"},
                "/api/v1/cases/<id>/feedback/",
            )


class Centre(ApiUser):
    weight = 4
    role = "centre"
    login_pages = True
    wait_time = between(5, 15)

    @task(4)
    def command_map(self):
        self.client.get("/command/", name="/command/ (map page)")
        self.client.get("/command/grid-load.json", name="/command/grid-load.json")
        lat, lon = random.choice(DATA["grids"])[1:]
        box = f"{lon - 0.03:.4f},{lat - 0.03:.4f},{lon + 0.03:.4f},{lat + 0.03:.4f}"
        self.client.get(f"/command/cases.json?bbox={box}&zoom=14", name="/command/cases.json (street view)")
        self.client.get("/command/counts/", name="/command/counts/")

    @task(1)
    def assessment(self):
        self.client.get("/api/v1/assessment/report/", name="/api/v1/assessment/report/")
        self.client.get("/assessment/", name="/assessment/ (page)")


class Intake(HttpUser):
    weight = 4
    wait_time = between(5, 15)

    @task(2)
    def open311_post(self):
        grid = random.choice(DATA["grids"])
        service = random.choice([c for c in DATA["categories"] if c["open311"]])
        self.client.post(
            "/open311/v2/requests.json",
            data={
                "api_key": DATA["keys"]["open311"],
                "service_code": service["code"],
                "description": "路灯不亮（压测）",
                "lat": grid[1],
                "long": grid[2],
                **{f"attribute[{code}]": value for code, value in service["extra"].items()},
            },
            name="/open311/v2/requests.json [POST]",
        )

    @task(1)
    def open311_list(self):
        self.client.get("/open311/v2/requests.json", name="/open311/v2/requests.json")

    @task(2)
    def hotline(self):
        grid = random.choice(DATA["grids"])
        category = random.choice(DATA["categories"])
        self.client.post(
            "/api/v1/intake/hotline/orders/",
            json={
                "external_id": f"L{uuid.uuid4().hex[:20]}",
                "category": category["code"],
                "extra": category["extra"],  # the 12345 platform maps the category's required fields
                "title": "市民来电（压测）",
                "content": "load test",
                "caller_name": "张三",
                "caller_phone": "13800000000",
                "lat": grid[1],
                "lon": grid[2],
            },
            headers={"X-Api-Key": DATA["keys"]["hotline"]},
            name="/api/v1/intake/hotline/orders/ [POST]",
        )
