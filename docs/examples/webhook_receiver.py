#!/usr/bin/env python3
"""A partner's webhook endpoint for trying ApiLed webhooks locally (standard library only).

    APILED_WEBHOOK_SECRET=whsec_... python3 docs/examples/webhook_receiver.py [port]

Verifies ApiLed-Signature as documented in docs/README-partners.md, prints each delivery and answers
200 to a valid one, 401 to one whose signature does not verify. FAIL_FIRST=n answers the first n
deliveries with 500, to watch the retries.
"""
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

SECRET = os.environ["APILED_WEBHOOK_SECRET"].encode()
TOLERANCE_SECONDS = 300
fail_first = int(os.environ.get("FAIL_FIRST", "0"))
seen_ids = set()


def signature_is_valid(header: str, body: bytes) -> bool:
    fields = dict(part.strip().split("=", 1) for part in header.split(",") if "=" in part)
    t, v1 = fields.get("t", ""), fields.get("v1", "")
    if not t.isdigit() or abs(time.time() - int(t)) > TOLERANCE_SECONDS:
        return False  # missing or stale timestamp: a replay
    expected = hmac.new(SECRET, t.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, v1)


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        global fail_first
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))  # the raw bytes, before any JSON parsing
        valid = signature_is_valid(self.headers.get("ApiLed-Signature", ""), body)
        webhook_id = self.headers.get("ApiLed-Webhook-Id")
        print(f"{self.headers.get('ApiLed-Webhook-Event')} id={webhook_id} "
              f"attempt={self.headers.get('ApiLed-Webhook-Attempt')} signature={'valid' if valid else 'INVALID'}")
        if valid and webhook_id not in seen_ids:
            print(json.dumps(json.loads(body), indent=2))
        if not valid:
            status = 401
        elif fail_first > 0:
            fail_first -= 1
            status = 500
        else:
            seen_ids.add(webhook_id)  # a repeat of an id already accepted is acknowledged and ignored
            status = 200
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    print(f"listening on http://127.0.0.1:{port}/")
    HTTPServer(("127.0.0.1", port), Receiver).serve_forever()
