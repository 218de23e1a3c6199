# shellcheck shell=bash
# Container helpers for the rehearsal's checks. Sourced by rehearse.sh (which defines project).

# The containers of one compose service, oldest first.
service_containers() {
  docker ps -q --filter "label=com.docker.compose.project=$project" \
    --filter "label=com.docker.compose.service=$1" |
    xargs -r docker inspect --format '{{.Created}} {{.Name}}' | sort | awk '{ sub("^/", "", $2); print $2 }'
}

container_health() { docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$1" 2>/dev/null; }

# wait_healthy CONTAINER SECONDS: until its healthcheck says healthy.
wait_healthy() {
  local deadline=$((SECONDS + $2))
  until [ "$(container_health "$1")" = healthy ]; do
    ((SECONDS < deadline)) || return 1
    sleep 1
  done
}

# Seconds since an $EPOCHREALTIME, one decimal.
since() { awk -v from="$1" -v now="$EPOCHREALTIME" 'BEGIN { printf "%.1f", now - from }'; }

# What the gateway's access log says of the requests since a moment (epoch seconds):
# "<5xx answers> <of them GETs> <requests the client gave up on (499)>".
gateway_outcomes() {
  docker logs --since "$1" "$(service_containers gateway | head -1)" 2>/dev/null |
    awk '$5 ~ /^5[0-9][0-9]$/ { n++; if ($2 == "\"GET") g++ } $5 == 499 { t++ } END { print n + 0, g + 0, t + 0 }'
}
