# shellcheck shell=bash
# Check: a ticket replica crashes under load. Its process is killed from the host with SIGKILL
# (no shutdown runs), the restart policy brings the container back, and the gateway sends the
# GETs that hit the dead replica to the other one (proxy_next_upstream). Only the writes in
# flight on the killed replica may fail: the gateway's access log counts its 5xx answers apart
# from the requests the load gave up on (its 15 s timeout, logged 499), which measure the
# machine's load rather than the crash.
check_crash() {
  local out="$work/load-crash.txt" victim pid restarts killed running='' healthy=''
  victim="$(service_containers ticket | head -1)"
  [ -n "$victim" ] || { log "no ticket replica"; return 1; }
  local load_started=$EPOCHSECONDS
  load_start 60 "$out"
  sleep 15 # the load runs before the crash
  pid="$(docker inspect -f '{{.State.Pid}}' "$victim")"
  restarts="$(docker inspect -f '{{.RestartCount}}' "$victim")"
  killed=$EPOCHREALTIME
  log "crash: kill -9 $pid ($victim's main process)"
  kill -9 "$pid"
  local deadline=$((SECONDS + 180))
  while ((SECONDS < deadline)); do
    if [ -z "$running" ] && [ "$(docker inspect -f '{{.RestartCount}} {{.State.Running}}' "$victim")" = "$((restarts + 1)) true" ]; then
      running="$(since "$killed")"
    fi
    if [ -n "$running" ] && [ "$(container_health "$victim")" = healthy ]; then
      healthy="$(since "$killed")"
      break
    fi
    sleep 0.5
  done
  wait "$load_pid" || true
  local get_failed errors get_errors gave_up
  get_failed="$(load_failed "$out" 'list tickets' 'missing ticket')"
  read -r errors get_errors gave_up <<<"$(gateway_outcomes "$load_started")"
  figure "crash: SIGKILL → ticket replica running again (s)" "${running:-never}"
  figure "crash: SIGKILL → ticket replica healthy (s)" "${healthy:-never}"
  figure "crash: load during it" "$(load_summary "$out"), of them GETs: $get_failed"
  figure "crash: gateway answered 5xx / of them GETs / load gave up (499)" "$errors / $get_errors / $gave_up"
  [ -n "$healthy" ] && [ "$get_failed" = 0 ] && [ "$get_errors" = 0 ] || {
    log "crash load report: $out"
    tail -20 "$out" >&2
    return 1
  }
}
