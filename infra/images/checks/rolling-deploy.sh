# shellcheck shell=bash
# Check: a rolling deploy of the ticket service under load. A new ticket image (the checkout,
# or with SERVICES_IMAGE_TAG that release's image, under its own tag and version label) is
# built alone (images.sh --service ticket --version …), then the replicas are replaced one at a
# time: docker-compose 1.29 has no rolling update, so one more replica is started from the new
# image (`up --scale ticket=N+1 --no-recreate`), and once it is healthy the oldest old one is
# stopped (SIGTERM: it stops accepting, finishes its requests and its workers, within
# stop_grace_period) and removed. The gateway resolves the service name again every 5 s and
# passes a request that found no listener to the next replica (a new replica opens its port once
# ready: LISTEN_WHEN_READY). Goal: not one failed request: no 5xx from the gateway and no
# unexpected answer or timeout (15 s, logged 499 by the gateway) in the load.
check_rolling_deploy() {
  local version out="$work/load-rolling.txt" started replaced=()
  version="rolling-$(date -u +%Y%m%d%H%M%S)"
  started=$EPOCHREALTIME
  if [ -n "${SERVICES_IMAGE_TAG:-}" ]; then
    # A release's images are rehearsed, not the checkout: the new version is that release's
    # ticket image under its own tag and version label.
    printf 'FROM support-center/ticket:%s\n' "$SERVICES_IMAGE_TAG" |
      DOCKER_BUILDKIT=0 docker build -q --label org.opencontainers.image.version="$version" \
        -t "support-center/ticket:$version" - >/dev/null || return 1
  else
    "$here/images.sh" --offline --service ticket --version "$version" || return 1
  fi
  figure "rolling deploy: build of the new ticket image (s)" "$(since "$started")"
  # From now on the compose calls see the new ticket image, as a deploy's override would say.
  printf 'services:\n  ticket:\n    image: support-center/ticket:%s\n' "$version" >"$work/deploy.yml"
  compose_files+=(-f "$work/deploy.yml")

  local old
  mapfile -t old < <(service_containers ticket)
  local load_started=$EPOCHSECONDS
  load_start "${REHEARSAL_ROLLING_LOAD_SECONDS:-120}" "$out"
  sleep 10 # the load runs before the deploy
  started=$EPOCHREALTIME
  local replica known new step
  for replica in "${old[@]}"; do
    step=$EPOCHREALTIME
    mapfile -t known < <(service_containers ticket)
    compose up -d --no-deps --no-recreate --scale "ticket=$((${#known[@]} + 1))" ticket >/dev/null 2>&1 || return 1
    new="$(service_containers ticket | grep -vxF -f <(printf '%s\n' "${known[@]}") | head -1)"
    [ -n "$new" ] || { log "no new ticket replica was started"; return 1; }
    wait_healthy "$new" 180 || { log "$new did not become healthy"; docker logs --tail 30 "$new" >&2; return 1; }
    docker stop -t 20 "$replica" >/dev/null
    docker rm "$replica" >/dev/null
    replaced+=("$replica → $new in $(since "$step") s")
  done
  local deploy_seconds within_load=true
  deploy_seconds="$(since "$started")"
  # Failures after the load ended would go unseen: the deploy must end while it runs.
  kill -0 "$load_pid" 2>/dev/null || within_load=false
  wait "$load_pid" || true
  local versions errors get_errors gave_up
  versions="$(service_containers ticket | xargs -r docker inspect -f '{{index .Config.Labels "org.opencontainers.image.version"}}' | sort | uniq -c | awk '{ printf "%s%s×%s", sep, $2, $1; sep = ", " }')"
  read -r errors get_errors gave_up <<<"$(gateway_outcomes "$load_started")"
  figure "rolling deploy: ${#old[@]} ticket replicas replaced one at a time (s)" "$deploy_seconds (${replaced[*]})"
  figure "rolling deploy: ticket replicas now run" "$versions"
  figure "rolling deploy: load during it" "$(load_summary "$out")"
  figure "rolling deploy: gateway answered 5xx / of them GETs / load gave up (499)" "$errors / $get_errors / $gave_up"
  $within_load || log "the deploy outlasted the load (raise REHEARSAL_ROLLING_LOAD_SECONDS)"
  # A request the load gave up on failed as surely as a 5xx: both count.
  [ "$versions" = "$version×${#old[@]}" ] && [ "$errors" = 0 ] && [ "$(load_failed "$out")" = 0 ] && $within_load || {
    log "rolling deploy load report: $out"
    tail -20 "$out" >&2
    return 1
  }
}
