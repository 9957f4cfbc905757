"""Serves ../../dist under a sub-path, like a plain static host: no rewrite rules, no SPA fallback.

The site root is a fresh temporary folder holding only team/loupe -> dist, so anything that escapes the
sub-path (an absolute /asset URL) gets a 404 and fails the tests.
"""

import functools
import http.server
import os
import sys
import tempfile

PORT = int(os.environ.get("E2E_PORT", "4173"))
SUB_PATH = os.environ.get("E2E_SUB_PATH", "team/loupe")
DIST = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "dist"))

if not os.path.isfile(os.path.join(DIST, "index.html")):
    sys.exit(f"no {DIST}/index.html: run `trunk build --release --offline` (make build) first")

root = tempfile.mkdtemp(prefix="loupe-e2e-")
parent = os.path.join(root, os.path.dirname(SUB_PATH))
os.makedirs(parent, exist_ok=True)
os.symlink(DIST, os.path.join(root, SUB_PATH))


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


handler = functools.partial(Quiet, directory=root)
with http.server.ThreadingHTTPServer(("127.0.0.1", PORT), handler) as server:
    print(f"serving {DIST} at http://127.0.0.1:{PORT}/{SUB_PATH}/", flush=True)
    server.serve_forever()
