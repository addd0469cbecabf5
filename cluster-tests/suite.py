#!/usr/bin/env python3
"""Multi-node Herald suite: real WebSocket clients on every node, the server API, faults.

Runs against the compose cluster (cluster-tests/run.sh) or against processes you started:

  CLUSTER_NODES        node base URLs, comma-separated (default: 127.0.0.1:8001..8003)
  CLUSTER_API_KEY      http_api.key (default cluster-tests-key)
  CLUSTER_HMAC_SECRET  client.token.hmac_secret_key (default cluster-tests-hmac-secret)
  CLUSTER_ENGINE       redis (the nodes share a Redis engine) | memory (independent nodes:
                       the cross-node scenarios are SKIPPED)
  CLUSTER_STATE_EVENTS true when `chat` has state_proxy_enabled and CLUSTER_RECEIVER records
  CLUSTER_RECEIVER     the webhook recorder's URL (tests/support/state_receiver.py, served
                       by cluster-tests/receiver.py)
  CLUSTER_CONTROL      docker (kill, pause, restart, disconnect the compose containers of
                       CLUSTER_COMPOSE_PROJECT: services herald1..N and redis) | none
  CLUSTER_SOLO         a node alone on the memory engine whose `chat` has state events on
                       (CLUSTER_SOLO_STATE_EVENTS=false when it has not)
  CLUSTER_NODE_LEASE, CLUSTER_VACATED_DELAY  the channel_state values of the nodes' engines
  CLUSTER_ONLY         comma-separated scenario names to run (others are SKIPPED)

Every scenario ends PASSED, FAILED or SKIPPED with its reason; the summary lists all of them
and closes with `cluster-tests: N passed, N failed, N skipped`. Exit status 1 on any failure.
"""
import base64
import contextlib
import hashlib
import hmac
import json
import os
import queue
import sys
import threading
import time
import traceback
import urllib.request
import uuid

import websocket  # python3-websocket (websocket-client)

NODES = [u.strip().rstrip("/") for u in os.environ.get(
    "CLUSTER_NODES", "http://127.0.0.1:8001,http://127.0.0.1:8002,http://127.0.0.1:8003"
).split(",") if u.strip()]
API_KEY = os.environ.get("CLUSTER_API_KEY", "cluster-tests-key")
HMAC_SECRET = os.environ.get("CLUSTER_HMAC_SECRET", "cluster-tests-hmac-secret")
ENGINE = os.environ.get("CLUSTER_ENGINE", "redis")
STATE_EVENTS = os.environ.get("CLUSTER_STATE_EVENTS", "false").lower() in ("1", "true")
RECEIVER = os.environ.get("CLUSTER_RECEIVER", "").rstrip("/")
CONTROL = os.environ.get("CLUSTER_CONTROL", "none")
PROJECT = os.environ.get("CLUSTER_COMPOSE_PROJECT", "cluster-tests")
ONLY = {s for s in os.environ.get("CLUSTER_ONLY", "").split(",") if s}
SOLO = os.environ.get("CLUSTER_SOLO", "").rstrip("/")
SOLO_STATE_EVENTS = os.environ.get("CLUSTER_SOLO_STATE_EVENTS", "true").lower() in ("1", "true")
RUN = uuid.uuid4().hex[:8]  # channel names are unique per run


def seconds(text, default):
    text = (text or "").strip()
    if not text:
        return default
    if text.endswith("ms"):
        return float(text[:-2]) / 1000
    return float(text.rstrip("s"))


NODE_LEASE = seconds(os.environ.get("CLUSTER_NODE_LEASE"), 5.0)
VACATED_DELAY = seconds(os.environ.get("CLUSTER_VACATED_DELAY"), 5.0)


class Skip(Exception):
    pass


def log(msg):
    print(f"  {time.strftime('%H:%M:%S')} {msg}", flush=True)


