# Herald image: build on Debian bookworm, run on a slim bookworm with only the shared
# libraries `herald` links.
#
#   docker build -t herald .                      # with network access: debian:bookworm-slim
#   scripts/docker-build-offline.sh               # no registry: a debootstrapped base (BASE=)
#   docker run --rm -p 8000:8000 -e HERALD_HTTP_API_KEY=secret herald
#
# Needs BuildKit (Docker 23+ with buildx, or DOCKER_BUILDKIT=1 on 18.09-22.x): ccache lives
# in a cache mount and survives between builds. The legacy builder refuses `RUN --mount`
# ("the --mount option requires BuildKit"); scripts/docker-build-offline.sh then feeds it
# this same file with the `--mount=...` flags removed (a plain build, no compiler cache).
ARG BASE=debian:bookworm-slim

FROM ${BASE} AS build
ENV DEBIAN_FRONTEND=noninteractive
# The build subset of scripts/install-deps.sh (no tests, fuzzers or redis-server);
# scripts/docker-build-offline.sh checks that every name here is also listed there.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      cmake g++ make pkg-config ccache \
      libcaf-dev libboost-dev libboost-system-dev \
      libhiredis-dev libmsgpack-cxx-dev \
      libprotobuf-dev protobuf-compiler libgrpc++-dev protobuf-compiler-grpc \
      libssl-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev \
      ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# tests/, docs/, bench/ and the rest are left out by .dockerignore: `herald` alone is built.
COPY . .
ARG JOBS=2
ENV CCACHE_DIR=/root/.ccache CCACHE_BASEDIR=/src CCACHE_MAXSIZE=2G
RUN --mount=type=cache,target=/root/.ccache \
    cmake -S . -B /build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHERALD_BUILD_TESTS=OFF >/dev/null \
 && cmake --build /build --target herald -j"${JOBS}" \
 && (ccache -s | grep -Ei 'hits|misses' || true)
# The runtime gets a stripped binary; its debug info stays here (/out/herald.debug, linked by
# .gnu_debuglink): `docker build --target build` and copy it out to debug a core.
# runtime-packages.txt: the Debian packages owning the libraries `ldd` finds (not the -dev
# ones), so the runtime stage follows whatever the build links today. With merged /usr, dpkg
# knows a library under the path its package shipped (/lib/... or /usr/lib/...), whichever
# ldd printed: both are asked; a library no package owns fails the build.
RUN mkdir -p /out \
 && objcopy --only-keep-debug /build/cmd/herald /out/herald.debug \
 && objcopy --strip-debug --add-gnu-debuglink=/out/herald.debug /build/cmd/herald /out/herald \
 && for lib in $(ldd /out/herald | awk '$3 ~ /^\// {print $3}'); do \
      dpkg -S "$lib" 2>/dev/null || dpkg -S "/usr${lib}" 2>/dev/null \
        || dpkg -S "${lib#/usr}" 2>/dev/null || { echo "no package owns $lib" >&2; exit 1; }; \
    done | cut -d: -f1 | sort -u > /out/runtime-packages.txt \
 && echo "runtime packages:" $(cat /out/runtime-packages.txt) \
 && /out/herald version

FROM ${BASE} AS runtime
ENV DEBIAN_FRONTEND=noninteractive
COPY --from=build /out/runtime-packages.txt /usr/share/herald/runtime-packages.txt
RUN apt-get update \
 && xargs -a /usr/share/herald/runtime-packages.txt \
      apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 herald \
 && useradd --system --uid 10001 --gid herald --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin herald \
 && mkdir -p /etc/herald
COPY --from=build /out/herald /usr/local/bin/herald
COPY scripts/docker-healthcheck.sh /usr/local/bin/herald-healthcheck
# The image's default config: health on, port 8000. Everything else comes from HERALD_*
# variables (HERALD_HTTP_API_KEY, HERALD_ENGINE_TYPE=redis, ...) or a file mounted over it.
RUN printf '%s\n' '{' \
      '  "http_server": {"port": 8000},' \
      '  "health": {"enabled": true},' \
      '  "log": {"level": "info"}' \
      '}' > /etc/herald/config.json \
 && herald checkconfig -c /etc/herald/config.json
USER herald:herald
EXPOSE 8000
STOPSIGNAL SIGTERM
# herald drains within shutdown.timeout (30s by default): give `docker stop` as long
# (`docker stop -t 35`, compose `stop_grace_period: 35s`).
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
  CMD ["herald-healthcheck"]
ENTRYPOINT ["herald"]
CMD ["-c", "/etc/herald/config.json"]
