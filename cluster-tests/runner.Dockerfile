# The cluster-tests image: its Redis, the webhook recorder and the runner. Debian's
# redis-server and python3 with websocket-client, Flask and the Docker SDK (to kill, pause
# and disconnect nodes through the mounted /var/run/docker.sock). The suite itself is mounted
# at /suite, so editing it rebuilds nothing.
# Built by scripts/docker-build-offline.sh with BASE= its debootstrapped bookworm.
ARG BASE=debian:bookworm-slim
FROM ${BASE}
ENV DEBIAN_FRONTEND=noninteractive PYTHONUNBUFFERED=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      python3 python3-websocket python3-flask python3-docker redis-server \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /suite
CMD ["python3", "/suite/suite.py"]