def wait_until(what, cond, timeout=10.0, every=0.1):
    """Polls cond() until it returns something truthy; fails naming `what` after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = cond()
            if last:
                return last
        except Exception as e:  # a node that is restarting answers nothing for a while
            last = e
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")
        time.sleep(every)


# ----------------------------------------------------------------------------- server API
def api(node, method, params, timeout=5.0):
    req = urllib.request.Request(f"{NODES[node]}/api/{method}", data=json.dumps(params).encode(),
                                 headers={"X-API-Key": API_KEY, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        body = json.loads(r.read() or b"{}")
    if "error" in body:
        raise AssertionError(f"{method} on node {node + 1}: {body['error']}")
    return body.get("result", {})


def healthy(node):
    try:
        with urllib.request.urlopen(f"{NODES[node]}/health", timeout=2) as r:
            return r.status == 200
    except Exception:
        return False


def token(user, ttl=3600):
    def b64(b):
        return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = b64(json.dumps({"sub": user, "exp": int(time.time()) + ttl}).encode())
    sig = hmac.new(HMAC_SECRET.encode(), f"{head}.{claims}".encode(), hashlib.sha256).digest()
    return f"{head}.{claims}.{b64(sig)}"


# ----------------------------------------------------------------------------- a client
class Client:
    """One WebSocket connection speaking Centrifugo's JSON protocol: connect with a JWT,
    subscribe (with recovery), collect publications per channel, answer pings."""

    def __init__(self, node, user):
        """node: an index into NODES, or a base URL (the solo node)."""
        self.node, self.user = node, user
        self.pubs = {}            # channel -> [pub dict]
        self.unsubscribed = {}    # channel -> unsubscribe push
        self.subscribed = set()   # channels subscribed and not unsubscribed since
        self.closed = None        # (code, reason) once the connection ended
        self._replies, self._next_id, self._lock = {}, 0, threading.Lock()
        base = NODES[node] if isinstance(node, int) else node
        url = base.replace("http://", "ws://").replace("https://", "wss://")
        # No Origin header: a server-side client, as the SDKs outside browsers are.
        self.ws = websocket.create_connection(f"{url}/connection/websocket", timeout=10,
                                              suppress_origin=True)
        self.ws.settimeout(None)  # 10 s bound the handshake only: reads wait for the server
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.info = self.call("connect", {"token": token(user), "name": "cluster-tests"})
        self.client_id = self.info["client"]

    def _read(self):
        try:
            while True:
                op, data = self.ws.recv_data(control_frame=True)
                if op == websocket.ABNF.OPCODE_CLOSE:
                    code = int.from_bytes(data[:2], "big") if len(data) >= 2 else 1005
                    self.closed = (code, data[2:].decode(errors="replace"))
                    return
                if op not in (websocket.ABNF.OPCODE_TEXT, websocket.ABNF.OPCODE_BINARY):
                    continue
                for line in data.decode().split("\n"):
                    if line.strip():
                        self._dispatch(json.loads(line))
        except Exception as e:
            if self.closed is None:
                self.closed = (1006, str(e))

    def _dispatch(self, msg):
        if not msg:  # server ping: answer with an empty command (pong)
            self.ws.send("{}")
            return
        if msg.get("id"):
            self._replies[msg["id"]].put(msg)
            return
        push = msg.get("push", {})
        ch = push.get("channel", "")
        with self._lock:
            if "pub" in push:
                self.pubs.setdefault(ch, []).append(push["pub"])
            elif "unsubscribe" in push:
                self.unsubscribed[ch] = push["unsubscribe"]
                self.subscribed.discard(ch)

    def call(self, method, params, timeout=10.0):
        with self._lock:
            self._next_id += 1
            cid = self._next_id
            self._replies[cid] = queue.Queue()
        self.ws.send(json.dumps({"id": cid, method: params}))
        try:
            reply = self._replies[cid].get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no {method} reply from node {self.node + 1} in {timeout}s "
                                 f"(connection: {self.closed or 'open'})")
        if "error" in reply:
            raise AssertionError(f"{method} on node {self.node + 1}: {reply['error']}")
        return reply.get(method, {})

    def subscribe(self, channel, recover_from=None, recoverable=False):
        """recoverable: a positioned subscription, told (unsubscribe 2500) when its stream
        may have lost publications; recover_from=(offset, epoch): recover what came since."""
        params = {"channel": channel}
        if recoverable:
            params.update(recoverable=True)
        if recover_from is not None:
            # SDKs send both: `recover` alone only marks the reply was_recovering.
            params.update(recoverable=True, recover=True, offset=recover_from[0],
                          epoch=recover_from[1])
        # A temporary error (e.g. 100 while this node's Redis connections come back after a
        # Redis restart) is retried, as the SDKs do, for up to 10 s.
        deadline = time.monotonic() + 10
        while True:
            try:
                res = self.call("subscribe", params)
                break
            except AssertionError as e:
                if "'temporary': True" not in str(e) or time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        with self._lock:
            self.pubs.setdefault(channel, []).extend(res.get("publications", []))
            self.subscribed.add(channel)
            self.unsubscribed.pop(channel, None)
        return res

    def unsubscribe(self, channel):
        res = self.call("unsubscribe", {"channel": channel})
        with self._lock:
            self.subscribed.discard(channel)
        return res

    def offsets(self, channel):
        with self._lock:
            return [p.get("offset", 0) for p in self.pubs.get(channel, [])]

    def data(self, channel):
        with self._lock:
            return [p.get("data") for p in self.pubs.get(channel, [])]

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass


@contextlib.contextmanager
def connected(*specs):
    """Clients for (node, user) pairs, all closed on the way out (also the ones a scenario
    puts in the list in their place)."""
    clients = [Client(node, user) for node, user in specs]
    try:
        yield clients
    finally:
        for c in clients:
            c.close()


# ----------------------------------------------------------------------------- faults
class DockerControl:
    """The compose containers of PROJECT, by their compose labels."""

    def __init__(self):
        import docker  # python3-docker
        self.docker = docker.from_env()

    def container(self, service):
        found = self.docker.containers.list(all=True, filters={"label": [
            f"com.docker.compose.project={PROJECT}", f"com.docker.compose.service={service}"]})
        if not found:
            raise AssertionError(f"no container for service {service} in project {PROJECT}")
        return found[0]

    def node(self, i):
        return self.container(f"herald{i + 1}")

    def backend_network(self, c):
        nets = [n for n in c.attrs["NetworkSettings"]["Networks"] if n.endswith("_back")]
        if not nets:
            raise AssertionError(f"{c.name} is on no *_back network")
        return self.docker.networks.get(nets[0])


def control():
    if CONTROL != "docker":
        raise Skip("needs control over the nodes (CLUSTER_CONTROL=docker; now "
                   f"{CONTROL!r}): start them with cluster-tests/run.sh")
    return DockerControl()


def wait_healthy(node, timeout=60.0):
    wait_until(f"node {node + 1} healthy", lambda: healthy(node), timeout=timeout, every=0.5)


# ----------------------------------------------------------------------------- scenarios
SCENARIOS = []


def scenario(name, needs=()):
    def register(fn):
        SCENARIOS.append((name, needs, fn))
        return fn
    return register


def missing(what):
    """Why a scenario needing `what` cannot run here, or None."""
    if what == "cluster" and ENGINE != "redis":
        return (f"the nodes share no engine (CLUSTER_ENGINE={ENGINE}): this build refuses "
                "engine.type redis, so each node is alone")
    if what == "cluster" and len(NODES) < 2:
        return "needs two nodes or more"
    if what == "state" and not STATE_EVENTS:
        note = os.environ.get("CLUSTER_STATE_NOTE", "")
        return ("channel state events not switched on" + (f": {note}" if note else ""))
    if what in ("state", "solo") and not RECEIVER:
        return "no webhook recorder (CLUSTER_RECEIVER)"
    if what == "solo" and not SOLO:
        return "no node alone on the memory engine (CLUSTER_SOLO)"
    if what == "solo" and not SOLO_STATE_EVENTS:
        return "the solo node's state events are off (CLUSTER_SOLO_STATE_EVENTS=false)"
    return None


@scenario("health_and_info")
def health_and_info():
    for i in range(len(NODES)):
        assert healthy(i), f"node {i + 1} /health is not 200"
    want = len(NODES) if ENGINE == "redis" else 1  # alone on the memory engine

    def names(i):
        n = sorted(x.get("name", "?") for x in api(i, "info", {})["nodes"])
        return n if len(n) >= want else None
    seen = [wait_until(f"node {i + 1} to list {want} node(s) in info", lambda: names(i),
                       timeout=15) for i in range(len(NODES))]
    return f"{len(NODES)} nodes healthy; info on each lists {seen}"


@scenario("each_node_alone")
def each_node_alone():
    """What every node does by itself, whatever the engine: publications to two clients,
    history, presence, and a reconnect that recovers what it missed."""
    for i in range(len(NODES)):
        ch, chat = f"solo-{RUN}-{i}", f"chat:solo-{RUN}-{i}"
        a, b = Client(i, "alice"), Client(i, "bob")
        try:
            for c in (a, b):
                c.subscribe(ch)
                c.subscribe(chat)
            for k in range(5):
                api(i, "publish", {"channel": ch, "data": {"k": k}})
            for c in (a, b):
                wait_until(f"node {i + 1}: 5 publications", lambda: c.offsets(ch) == [1, 2, 3, 4, 5])
            h = api(i, "history", {"channel": ch, "limit": 10})
            assert [p["offset"] for p in h["publications"]] == [1, 2, 3, 4, 5], h
            users = sorted(v.get("user") for v in api(i, "presence", {"channel": chat})["presence"].values())
            assert users == ["alice", "bob"], f"node {i + 1}: presence {users}"
            b.close()
            for k in range(5, 8):
                api(i, "publish", {"channel": ch, "data": {"k": k}})
            b = Client(i, "bob")
            res = b.subscribe(ch, recover_from=(5, h["epoch"]))
            assert res.get("recovered") is True, f"node {i + 1}: not recovered: {res}"
            assert b.offsets(ch) == [6, 7, 8], f"node {i + 1}: recovered {b.offsets(ch)}"
        finally:
            a.close()
            b.close()
    return (f"on each of {len(NODES)} nodes: publish to 2 clients, history, presence, "
            "reconnect with recovery of 3 missed publications")


@scenario("fanout", needs=("cluster",))
def fanout():
    ch = f"fanout-{RUN}"
    n = 30
    with connected(*[(i, f"reader{i}") for i in range(len(NODES))]) as clients:
        for c in clients:
            c.subscribe(ch)
        for k in range(n):  # publish on every node in turn
            api(k % len(NODES), "publish", {"channel": ch, "data": {"k": k}})
        for c in clients:
            wait_until(f"{n} publications on node {c.node + 1}",
                       lambda: len(c.offsets(ch)) >= n, timeout=10)
            assert c.offsets(ch) == list(range(1, n + 1)), f"node {c.node + 1}: offsets {c.offsets(ch)}"
            assert c.data(ch) == [{"k": k} for k in range(n)], f"node {c.node + 1}: data out of order"
    return f"{n} publications from all {len(NODES)} nodes reached a client on each, in order"


@scenario("history", needs=("cluster",))
def history():
    ch = f"history-{RUN}"
    epoch = None
    for k in range(5):
        epoch = api(0, "publish", {"channel": ch, "data": {"k": k}})["epoch"]
    for i in range(len(NODES)):
        h = api(i, "history", {"channel": ch, "limit": 100})
        offsets = [p.get("offset") for p in h.get("publications", [])]
        assert offsets == [1, 2, 3, 4, 5], f"node {i + 1}: offsets {offsets}"
        assert h.get("epoch") == epoch, f"node {i + 1}: epoch {h.get('epoch')} != {epoch}"
        assert h.get("offset") == 5, f"node {i + 1}: top offset {h.get('offset')}"
    return "published on node 1; every node answers the same history, offset and epoch"


@scenario("presence", needs=("cluster",))
def presence():
    ch = f"chat:presence-{RUN}"
    users = [f"user{i}" for i in range(len(NODES))]
    with connected(*enumerate(users)) as clients:
        for c in clients:
            c.subscribe(ch)

        def seen(i):
            p = api(i, "presence", {"channel": ch})["presence"]
            return sorted(v.get("user") for v in p.values())
        for i in range(len(NODES)):
            wait_until(f"node {i + 1} presence of all users", lambda: seen(i) == users, timeout=10)
            st = api(i, "presence_stats", {"channel": ch})
            assert (st.get("num_clients"), st.get("num_users")) == (len(NODES), len(NODES)), st
        clients[1].close()
        rest = [u for u in users if u != users[1]]
        for i in range(len(NODES)):
            wait_until(f"node {i + 1} to drop {users[1]} from presence",
                       lambda: seen(i) == rest, timeout=10)
    return (f"{len(NODES)} users on {len(NODES)} nodes seen by every node's presence and "
            "presence_stats; a disconnect leaves everywhere")


@scenario("recovery_after_node_restart", needs=("cluster",))
def recovery_after_node_restart():
    ctl = control()
    ch = f"recover-{RUN}"
    c = Client(1, "recoverer")
    c.subscribe(ch)
    for k in range(3):
        api(0, "publish", {"channel": ch, "data": {"k": k}})
    wait_until("the first 3 publications", lambda: c.offsets(ch) == [1, 2, 3])
    epoch = api(0, "history", {"channel": ch, "limit": 0})["epoch"]
    t0 = time.monotonic()
    ctl.node(1).stop(timeout=10)  # SIGTERM: herald closes its clients with 3001
    wait_until("the client to see node 2 close", lambda: c.closed, timeout=15)
    for k in range(3, 8):  # missed while node 2 is down
        api(0, "publish", {"channel": ch, "data": {"k": k}})
    ctl.node(1).start()
    wait_healthy(1)
    down = time.monotonic() - t0
    c2 = Client(1, "recoverer")
    try:
        res = c2.subscribe(ch, recover_from=(3, epoch))
        assert res.get("recovered") is True, f"not recovered: {res}"
        assert c2.offsets(ch) == [4, 5, 6, 7, 8], f"recovered offsets {c2.offsets(ch)}"
        api(2, "publish", {"channel": ch, "data": {"k": 8}})
        wait_until("a live publication after recovery", lambda: c2.offsets(ch)[-1:] == [9])
    finally:
        c2.close()
    return (f"client closed with {c.closed[0]}; node 2 back after {down:.1f}s; "
            "5 missed publications recovered in order, then live again")


@scenario("fanout_after_redis_restart", needs=("cluster",))
def fanout_after_redis_restart():
    ctl = control()
    ch = f"redis-restart-{RUN}"
    with connected(*[(i, f"r{i}") for i in range(len(NODES))]) as clients:
        for c in clients:
            c.subscribe(ch, recoverable=True)
        api(0, "publish", {"channel": ch, "data": {"k": 0}})
        epoch = api(0, "history", {"channel": ch, "limit": 0})["epoch"]
        for c in clients:
            wait_until(f"publication 1 on node {c.node + 1}", lambda: c.offsets(ch) == [1])
        t0 = time.monotonic()
        ctl.container("redis").restart(timeout=10)
        # Publishing fails while Redis is away; the engine reconnects by itself.
        wait_until("a publish to succeed after the Redis restart",
                   lambda: api(1, "publish", {"channel": ch, "data": {"k": 1}}), timeout=30,
                   every=0.5)
        back = time.monotonic() - t0
        # A subscriber either stays subscribed (and gets offset 2 live) or is told to
        # resubscribe (unsubscribe 2500) or reconnect: then it recovers from offset 1, as an
        # SDK would.
        outcomes = []
        for i, c in enumerate(clients):
            def settled():
                return [1, 2] == sorted(set(c.offsets(ch))) or c.closed or ch in c.unsubscribed
            wait_until(f"node {c.node + 1}: publication 2 or a word about the interruption",
                       settled, timeout=15)
            if [1, 2] == sorted(set(c.offsets(ch))):
                outcomes.append("live")
                continue
            told = (f"close {c.closed[0]}" if c.closed else
                    f"unsubscribe {c.unsubscribed[ch].get('code')}")
            c.close()
            c = clients[i] = Client(c.node, c.user)
            res = c.subscribe(ch, recover_from=(1, epoch))
            assert res.get("recovered") is True, f"node {c.node + 1}: not recovered: {res}"
            assert c.offsets(ch) == [2], f"node {c.node + 1}: recovered {c.offsets(ch)}"
            outcomes.append(f"{told}, recovered")
    return (f"Redis back and publishing after {back:.1f}s; subscribers on nodes 1..{len(NODES)}: "
            f"{'; '.join(outcomes)}")


# --- channel state events: occupied/vacated alternate per channel, match reality, survive faults
def receiver_events():
    """Every event the recorder (tests/support/state_receiver.py) answered with success, in
    arrival order; what it was told to fail does not count as delivered."""
    with urllib.request.urlopen(f"{RECEIVER}/requests", timeout=5) as r:
        requests = json.loads(r.read())
    return [dict(ev, received_ms=req["received_ms"]) for req in requests
            if req.get("mode") == "ok" and isinstance(req.get("body"), dict)
            for ev in req["body"].get("events", [])]


def state_events_by_channel(channels):
    """The recorded events of these channels in arrival order, redeliveries (an event whose
    `gen` was seen already) dropped; also how many were dropped."""
    per, seen, dropped = {ch: [] for ch in channels}, set(), 0
    for ev in receiver_events():
        ch = ev.get("channel")
        if ch not in per:
            continue
        key = (ch, ev.get("gen"))
        if ev.get("gen") is not None and key in seen:
            dropped += 1
            continue
        seen.add(key)
        per[ch].append(ev)
    return per, dropped


def check_state_invariants(channels_now):
    """channels_now: {channel: someone subscribed now?}. Per channel: types strictly alternate
    starting with occupied, gens (when sent) are consecutive, and the last event matches who
    is subscribed now. Returns a summary or raises."""
    per, dropped = state_events_by_channel(channels_now)
    problems = []
    for ch, now in channels_now.items():
        types = [e.get("type") for e in per[ch]]
        want = ["occupied" if k % 2 == 0 else "vacated" for k in range(len(types))]
        if types != want:
            problems.append(f"{ch}: {types} do not alternate from occupied")
        gens = [e.get("gen") for e in per[ch]]
        if gens and None not in gens and gens != list(range(gens[0], gens[0] + len(gens))):
            problems.append(f"{ch}: gens {gens} are not consecutive")
        if (types[-1:] == ["occupied"]) != now:
            problems.append(f"{ch}: last event {types[-1:] or 'none'} but "
                            f"{'someone is' if now else 'nobody is'} subscribed")
    if problems:
        raise AssertionError("; ".join(problems))
    total = sum(len(v) for v in per.values())
    return (f"{total} events on {len(channels_now)} channels alternate and match who is "
            f"subscribed ({dropped} redeliveries dropped)")


def quiet():
    """Long enough for a vacated to be decided and delivered after the last change."""
    time.sleep(VACATED_DELAY + 2.0)


@scenario("state_events_single_node", needs=("solo",))
def state_events_single_node():
    """Channel state events of one node on the memory engine: occupied once for two
    subscribers, vacated after the delay, nothing for a resubscribe within the delay,
    vacated when the last subscriber's connection goes."""
    chs = {k: f"chat:solo-{k}-{RUN}" for k in ("stay", "leave", "back", "pair", "gone")}
    a, b, c = Client(SOLO, "solo-a"), Client(SOLO, "solo-b"), Client(SOLO, "solo-c")
    try:
        a.subscribe(chs["stay"])
        a.subscribe(chs["leave"]); a.unsubscribe(chs["leave"])
        a.subscribe(chs["back"]); a.unsubscribe(chs["back"]); a.subscribe(chs["back"])
        a.subscribe(chs["pair"]); b.subscribe(chs["pair"])
        b.unsubscribe(chs["pair"]); a.unsubscribe(chs["pair"])
        c.subscribe(chs["gone"])
        c.close()
        quiet()
        res = check_state_invariants(subscribed_now([a, b, c], chs.values()))
        per, _ = state_events_by_channel(chs.values())
        got = {k: [e["type"] for e in per[ch]] for k, ch in chs.items()}
        want = {"stay": ["occupied"], "leave": ["occupied", "vacated"], "back": ["occupied"],
                "pair": ["occupied", "vacated"], "gone": ["occupied", "vacated"]}
        assert got == want, f"events per channel {got}, expected {want}"
        return f"{res}; sequences as expected"
    finally:
        a.close()
        b.close()


