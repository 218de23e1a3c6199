# shellcheck shell=bash
# The load the rehearsal's checks run (npm run load, infra/load) through the gateway, with the
# accounts it needs. Sourced by rehearse.sh, which defines gateway, work, repo, compose, log.
#
# Every load user comes from one address: the gateway overwrites X-Forwarded-For with the
# address it saw, and here that is the host. The load's deliberate bad logins (an unknown user
# each time) count against that one address, so rehearse.sh raises AUTH_LOCKOUT_ADDRESS_THRESHOLD
# for its stack (a site with one NAT address in front of every user would do the same); the
# account lockout stays as in production.

load_password=''

# Creates the load's accounts (agent, employee, employee2) with a password of this run, as the
# bootstrap admin, through the gateway.
load_accounts() {
  load_password="$(secret)"
  local admin_token
  admin_token="$(curl -fsS -H 'Content-Type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$admin_password\"}" "$gateway/api/v1/auth/login" |
    json 'j => j.accessToken')" || return 1
  local user role status
  for user in agent:agent employee:employee employee2:employee; do
    role="${user#*:}"
    user="${user%%:*}"
    status="$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $admin_token" \
      -H 'Content-Type: application/json' \
      -d "{\"username\":\"$user\",\"password\":\"$load_password\",\"role\":\"$role\"}" "$gateway/api/v1/users")"
    [ "$status" = 201 ] || { log "creating the load account $user answered $status"; return 1; }
  done
}

# load_start SECONDS OUTPUT: the load in the background for SECONDS, its report into OUTPUT;
# load_pid names it (wait "$load_pid").
load_pid=''
load_start() {
  node "$repo/infra/load/dist/main.js" --gateway "$gateway" --password "$load_password" \
    --rate "${REHEARSAL_LOAD_RATE:-5}" --duration "$1" >"$2" 2>&1 &
  load_pid=$!
}

# The summary's rows: "action|count|as expected|unexpected|errors".
load_rows() {
  awk -F'|' '$3 ~ /^ *[0-9]+ *$/ { for (i = 2; i <= 6; i++) gsub(/^ +| +$/, "", $i); print $2 "|" $3 "|" $4 "|" $5 "|" $6 }' "$1"
}
# load_failed OUTPUT [ACTION…]: unexpected answers and errors, of every action or of those named.
load_failed() {
  local file="$1"
  shift
  load_rows "$file" | awk -F'|' -v only="$(printf '%s|' "$@")" \
    'only == "|" || index("|" only, "|" $1 "|") { n += $4 + $5 } END { print n + 0 }'
}
# load_count OUTPUT COLUMN ACTION: one number of one action's row (COLUMN 2 count, 3 as expected).
load_count() {
  load_rows "$1" | awk -F'|' -v column="$2" -v action="$3" '$1 == action { print $column; found = 1 } END { if (!found) print 0 }'
}
load_total() { load_rows "$1" | awk -F'|' '{ n += $2 } END { print n + 0 }'; }

# A load run that ended, as one figure: "N actions, F unexpected" (and the log when it failed).
load_summary() {
  local file="$1"
  printf '%s actions, %s unexpected' "$(load_total "$file")" "$(load_failed "$file")"
}

# Check: a minute of the load through the gateway, chat over WebSockets included, and not one
# unexpected answer.
check_load() {
  local out="$work/load.txt" load_started=$EPOCHSECONDS
  load_start "${REHEARSAL_LOAD_SECONDS:-60}" "$out"
  wait "$load_pid" || true
  local failed chats errors get_errors gave_up
  failed="$(load_failed "$out")"
  chats="$(load_count "$out" 3 'chat message')"
  read -r errors get_errors gave_up <<<"$(gateway_outcomes "$load_started")"
  figure "load: ${REHEARSAL_LOAD_SECONDS:-60} s through the gateway" "$(load_summary "$out"), $chats chat messages over WebSockets"
  figure "load: gateway answered 5xx / of them GETs / load gave up (499)" "$errors / $get_errors / $gave_up"
  [ "$failed" = 0 ] && [ "$chats" -gt 0 ] && [ "$(load_total "$out")" -gt 0 ] || {
    log "load report: $out"
    tail -20 "$out" >&2
    return 1
  }
}
