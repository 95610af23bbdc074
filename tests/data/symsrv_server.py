#!/usr/bin/env python3
"""A symbol server for the tests: serves ROOT over HTTP on 127.0.0.1 at an
ephemeral port, writes the port to PORTFILE, appends one line per request
("GET /path status") to LOGFILE. --stall: every answer sends its headers and
a few bytes, then stalls (the client's timeout path). --flaky: the first
request for each path gets 503 (the retry path). Exits by itself after
--lifetime seconds so a crashed test never leaves it behind."""
import argparse
import http.server
import os
import sys
import threading
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("portfile")
    ap.add_argument("logfile")
    ap.add_argument("--stall", action="store_true")
    ap.add_argument("--flaky", action="store_true")
    ap.add_argument("--lifetime", type=float, default=120)
    a = ap.parse_args()
    lock = threading.Lock()
    seen = set()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kw):
            super().__init__(*args, directory=a.root, **kw)

        def log_message(self, fmt, *args):
            pass

        def record(self, status):
            with lock, open(a.logfile, "a") as f:
                f.write("GET %s %d\n" % (self.path, status))

        def do_GET(self):
            if a.stall:
                self.record(200)
                self.send_response(200)
                self.send_header("Content-Length", "100000")
                self.end_headers()
                self.wfile.write(b"MZ")
                self.wfile.flush()
                time.sleep(a.lifetime)
                return
            if a.flaky:
                with lock:
                    first = self.path not in seen
                    seen.add(self.path)
                if first:
                    self.record(503)
                    self.send_error(503)
                    return
            path = self.translate_path(self.path)
            status = 200 if os.path.isfile(path) else 404
            self.record(status)
            if status == 404:
                self.send_error(404)
                return
            super().do_GET()

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    tmp = a.portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, a.portfile)
    threading.Timer(a.lifetime, lambda: os._exit(0)).start()
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
