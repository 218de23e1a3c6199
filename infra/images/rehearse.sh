#!/usr/bin/env bash
# npm run rehearse: runs docker-compose.prod.yml on this machine, from images built here, and
# checks what the deployment promises (README, "Production rehearsal"):
#   1. the images: `images.sh --offline` builds what is missing (tags keyed by their inputs);
#   2. `up` of the production file plus docker-compose.offline.yml (third-party images swapped,
#      Grafana left out: nothing here can build it), with generated secrets in an env file
#      outside the checkout;
#   3. every container healthy and every init job exited 0, and the time from `up` to that;
#   4. the README's Verify section through the published ports: the gateway's /health and JWKS,
#      one route of each service through the gateway (answered by the service, not the gateway's
#      404), Prometheus's targets with every replica up and one `up` series per instance, its
#      rules loaded, Alertmanager healthy;
#   5. under load (npm run load through the gateway, accounts made for it), each check in its
#      own file of checks/: a minute of load with no unexpected answer (load.sh); the alert
#      for a stopped realtime delivered to a receiver run here, with a runbook link that works
#      (alerts.sh, whose resolved half runs last); a ticket replica killed with SIGKILL
#      (crash.sh); a rolling deploy of a new ticket image (rolling-deploy.sh); Kafka and
#      MongoDB restarted, every accepted write stored and published (engine-restart.sh);
#   6. `down -v`, then no container, network or volume of the project is left.
# The Docker daemon is the one DOCKER_HOST names, or one started here and stopped at the end.
# A table of figures closes the run; the exit code is 0 only when every check passed.
#
# Environment: GATEWAY_PORT, PROMETHEUS_PORT, ALERTMANAGER_PORT (8000, 9090, 9093),
# REHEARSAL_KEEP=1 (leave the stack running), SUPPORT_DOCKER_DIR (lib/daemon.sh),
# REHEARSAL_RECEIVER_PORT (9095: the alert receiver, on the stack network's gateway address),
# REHEARSAL_LOAD_RATE (5 actions/s), REHEARSAL_LOAD_SECONDS (60), REHEARSAL_CHECKS (the checks
# under load to run, space- or comma-separated: load, alerts, crash, rolling-deploy,
# engine-restart; all by default).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=lib/daemon.sh
source "$here/lib/daemon.sh"
for part in containers load alerts crash rolling-deploy engine-restart; do
  # shellcheck source=/dev/null
  source "$here/checks/$part.sh"
done

project=support-center-rehearsal
work="$SUPPORT_DOCKER_DIR/rehearsal"
mkdir -p "$work"
env_file="$work/rehearsal.env"
images_env="$work/images.env"
gateway_port="${GATEWAY_PORT:-8000}"
prometheus_port="${PROMETHEUS_PORT:-9090}"
alertmanager_port="${ALERTMANAGER_PORT:-9093}"
# The host as the stack's containers reach it: the first address of the compose network.
receiver_host="${REHEARSAL_RECEIVER_HOST:-172.28.0.1}"
receiver_port="${REHEARSAL_RECEIVER_PORT:-9095}"
alerts_file="$work/alerts.jsonl"
receiver_pid=''
compose_files=(-f "$repo/docker-compose.prod.yml" -f "$here/docker-compose.offline.yml")
started_stack=false
failures=0
figures=()

figure() { figures+=("$1 | $2"); }
check() {
  local name="$1"
  shift
  if "$@"; then
    figure "$name" ok
  else
    figure "$name" FAILED
    failures=$((failures + 1))
  fi
}

compose() {
  docker-compose --project-name "$project" --env-file "$env_file" "${compose_files[@]}" "$@"
}

finish() {
  local status=$?
  [ -z "$load_pid" ] || kill "$load_pid" 2>/dev/null || true
  [ -z "$receiver_pid" ] || kill "$receiver_pid" 2>/dev/null || true
  if [ "${REHEARSAL_KEEP:-}" = 1 ]; then
    # The kept stack needs its daemon: it stays up too.
    [ -z "$DAEMON_STARTED_PID" ] || log "dockerd (pid $DAEMON_STARTED_PID) keeps running: DOCKER_HOST=$DOCKER_HOST"
    exit "$status"
  fi
  if $started_stack; then
    compose down -v --remove-orphans >/dev/null 2>&1 || true
  fi
  daemon_stop
  exit "$status"
}
trap finish EXIT

rehearsal_started=$SECONDS
daemon_ensure
ensure_packages docker-compose apache2-utils

# --- 1. images ------------------------------------------------------------------------------
images_started=$SECONDS
"$here/images.sh" --offline --env-file "$images_env"
figure "images: build or cache check (s)" $((SECONDS - images_started))

