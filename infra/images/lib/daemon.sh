# shellcheck shell=bash
# The Docker daemon the images are built in and the rehearsal runs on. Sourced by images.sh and
# rehearse.sh.
#
# An existing daemon is used when DOCKER_HOST answers (or, without DOCKER_HOST, the default
# socket). Otherwise this starts its own dockerd (Debian's docker.io, as root) with its own
# socket, data root and exec root under SUPPORT_DOCKER_DIR (default: the OS temp dir), never
# inside the checkout, so the image cache survives between runs; daemon_stop stops it again,
# and only when this process started it.

SUPPORT_DOCKER_DIR="${SUPPORT_DOCKER_DIR:-${TMPDIR:-/tmp}/support-center-docker}"
DAEMON_STARTED_PID=''

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Debian packages that are missing, installed the way .ci/run installs its tools.
ensure_packages() {
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  ((${#missing[@]})) || return 0
  [ "$(id -u)" = 0 ] || die "missing Debian packages: ${missing[*]} (apt-get install ${missing[*]})"
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

daemon_answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

daemon_ensure() {
  ensure_packages docker.io
  if [ -n "${DOCKER_HOST:-}" ] && daemon_answers; then
    log "using the Docker daemon at $DOCKER_HOST"
    return
  fi
  local socket="$SUPPORT_DOCKER_DIR/docker.sock"
  export DOCKER_HOST="unix://$socket"
  if daemon_answers; then
    log "using the Docker daemon at $DOCKER_HOST (already running)"
    return
  fi
  [ "$(id -u)" = 0 ] || die "dockerd must run as root to be started here; or set DOCKER_HOST to a running daemon"
  mkdir -p "$SUPPORT_DOCKER_DIR/data" "$SUPPORT_DOCKER_DIR/exec"
  # A daemon of an earlier run that is still stopping holds the pid file: wait for it (30 s);
  # a pid file whose process is gone is stale.
  local pidfile="$SUPPORT_DOCKER_DIR/dockerd.pid" previous waited_stop=0
  previous="$(cat "$pidfile" 2>/dev/null || true)"
  while [ -n "$previous" ] && kill -0 "$previous" 2>/dev/null && ((waited_stop++ < 60)); do sleep 0.5; done
  [ -z "$previous" ] || ! kill -0 "$previous" 2>/dev/null || die "dockerd $previous still runs on $SUPPORT_DOCKER_DIR"
  rm -f "$socket" "$pidfile"
  PATH="$PATH:/usr/sbin:/sbin" dockerd --data-root "$SUPPORT_DOCKER_DIR/data" --exec-root "$SUPPORT_DOCKER_DIR/exec" \
    --pidfile "$pidfile" -H "$DOCKER_HOST" >"$SUPPORT_DOCKER_DIR/dockerd.log" 2>&1 &
  DAEMON_STARTED_PID=$!
  local waited=0
  until daemon_answers; do
    kill -0 "$DAEMON_STARTED_PID" 2>/dev/null || die "dockerd exited: $(tail -5 "$SUPPORT_DOCKER_DIR/dockerd.log")"
    ((waited++ < 120)) || die "dockerd did not answer within 60 s (log: $SUPPORT_DOCKER_DIR/dockerd.log)"
    sleep 0.5
  done
  log "started dockerd (pid $DAEMON_STARTED_PID) at $DOCKER_HOST"
}

daemon_stop() {
  [ -n "$DAEMON_STARTED_PID" ] || return 0
  log "stopping the dockerd this run started (pid $DAEMON_STARTED_PID)"
  kill -TERM "$DAEMON_STARTED_PID" 2>/dev/null || true
  local waited=0
  while kill -0 "$DAEMON_STARTED_PID" 2>/dev/null && ((waited++ < 60)); do sleep 0.5; done
  DAEMON_STARTED_PID=''
}