@scenario("state_events_basic", needs=("cluster", "state"))
def state_events_basic():
    chs = [f"chat:state-{RUN}-{k}" for k in range(3)]
    a, b = Client(0, "sa"), Client(1, "sb")
    try:
        a.subscribe(chs[0]); b.subscribe(chs[0])          # two nodes, one occupied
        a.subscribe(chs[1]); a.unsubscribe(chs[1])          # vacated after the delay
        b.subscribe(chs[2]); b.unsubscribe(chs[2]); b.subscribe(chs[2])  # resubscribe in the delay
        quiet()
        res = check_state_invariants({chs[0]: True, chs[1]: False, chs[2]: True})
        per, _ = state_events_by_channel(chs)
        types = {ch: [e["type"] for e in per[ch]] for ch in chs}
        assert types[chs[0]] == ["occupied"], f"two nodes, one channel: {types[chs[0]]}"
        assert types[chs[1]] == ["occupied", "vacated"], f"subscribe, unsubscribe: {types[chs[1]]}"
        assert types[chs[2]] == ["occupied"], f"resubscribe within the delay: {types[chs[2]]}"
        return res
    finally:
        a.close(); b.close()
        quiet()


@scenario("state_events_node_kill", needs=("cluster", "state"))
def state_events_node_kill():
    ctl = control()
    chs = [f"chat:kill-{RUN}-{k}" for k in range(3)]
    victim, witness = Client(2, "victim"), Client(0, "witness")
    for ch in chs:
        victim.subscribe(ch)
    witness.subscribe(chs[0])                               # stays occupied through the kill
    quiet()
    t0 = time.monotonic()
    ctl.node(2).kill()                                      # SIGKILL: no goodbye
    try:
        def vacated():
            evs = [e for e in receiver_events() if e.get("channel") in chs[1:]]
            return all(any(e["type"] == "vacated" for e in evs if e["channel"] == ch) for ch in chs[1:])
        wait_until("vacated for the killed node's channels", vacated,
                   timeout=NODE_LEASE + VACATED_DELAY + 20, every=0.5)
        took = time.monotonic() - t0
        quiet()
        res = check_state_invariants({chs[0]: True, chs[1]: False, chs[2]: False})
    finally:
        witness.close()
        ctl.node(2).start()
        wait_healthy(2)
        quiet()
    return f"vacated {took:.1f}s after kill -9 (lease {NODE_LEASE}s + delay {VACATED_DELAY}s); {res}"


