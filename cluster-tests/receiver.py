#!/usr/bin/env python3
"""The cluster's webhook recorder: tests/support/state_receiver.py (the project's recording
channel state receiver: POST /centrifugo/channel_events, POST /control, GET /requests) served
on an address other containers reach, plus GET /health.

  receiver.py [--host 0.0.0.0] [--port 5000] [--module PATH/state_receiver.py]
  receiver.py --check URL      exit 0 when URL answers 200 (a healthcheck without curl)

--module defaults to ../tests/support/state_receiver.py beside this file, or
/support/state_receiver.py in the compose runner image (mounted there).
"""
import argparse
import os
import runpy
import sys
import urllib.request


def check(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return 0 if r.status == 200 else 1
    except Exception:
        return 1


def find_module(given):
    here = os.path.dirname(os.path.abspath(__file__))
    for path in [given] if given else [os.path.join(here, "..", "tests", "support",
                                                    "state_receiver.py"),
                                       "/support/state_receiver.py"]:
        if os.path.exists(path):
            return path
    sys.exit("state_receiver.py not found (tests/support/, or --module)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="0.0.0.0")
    ap.add_argument("--port", type=int, default=5000)
    ap.add_argument("--module")
    ap.add_argument("--check")
    args = ap.parse_args()
    if args.check:
        sys.exit(check(args.check))
    from werkzeug.serving import make_server
    app = runpy.run_path(find_module(args.module), run_name="state_receiver")["app"]
    app.add_url_rule("/health", "health", lambda: ({}, 200))
    server = make_server(args.host, args.port, app, threaded=True)
    print(f"recording channel state events on http://{args.host}:{server.server_port}"
          "/centrifugo/channel_events", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
