#!/usr/bin/env bash
# Side-by-side end-to-end figures: Apache Kafka 4.4 and Fjord on this machine, measured with Kafka's own perf tools
# (../shared/bench/anchor-kafka). Not part of `mvn verify`: it takes a few minutes and wants a quiet machine.
#   bench/anchor-compare.sh            (env: ANCHOR=path to anchor-kafka, FJORD_PORT=29092, PRODUCER_PROPS=...)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ANCHOR="${ANCHOR:-$ROOT/../shared/bench/anchor-kafka}"
FJORD_PORT="${FJORD_PORT:-29092}"
export PRODUCER_PROPS="${PRODUCER_PROPS:-enable.idempotence=false}"
DATA="$(mktemp -d)"
cleanup() { [ -n "${FJ_PID:-}" ] && kill "$FJ_PID" 2>/dev/null && wait "$FJ_PID" 2>/dev/null; rm -rf "$DATA"; "$ANCHOR/stop-kafka.sh" >/dev/null 2>&1 || true; }
trap cleanup EXIT

"$ANCHOR/fetch.sh" >/dev/null
echo "== Apache Kafka"
"$ANCHOR/start-kafka.sh"
"$ANCHOR/bench.sh" || true
"$ANCHOR/stop-kafka.sh"

echo "== Fjord"
FJORD_HEAP_OPTS="${FJORD_HEAP_OPTS:--Xmx1G -Xms1G}" "$ROOT/bin/fjord" server \
  --override "listeners=PLAINTEXT://127.0.0.1:$FJORD_PORT" --override "log.dirs=$DATA" \
  --override group.initial.rebalance.delay.ms=0 > "$DATA.log" 2>&1 &
FJ_PID=$!
BROKER_PID=$FJ_PID "$ANCHOR/bench.sh" "127.0.0.1:$FJORD_PORT" || true
echo "Fjord RSS: $(awk '/VmRSS|VmHWM/{printf "%s %d MB  ", $1, $2/1024}' /proc/$FJ_PID/status)"
