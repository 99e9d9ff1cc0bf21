#!/usr/bin/env bash
# Replication figures, side by side: a three-node Apache Kafka 4.4 cluster and a three-node Fjord cluster on this
# machine (every node broker+controller, a static 3-voter quorum), measured with Kafka's own ProducerPerformance
# and a fail-over probe (bench/cluster/FailoverProbe.java). Not part of `mvn verify`: minutes long, wants a quiet box.
#   bench/cluster-compare.sh                  (see bench/README.md, "Three-node comparison", for what it measures)
# Knobs (env): NUM_RECORDS=2000000 RECORD_SIZE=100 PARTITIONS=6 WARMUP_RECORDS=NUM_RECORDS/4 FAILOVER_ROUNDS=5
#   CLUSTERS="kafka fjord"  SESSION_TIMEOUT_MS=6000 HEARTBEAT_MS=500 (broker.session.timeout.ms and
#   broker.heartbeat.interval.ms, the same on both)  KAFKA_HEAP_OPTS / FJORD_HEAP_OPTS ("-Xmx1G -Xms1G" per node)
#   KAFKA_BASE_PORT=19092 FJORD_BASE_PORT=29092 (first of 6 ports; moved up past ports in use)
#   STEP_TIMEOUT=600 START_TIMEOUT=120 ISR_TIMEOUT=180 FAILOVER_TIMEOUT=120 (seconds)  KEEP_DATA=0
#   ANCHOR (../shared/bench/anchor-kafka: fetch.sh brings the Kafka jars)  ANCHOR_HOME (~/.cache/anchor-kafka)
#   RESULTS_DIR ($ANCHOR_HOME/results/cluster-<timestamp>: raw tool output, node logs, figures, table.txt)
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
HERE="$ROOT/bench/cluster"
ANCHOR="${ANCHOR:-$ROOT/../shared/bench/anchor-kafka}"
ANCHOR_HOME="${ANCHOR_HOME:-$HOME/.cache/anchor-kafka}"
LIB="$ANCHOR_HOME/lib"
JAVA="${JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/}java}"
NUM_RECORDS="${NUM_RECORDS:-2000000}"
RECORD_SIZE="${RECORD_SIZE:-100}"
PARTITIONS="${PARTITIONS:-6}"
WARMUP_RECORDS="${WARMUP_RECORDS:-$((NUM_RECORDS / 4))}"
FAILOVER_ROUNDS="${FAILOVER_ROUNDS:-5}"
CLUSTERS="${CLUSTERS:-kafka fjord}"
SESSION_TIMEOUT_MS="${SESSION_TIMEOUT_MS:-6000}"
HEARTBEAT_MS="${HEARTBEAT_MS:-500}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx1G -Xms1G}"
FJORD_HEAP_OPTS="${FJORD_HEAP_OPTS:--Xmx1G -Xms1G}"
# The JVM flags of Kafka's bin/kafka-run-class.sh; the perf tools get -Xmx512M like bin/kafka-producer-perf-test.sh.
KAFKA_JVM_PERFORMANCE_OPTS="${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true}"
TOOLS_HEAP_OPTS="${TOOLS_HEAP_OPTS:--Xmx512M}"
KAFKA_BASE_PORT="${KAFKA_BASE_PORT:-19092}"
FJORD_BASE_PORT="${FJORD_BASE_PORT:-29092}"
STEP_TIMEOUT="${STEP_TIMEOUT:-600}"
START_TIMEOUT="${START_TIMEOUT:-120}"
ISR_TIMEOUT="${ISR_TIMEOUT:-180}"
FAILOVER_TIMEOUT="${FAILOVER_TIMEOUT:-120}"
RESULTS_DIR="${RESULTS_DIR:-$ANCHOR_HOME/results/cluster-$(date +%Y%m%d-%H%M%S)}"
CLK_TCK="$(getconf CLK_TCK)"