# --- 2. up ----------------------------------------------------------------------------------
secret() { od -An -N18 -tx1 /dev/urandom | tr -d ' \n'; }
monitoring_password="$(secret)"
admin_password="$(secret)"
{
  cat "$images_env"
  cat <<VARS
GATEWAY_PORT=$gateway_port
PROMETHEUS_PORT=$prometheus_port
ALERTMANAGER_PORT=$alertmanager_port
MONGO_ROOT_PASSWORD=$(secret)
MONGO_APP_PASSWORD=$(secret)
MINIO_ROOT_USER=rehearsal-admin
MINIO_ROOT_PASSWORD=$(secret)
S3_ACCESS_KEY=rehearsal-file
S3_SECRET_KEY=$(secret)
AUTH_BOOTSTRAP_ADMIN_PASSWORD=$admin_password
AUTH_LOCKOUT_ADDRESS_THRESHOLD=100000
MONITORING_PASSWORD=$monitoring_password
MONITORING_PASSWORD_HASH='$(htpasswd -nbBC 10 '' "$monitoring_password" | tr -d ':\n')'
ALERT_WEBHOOK_URL=http://$receiver_host:$receiver_port/
RUNBOOK_BASE_URL=http://$receiver_host:$receiver_port/docs
GRAFANA_ADMIN_PASSWORD=$(secret)
VARS
} >"$env_file"
chmod 600 "$env_file"

# Every service of the production file but Grafana.
mapfile -t services < <(compose config --services | grep -vx grafana)
# A stack left by an earlier run (REHEARSAL_KEEP=1) goes first; then the ports must be free.
compose down -v --remove-orphans >/dev/null 2>&1 || true
for port in "$gateway_port" "$prometheus_port" "$alertmanager_port" "$receiver_port"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then die "port $port is in use on this host"; fi
done
: >"$alerts_file"
node "$here/checks/alert-receiver.js" "$receiver_port" "$alerts_file" "$repo/docs" &
receiver_pid=$!
log "up: ${services[*]}"
started_stack=true
up_started=$SECONDS
if compose up -d --no-build "${services[@]}"; then
  figure "up: command returned after (s)" $((SECONDS - up_started))
else
  figure "up: command" FAILED
  failures=$((failures + 1))
fi

# --- 3. healthy -----------------------------------------------------------------------------
init_jobs=(kafka-init minio-init)
# Prints one line per container: name, state, health (or "-"), exit code.
container_states() {
  docker ps -a --filter "label=com.docker.compose.project=$project" -q |
    xargs -r docker inspect --format \
      '{{index .Config.Labels "com.docker.compose.service"}} {{.Name}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}-{{end}} {{.State.ExitCode}}'
}
all_ready() {
  local service name status health code seen=0
  while read -r service name status health code; do
    seen=$((seen + 1))
    if [[ " ${init_jobs[*]} " == *" $service "* ]]; then
      [ "$status" = exited ] || return 1
      [ "$code" = 0 ] || { log "$name exited $code"; return 2; }
    else
      [ "$status" = running ] && [ "$health" = healthy ] || return 1
    fi
  done < <(container_states)
  ((seen > 0))
}
deadline=$((SECONDS + 600))
ready=false
while ((SECONDS < deadline)); do
  result=0
  all_ready || result=$?
  if ((result == 0)); then ready=true; break; fi
  ((result == 2)) && break
  sleep 2
done
container_states | sort | sed 's/^/  /' >&2
if $ready; then
  figure "up → every container healthy, init jobs exited 0 (s)" $((SECONDS - up_started))
else
  figure "up → every container healthy, init jobs exited 0" FAILED
  failures=$((failures + 1))
  # The logs of every container that is not healthy, or exited with a failure.
  container_states | while read -r service name status health code; do
    [ "$health" = healthy ] || { [ "$status" = exited ] && [ "$code" = 0 ]; } && continue
    log "$name: $status $health $code"
    docker logs --tail 30 "$name" >&2 || true
  done
fi
figure "containers" "$(container_states | wc -l) ($(container_states | awk '{print $1}' | sort | uniq -c | awk '{printf "%s%s×%s", sep, $2, $1; sep=", "}'))"

# --- 4. the Verify section -------------------------------------------------------------------
gateway="http://127.0.0.1:$gateway_port"
prometheus="http://monitoring:$monitoring_password@127.0.0.1:$prometheus_port"
alertmanager="http://monitoring:$monitoring_password@127.0.0.1:$alertmanager_port"
json() { node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const j=JSON.parse(s);process.stdout.write(String(($1)(j)))})"; }