def subscribed_now(clients, channels):
    """{channel: someone is subscribed} from the clients' own view."""
    return {ch: any(c.closed is None and ch in c.subscribed for c in clients) for ch in channels}


def state_through_isolation(what, isolate, rejoin):
    """A node (3) holds the only subscriber of a channel and is isolated beyond its lease:
    the channel must be vacated meanwhile; after it rejoins, the last event must match whether
    its client is still subscribed (occupied again) or was dropped."""
    ch = f"chat:{what}-{RUN}"
    c = Client(2, what)
    c.subscribe(ch)
    quiet()
    away = 2 * NODE_LEASE + VACATED_DELAY + 2
    isolate()
    try:
        time.sleep(away)
        evs = [e["type"] for e in receiver_events() if e.get("channel") == ch]
        assert evs[-1:] == ["vacated"], f"after {away:.0f}s isolated the events are {evs}"
    finally:
        rejoin()
    wait_healthy(2)
    quiet()
    try:
        now = subscribed_now([c], [ch])
        return (f"node 3 isolated {away:.0f}s (> lease {NODE_LEASE}s): vacated; back, its client "
                f"{'still subscribed' if now[ch] else 'dropped'}; {check_state_invariants(now)}")
    finally:
        c.close()
        quiet()


@scenario("state_events_node_pause", needs=("cluster", "state"))
def state_events_node_pause():
    node = control().node(2)
    return state_through_isolation("pause", node.pause, node.unpause)


