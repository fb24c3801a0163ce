#!/usr/bin/env python3
"""Guard an expensive generation job with `genbudget serve`.

Only Python's standard library (urllib). The pattern for any web app:
reserve credits before the job, run it, settle the actual cost after (or
release the hold if the job failed). A timeout or a 503 is retried with the
same key, which the service answers idempotently: a retried hold is never
taken twice.

    genbudget ledger token add web --role app      # prints the secret once
    genbudget serve &
    GENBUDGET_TOKEN=gbt_... python3 examples/serve_client.py alice

Environment: GENBUDGET_URL (default http://127.0.0.1:8787), GENBUDGET_TOKEN
(an `app` token), GENBUDGET_JOB_KEY (default: a fresh job id).
"""

import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid


class Denied(Exception):
    """A limit refused the hold (HTTP 402); `doc` is genbudget.denial/1."""

    def __init__(self, doc):
        super().__init__(doc["reason"])
        self.doc = doc


class GuardError(Exception):
    """Any other refusal; `doc` is genbudget.error/1."""

    def __init__(self, status, doc):
        first = doc["errors"][0]
        super().__init__(f"{status} {first['code']}: {first['message']}")
        self.status, self.doc = status, doc


class Guard:
    def __init__(self, url, token, timeout=10.0, attempts=5):
        self.url, self.token = url.rstrip("/"), token
        self.timeout, self.attempts = timeout, attempts

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        headers = {"Authorization": f"Bearer {self.token}"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        for attempt in range(self.attempts):
            req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as r:
                    return r.status, json.load(r)
            except urllib.error.HTTPError as e:
                doc = json.load(e)
                if e.code == 503:  # busy or unreachable store: nothing written
                    time.sleep(float(e.headers.get("Retry-After", "1")))
                    continue
                return e.code, doc
            except (urllib.error.URLError, TimeoutError, ConnectionError):
                # No answer: the same request again is safe (same key).
                time.sleep(0.5 * (attempt + 1))
        raise GuardError(503, {"errors": [{"code": "unavailable", "message": "no answer"}]})

    def reserve(self, user, key, request, ttl="15m"):
        status, doc = self._call("POST", "/v1/holds", {"user": user, "key": key, "request": request, "ttl": ttl})
        if status == 402:
            raise Denied(doc)
        if status not in (200, 201):
            raise GuardError(status, doc)
        return doc

    def settle(self, key, request=None):
        status, doc = self._call("POST", f"/v1/holds/{key}/settle", {"request": request} if request else {})
        if status != 200:
            raise GuardError(status, doc)
        return doc

    def release(self, key, reason):
        status, doc = self._call("POST", f"/v1/holds/{key}/release", {"reason": reason})
        if status != 200:
            raise GuardError(status, doc)
        return doc


def fake_job(request):
    """Stands in for the video API: asked for 8 s, it renders 4."""
    time.sleep(0.1)
    return request["seconds"] // 2


def main():
    user = sys.argv[1] if len(sys.argv) > 1 else "alice"
    guard = Guard(os.environ.get("GENBUDGET_URL", "http://127.0.0.1:8787"), os.environ["GENBUDGET_TOKEN"])
    key = os.environ.get("GENBUDGET_JOB_KEY") or f"clip-{uuid.uuid4()}"
    request = {"model": "sora-2", "seconds": 8, "resolution": "720p"}
    try:
        hold = guard.reserve(user, key, request)
    except Denied as d:
        print(f"denied: {d}")
        return 1
    print(f"reserved {hold['credits']} credits for {key} ({hold['available']} left)")
    try:
        seconds = fake_job(request)
    except Exception as e:
        guard.release(key, f"job failed: {e}")
        raise
    done = guard.settle(key, {"seconds": seconds})
    print(f"settled {done['settled']} credits for {seconds} s ({done['available']} left)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
