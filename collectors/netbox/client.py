"""NetBox's REST API, read and written with requests (no Django here: floor 1, tests/test_layers.py).

- Lists are read page by page at offsets this client computes itself, several pages at once, in
  NetBox's id order; the ``next`` links NetBox returns are never followed (behind a proxy they can
  name another host, and the token must go only to the configured URL).
- ``fields=`` asks NetBox for only the fields used (NetBox ≥ 4.0): a device serialised in full
  drags its nested objects along and costs NetBox several times more.
- Every failure is a ``NetBoxError`` with a reason (``auth``, ``unreachable``, ``timeout``,
  ``refused``, ``error``) and a message that names the URL and never the token.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import requests

AUTH, UNREACHABLE, TIMEOUT, REFUSED, ERROR = "auth", "unreachable", "timeout", "refused", "error"


class NetBoxError(Exception):
    """NetBox could not be asked or refused; ``reason`` is one of the constants above."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def check_url(url: str) -> str:
    """The API's base URL without a trailing slash, or ValueError saying what is wrong."""
    url = (url or "").strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"NetBox URL must be http(s)://host[:port][/path], not {url!r}")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError("NetBox URL must not carry a user, password, query or fragment")
    if url.endswith("/api"):
        url = url[: -len("/api")]
    return url


def auth_header(token: str) -> str:
    """NetBox 4.7's v2 tokens (``nbt_<key>.<secret>``) go as Bearer, v1 tokens as Token."""
    return f"Bearer {token}" if token.startswith("nbt_") else f"Token {token}"


class NetBoxClient:
    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 30.0,
        verify: bool | str = True,
        page_size: int = 1000,
        workers: int = 4,
    ):
        self.url = check_url(url)
        if not token:
            raise ValueError("a NetBox API token is needed")
        self._token = token
        self.timeout = timeout
        self.verify = verify
        self.page_size = max(1, int(page_size))
        self.workers = max(1, int(workers))
        self._local = threading.local()

    def __repr__(self) -> str:  # never the token
        return f"NetBoxClient({self.url!r})"

    # ------------------------------------------------------------------ plumbing

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers.update(
                {
                    "Authorization": auth_header(self._token),
                    "Accept": "application/json",
                    "Content-Type": "application/json",
                }
            )
            session.verify = self.verify
            session.trust_env = False  # no proxy or .netrc from the environment gets the token
            self._local.session = session
        return session

    def _scrub(self, text: str) -> str:
        return text.replace(self._token, "***") if self._token else text

    def request(self, method: str, path: str, *, params: dict | None = None, json=None):
        """One call; the decoded JSON answer (None for 204)."""
        where = f"NetBox at {self.url}"
        try:
            response = self._session().request(
                method,
                self.url + path,
                params=params,
                json=json,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.exceptions.SSLError as e:
            raise NetBoxError(
                UNREACHABLE, self._scrub(f"{where}: TLS failed ({e.__class__.__name__})")
            ) from None
        except requests.exceptions.Timeout:
            raise NetBoxError(TIMEOUT, f"{where} did not answer within {self.timeout:g} s") from None
        except requests.exceptions.ConnectionError as e:
            why = "connection refused" if "refused" in str(e).lower() else "cannot connect"
            raise NetBoxError(UNREACHABLE, f"{where} is unreachable ({why})") from None
        except requests.exceptions.RequestException as e:
            raise NetBoxError(ERROR, self._scrub(f"{where}: {e.__class__.__name__}")) from None
        status = response.status_code
        if status in (401, 403):
            raise NetBoxError(
                AUTH,
                f"{where} refused the API token ({status} on {path}): check the token and its permissions",
            )
        if 300 <= status < 400:
            raise NetBoxError(
                REFUSED, f"{where} redirects {path} (HTTP {status}); give the URL NetBox is served at"
            )
        if status == 404:
            raise NetBoxError(REFUSED, f"{where} has no {path} (404): is this NetBox's URL?")
        if status >= 400:
            raise NetBoxError(
                REFUSED if status < 500 else ERROR,
                self._scrub(f"{where} answered {status} to {method} {path}: {_detail(response)}"),
            )
        if status == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise NetBoxError(
                REFUSED, f"{where} did not answer JSON on {path}: is this NetBox's URL?"
            ) from None

    # ------------------------------------------------------------------ reading

    def status(self) -> dict:
        """``/api/status/``: NetBox's version and whether the token is accepted."""
        answer = self.request("GET", "/api/status/")
        if not isinstance(answer, dict) or "netbox-version" not in answer:
            raise NetBoxError(REFUSED, f"NetBox at {self.url}: /api/status/ is not NetBox's status")
        return answer

    def list(self, path: str, params: dict | None = None, fields: Iterable[str] = ()) -> list[dict]:
        """Every object of a list endpoint (``/api/dcim/devices/``), in id order."""
        query = {**(params or {}), "ordering": "id", "limit": self.page_size}
        if fields:
            query["fields"] = ",".join(fields)
        first = self.request("GET", path, params={**query, "offset": 0})
        if not isinstance(first, dict) or "results" not in first:
            raise NetBoxError(REFUSED, f"NetBox at {self.url}: {path} is not a list")
        rows = list(first["results"])
        count = int(first.get("count") or 0)
        pages = math.ceil(count / self.page_size)
        if pages > 1:
            offsets = [n * self.page_size for n in range(1, pages)]

            def page(offset: int) -> list[dict]:
                return self.request("GET", path, params={**query, "offset": offset})["results"]

            with ThreadPoolExecutor(min(self.workers, len(offsets))) as pool:
                for results in pool.map(page, offsets):
                    rows.extend(results)
        # a list that changed while it was read could repeat a row at a page boundary
        seen: set[int] = set()
        unique = []
        for row in rows:
            if row.get("id") not in seen:
                seen.add(row.get("id"))
                unique.append(row)
        return unique

    # ------------------------------------------------------------------ writing

    def create(self, path: str, body: dict) -> dict:
        return self.request("POST", path, json=body)

    def update_many(self, path: str, rows: list[dict], chunk: int = 200) -> int:
        """Bulk PATCH (each row has its ``id``) in chunks; returns the number of rows sent."""
        for start in range(0, len(rows), chunk):
            self.request("PATCH", path, json=rows[start : start + chunk])
        return len(rows)


def _detail(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return (response.text or "").strip()[:200] or response.reason
    if isinstance(body, dict) and "detail" in body:
        return str(body["detail"])[:300]
    return str(body)[:300]
