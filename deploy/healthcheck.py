"""Docker's health check for the web container: GET /healthz on the local gunicorn, exit 0 when healthy.

Django refuses a Host header that is not in ALLOWED_HOSTS, so the request names the first allowed host
rather than 127.0.0.1 (which production settings rightly do not list).
"""

import os
import sys
import urllib.error
import urllib.request


def allowed_host() -> str:
    first = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].strip()
    if first in ("", "*"):
        return "localhost"
    return first.lstrip(".")  # ".example.gov.cn" allows example.gov.cn itself


def main() -> int:
    port = os.environ.get("PORT", "8000")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz",
        headers={"Host": allowed_host(), "X-Forwarded-Proto": "https"},
    )
    try:
        with urllib.request.urlopen(request, timeout=8) as response:
            return 0 if response.status == 200 else 1
    except urllib.error.HTTPError as error:  # 503 names the failing check: show it in `docker inspect`
        print(error.read().decode("utf-8", "replace")[:500], file=sys.stderr)
        return 1
    except OSError as error:
        print(f"healthz unreachable: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
