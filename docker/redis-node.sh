#!/bin/sh
# Entrypoint of the Redis containers of docker-compose.yml: renders the SAME templates as the local
# launcher (scripts/topology/config, mounted read-only at $TEMPLATES) with sed, then execs redis-server.
#
#   redis-node.sh data       a data node (master, or replica when REPLICA_OF="host port" is set)
#   redis-node.sh sentinel   a sentinel monitoring MASTER_HOST:MASTER_PORT as MASTER_NAME
#
# Environment: REDIS_PASSWORD (required; every ACL user's password), ACL_MODE (a mode of the templates:
# fixed, seed, least-privilege; default fixed), APP_KEY_PATTERNS (least-privilege only: the app user's
# key patterns, space-separated, without "~"; default "cache:*" as the launcher), NODE_PORT,
# ANNOUNCE_IP (the address the node is reached at on the compose network);
# sentinels also MASTER_NAME, MASTER_HOST, MASTER_PORT, DOWN_AFTER_MS, FAILOVER_TIMEOUT_MS.
# RENDER_ONLY=1 writes the files to $OUT_DIR and exits (used by test/e2e/compose.spec.ts).
#
# Only networking differs from the local launcher, on exactly these lines of the templates:
#   bind 127.0.0.1                    -> bind 0.0.0.0 (the compose network, not loopback)
#   sentinel announce-ip 127.0.0.1    -> sentinel announce-ip $ANNOUNCE_IP
#   sentinel monitor <name> 127.0.0.1 -> sentinel monitor <name> $MASTER_HOST
#   dir / logfile / port / aclfile    -> $OUT_DIR, stdout, $NODE_PORT, $OUT_DIR/users.acl
set -eu

die() { echo "redis-node.sh: $*" >&2; exit 64; }

role="${1:-}"
[ "$role" = data ] || [ "$role" = sentinel ] || die "usage: redis-node.sh data|sentinel"
TEMPLATES="${TEMPLATES:-/templates}"
OUT_DIR="${OUT_DIR:-/data}"
ACL_MODE="${ACL_MODE:-fixed}"
: "${REDIS_PASSWORD:?REDIS_PASSWORD must be set}"
: "${NODE_PORT:?NODE_PORT must be set}"
: "${ANNOUNCE_IP:?ANNOUNCE_IP must be set}"
case "$ACL_MODE" in ''|*[!a-z-]*) die "ACL_MODE must be a mode of the templates (fixed, seed, ...), got '$ACL_MODE'" ;; esac
[ -f "$TEMPLATES/users.$ACL_MODE.acl.tmpl" ] || die "no template users.$ACL_MODE.acl.tmpl in $TEMPLATES"
# Same rule as render-config.ts: the password is written unquoted into config and ACL lines.
case "$REDIS_PASSWORD" in
  *[[:space:]\"\'\\]*) die "REDIS_PASSWORD must not contain whitespace, quotes or backslashes" ;;
esac
for value in "$NODE_PORT" "${MASTER_PORT:-1}" "${DOWN_AFTER_MS:-1}" "${FAILOVER_TIMEOUT_MS:-1}"; do
  case "$value" in ''|*[!0-9]*) die "ports and durations must be positive integers, got '$value'" ;; esac
done

# The password as a sed replacement (| is the delimiter; & and | are special there).
password=$(printf '%s' "$REDIS_PASSWORD" | sed -e 's/[&|]/\\&/g')
# {{ app_key_patterns }}: "cache:* x:*" -> "~cache:* ~x:*", as render-config.ts renderKeyPatterns.
patterns=""
set -f
for pattern in ${APP_KEY_PATTERNS:-cache:*}; do
  case "$pattern" in [~%]*|*[\"\'\\]*) die "APP_KEY_PATTERNS: '$pattern' must be a key pattern like cache:* (no ~, quotes or backslashes)" ;; esac
  patterns="${patterns:+$patterns }~$pattern"
done
set +f
patterns=$(printf '%s' "$patterns" | sed -e 's/[&|]/\\&/g')
strip_comments() { sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d'; }

mkdir -p "$OUT_DIR"
umask 077

if [ "$role" = data ]; then
  conf="$OUT_DIR/redis.conf"
  sed -e "s|{{ *port *}}|$NODE_PORT|g" \
      -e "s|{{ *dir *}}|$OUT_DIR|g" \
      -e "s|{{ *logfile *}}|\"\"|g" \
      -e "s|{{ *aclfile *}}|$OUT_DIR/users.acl|g" \
      -e "s|{{ *redis_password *}}|$password|g" \
      -e 's|^bind 127\.0\.0\.1$|bind 0.0.0.0|' \
      "$TEMPLATES/redis.conf.tmpl" > "$conf"
  sed -e "s|{{ *redis_password *}}|$password|g" -e "s|{{ *app_key_patterns *}}|$patterns|g" \
    "$TEMPLATES/users.$ACL_MODE.acl.tmpl" | strip_comments > "$OUT_DIR/users.acl"
  if [ -n "${REPLICA_OF:-}" ]; then
    # As the local launcher does: replicas start as replicas of the initial master.
    printf 'replicaof %s\n' "$REPLICA_OF" >> "$conf"
  fi
  # The address this node announces to its master (which reports it to the sentinels).
  printf 'replica-announce-ip %s\n' "$ANNOUNCE_IP" >> "$conf"
  [ "${RENDER_ONLY:-}" = 1 ] && exit 0
  exec redis-server "$conf"
fi

: "${MASTER_NAME:?MASTER_NAME must be set}"
: "${MASTER_HOST:?MASTER_HOST must be set}"
: "${MASTER_PORT:?MASTER_PORT must be set}"
: "${DOWN_AFTER_MS:?DOWN_AFTER_MS must be set}"
: "${FAILOVER_TIMEOUT_MS:?FAILOVER_TIMEOUT_MS must be set}"
conf="$OUT_DIR/sentinel.conf"
{
  sed -e "s|{{ *port *}}|$NODE_PORT|g" \
      -e "s|{{ *dir *}}|$OUT_DIR|g" \
      -e "s|{{ *logfile *}}|\"\"|g" \
      -e "s|{{ *master_name *}}|$MASTER_NAME|g" \
      -e "s|{{ *master_port *}}|$MASTER_PORT|g" \
      -e "s|{{ *down_after_ms *}}|$DOWN_AFTER_MS|g" \
      -e "s|{{ *failover_timeout_ms *}}|$FAILOVER_TIMEOUT_MS|g" \
      -e "s|{{ *redis_password *}}|$password|g" \
      -e 's|^bind 127\.0\.0\.1$|bind 0.0.0.0|' \
      -e "s|^sentinel announce-ip 127\.0\.0\.1$|sentinel announce-ip $ANNOUNCE_IP|" \
      -e "s|^\(sentinel monitor [^ ]*\) 127\.0\.0\.1 |\1 $MASTER_HOST |" \
      "$TEMPLATES/sentinel.conf.tmpl"
  sed -e "s|{{ *redis_password *}}|$password|g" "$TEMPLATES/sentinel-users.$ACL_MODE.acl.tmpl" | strip_comments
} > "$conf"
[ "${RENDER_ONLY:-}" = 1 ] && exit 0
exec redis-server "$conf" --sentinel
