#!/usr/bin/env python3
"""A channel state event receiver that records what it gets, for tests and for trying Herald.

It answers POSTs to /centrifugo/channel_events the way docs/examples/channel_state_receiver.py
does (prints each event, answers {"result": {}}) and appends every request, one JSON object
per line, to the --record file: when it came, its path, headers and body, and what it was
answered. A control endpoint makes it fail on demand:

    POST /control {"mode": "ok"}                 answer {"result": {}} (the default)
    POST /control {"mode": "error"}              answer 200 {"error": {"code": 1000, ...}}
    POST /control {"mode": "status500"}          answer 500
    POST /control {"mode": "hang"}               never answer (until the mode changes: 503)
    POST /control {"mode": "status500", "count": 3}   the next 3 requests only, then "ok"
    GET  /requests                               everything recorded so far, as a JSON array

With --app FILE it serves the Flask `app` of FILE instead, unchanged (nothing is recorded):
that is how tests run the documentation's example against Herald.

Needs Flask (Debian: python3-flask). Listens on 127.0.0.1; --port 0 picks a free port, which
is written to --port-file once the server accepts connections.

    python3 tests/support/state_receiver.py --port 3000 --record /tmp/events.jsonl
"""
import argparse
import json
import os
import runpy
import sys
import threading
import time

from flask import Flask, jsonify, request
from werkzeug.serving import make_server

EVENTS_PATH = "/centrifugo/channel_events"

app = Flask(__name__)
lock = threading.Lock()
mode_changed = threading.Condition(lock)
state = {"mode": "ok", "count": 0, "epoch": 0, "record": None, "requests": []}


def current_mode():
    """The mode for this request (consuming one of `count`), under the lock."""
    mode = state["mode"]
    if state["count"] > 0:
        state["count"] -= 1
        if state["count"] == 0:
            state["mode"] = "ok"
    return mode


def record(entry):
    with lock:
        state["requests"].append(entry)
        if state["record"]:
            with open(state["record"], "a", encoding="utf-8") as f:
                f.write(json.dumps(entry) + "\n")
                f.flush()


@app.route(EVENTS_PATH, methods=["POST"])
def channel_events():
    raw = request.get_data(as_text=True)
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    with lock:
        mode = current_mode()
        epoch = state["epoch"]
    entry = {
        "received_ms": int(time.time() * 1000),
        "path": request.path,
        "headers": {k.lower(): v for k, v in request.headers.items()},
        "body": body if body is not None else raw,
        "mode": mode,
    }
    record(entry)

    if mode == "hang":
        with mode_changed:
            mode_changed.wait_for(lambda: state["epoch"] != epoch, timeout=600)
        return jsonify({"error": {"code": 503, "message": "released"}}), 503
    if mode == "status500":
        return jsonify({"error": {"code": 500, "message": "receiver told to fail"}}), 500
    if mode == "error":
        return jsonify({"error": {"code": 1000, "message": "receiver told to fail"}})

    for event in (body or {}).get("events", []):
        channel = event["channel"]
        event_type = event["type"]
        time_ms = event["time_ms"]
        if event_type == "occupied":
            print(f"Channel {channel} occupied at {time_ms}", flush=True)
        elif event_type == "vacated":
            print(f"Channel {channel} vacated at {time_ms}", flush=True)
    return jsonify({"result": {}})


@app.route("/control", methods=["POST"])
def control():
    req = request.get_json(force=True)
    mode = req.get("mode", "ok")
    if mode not in ("ok", "error", "status500", "hang"):
        return jsonify({"error": {"code": 400, "message": "unknown mode " + str(mode)}}), 400
    with mode_changed:
        state["mode"] = mode
        state["count"] = int(req.get("count", 0))
        state["epoch"] += 1
        mode_changed.notify_all()
        return jsonify({"result": {"mode": mode, "requests": len(state["requests"])}})


@app.route("/requests", methods=["GET"])
def requests_so_far():
    with lock:
        return jsonify(state["requests"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--port-file", help="write the bound port here once listening")
    parser.add_argument("--record", help="append every request here (JSON lines)")
    parser.add_argument("--app", help="serve the Flask `app` of this file instead, unchanged")
    args = parser.parse_args()

    served = app
    if args.app:
        served = runpy.run_path(args.app, run_name="channel_state_example")["app"]
    else:
        state["record"] = args.record
        if args.record:
            open(args.record, "a", encoding="utf-8").close()

    server = make_server("127.0.0.1", args.port, served, threaded=True)
    port = server.server_port
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(str(port))
        os.replace(tmp, args.port_file)
    print(f"listening on http://127.0.0.1:{port}{EVENTS_PATH}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