@scenario("state_events_node_cut_from_redis", needs=("cluster", "state"))
def state_events_node_cut_from_redis():
    ctl = control()
    node = ctl.node(2)
    net = ctl.backend_network(node)
    return state_through_isolation("cut", lambda: net.disconnect(node),
                                   lambda: net.connect(node, aliases=["herald3"]))


@scenario("state_events_redis_restart", needs=("cluster", "state"))
def state_events_redis_restart():
    ctl = control()
    chs = [f"chat:rr-{RUN}-{k}" for k in range(4)]
    cs = [Client(0, "rr0"), Client(1, "rr1")]
    try:
        cs[0].subscribe(chs[0])
        cs[1].subscribe(chs[1])
        cs[1].subscribe(chs[2])
        quiet()
        ctl.container("redis").restart(timeout=10)
        wait_until("publish to work again after the Redis restart",
                   lambda: api(0, "publish", {"channel": f"probe-{RUN}", "data": {}}),
                   timeout=30, every=0.5)
        if cs[1].closed is None:
            wait_until("an unsubscribe after the restart", lambda: cs[1].unsubscribe(chs[2]) or True)
        cs.append(Client(2, "rr2"))
        cs[2].subscribe(chs[3])
        quiet()
        quiet()
        return check_state_invariants(subscribed_now(cs, chs))
    finally:
        for c in cs:
            c.close()
        quiet()