check "gateway GET /health → 200" curl -fsS -o /dev/null "$gateway/health"
jwks_keys="$(curl -fsS "$gateway/.well-known/jwks.json" | json 'j => j.keys.length' || echo 0)"
check "gateway GET /.well-known/jwks.json → keys ($jwks_keys)" test "$jwks_keys" -ge 1
# One route of each service: the service answers (401 without a token), not the gateway's 404.
for route in /api/v1/auth/me /api/v1/users /api/v1/tickets /api/v1/files/x /api/v1/chat/x/messages; do
  status="$(curl -s -o /dev/null -w '%{http_code}' "$gateway$route" || true)"
  check "gateway GET $route → $status (the service's 401)" test "$status" = 401
done

targets="$(curl -fsS "$prometheus/api/v1/targets?state=active" || echo '{}')"
for job in auth ticket file realtime prometheus; do
  expected=1
  [[ $job == ticket || $job == file ]] && expected=2
  up="$(printf '%s' "$targets" | json "j => j.data.activeTargets.filter(t => t.labels.job === '$job' && t.health === 'up').length" || echo 0)"
  # Scrapes run every 15 s: a replica seen healthy may not be scraped yet.
  waited=0
  while [ "$up" -lt "$expected" ] && ((waited++ < 20)); do
    sleep 2
    targets="$(curl -fsS "$prometheus/api/v1/targets?state=active" || echo '{}')"
    up="$(printf '%s' "$targets" | json "j => j.data.activeTargets.filter(t => t.labels.job === '$job' && t.health === 'up').length" || echo 0)"
  done
  check "prometheus targets up, job $job: $up of $expected" test "$up" = "$expected"
done
series="$(curl -fsS "$prometheus/api/v1/query" --data-urlencode 'query=up' | json 'j => j.data.result.length' || echo 0)"
instances="$(curl -fsS "$prometheus/api/v1/query" --data-urlencode 'query=count(count by (job, instance) (up))' | json 'j => j.data.result[0].value[1]' || echo -1)"
check "prometheus: one up series per instance ($series series, $instances instances)" test "$series" = "$instances"
rules="$(curl -fsS "$prometheus/api/v1/rules" | json 'j => j.data.groups.reduce((n, g) => n + g.rules.length, 0)' || echo 0)"
check "prometheus: alerting rules loaded ($rules)" test "$rules" -ge 1
check "alertmanager GET /-/healthy → 200" curl -fsS -o /dev/null "$alertmanager/-/healthy"
check "alertmanager: Prometheus sends to it" \
  test "$(curl -fsS "$prometheus/api/v1/alertmanagers" | json 'j => j.data.activeAlertmanagers.length' || echo 0)" -ge 1

# --- 5. under load ------------------------------------------------------------------------------
# The load generator runs from its build (a fresh checkout has none before the tests built it).
[ -f "$repo/infra/load/dist/main.js" ] || (cd "$repo" && npm run build --silent -w infra/load)
# REHEARSAL_CHECKS names the checks to run (all by default), e.g. "rolling-deploy" to repeat one.
selected() { [ -z "${REHEARSAL_CHECKS:-}" ] || [[ " ${REHEARSAL_CHECKS//,/ } " == *" $1 "* ]]; }
if load_accounts; then
  selected load && check "load: a minute through the gateway, no unexpected answer" check_load
  selected alerts && check "alert: BackendServiceDown delivered, severity critical, runbook link works" check_alert_fires
  selected crash && check "crash: ticket replica restarted, no GET failed" check_crash
  selected rolling-deploy && check "rolling deploy: ticket replaced under load, no request failed" check_rolling_deploy
  selected engine-restart && check "engines: every accepted write stored and published" check_engine_restart
  selected alerts && check "alert: resolved notification delivered" check_alert_resolves
else
  figure "load accounts" FAILED
  failures=$((failures + 1))
fi

# --- 6. down -v -------------------------------------------------------------------------------
if [ "${REHEARSAL_KEEP:-}" = 1 ]; then
  log "REHEARSAL_KEEP=1: the stack stays up (project $project)"
else
  down_started=$SECONDS
  compose down -v --remove-orphans
  started_stack=false
  figure "down -v (s)" $((SECONDS - down_started))
  left="$(docker ps -aq --filter "label=com.docker.compose.project=$project" | wc -l)"
  left_networks="$(docker network ls -q --filter "label=com.docker.compose.project=$project" | wc -l)"
  left_volumes="$(docker volume ls -q --filter "label=com.docker.compose.project=$project" | wc -l)"
  check "down -v leaves nothing ($left containers, $left_networks networks, $left_volumes volumes)" \
    test "$left$left_networks$left_volumes" = 000
fi

figure "grafana" "not run: no registry here ships it"
figure "rehearsal total (s)" $((SECONDS - rehearsal_started))
printf '\nfigure | value\n'
printf '%s\n' "${figures[@]}"
((failures == 0)) || die "$failures check(s) failed"
