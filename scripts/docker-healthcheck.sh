#!/bin/bash
# The image's HEALTHCHECK: GET /health on the node's own port with bash alone (the runtime
# image has no curl). Port and path follow HERALD_HTTP_SERVER_PORT and
# HERALD_HEALTH_HANDLER_PREFIX when they are set, as herald itself does.
set -u
port=${HERALD_HTTP_SERVER_PORT:-8000}
path=${HERALD_HEALTH_HANDLER_PREFIX:-/health}
exec 3<>"/dev/tcp/127.0.0.1/${port}" || exit 1
printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$path" >&3
read -r -t 2 status_line <&3 || exit 1
case "$status_line" in
  "HTTP/1."?" 200 "*) exit 0 ;;
  *) echo "unhealthy: ${status_line}" >&2; exit 1 ;;
esac