# ----------------------------------------------------------------------------- main
def main():
    print(f"cluster-tests: {len(NODES)} nodes {NODES}, engine {ENGINE}, state events "
          f"{'on' if STATE_EVENTS else 'off'}, control {CONTROL}, run {RUN}", flush=True)
    for i in range(len(NODES)):
        wait_healthy(i, timeout=60)
    results, t_all = [], time.monotonic()
    for name, needs, fn in SCENARIOS:
        t0 = time.monotonic()
        print(f"== {name}", flush=True)
        try:
            if ONLY and name not in ONLY:
                raise Skip("not in CLUSTER_ONLY")
            reasons = [r for r in map(missing, needs) if r]
            if reasons:
                raise Skip("; ".join(reasons))
            detail = fn() or ""
            status = "PASSED"
        except Skip as s:
            status, detail = "SKIPPED", str(s)
        except Exception as e:
            status, detail = "FAILED", f"{type(e).__name__}: {e}"
            traceback.print_exc()
        took = time.monotonic() - t0
        print(f"   {status} ({took:.1f}s) {detail}", flush=True)
        results.append((name, status, took, detail))
    print("\n== cluster-tests summary")
    for name, status, took, detail in results:
        print(f"  {status:<8} {took:6.1f}s  {name}: {detail}")
    count = {s: sum(1 for r in results if r[1] == s) for s in ("PASSED", "FAILED", "SKIPPED")}
    print(f"  total {time.monotonic() - t_all:.1f}s")
    print(f"cluster-tests: {count['PASSED']} passed, {count['FAILED']} failed, {count['SKIPPED']} skipped")
    return 1 if count["FAILED"] or not count["PASSED"] else 0


if __name__ == "__main__":
    sys.exit(main())
