#!/usr/bin/env bash
# The production shape with local processes (no Docker on the build machines): three
# `idp serve` instances on one PostgreSQL + Redis, behind nginx terminating TLS, and one
# `idp worker`.
#
#   scripts/cluster.sh start     # prints the issuer; state, logs and pids in $CLUSTER_DIR
#   scripts/cluster.sh stop
#   source "$CLUSTER_DIR/env"    # then `idp …` commands act on the cluster's database
#
# Settings (environment): CLUSTER_DIR (instance/cluster), IDP_DATABASE_URL
# (postgresql+psycopg://postgres@127.0.0.1:5432/idp_cluster, created if missing),
# IDP_REDIS_URL (redis://127.0.0.1:6379/12), CLUSTER_PORTS ("5101 5102 5103"),
# PROXY_PORT (8443), IDP_SMTP_URL (unset: each instance's outbox folder).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${CLUSTER_DIR:-$ROOT/instance/cluster}"
PORTS="${CLUSTER_PORTS:-5101 5102 5103}"
PROXY_PORT="${PROXY_PORT:-8443}"
IDP="${IDP:-$ROOT/.venv/bin/idp}"

start() {
  mkdir -p "$DIR/nginx-tmp"
  command -v nginx >/dev/null || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
  }
  "$ROOT/scripts/services.sh"
  local database="${IDP_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/idp_cluster}"
  local name="${database##*/}"
  psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" \
    | grep -q 1 || psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE \"$name\""
  [ -f "$DIR/secrets" ] || {
    umask 077
    printf 'IDP_SECRET_KEY=%s\nIDP_KEY_ENCRYPTION_KEY=%s\n' \
      "$(openssl rand -base64 48 | tr -d '\n')" "$(openssl rand -base64 32 | tr -d '\n')" \
      >"$DIR/secrets"
  }
  cat >"$DIR/env" <<ENV
set -a
. "$DIR/secrets"
IDP_ENVIRONMENT=production
IDP_ISSUER=https://127.0.0.1:$PROXY_PORT
IDP_DATABASE_URL=$database
IDP_REDIS_URL=${IDP_REDIS_URL:-redis://127.0.0.1:6379/12}
IDP_INSTANCE_DIR=$DIR/instance
${IDP_SMTP_URL:+IDP_SMTP_URL=$IDP_SMTP_URL}
set +a
ENV
  # shellcheck disable=SC1091
  . "$DIR/env"
  "$IDP" init >"$DIR/init.log"
  [ -f "$DIR/tls.crt" ] || openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=127.0.0.1 \
    -addext "subjectAltName=IP:127.0.0.1" -keyout "$DIR/tls.key" -out "$DIR/tls.crt" 2>/dev/null
  local upstreams="" n=0
  for port in $PORTS; do
    n=$((n + 1))
    upstreams+="        server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"$'\n'
    IDP_INSTANCE_DIR="$DIR/instance$n" \
      setsid "$IDP" serve --port "$port" --workers 1 >"$DIR/idp$n.log" 2>&1 &
    echo $! >"$DIR/idp$n.pid"
  done
  sed -e "s|@DIR@|$DIR|g" -e "s|@PROXY_PORT@|$PROXY_PORT|g" "$ROOT/deploy/nginx.conf.template" \
    | awk -v up="$upstreams" '{ if ($0 == "@UPSTREAMS@") printf "%s", up; else print }' \
    >"$DIR/nginx.conf"
  nginx -c "$DIR/nginx.conf" -e "$DIR/nginx-error.log"
  setsid "$IDP" worker >"$DIR/worker.log" 2>&1 &
  echo $! >"$DIR/worker.pid"
  for port in $PORTS; do
    for _ in $(seq 1 100); do
      curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
      sleep 0.2
    done
    curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null || {
      echo "instance on port $port did not start: see $DIR" >&2
      exit 1
    }
  done
  echo "cluster up: https://127.0.0.1:$PROXY_PORT (instances on $PORTS; state in $DIR)"
}

stop() {
  [ -f "$DIR/nginx.pid" ] && nginx -c "$DIR/nginx.conf" -e "$DIR/nginx-error.log" -s stop || true
  for pidfile in "$DIR"/idp*.pid "$DIR/worker.pid"; do
    [ -f "$pidfile" ] || continue
    kill -TERM -- "-$(cat "$pidfile")" 2>/dev/null || true  # the whole process group
    rm -f "$pidfile"
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
