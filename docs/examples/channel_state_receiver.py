# A minimal backend for Herald's channel state events (Flask; Debian: python3-flask).
#
# Configure Herald with
#   "channel": {"proxy": {"state": {"endpoint": "http://localhost:3000/centrifugo/channel_events"}},
#               "namespaces": [{"name": "chat", "presence": true, "state_proxy_enabled": true}]}
# and run:  python3 docs/examples/channel_state_receiver.py
#
# Herald POSTs batches {"events": [{"channel", "type", "time_ms", ...}]}. Answering
# {"result": {}} with status 200 acknowledges the whole batch; anything else (another status,
# an "error" object, no answer in time) makes Herald send the same batch again later.
# Events also carry "gen", "id" and, on vacated, "reason": see proto/state/README.md.
from flask import Flask, request, jsonify

app = Flask(__name__)


@app.route('/centrifugo/channel_events', methods=['POST'])
def channel_events():
    payload = request.get_json()
    for event in payload.get('events', []):
        channel = event['channel']
        kind = event['type']
        time_ms = event['time_ms']
        if kind == 'occupied':
            # The channel got its first subscriber: set things up for it.
            print(f'Channel {channel} occupied at {time_ms}')
        elif kind == 'vacated':
            # Its last subscriber left (and nobody came back within the delay): clean up.
            print(f'Channel {channel} vacated at {time_ms}')
    return jsonify({'result': {}})


if __name__ == '__main__':
    app.run(port=3000)