die() { echo "error: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*"; }
now_ms() { date +%s%3N; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ---- every process started here is tracked, and killed at exit -------------------------------------------------
declare -A NODE_PID=()      # node id -> pid of the current cluster's node
PROBE_PID=""
stop_pid() {  # stop_pid PID: SIGTERM, up to 30 s, then SIGKILL
  local pid="$1"
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && { echo "  pid $pid still alive after 30 s: SIGKILL"; kill -KILL "$pid" 2>/dev/null; }
  wait "$pid" 2>/dev/null
  return 0
}
stop_cluster() {
  [ -n "$PROBE_PID" ] && { kill -KILL "$PROBE_PID" 2>/dev/null; wait "$PROBE_PID" 2>/dev/null; PROBE_PID=""; }
  local id
  for id in "${!NODE_PID[@]}"; do kill -TERM "${NODE_PID[$id]}" 2>/dev/null; done   # all three at once, then wait
  for id in "${!NODE_PID[@]}"; do stop_pid "${NODE_PID[$id]}"; done
  NODE_PID=()
}
cleanup() {
  trap - EXIT INT TERM
  stop_cluster
  if [ "${KEEP_DATA:-0}" != 1 ]; then rm -rf "$RESULTS_DIR"/*/node-*/data; fi
}
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM

# tool SECONDS MAIN_CLASS ARGS...: a Kafka tool class from the anchor's jars, bounded, WARN logging to stderr.
tool() {
  local secs="$1"; shift
  # shellcheck disable=SC2086
  timeout --kill-after=10 "$secs" "$JAVA" $TOOLS_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS \
    -Dlog4j2.configurationFile="$HERE/log4j2-tools.properties" -cp "$LIB/*" "$@"
}

# free_ports BASE: six ports from BASE up (the first six free, counting in pairs: client, controller per node).
free_ports() {
  local p="$1" out=() tries=0
  while [ ${#out[@]} -lt 6 ] && [ $tries -lt 200 ]; do
    if ! port_open "$p" && ! port_open $((p + 1)); then out+=("$p" $((p + 1))); fi
    p=$((p + 2)); tries=$((tries + 1))
  done
  [ ${#out[@]} -eq 6 ] || die "no six free ports from $1"
  echo "${out[@]}"
}

cluster_cpu_ticks() {  # summed user+sys ticks of the three node JVMs
  local id sum=0 t
  for id in "${!NODE_PID[@]}"; do
    t=$(awk '{print $14+$15}' "/proc/${NODE_PID[$id]}/stat" 2>/dev/null || echo 0); sum=$((sum + t))
  done
  echo "$sum"
}

# ---- cluster definitions: props file, start command, readiness ----------------------------------------------------
# write_props KIND ID DIR: the Kafka-style properties of node ID (the same keys for both, see config/kraft/).
write_props() {
  local kind="$1" id="$2" dir="$3" voters="" i
  for i in 1 2 3; do voters+="${voters:+,}$i@127.0.0.1:${CTRL_PORT[$i]}"; done
  mkdir -p "$dir/data"
  cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=$id
controller.quorum.voters=$voters
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:${CLIENT_PORT[$id]},CONTROLLER://127.0.0.1:${CTRL_PORT[$id]}
advertised.listeners=PLAINTEXT://127.0.0.1:${CLIENT_PORT[$id]}
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=1
default.replication.factor=3
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
group.initial.rebalance.delay.ms=0
broker.session.timeout.ms=$SESSION_TIMEOUT_MS
broker.heartbeat.interval.ms=$HEARTBEAT_MS
PROPS
  if [ "$kind" = kafka ]; then
    printf 'num.network.threads=3\nnum.io.threads=8\n' >> "$dir/server.properties"
  fi
}

declare -A START_COUNT=()
# start_node KIND ID: starts node ID of the cluster in $CDIR (props already written); its log goes to a new file.
start_node() {
  local kind="$1" id="$2" dir="$CDIR/node-$2" n
  n=$(( ${START_COUNT[$id]:-0} + 1 )); START_COUNT[$id]=$n
  local logs="$dir/logs.$n"; mkdir -p "$logs"
  if [ "$kind" = kafka ]; then
    # shellcheck disable=SC2086
    nohup "$JAVA" $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS -Dkafka.logs.dir="$logs" \
      -Dlog4j2.configurationFile="$HERE/log4j2-broker.properties" \
      -cp "$LIB/*" kafka.Kafka "$dir/server.properties" > "$logs/stdout.log" 2>&1 < /dev/null &
  else
    FJORD_HEAP_OPTS="$FJORD_HEAP_OPTS" nohup "$ROOT/bin/fjord" server "$dir/server.properties" \
      > "$logs/stdout.log" 2>&1 < /dev/null &
  fi
  NODE_PID[$id]=$!
  NODE_LOGS[$id]="$logs"
}
declare -A NODE_LOGS=()

# wait_node KIND ID: until its client port is open (and, for Kafka, "Kafka Server started" is logged).
wait_node() {
  local kind="$1" id="$2" t0; t0=$(now_ms)
  local deadline=$(( t0 + START_TIMEOUT * 1000 ))
  while [ "$(now_ms)" -lt $deadline ]; do
    if ! kill -0 "${NODE_PID[$id]}" 2>/dev/null; then
      echo "error: $kind node $id (pid ${NODE_PID[$id]}) exited during start; last log lines:" >&2
      tail -n 30 "${NODE_LOGS[$id]}"/*.log >&2 2>/dev/null; exit 1
    fi
    if port_open "${CLIENT_PORT[$id]}" && { [ "$kind" != kafka ] ||
         grep -q "Kafka Server started" "${NODE_LOGS[$id]}/server.log" 2>/dev/null; }; then
      echo $(( $(now_ms) - t0 )); return 0
    fi
    sleep 0.1
  done
  echo "error: $kind node $id not up after $START_TIMEOUT s; logs in ${NODE_LOGS[$id]}" >&2; exit 1
}

# ---- measurements -------------------------------------------------------------------------------------------------
# create_topic NAME RF: retried until the cluster has enough unfenced brokers (bounded by START_TIMEOUT).
create_topic() {
  local name="$1" rf="$2" deadline; deadline=$(( $(now_ms) + START_TIMEOUT * 1000 ))
  local extra=(); [ "$rf" -gt 1 ] && extra=(--config min.insync.replicas=2)
  while :; do
    if tool 60 org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOT" --create --if-not-exists \
         --topic "$name" --partitions "$PARTITIONS" --replication-factor "$rf" "${extra[@]}" \
         >> "$CDIR/topics.out" 2>> "$CDIR/topics.err"; then
      return 0
    fi
    [ "$(now_ms)" -lt "$deadline" ] || { tail -5 "$CDIR/topics.err" >&2; die "could not create topic $name (RF $rf)"; }
    sleep 1
  done
}

# produce NAME TOPIC RECORDS: ProducerPerformance; appends NAME.{records_s,p99_ms,cpu_s_per_M,...} to figures.
produce() {
  local name="$1" topic="$2" n="$3" c0 c1 t0 rc line
  c0=$(cluster_cpu_ticks); t0=$(now_ms)
  tool "$STEP_TIMEOUT" org.apache.kafka.tools.ProducerPerformance --bootstrap-server "$BOOT" --topic "$topic" \
    --num-records "$n" --record-size "$RECORD_SIZE" --throughput -1 \
    --command-property acks=all linger.ms=5 batch.size=65536 \
    > "$CDIR/$name.out" 2> "$CDIR/$name.err"; rc=$?
  c1=$(cluster_cpu_ticks)
  local wall=$(( $(now_ms) - t0 ))
  line="$(grep '99.9th' "$CDIR/$name.out" | tail -1)"
  if [ $rc -ne 0 ] || [ -z "$line" ]; then
    echo "  $name: FAILED rc=$rc after $wall ms (124 = timeout); see $CDIR/$name.{out,err}" >&2
    tail -5 "$CDIR/$name.err" >&2
    echo "$name.records_s=FAILED" >> "$FIG"; return 1
  fi
  # "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, P50 ms 50th, P95 ms 95th, P99 ms 99th, P999 ms 99.9th."
  echo "$line" | sed -E 's/[(),]//g' | awk -v n="$name" -v a="$c0" -v b="$c1" -v t="$CLK_TCK" -v w="$wall" \
    '{ cpu = (b - a) / t;
       printf "%s.sent=%s\n%s.records_s=%.0f\n%s.MB_s=%.2f\n%s.p50_ms=%s\n%s.p99_ms=%s\n%s.wall_ms=%s\n",
              n, $1, n, $4, n, $6, n, $16, n, $22, n, w;
       printf "%s.cpu_s=%.1f\n%s.cpu_s_per_M=%.2f\n", n, cpu, n, cpu / ($1 / 1e6) }' >> "$FIG"
  log "  $name: $line  cluster CPU $(grep "^$name.cpu_s=" "$FIG" | cut -d= -f2) s"
}

status_field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" "$CDIR/probe.status" 2>/dev/null; }

# wait_isr_full SECONDS: until a probe status taken after now shows a leader and every replica of topic failover in its ISR.
wait_isr_full() {
  local since; since=$(now_ms)
  local deadline=$(( since + $1 * 1000 ))
  while [ "$(now_ms)" -lt $deadline ]; do
    kill -0 "$PROBE_PID" 2>/dev/null || die "fail-over probe exited; see $CDIR/probe.err"
    local asof; asof=$(status_field asof)
    if [ -n "$asof" ] && [ "$asof" -gt "$since" ] && [ "$(status_field isr_full)" = 1 ] \
       && [ "$(status_field leader)" -ge 0 ] 2>/dev/null; then
      echo $(( $(now_ms) - since )); return 0
    fi
    sleep 0.2
  done
  return 1
}

failover() {
  local kind="$1" r
  rm -f "$CDIR/probe.marker" "$CDIR/probe.status"
  "$JAVA" -Xmx256M -Dlog4j2.configurationFile="$HERE/log4j2-tools.properties" -cp "$LIB/*" \
    "$HERE/FailoverProbe.java" --bootstrap "$BOOT" --topic failover --interval-ms 5 \
    --status "$CDIR/probe.status" --marker "$CDIR/probe.marker" --max-seconds 3600 \
    > "$CDIR/probe.out" 2> "$CDIR/probe.err" < /dev/null &
  PROBE_PID=$!
  wait_isr_full "$ISR_TIMEOUT" > /dev/null || die "fail-over probe: no leader / full ISR for topic failover after $ISR_TIMEOUT s"
  for r in $(seq 1 "$FAILOVER_ROUNDS"); do
    sleep 2   # let the probe's producer run steadily at the current leader before the kill
    local leader pid kill_ms res deadline
    leader=$(status_field leader)
    pid="${NODE_PID[$leader]:-}"
    [ -n "$pid" ] || die "fail-over: leader '$leader' of failover-0 is not a node of this run"
    kill_ms=$(now_ms)
    echo "$r $kill_ms $leader" > "$CDIR/probe.marker.tmp" && mv "$CDIR/probe.marker.tmp" "$CDIR/probe.marker"
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null
    deadline=$(( kill_ms + FAILOVER_TIMEOUT * 1000 )); res=""
    while [ "$(now_ms)" -lt $deadline ]; do
      res="$(grep "^ROUND $r " "$CDIR/probe.out")" && break
      kill -0 "$PROBE_PID" 2>/dev/null || die "fail-over probe exited; see $CDIR/probe.err"
      sleep 0.1
    done
    [ -n "$res" ] || { echo "round $r: no ack at a new leader within $FAILOVER_TIMEOUT s" >&2;
                       tail -3 "$CDIR/probe.status" >&2; die "fail-over round $r failed ($kind); logs in $CDIR"; }
    local ms; ms=$(echo "$res" | sed -n 's/.*failover_ms=\([0-9-]*\).*/\1/p')
    echo "failover.round$r.ms=$ms" >> "$FIG"
    # restart the killed node on its data and wait until it is back in every ISR of topic failover
    start_node "$kind" "$leader"
    local up isr
    up=$(wait_node "$kind" "$leader") || exit 1
    isr=$(wait_isr_full "$ISR_TIMEOUT") || die "node $leader not back in the ISR of topic failover after $ISR_TIMEOUT s ($kind); logs in ${NODE_LOGS[$leader]}"
    log "  fail-over round $r: killed leader $leader (pid $pid) -> ${res#ROUND $r }; restarted: up ${up} ms, full ISR after +${isr} ms"
  done
  local sorted; sorted=$(grep '^failover.round' "$FIG" | cut -d= -f2 | sort -n)
  local n; n=$(echo "$sorted" | wc -l)
  { echo "failover.median_ms=$(echo "$sorted" | awk -v n="$n" '{a[NR]=$1} END{ if (n%2) print a[(n+1)/2]; else print (a[n/2]+a[n/2+1])/2 }')"
    echo "failover.min_ms=$(echo "$sorted" | head -1)"; echo "failover.max_ms=$(echo "$sorted" | tail -1)"
    echo "failover.rounds=$n"; } >> "$FIG"
  kill -KILL "$PROBE_PID" 2>/dev/null; wait "$PROBE_PID" 2>/dev/null; PROBE_PID=""
}

run_cluster() {
  local kind="$1" base ports id
  CDIR="$RESULTS_DIR/$kind"; FIG="$CDIR/figures"; mkdir -p "$CDIR"; : > "$FIG"
  [ "$kind" = kafka ] && base=$KAFKA_BASE_PORT || base=$FJORD_BASE_PORT
  read -r -a ports <<< "$(free_ports "$base")"
  [ ${#ports[@]} -eq 6 ] || die "no six free ports from $base"
  CLIENT_PORT=([1]=${ports[0]} [2]=${ports[2]} [3]=${ports[4]})
  CTRL_PORT=([1]=${ports[1]} [2]=${ports[3]} [3]=${ports[5]})
  BOOT="127.0.0.1:${CLIENT_PORT[1]},127.0.0.1:${CLIENT_PORT[2]},127.0.0.1:${CLIENT_PORT[3]}"
  START_COUNT=()
  log "== $kind: three nodes, client ports ${CLIENT_PORT[*]}, controller ports ${CTRL_PORT[*]}; results $CDIR"
  for id in 1 2 3; do write_props "$kind" "$id" "$CDIR/node-$id"; done
  if [ "$kind" = kafka ]; then
    local cid; cid="$(tool 60 kafka.tools.StorageTool random-uuid)" || die "StorageTool random-uuid failed"
    for id in 1 2 3; do
      tool 60 kafka.tools.StorageTool format --config "$CDIR/node-$id/server.properties" --cluster-id "$cid" \
        > "$CDIR/node-$id/format.out" 2>&1 || { cat "$CDIR/node-$id/format.out" >&2; die "format of node $id failed"; }
    done
  fi
  local t0; t0=$(now_ms)
  for id in 1 2 3; do start_node "$kind" "$id"; done
  for id in 1 2 3; do wait_node "$kind" "$id" > /dev/null || exit 1; done
  create_topic bench 3
  log "  three nodes up, topic bench (RF 3) created $(( $(now_ms) - t0 )) ms after start"
  create_topic bench-rf1 1; create_topic bench-warmup 3; create_topic failover 3
  echo "heap=$([ "$kind" = kafka ] && echo "$KAFKA_HEAP_OPTS" || echo "$FJORD_HEAP_OPTS")" >> "$FIG"
  [ "$WARMUP_RECORDS" -gt 0 ] && { produce warmup bench-warmup "$WARMUP_RECORDS" || true; }
  produce rf3 bench "$NUM_RECORDS" || true
  produce rf1 bench-rf1 "$NUM_RECORDS" || true
  if [ "$FAILOVER_ROUNDS" -gt 0 ]; then failover "$kind"; fi
  for id in 1 2 3; do
    echo "node$id.rss=$(awk '/VmRSS/{printf "%d MB", $2/1024}' "/proc/${NODE_PID[$id]}/status" 2>/dev/null)" >> "$FIG"
  done
  stop_cluster
  log "  $kind stopped"
}

# ---- main -----------------------------------------------------------------------------------------------------------
[ -d "$HERE" ] || die "$HERE missing"
if ! ls "$LIB"/kafka-tools-*.jar > /dev/null 2>&1; then
  [ -x "$ANCHOR/fetch.sh" ] || die "Kafka jars not in $LIB and no $ANCHOR/fetch.sh to fetch them"
  "$ANCHOR/fetch.sh" || die "fetch of the Kafka jars failed"
fi
mkdir -p "$RESULTS_DIR" || die "cannot create $RESULTS_DIR"
case " $CLUSTERS " in *" fjord "*)   # bin/fjord builds a stale jar itself; do it once here, not in three nodes at once
  "$ROOT/bin/fjord" --version > /dev/null || die "Fjord build failed" ;; esac
exec > >(tee "$RESULTS_DIR/run.log") 2>&1
log "cluster-compare: records=$NUM_RECORDS x $RECORD_SIZE B, $PARTITIONS partitions, warm-up $WARMUP_RECORDS," \
    "acks=all linger.ms=5 batch.size=65536 (idempotent producer), fail-over rounds $FAILOVER_ROUNDS"
log "broker.session.timeout.ms=$SESSION_TIMEOUT_MS broker.heartbeat.interval.ms=$HEARTBEAT_MS on both clusters;" \
    "Kafka $(cat "$ANCHOR_HOME/VERSION" 2>/dev/null), $("$JAVA" -version 2>&1 | head -1); load: $(cut -d' ' -f1-3 /proc/loadavg)"
for c in $CLUSTERS; do
  case "$c" in kafka|fjord) run_cluster "$c" ;; *) die "unknown cluster '$c' (kafka, fjord)" ;; esac
done

fig() { sed -n "s/^$2=//p" "$RESULTS_DIR/$1/figures" 2>/dev/null | tail -1; }
row() {  # row LABEL KEY [DIRECTION]: Kafka, Fjord, Fjord/Kafka
  local k f; k=$(fig kafka "$2"); f=$(fig fjord "$2")
  awk -v l="$1" -v k="${k:--}" -v f="${f:--}" 'BEGIN{
    r = (k ~ /^[0-9.]+$/ && f ~ /^[0-9.]+$/ && k + 0 > 0) ? sprintf("%.2f", f / k) : "-";
    printf "%-40s %12s %12s %8s\n", l, k, f, r }'
}
ratio_fig() {  # rf3/rf1 throughput per cluster
  local c; for c in kafka fjord; do
    local a b; a=$(fig $c rf3.records_s); b=$(fig $c rf1.records_s)
    [ -f "$RESULTS_DIR/$c/figures" ] && awk -v a="$a" -v b="$b" 'BEGIN{ if (a+0 > 0 && b+0 > 0) printf "rf3_over_rf1=%.2f\n", a / b }' >> "$RESULTS_DIR/$c/figures"
  done
}
ratio_fig
{
  echo
  echo "== three-node figures ($NUM_RECORDS x $RECORD_SIZE B, $PARTITIONS partitions, acks=all, min.insync.replicas=2 for RF 3;"
  echo "   broker.session.timeout.ms=$SESSION_TIMEOUT_MS, broker.heartbeat.interval.ms=$HEARTBEAT_MS on both; CPU = the three node JVMs, user+sys)"
  printf "%-40s %12s %12s %8s\n" figure Kafka Fjord Fjord/Kafka
  row "produce RF 3: records/s" rf3.records_s
  row "produce RF 3: p99 ms" rf3.p99_ms
  row "produce RF 3: broker CPU s / M records" rf3.cpu_s_per_M
  row "produce RF 1: records/s" rf1.records_s
  row "produce RF 1: p99 ms" rf1.p99_ms
  row "produce RF 1: broker CPU s / M records" rf1.cpu_s_per_M
  row "RF 3 / RF 1 records/s" rf3_over_rf1
  row "fail-over kill -9 -> ack, median ms" failover.median_ms
  row "fail-over min ms" failover.min_ms
  row "fail-over max ms" failover.max_ms
  echo "fail-over rounds: Kafka $(fig kafka failover.rounds), Fjord $(fig fjord failover.rounds); load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "raw output: $RESULTS_DIR"
} | tee "$RESULTS_DIR/table.txt"
