#!/usr/bin/env bash
# tls-compare.sh: TLS against PLAINTEXT on one Fjord node. The node serves a PLAINTEXT and an SSL listener (key and
# trust stores made here by keytool, in a temp folder, deleted at the end); Kafka's own ProducerPerformance and
# ConsumerPerformance (kafka-tools jars from $ANCHOR_HOME/lib, as cluster-compare.sh uses) run against each
# listener in turn; the broker's CPU (utime+stime from /proc) is read around every run.
#   NUM_RECORDS (1M) x RECORD_SIZE (100 B), acks=all linger.ms=5 batch.size=65536, PARTITIONS (6).
# The consumer figure shows what TLS costs most: fetches leave the page cache by sendfile on PLAINTEXT and are
# copied through the TLS engine on SSL.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ANCHOR_HOME="${ANCHOR_HOME:-$HOME/.cache/anchor-kafka}"
LIB="$ANCHOR_HOME/lib"
JAVA="${JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/}java}"
KEYTOOL="$(dirname "$(readlink -f "$(command -v "$JAVA")")")/keytool"
NUM_RECORDS="${NUM_RECORDS:-1000000}"
RECORD_SIZE="${RECORD_SIZE:-100}"
PARTITIONS="${PARTITIONS:-6}"
STEP_TIMEOUT="${STEP_TIMEOUT:-600}"
CLK_TCK="$(getconf CLK_TCK)"
PW=bench-store-pw
DIR="$(mktemp -d)"
PID=""
cleanup() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID"; for _ in $(seq 1 300); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$PID" 2>/dev/null; wait "$PID" 2>/dev/null
  fi
  rm -rf "$DIR"
}
trap cleanup EXIT
log() { echo "[$(date +%H:%M:%S)] $*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ticks() { awk '{print $14+$15}' "/proc/$PID/stat"; }

[ -d "$LIB" ] || { echo "no Kafka jars in $LIB" >&2; exit 1; }
"$KEYTOOL" -genkeypair -keystore "$DIR/broker.p12" -storetype PKCS12 -storepass $PW -keypass $PW -alias broker \
  -keyalg EC -groupname secp256r1 -dname "CN=localhost" -ext "SAN=ip:127.0.0.1,dns:localhost" -validity 2 >/dev/null 2>&1
"$KEYTOOL" -exportcert -keystore "$DIR/broker.p12" -storepass $PW -alias broker -file "$DIR/broker.crt" >/dev/null 2>&1
"$KEYTOOL" -importcert -noprompt -keystore "$DIR/trust.p12" -storetype PKCS12 -storepass $PW -alias broker \
  -file "$DIR/broker.crt" >/dev/null 2>&1
P1=$(free_port); P2=$(free_port)
cat > "$DIR/server.properties" <<PROPS
node.id=1
listeners=PLAINTEXT://127.0.0.1:$P1,SSL://127.0.0.1:$P2
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SSL:SSL,CONTROLLER:PLAINTEXT
log.dirs=$DIR/data
num.partitions=$PARTITIONS
offsets.topic.replication.factor=1
ssl.keystore.type=PKCS12
ssl.keystore.location=$DIR/broker.p12
ssl.keystore.password=$PW
PROPS
FJORD_HEAP_OPTS="${FJORD_HEAP_OPTS:--Xmx1G -Xms1G}" "$ROOT/bin/fjord" server "$DIR/server.properties" > "$DIR/fjord.log" 2>&1 &
PID=$!
for _ in $(seq 1 600); do (exec 3<>"/dev/tcp/127.0.0.1/$P2") 2>/dev/null && break; sleep 0.1; done
log "Fjord $(git -C "$ROOT" rev-parse --short HEAD) on PLAINTEXT :$P1 and SSL :$P2; $NUM_RECORDS x $RECORD_SIZE B;" \
    "$("$JAVA" -version 2>&1 | head -1); load $(cut -d' ' -f1-3 /proc/loadavg)"
SSL_PROPS=(security.protocol=SSL ssl.truststore.type=PKCS12 ssl.truststore.location="$DIR/trust.p12" ssl.truststore.password=$PW)
for proto in PLAINTEXT SSL; do
  if [ $proto = PLAINTEXT ]; then port=$P1; extra=(); else port=$P2; extra=("${SSL_PROPS[@]}"); fi
  printf '%s\n' "${extra[@]}" > "$DIR/client-$proto.properties"
  c0=$(ticks); t0=$(date +%s%3N)
  out=$(timeout "$STEP_TIMEOUT" "$JAVA" -Xmx512M -cp "$LIB/*" org.apache.kafka.tools.ProducerPerformance \
        --bootstrap-server 127.0.0.1:$port --topic "perf-$proto" --num-records "$NUM_RECORDS" --record-size "$RECORD_SIZE" \
        --throughput -1 --command-property acks=all linger.ms=5 batch.size=65536 "${extra[@]}" 2>&1 | grep '99.9th' | tail -1)
  c1=$(ticks); t1=$(date +%s%3N)
  echo "$proto produce: $out"
  awk -v a="$c0" -v b="$c1" -v t="$CLK_TCK" -v n="$NUM_RECORDS" -v p="$proto" \
    'BEGIN { printf "%s produce: broker CPU %.1f s (%.2f s per M records)\n", p, (b-a)/t, (b-a)/t/(n/1e6) }'
  c0=$(ticks)
  out=$(timeout "$STEP_TIMEOUT" "$JAVA" -Xmx512M -cp "$LIB/*" org.apache.kafka.tools.ConsumerPerformance \
        --bootstrap-server 127.0.0.1:$port --topic "perf-$proto" --num-records "$NUM_RECORDS" --timeout 60000 \
        --command-config "$DIR/client-$proto.properties" 2>&1 | tail -1)
  c1=$(ticks)
  echo "$proto consume (start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, ...): $out"
  awk -v a="$c0" -v b="$c1" -v t="$CLK_TCK" -v n="$NUM_RECORDS" -v p="$proto" \
    'BEGIN { printf "%s consume: broker CPU %.1f s (%.2f s per M records)\n", p, (b-a)/t, (b-a)/t/(n/1e6) }'
done
log "done; load $(cut -d' ' -f1-3 /proc/loadavg)"
