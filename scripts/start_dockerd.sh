#!/usr/bin/env bash
# Start (or stop) a Docker engine for agentrl's docker sandbox backend and its tests.
#
#   scripts/start_dockerd.sh          start dockerd in the background, wait for `docker info`
#   scripts/start_dockerd.sh stop     stop the dockerd this script started (by its pid file)
#
# dockerd runs with --iptables=false --bridge=none: sandboxes use network_mode=none, so no
# bridge or NAT is needed, and this works inside containers without iptables.
# Needs Debian's docker.io (apt-get install -y docker.io) and root.
set -euo pipefail

STATE_DIR="${AGENTRL_DOCKERD_DIR:-/tmp/agentrl-dockerd}"
PID_FILE="$STATE_DIR/dockerd.pid"
LOG_FILE="$STATE_DIR/dockerd.log"
WAIT_S="${AGENTRL_DOCKERD_WAIT_S:-60}"

start() {
    if docker info >/dev/null 2>&1; then
        echo "start_dockerd: a Docker engine already answers; leaving it alone"
        return 0
    fi
    command -v dockerd >/dev/null || { echo "start_dockerd: dockerd not found (apt-get install -y docker.io)" >&2; exit 1; }
    mkdir -p "$STATE_DIR"
    nohup dockerd --iptables=false --bridge=none --pidfile "$STATE_DIR/dockerd.internal.pid" \
        >"$LOG_FILE" 2>&1 &
    echo $! >"$PID_FILE"
    for _ in $(seq "$WAIT_S"); do
        if docker info >/dev/null 2>&1; then
            echo "start_dockerd: engine up (pid $(cat "$PID_FILE"), log $LOG_FILE)"
            return 0
        fi
        if ! kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
            echo "start_dockerd: dockerd exited; last log lines:" >&2
            tail -n 20 "$LOG_FILE" >&2
            exit 1
        fi
        sleep 1
    done
    echo "start_dockerd: docker info did not answer within ${WAIT_S}s; see $LOG_FILE" >&2
    exit 1
}

stop() {
    if [[ ! -f "$PID_FILE" ]]; then
        echo "start_dockerd: no pid file at $PID_FILE; nothing to stop"
        return 0
    fi
    pid="$(cat "$PID_FILE")"
    if kill -0 "$pid" 2>/dev/null; then
        # Remove agentrl sandboxes first so that no container outlives the engine's stop.
        ids="$(docker ps -aq --filter label=agentrl.sandbox=1 2>/dev/null || true)"
        [[ -n "$ids" ]] && docker rm -f $ids >/dev/null 2>&1 || true
        kill "$pid"
        for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    fi
    rm -f "$PID_FILE"
    echo "start_dockerd: stopped"
}

case "${1:-start}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac
