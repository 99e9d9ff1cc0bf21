#!/usr/bin/env bash
# One benchmark command: Apache Kafka 4.4 and Fjord on this machine, one after the other, measured with Kafka's own
# tools (ProducerPerformance, ConsumerPerformance, EndToEndLatency), warm-up first, several rounds; prints each
# figure's median per system and the Fjord/Kafka ratio, for a single node and for three nodes (RF 3). Not part of
# `mvn verify`. Prerequisites: Java 17+, Maven (the Kafka jars come from Maven Central on first use), bash, awk.
#
#   bench/compare.sh                 # full run: 1 and 3 nodes, 3 rounds of 1,000,000 records (long: about an hour on 2 cores)
#   bench/compare.sh --quick         # smoke run: 2 rounds of 10,000 records, every figure, a few minutes per system
# Options (each also an env var, in brackets):
#   --nodes "1 3"          topologies [NODES]            --systems "kafka fjord"   [SYSTEMS]
#   --rounds N             [ROUNDS, 3]                   --records N               [NUM_RECORDS, 1000000]
#   --sizes "100 1024"     record sizes in bytes [SIZES] --partitions N            [PARTITIONS, 6; e.g. 1000]
#   --producers N          concurrent producer processes per step, records split between them [PRODUCERS, 1; e.g. 50]
#   --keyed RANGE          keyed records, keys 0..RANGE-1 (ProducerPerformance --record-key-range) [KEY_RANGE]
#   --steps "..."          produce steps out of: acks1 acksall idempotent lz4 zstd fsync [STEPS, all six; "" for none]
#   --tls                  also TLS against PLAINTEXT [TLS=1]: an extra SSL listener per node (CA + broker keystore +
#                          client truststore made once per run by keytool), then every round a PLAINTEXT and an SSL
#                          produce (TLS_STEP, acksall) at each size, back to back, and the same consume over each;
#                          own table per protocol (Kafka and Fjord, PLAINTEXT, TLS, TLS/PLAINTEXT, Fjord/Kafka)
#   --tls-protocols "..."  with --tls: SSL and/or SASL_SSL (SASL PLAIN over TLS) [TLS_PROTOCOLS, "SSL"]
#   --table-only DIR       measure nothing: print the table of an earlier run's RESULTS_DIR again (give the same
#                          --nodes/--sizes/--steps/--rounds as that run)
# More env: E2E_RECORDS (10000) WARMUP_RECORDS (NUM_RECORDS/2) KAFKA_HEAP_OPTS ("-Xmx1G -Xms1G", Kafka's default)
#   FJORD_HEAP_OPTS (unset: bin/fjord's default) KAFKA_VERSION (4.4.0) KAFKA_LIB (where the jars go)
#   STEP_TIMEOUT (600 s per tool run) START_TIMEOUT (120 s) RESULTS_DIR (~/.cache/fjord-bench/compare-<timestamp>)
#
# Produce steps (ProducerPerformance, --throughput -1, linger.ms=5 batch.size=65536): acks1 = acks=1, acksall =
# acks=all, both enable.idempotence=false; idempotent = acks=all with enable.idempotence=true; lz4 / zstd = acks=all,
# idempotent (Kafka's default producer) with that compression; fsync = acks=all, idempotence off, after the rounds of
# the others with every node restarted with durable acks: Fjord fjord.log.fsync.on.ack=true (group commit), Kafka
# log.flush.interval.messages=1 (an fsync after every append: the only way Kafka promises the same). Topics: one per
# record size, PARTITIONS partitions, RF = nodes (min.insync.replicas=2 on three nodes); every step of every round
# appends to it. Broker CPU = user+sys
# of all node JVMs over the step (/proc/<pid>/stat), per million records. Consume: ConsumerPerformance reading
# NUM_RECORDS of the first size's topic from the start (whole run, and its fetch-only rate). End-to-end:
# EndToEndLatency, acks=all, 1 partition. Start-up: launch -> client port open (Kafka: and "Kafka Server started"),
# the slowest node. RSS: summed over the nodes after the last step.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CFG="$ROOT/bench/cluster"
QUICK=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --nodes) NODES="$2"; shift ;;
    --systems) SYSTEMS="$2"; shift ;;
    --rounds) ROUNDS="$2"; shift ;;
    --records) NUM_RECORDS="$2"; shift ;;
    --sizes) SIZES="$2"; shift ;;
    --partitions) PARTITIONS="$2"; shift ;;
    --producers) PRODUCERS="$2"; shift ;;
    --keyed) KEY_RANGE="$2"; shift ;;
    --steps) STEPS="$2"; shift ;;
    --tls) TLS=1 ;;
    --tls-protocols) TLS=1; TLS_PROTOCOLS="$2"; shift ;;
    --table-only) TABLE_ONLY=1; RESULTS_DIR="$2"; shift ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d'; exit 0 ;;
    *) echo "unknown option $1 (--help)" >&2; exit 2 ;;
  esac
  shift
done
if [ "$QUICK" = 1 ]; then
  NUM_RECORDS="${NUM_RECORDS:-10000}"; ROUNDS="${ROUNDS:-2}"; E2E_RECORDS="${E2E_RECORDS:-300}"
fi
NODES="${NODES:-1 3}"
SYSTEMS="${SYSTEMS:-kafka fjord}"
ROUNDS="${ROUNDS:-3}"
NUM_RECORDS="${NUM_RECORDS:-1000000}"
SIZES="${SIZES:-100 1024}"
PARTITIONS="${PARTITIONS:-6}"
PRODUCERS="${PRODUCERS:-1}"
KEY_RANGE="${KEY_RANGE:-}"
STEPS="${STEPS-acks1 acksall idempotent lz4 zstd fsync}"
TLS="${TLS:-0}"
TLS_PROTOCOLS="${TLS_PROTOCOLS:-SSL}"
TLS_STEP="${TLS_STEP:-acksall}"
for p in $TLS_PROTOCOLS; do case "$p" in SSL|SASL_SSL) ;; *) echo "--tls-protocols: SSL or SASL_SSL, not $p" >&2; exit 2 ;; esac; done
[ "$TLS" = 1 ] || TLS_PROTOCOLS=""
E2E_RECORDS="${E2E_RECORDS:-10000}"
WARMUP_RECORDS="${WARMUP_RECORDS:-$((NUM_RECORDS / 2))}"
KAFKA_VERSION="${KAFKA_VERSION:-4.4.0}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx1G -Xms1G}"
JAVA="${JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/}java}"
# The JVM flags of Kafka's bin/kafka-run-class.sh; the tools get -Xmx512M like bin/kafka-producer-perf-test.sh.
KAFKA_JVM_PERFORMANCE_OPTS="${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true}"
TOOLS_HEAP_OPTS="${TOOLS_HEAP_OPTS:--Xmx512M}"
STEP_TIMEOUT="${STEP_TIMEOUT:-600}"
START_TIMEOUT="${START_TIMEOUT:-120}"
CACHE="${FJORD_BENCH_CACHE:-$HOME/.cache/fjord-bench}"
KAFKA_LIB="${KAFKA_LIB:-$CACHE/kafka-$KAFKA_VERSION/lib}"
RESULTS_DIR="${RESULTS_DIR:-$CACHE/compare-$(date +%Y%m%d-%H%M%S)}"
CLK_TCK="$(getconf CLK_TCK)"

die() { echo "error: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*"; }
now_ms() { date +%s%3N; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ---- processes: every one started here is tracked and stopped at exit ------------------------------------------
declare -A NODE_PID=() NODE_LOGS=()
TOOL_PIDS=()   # producer processes of the step in progress
stop_nodes() {
  local id pid
  for id in "${!NODE_PID[@]}"; do kill -TERM "${NODE_PID[$id]}" 2>/dev/null; done
  for id in "${!NODE_PID[@]}"; do
    pid="${NODE_PID[$id]}"
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { log "  pid $pid alive 30 s after SIGTERM: SIGKILL"; kill -KILL "$pid" 2>/dev/null; }
    wait "$pid" 2>/dev/null
  done
  NODE_PID=()
}
cleanup() {
  trap - EXIT INT TERM
  local p; for p in "${TOOL_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${TOOL_PIDS[@]}"; do wait "$p" 2>/dev/null; done
  stop_nodes; [ "${KEEP_DATA:-0}" = 1 ] || rm -rf "$RESULTS_DIR"/*/*/node-*/data; }
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM

tool() {  # tool SECONDS MAIN_CLASS ARGS...: a Kafka tool, bounded, WARN logging to stderr
  local secs="$1"; shift
  # shellcheck disable=SC2086
  timeout --kill-after=10 "$secs" "$JAVA" $TOOLS_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS \
    -Dlog4j2.configurationFile="$CFG/log4j2-tools.properties" -cp "$KAFKA_LIB/*" "$@"
}

# ---- Kafka's jars: from Maven Central on first use (bench/kafka/pom.xml), kept under $KAFKA_LIB --------------------
fetch_kafka() {
  ls "$KAFKA_LIB"/kafka-tools-"$KAFKA_VERSION".jar > /dev/null 2>&1 && return 0
  command -v mvn > /dev/null || die "Maven (mvn) is needed to fetch Apache Kafka $KAFKA_VERSION"
  log "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_LIB"
  rm -rf "$KAFKA_LIB.tmp"
  timeout 900 mvn -q -B -f "$ROOT/bench/kafka/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIB.tmp" \
    || die "fetch of Apache Kafka $KAFKA_VERSION failed"
  mkdir -p "$(dirname "$KAFKA_LIB")"; rm -rf "$KAFKA_LIB"; mv "$KAFKA_LIB.tmp" "$KAFKA_LIB"
}

# ---- nodes --------------------------------------------------------------------------------------------------------
free_ports() {  # free_ports BASE COUNT WIDTH: COUNT groups of WIDTH consecutive free ports from BASE up
  local p="$1" w="$3" want=$(( $2 * $3 )) out=() tries=0 j ok
  while [ ${#out[@]} -lt $want ] && [ $tries -lt 200 ]; do
    ok=1; for j in $(seq 0 $((w - 1))); do port_open $((p + j)) && ok=0; done
    [ $ok = 1 ] && for j in $(seq 0 $((w - 1))); do out+=($((p + j))); done
    p=$((p + w)); tries=$((tries + 1))
  done
  [ ${#out[@]} -eq $want ] || die "no $want free ports from $1"
  echo "${out[@]}"
}

write_props() {  # write_props KIND ID N DIR: the same Kafka-style keys for both systems
  local kind="$1" id="$2" n="$3" dir="$4" voters="" i
  local tls_l="" tls_map="" p
  for i in $(seq 1 "$n"); do voters+="${voters:+,}$i@127.0.0.1:${CTRL_PORT[$i]}"; done
  # --tls: one more client listener per protocol (replication and the quorum stay on PLAINTEXT)
  for p in $TLS_PROTOCOLS; do tls_l+=",$p://127.0.0.1:$(tls_port "$p" "$id")"; tls_map+=",$p:$p"; done
  mkdir -p "$dir/data"
  cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=$id
controller.quorum.voters=$voters
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:${CLIENT_PORT[$id]},CONTROLLER://127.0.0.1:${CTRL_PORT[$id]}$tls_l
advertised.listeners=PLAINTEXT://127.0.0.1:${CLIENT_PORT[$id]}$tls_l
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT$tls_map
log.dirs=$dir/data
num.partitions=1
default.replication.factor=$n
offsets.topic.replication.factor=$n
transaction.state.log.replication.factor=$n
transaction.state.log.min.isr=$(( n > 1 ? 2 : 1 ))
share.coordinator.state.topic.replication.factor=$n
share.coordinator.state.topic.min.isr=$(( n > 1 ? 2 : 1 ))
group.initial.rebalance.delay.ms=0
PROPS
  [ "$kind" = kafka ] && printf 'num.network.threads=3\nnum.io.threads=8\n' >> "$dir/server.properties"
  # Fjord's web console (default localhost:8080) has no Kafka counterpart, and several nodes on one machine (or
  # anything else on 8080) would collide on its port
  [ "$kind" = fjord ] && echo "fjord.console.listener=none" >> "$dir/server.properties"
  [ -n "$TLS_PROTOCOLS" ] && cat >> "$dir/server.properties" <<PROPS
ssl.keystore.type=PKCS12
ssl.keystore.location=$TLS_DIR/broker.p12
ssl.keystore.password=$TLS_PW
ssl.key.password=$TLS_PW
ssl.truststore.type=PKCS12
ssl.truststore.location=$TLS_DIR/truststore.p12
ssl.truststore.password=$TLS_PW
sasl.enabled.mechanisms=PLAIN
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_bench="$TLS_PW";
PROPS
  return 0
}

# ---- --tls: one CA, one broker key signed by it (SAN localhost/127.0.0.1), one client truststore; once per run ------
TLS_PW=bench-store-pw
make_tls_stores() {
  TLS_DIR="$RESULTS_DIR/tls"; rm -rf "$TLS_DIR"; mkdir -p "$TLS_DIR"   # a reused RESULTS_DIR: fresh stores
  local kt; kt="$(dirname "$(readlink -f "$(command -v "$JAVA")")")/keytool"
  [ -x "$kt" ] || die "no keytool next to $JAVA"
  # keytool is a JVM per call; C1 only and the serial collector roughly halve its start-up on a loaded machine
  k() { "$kt" -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC "$@" >> "$TLS_DIR/keytool.log" 2>&1 || die "keytool $1 failed (see $TLS_DIR/keytool.log)"; }
  local sp=(-storetype PKCS12 -storepass "$TLS_PW" -keypass "$TLS_PW")
  k -genkeypair -keystore "$TLS_DIR/ca.p12" "${sp[@]}" -alias ca -keyalg EC -groupname secp256r1 \
    -dname "CN=fjord-bench-ca" -ext bc:c -validity 7
  k -exportcert -rfc -keystore "$TLS_DIR/ca.p12" -storepass "$TLS_PW" -alias ca -file "$TLS_DIR/ca.crt"
  k -genkeypair -keystore "$TLS_DIR/broker.p12" "${sp[@]}" -alias broker -keyalg EC -groupname secp256r1 \
    -dname "CN=localhost" -validity 7
  k -certreq -keystore "$TLS_DIR/broker.p12" -storepass "$TLS_PW" -alias broker -file "$TLS_DIR/broker.csr"
  k -gencert -keystore "$TLS_DIR/ca.p12" -storepass "$TLS_PW" -alias ca -infile "$TLS_DIR/broker.csr" \
    -outfile "$TLS_DIR/broker.crt" -rfc -ext "SAN=dns:localhost,ip:127.0.0.1" -validity 7
  k -importcert -noprompt -keystore "$TLS_DIR/broker.p12" -storepass "$TLS_PW" -alias ca -file "$TLS_DIR/ca.crt"
  k -importcert -noprompt -keystore "$TLS_DIR/broker.p12" -storepass "$TLS_PW" -alias broker -file "$TLS_DIR/broker.crt"
  # the brokers' truststore (ssl.truststore.*) and the clients' are the same CA-only store
  k -importcert -noprompt -keystore "$TLS_DIR/truststore.p12" -storetype PKCS12 -storepass "$TLS_PW" -alias ca \
    -file "$TLS_DIR/ca.crt"
  local p; for p in $TLS_PROTOCOLS; do client_props "$p" > "$TLS_DIR/client-$p.properties"; done
  log "TLS stores in $TLS_DIR (CA-signed EC P-256 broker key, SAN localhost/127.0.0.1; protocols $TLS_PROTOCOLS)"
}
client_props() {  # client_props PROTOCOL: the client settings of one protocol, one per line
  case "$1" in
    PLAINTEXT) echo "security.protocol=PLAINTEXT" ;;
    SSL|SASL_SSL)
      printf 'security.protocol=%s\nssl.truststore.type=PKCS12\nssl.truststore.location=%s\nssl.truststore.password=%s\n' \
        "$1" "$TLS_DIR/truststore.p12" "$TLS_PW"
      [ "$1" = SASL_SSL ] && printf 'sasl.mechanism=PLAIN\nsasl.jaas.config=%s\n' \
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"bench\" password=\"$TLS_PW\";"
      ;;
  esac
  return 0
}
tls_port() {  # tls_port PROTOCOL NODE_ID: the node's port for that listener
  local p k=0; for p in $TLS_PROTOCOLS; do [ "$p" = "$1" ] && break; k=$((k + 1)); done
  echo "${TLS_PORT[$(( ($2 - 1) * ${#TLS_PROTO_LIST[@]} + k ))]}"
}
boot_of() {  # boot_of PROTOCOL: the bootstrap list of that listener
  [ "$1" = PLAINTEXT ] && { echo "$BOOT"; return; }
  local i b=""; for i in $(seq 1 "$CUR_NODES"); do b+="${b:+,}127.0.0.1:$(tls_port "$1" "$i")"; done; echo "$b"
}

start_node() {  # start_node KIND ID DIR
  local kind="$1" id="$2" dir="$3" logs="$3/logs"
  mkdir -p "$logs"
  if [ "$kind" = kafka ]; then
    # shellcheck disable=SC2086
    nohup "$JAVA" $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS -Dkafka.logs.dir="$logs" \
      -Dlog4j2.configurationFile="$CFG/log4j2-broker.properties" \
      -cp "$KAFKA_LIB/*" kafka.Kafka "$dir/server.properties" > "$logs/stdout.log" 2>&1 < /dev/null &
  elif [ -n "${FJORD_HEAP_OPTS:-}" ]; then
    FJORD_HEAP_OPTS="$FJORD_HEAP_OPTS" nohup env -u KAFKA_HEAP_OPTS "$ROOT/bin/fjord" server "$dir/server.properties" \
      > "$logs/stdout.log" 2>&1 < /dev/null &
  else
    # bin/fjord falls back to KAFKA_HEAP_OPTS; the Kafka side's setting must not leak into Fjord's nodes
    nohup env -u KAFKA_HEAP_OPTS "$ROOT/bin/fjord" server "$dir/server.properties" > "$logs/stdout.log" 2>&1 < /dev/null &
  fi
  NODE_PID[$id]=$!
  NODE_LOGS[$id]="$logs"
}

wait_node() {  # wait_node KIND ID T0: prints ms from T0 (launch) to ready
  local kind="$1" id="$2" t0="$3" deadline=$(( $3 + START_TIMEOUT * 1000 ))
  while [ "$(now_ms)" -lt $deadline ]; do
    kill -0 "${NODE_PID[$id]}" 2>/dev/null || { tail -n 30 "${NODE_LOGS[$id]}"/*.log >&2; die "$kind node $id exited during start"; }
    if port_open "${CLIENT_PORT[$id]}" && { [ "$kind" != kafka ] ||
         grep -q "Kafka Server started" "${NODE_LOGS[$id]}/server.log" 2>/dev/null; }; then
      echo $(( $(now_ms) - t0 )); return 0
    fi
    sleep 0.05
  done
  die "$kind node $id not up after $START_TIMEOUT s; logs in ${NODE_LOGS[$id]}"
}

node_cpu_ticks() {
  local id sum=0 t
  for id in "${!NODE_PID[@]}"; do
    t=$(awk '{print $14+$15}' "/proc/${NODE_PID[$id]}/stat" 2>/dev/null || echo 0); sum=$((sum + t))
  done
  echo "$sum"
}
# The JIT compiler threads' share of node_cpu_ticks: C1/C2 compile the hot paths once, for minutes after start on
# two cores, and that one-time cost lands in whichever steps run meanwhile. "excl. JIT" figures subtract it, so that
# they show the per-record work a long-running broker does (both systems measured the same way).
node_jit_ticks() {
  local id sum=0 t
  for id in "${!NODE_PID[@]}"; do
    # one stat line per thread; comm ("C2 CompilerThre") holds a space, so fields count from the ")" that ends it:
    # utime and stime are then the 12th and 13th
    t=$(cat /proc/"${NODE_PID[$id]}"/task/*/stat 2>/dev/null |
        awk '/\(C[12] CompilerThre/ { sub(/.*\) /, ""); s += $12 + $13 } END { print s + 0 }')
    sum=$((sum + t))
  done
  echo "$sum"
}
nodes_rss_mb() {
  local id sum=0 kb
  for id in "${!NODE_PID[@]}"; do
    kb=$(awk '/VmRSS/{print $2}' "/proc/${NODE_PID[$id]}/status" 2>/dev/null || echo 0); sum=$((sum + kb))
  done
  echo $(( sum / 1024 ))
}

# ---- measurements: figures go to $FIG as name=value, one line per round -------------------------------------------
create_topic() {  # create_topic NAME PARTITIONS RF (retried until enough brokers are registered)
  local deadline=$(( $(now_ms) + START_TIMEOUT * 1000 )) extra=()
  [ "$3" -gt 1 ] && extra=(--config min.insync.replicas=2)
  until tool 120 org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOT" --create --if-not-exists \
          --topic "$1" --partitions "$2" --replication-factor "$3" "${extra[@]}" >> "$SDIR/topics.out" 2>> "$SDIR/topics.err"; do
    [ "$(now_ms)" -lt $deadline ] || { tail -5 "$SDIR/topics.err" >&2; die "cannot create topic $1"; }
    sleep 1
  done
}

step_props() {  # the producer properties of a produce step
  case "$1" in
    acks1) echo "acks=1 enable.idempotence=false" ;;
    acksall|fsync) echo "acks=all enable.idempotence=false" ;;
    idempotent) echo "acks=all enable.idempotence=true" ;;
    lz4) echo "acks=all enable.idempotence=true compression.type=lz4" ;;
    zstd) echo "acks=all enable.idempotence=true compression.type=zstd" ;;
    warmup) echo "acks=all" ;;
    *) die "unknown step $1" ;;
  esac
}

# produce NAME TOPIC SIZE RECORDS STEP [PROTOCOL]: PRODUCERS concurrent ProducerPerformance processes, RECORDS split
# between them, to the PROTOCOL listener (PLAINTEXT; SSL/SASL_SSL with --tls: the client file of make_tls_stores).
# Figures: records/s summed over the processes, MB/s, p99 (the worst process), broker CPU s per million records.
produce() {
  local name="$1" topic="$2" size="$3" n="$4" step="$5" proto="${6:-PLAINTEXT}" c0 j0 t0 i pids=() per keys=() sec=()
  per=$(( n / PRODUCERS )); [ "$per" -gt 0 ] || per=1
  [ -n "$KEY_RANGE" ] && keys=(--record-key-range "$KEY_RANGE")
  [ "$proto" = PLAINTEXT ] || sec=(--command-config "$TLS_DIR/client-$proto.properties")
  c0=$(node_cpu_ticks); j0=$(node_jit_ticks); t0=$(now_ms)
  for i in $(seq 1 "$PRODUCERS"); do
    # exec: $! is then the timeout process itself, so that cleanup's SIGTERM reaches the tool
    # shellcheck disable=SC2046,SC2086
    ( exec timeout --kill-after=10 "$STEP_TIMEOUT" "$JAVA" $TOOLS_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS \
        -Dlog4j2.configurationFile="$CFG/log4j2-tools.properties" -cp "$KAFKA_LIB/*" \
        org.apache.kafka.tools.ProducerPerformance --bootstrap-server "$(boot_of "$proto")" --topic "$topic" \
        --num-records "$per" --record-size "$size" --throughput -1 "${keys[@]}" "${sec[@]}" \
        --command-property linger.ms=5 batch.size=65536 $(step_props "$step") ) \
      > "$SDIR/$name.$i.out" 2> "$SDIR/$name.$i.err" &
    pids+=($!)
  done
  TOOL_PIDS=("${pids[@]}")
  local rc=0; for i in "${pids[@]}"; do wait "$i" || rc=$?; done
  TOOL_PIDS=()
  local cpu; cpu=$(awk -v a="$c0" -v b="$(node_cpu_ticks)" -v t="$CLK_TCK" 'BEGIN{printf "%.2f", (b-a)/t}')
  local jit; jit=$(awk -v a="$j0" -v b="$(node_jit_ticks)" -v t="$CLK_TCK" 'BEGIN{d = (b-a)/t; printf "%.2f", (d > 0 ? d : 0)}')
  local wall=$(( $(now_ms) - t0 ))
  # "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, P50 ms 50th, P95 ms 95th, P99 ms 99th, P999 ms 99.9th."
  local sum; sum=$(for i in $(seq 1 "$PRODUCERS"); do grep '99.9th' "$SDIR/$name.$i.out" | tail -1; done | sed -E 's/[(),]//g' |
    awk '{ sent += $1; rs += $4; mb += $6; if ($22 > p99) p99 = $22; k++ } END { if (k) printf "%d %.0f %.2f %s %d", sent, rs, mb, p99, k }')
  set -- $sum
  if [ $rc -ne 0 ] || [ "${5:-0}" -ne "$PRODUCERS" ]; then
    log "  $name: FAILED (rc=$rc, $wall ms; 124 = timeout); see $SDIR/$name.*.err"; tail -3 "$SDIR/$name.1.err" >&2
    return 1
  fi
  local cpu_per_m; cpu_per_m=$(awk -v c="$cpu" -v s="$1" 'BEGIN{printf "%.2f", c / (s / 1e6)}')
  local nojit_per_m; nojit_per_m=$(awk -v c="$cpu" -v j="$jit" -v s="$1" 'BEGIN{printf "%.2f", (c - j) / (s / 1e6)}')
  printf '%s.records_s=%s\n%s.MB_s=%s\n%s.p99_ms=%s\n%s.cpu_s_per_M=%s\n%s.cpu_nojit_s_per_M=%s\n' "$name" "$2" "$name" "$3" \
    "$name" "$4" "$name" "$cpu_per_m" "$name" "$nojit_per_m" >> "$FIG"
  log "  $name: $2 records/s, $3 MB/s, p99 $4 ms, broker CPU $cpu s ($cpu_per_m s / M records; JIT $jit s, excl. JIT $nojit_per_m), $wall ms"
}

consume() {  # consume TOPIC [PROTOCOL tls]: figures consume.* or, from tls_round, tls.PROTOCOL.consume.*
  local proto="${2:-PLAINTEXT}" t0 c0 j0 line name=consume sec=()
  [ -n "${3:-}" ] && name="tls.$proto.consume"
  [ "$proto" = PLAINTEXT ] || sec=(--command-config "$TLS_DIR/client-$proto.properties")
  c0=$(node_cpu_ticks); j0=$(node_jit_ticks); t0=$(now_ms)
  tool "$STEP_TIMEOUT" org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "$(boot_of "$proto")" --topic "$1" \
    --num-records "$NUM_RECORDS" --timeout 60000 "${sec[@]}" > "$SDIR/$name.r$ROUND.out" 2> "$SDIR/$name.r$ROUND.err"
  local cpu; cpu=$(awk -v a="$c0" -v b="$(node_cpu_ticks)" -v t="$CLK_TCK" 'BEGIN{printf "%.2f", (b-a)/t}')
  local jit; jit=$(awk -v a="$j0" -v b="$(node_jit_ticks)" -v t="$CLK_TCK" 'BEGIN{d = (b-a)/t; printf "%.2f", (d > 0 ? d : 0)}')
  # start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms,
  # fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  line="$(grep -v '^start.time' "$SDIR/$name.r$ROUND.out" | grep ',' | tail -1)"
  echo "$line" | awk -F', *' -v c="$cpu" -v j="$jit" -v k="$name" 'NF >= 10 && $5 > 0 { printf "%s.records_s=%.0f\n%s.fetch_records_s=%.0f\n%s.cpu_s_per_M=%.2f\n%s.cpu_nojit_s_per_M=%.2f\n", k, $6, k, $10, k, c / ($5 / 1e6), k, (c - j) / ($5 / 1e6) }' >> "$FIG"
  log "  $name: ${line:-FAILED, see $SDIR/$name.r$ROUND.err}  broker CPU $cpu s (JIT $jit s)"
}

e2e() {  # e2e TOPIC SIZE
  tool "$STEP_TIMEOUT" org.apache.kafka.tools.EndToEndLatency --bootstrap-server "$BOOT" --topic "$1" \
    --num-records "$E2E_RECORDS" --producer-acks all --record-size "$2" > "$SDIR/e2e.r$ROUND.out" 2> "$SDIR/e2e.r$ROUND.err"
  local avg pct
  avg="$(sed -n 's/.*Avg latency: \([0-9.]*\) ms.*/\1/p' "$SDIR/e2e.r$ROUND.out" | tail -1)"
  pct="$(sed -n 's/.*Percentiles: 50th = \([0-9]*\), 99th = \([0-9]*\), 99.9th = \([0-9]*\).*/\1 \2 \3/p' "$SDIR/e2e.r$ROUND.out" | tail -1)"
  if [ -n "$avg" ] && [ -n "$pct" ]; then
    set -- $pct
    printf 'e2e.avg_ms=%s\ne2e.p50_ms=%s\ne2e.p99_ms=%s\ne2e.p999_ms=%s\n' "$avg" "$1" "$2" "$3" >> "$FIG"
    log "  e2e: avg $avg ms, p50 $1, p99 $2, p99.9 $3 ms"
  else
    log "  e2e: FAILED, see $SDIR/e2e.r$ROUND.err"
  fi
}

run_system() {  # run_system KIND NODES
  local kind="$1" n="$2" base ports i id
  SDIR="$RESULTS_DIR/n$n/$kind"; FIG="$SDIR/figures"; mkdir -p "$SDIR"; : > "$FIG"
  [ "$kind" = kafka ] && base=19092 || base=29092
  local w=$(( 2 + ${#TLS_PROTO_LIST[@]} )) k   # per node: client, controller, then one port per --tls protocol
  read -r -a ports <<< "$(free_ports "$base" "$n" "$w")"
  CLIENT_PORT=(); CTRL_PORT=(); TLS_PORT=(); BOOT=""; CUR_NODES=$n
  for i in $(seq 1 "$n"); do
    CLIENT_PORT[$i]=${ports[$(( (i - 1) * w ))]}; CTRL_PORT[$i]=${ports[$(( (i - 1) * w + 1 ))]}
    for k in $(seq 0 $(( ${#TLS_PROTO_LIST[@]} - 1 ))); do
      TLS_PORT[$(( (i - 1) * ${#TLS_PROTO_LIST[@]} + k ))]=${ports[$(( (i - 1) * w + 2 + k ))]}
    done
    BOOT+="${BOOT:+,}127.0.0.1:${CLIENT_PORT[$i]}"
  done
  log "== $kind, $n node(s): $BOOT$(for p in $TLS_PROTOCOLS; do printf ', %s %s' "$p" "$(boot_of "$p")"; done); results $SDIR"
  for id in $(seq 1 "$n"); do write_props "$kind" "$id" "$n" "$SDIR/node-$id"; done
  if [ "$kind" = kafka ]; then
    local cid; cid="$(tool 60 kafka.tools.StorageTool random-uuid)" || die "StorageTool random-uuid failed"
    for id in $(seq 1 "$n"); do
      tool 60 kafka.tools.StorageTool format --config "$SDIR/node-$id/server.properties" --cluster-id "$cid" \
        > "$SDIR/node-$id/format.out" 2>&1 || { cat "$SDIR/node-$id/format.out" >&2; die "format of node $id failed"; }
    done
  fi
  local t0 up slowest=0; t0=$(now_ms)
  for id in $(seq 1 "$n"); do start_node "$kind" "$id" "$SDIR/node-$id"; done
  for id in $(seq 1 "$n"); do up=$(wait_node "$kind" "$id" "$t0") || exit 1; [ "$up" -gt "$slowest" ] && slowest=$up; done
  echo "startup_ms=$slowest" >> "$FIG"
  log "  up: slowest node ready $slowest ms after launch; RSS idle $(nodes_rss_mb) MB (all nodes)"
  echo "rss_idle_mb=$(nodes_rss_mb)" >> "$FIG"
  local size
  for size in $SIZES; do create_topic "bench-$size" "$PARTITIONS" "$n"; done
  create_topic bench-e2e 1 "$n"; create_topic bench-warmup "$PARTITIONS" "$n"
  if [ "$WARMUP_RECORDS" -gt 0 ]; then   # warm-up: JIT, page cache, connections; figures not kept
    local keep="$FIG" p; FIG=/dev/null
    produce warmup bench-warmup 100 "$WARMUP_RECORDS" warmup || true
    # --tls: the TLS paths warmed too, and one read, so that the first measured consume does not pay for the
    # creation of __consumer_offsets (ConsumerPerformance joins a group)
    if [ -n "$TLS_PROTOCOLS" ]; then
      for p in $TLS_PROTOCOLS; do produce "warmup.$p" bench-warmup 100 "$WARMUP_RECORDS" warmup "$p" || true; done
      tool "$STEP_TIMEOUT" org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "$BOOT" --topic bench-warmup \
        --num-records "$WARMUP_RECORDS" --timeout 60000 > "$SDIR/warmup-consume.out" 2> "$SDIR/warmup-consume.err"
    fi
    FIG="$keep"
  fi
  local first_size="${SIZES%% *}" step
  for ROUND in $(seq 1 "$ROUNDS"); do
    log "  round $ROUND of $ROUNDS"
    for size in $SIZES; do
      for step in $STEPS; do
        [ "$step" = fsync ] && continue   # below, after a restart with durable acks
        produce "produce.$step.$size" "bench-$size" "$size" "$NUM_RECORDS" "$step" || true
      done
    done
    [ -n "$TLS_PROTOCOLS" ] && tls_round "$first_size"
    consume "bench-$first_size"
    e2e bench-e2e "$first_size"
  done
  echo "rss_mb=$(nodes_rss_mb)" >> "$FIG"
  log "  RSS after the run: $(nodes_rss_mb) MB (all nodes)"
  case " $STEPS " in *" fsync "*) fsync_rounds "$kind" "$n" ;; esac
  stop_nodes
  # The next system must not inherit this one's data: gigabytes of it in the page cache (the 1 KB topic takes
  # ~15 GB over three rounds), which its writes would first have to reclaim, and dirty pages still being written
  # back. Deleting the files drops both; sync waits for what was already queued.
  [ "${KEEP_DATA:-0}" = 1 ] || rm -rf "$SDIR"/node-*/data
  sync
}

# tls_round FIRST_SIZE: the TLS_STEP produce over PLAINTEXT and then over each TLS protocol, back to back (same load),
# at each size; then the same read of FIRST_SIZE's topic over PLAINTEXT and over each protocol
tls_round() {
  local size p
  for size in $SIZES; do
    for p in PLAINTEXT $TLS_PROTOCOLS; do
      produce "tls.$p.$size" "bench-$size" "$size" "$NUM_RECORDS" "$TLS_STEP" "$p" || true
    done
  done
  for p in PLAINTEXT $TLS_PROTOCOLS; do consume "bench-$1" "$p" tls; done
}

fsync_rounds() {  # fsync_rounds KIND NODES: restart every node with durable acks, then ROUNDS rounds of the fsync step
  local kind="$1" n="$2" id size t0
  stop_nodes
  for id in $(seq 1 "$n"); do
    mv "$SDIR/node-$id/logs" "$SDIR/node-$id/logs-main"   # the restart's readiness must not see the first run's log
    if [ "$kind" = kafka ]; then echo "log.flush.interval.messages=1" >> "$SDIR/node-$id/server.properties"
    else echo "fjord.log.fsync.on.ack=true" >> "$SDIR/node-$id/server.properties"; fi
  done
  log "  restart with durable acks ($([ "$kind" = kafka ] && echo log.flush.interval.messages=1 || echo fjord.log.fsync.on.ack=true))"
  t0=$(now_ms)
  for id in $(seq 1 "$n"); do start_node "$kind" "$id" "$SDIR/node-$id"; done
  for id in $(seq 1 "$n"); do wait_node "$kind" "$id" "$t0" > /dev/null || exit 1; done
  if [ "$WARMUP_RECORDS" -gt 0 ]; then   # the restarted JVMs are cold again; figures not kept
    local keep="$FIG"; FIG=/dev/null
    produce warmup.fsync bench-warmup 100 "$WARMUP_RECORDS" fsync || true
    FIG="$keep"
  fi
  for ROUND in $(seq 1 "$ROUNDS"); do
    for size in $SIZES; do produce "produce.fsync.$size" "bench-$size" "$size" "$NUM_RECORDS" fsync || true; done
  done
}

# ---- main ---------------------------------------------------------------------------------------------------------
read -r -a TLS_PROTO_LIST <<< "$TLS_PROTOCOLS"
if [ "${TABLE_ONLY:-0}" != 1 ]; then
fetch_kafka
case " $SYSTEMS " in *" fjord "*) "$ROOT/bin/fjord" --version > /dev/null || die "Fjord build failed"
  "$ROOT/bin/fjord" cds-archive ;; esac   # bin/fjord's class-data archive, so that no start-up figure includes its dump
mkdir -p "$RESULTS_DIR" || die "cannot create $RESULTS_DIR"
exec > >(tee "$RESULTS_DIR/run.log") 2>&1
log "compare: nodes [$NODES], systems [$SYSTEMS], $ROUNDS round(s) of $NUM_RECORDS records, sizes [$SIZES] B," \
    "$PARTITIONS partitions, $PRODUCERS producer(s)${KEY_RANGE:+, keys 0..$((KEY_RANGE - 1))}, steps [$STEPS]," \
    "warm-up $WARMUP_RECORDS, e2e $E2E_RECORDS${TLS_PROTOCOLS:+, TLS [$TLS_PROTOCOLS] with step $TLS_STEP}"
[ -n "$TLS_PROTOCOLS" ] && make_tls_stores
log "Kafka $KAFKA_VERSION ($KAFKA_LIB), $("$JAVA" -version 2>&1 | head -1), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for n in $NODES; do
  for s in $SYSTEMS; do
    case "$s" in kafka|fjord) run_system "$s" "$n" ;; *) die "unknown system $s (kafka, fjord)" ;; esac
  done
done
fi

median() {  # median N KIND KEY: the median over the rounds of one figure
  awk -F= -v k="$3" '$1 == k && $2 ~ /^[0-9.]+$/ { v[++n] = $2 + 0 }
    END { if (!n) { print "-"; exit } for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
          m = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2; printf (m == int(m) ? "%d" : "%.2f"), m }' \
    "$RESULTS_DIR/n$1/$2/figures" 2>/dev/null || echo "-"
}
row() {  # row N LABEL KEY
  local k f; k=$(median "$1" kafka "$3"); f=$(median "$1" fjord "$3")
  awk -v l="$2" -v k="${k:--}" -v f="${f:--}" 'BEGIN{
    r = (k ~ /^[0-9.]+$/ && f ~ /^[0-9.]+$/ && k + 0 > 0) ? sprintf("%.2f", f / k) : "-";
    printf "| %-48s | %12s | %12s | %6s |\n", l, k, f, r }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ print (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b + 0 > 0) ? sprintf("%.2f", a / b) : "-" }'; }
tls_row() {  # tls_row N PROTOCOL LABEL PLAIN_KEY TLS_KEY: both systems, PLAINTEXT and PROTOCOL, TLS/PLAINTEXT, Fjord/Kafka over TLS
  local kp kt fp ft; kp=$(median "$1" kafka "$4"); kt=$(median "$1" kafka "$5"); fp=$(median "$1" fjord "$4"); ft=$(median "$1" fjord "$5")
  printf "| %-36s | %10s | %10s | %6s | %10s | %10s | %6s | %7s |\n" "$3" "$kp" "$kt" "$(ratio "$kt" "$kp")" \
    "$fp" "$ft" "$(ratio "$ft" "$fp")" "$(ratio "$ft" "$kt")"
}
tls_table() {  # tls_table N: one table per TLS protocol
  local p size
  for p in $TLS_PROTOCOLS; do
    echo
    echo "TLS = $p: PLAINTEXT (PT) vs $p, median of $ROUNDS round(s); produce $TLS_STEP ($(step_props "$TLS_STEP")), PT then $p" \
         "back to back each round; consume: the same read of bench-${SIZES%% *} over each"
    printf "| %-36s | %10s | %10s | %6s | %10s | %10s | %6s | %7s |\n" figure "Kafka PT" "Kafka TLS" "TLS/PT" "Fjord PT" \
      "Fjord TLS" "TLS/PT" "F/K TLS"
    printf "|%s|%s|%s|%s|%s|%s|%s|%s|\n" "--------------------------------------" "------------" "------------" "--------" \
      "------------" "------------" "--------" "---------"
    for size in $SIZES; do
      tls_row "$1" "$p" "produce $size B, records/s" "tls.PLAINTEXT.$size.records_s" "tls.$p.$size.records_s"
      tls_row "$1" "$p" "produce $size B, broker CPU s / M rec" "tls.PLAINTEXT.$size.cpu_s_per_M" "tls.$p.$size.cpu_s_per_M"
    done
    tls_row "$1" "$p" "consume ${SIZES%% *} B, records/s" tls.PLAINTEXT.consume.records_s "tls.$p.consume.records_s"
    tls_row "$1" "$p" "consume, fetch-only, records/s" tls.PLAINTEXT.consume.fetch_records_s "tls.$p.consume.fetch_records_s"
    tls_row "$1" "$p" "consume, broker CPU s / M rec" tls.PLAINTEXT.consume.cpu_s_per_M "tls.$p.consume.cpu_s_per_M"
  done
}
{
  for n in $NODES; do
    echo
    echo "== $n node(s)$([ "$n" -gt 1 ] && echo ", RF $n, min.insync.replicas=2"): median of $ROUNDS round(s), $NUM_RECORDS records" \
         "per step, $PARTITIONS partitions, $PRODUCERS producer(s)${KEY_RANGE:+, keyed}; load at end $(cut -d' ' -f1-3 /proc/loadavg)"
    printf "| %-48s | %12s | %12s | %6s |\n|%s|%s|%s|%s|\n" figure "Kafka $KAFKA_VERSION" Fjord F/K \
      "--------------------------------------------------" "--------------" "--------------" "--------"
    for size in $SIZES; do
      for step in $STEPS; do
        row "$n" "produce $step $size B, records/s" "produce.$step.$size.records_s"
        row "$n" "produce $step $size B, p99 ms" "produce.$step.$size.p99_ms"
        row "$n" "produce $step $size B, broker CPU s / M rec" "produce.$step.$size.cpu_s_per_M"
        row "$n" "produce $step $size B, CPU excl. JIT s / M rec" "produce.$step.$size.cpu_nojit_s_per_M"
      done
    done
    row "$n" "consume ${SIZES%% *} B, whole run, records/s" consume.records_s
    row "$n" "consume ${SIZES%% *} B, fetch-only, records/s" consume.fetch_records_s
    row "$n" "consume, broker CPU s / M records" consume.cpu_s_per_M
    row "$n" "consume, CPU excl. JIT s / M records" consume.cpu_nojit_s_per_M
    row "$n" "end-to-end acks=all, avg ms" e2e.avg_ms
    row "$n" "end-to-end acks=all, p50 ms" e2e.p50_ms
    row "$n" "end-to-end acks=all, p99 ms" e2e.p99_ms
    row "$n" "end-to-end acks=all, p99.9 ms" e2e.p999_ms
    row "$n" "RSS idle, MB (all nodes)" rss_idle_mb
    row "$n" "RSS after the run, MB (all nodes)" rss_mb
    row "$n" "start-up, launch -> ready, ms (slowest node)" startup_ms
    case " $STEPS " in *" fsync "*) echo "fsync: acks=all after a restart with fjord.log.fsync.on.ack=true (Fjord)" \
      "or log.flush.interval.messages=1 (Kafka)" ;; esac
    [ -n "$TLS_PROTOCOLS" ] && tls_table "$n"
  done
  echo "raw output: $RESULTS_DIR"
} | tee "$RESULTS_DIR/table.md"
