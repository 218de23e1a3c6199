#!/usr/bin/env bash
# npm run images -- --offline [--env-file FILE]
# npm run images -- --offline --service ticket --version 1.4.2   (one service image, alone)
#
# Builds every image docker-compose.prod.yml needs from package registries only, for sites (and
# this project's machines) that cannot pull from an image registry:
#   debian        Debian trixie, minbase, made by mmdebstrap and brought in with `docker import`
#   node          the Node 20 base: NODE_IMAGE of infra/docker/Dockerfile, and alert-log's image
#   node-build    node + compilers + the host's CA bundle: BUILD_IMAGE of the Dockerfile's build stages
#   kafka         apache/kafka's contract (KRaft from KAFKA_* variables), jars from Maven Central
#   engines       stand-ins for mongo (FerretDB) and minio / minio-init (s3rver), from infra/engines
#   prometheus, alertmanager, nginx   Debian's packages
#   support-center/{auth,ticket,file,realtime}   infra/docker/Dockerfile itself, with the bases above
# Grafana is not built: no registry here ships it.
#
# Each image is tagged with a hash of its inputs (its files, its base's tag, what it copies in)
# and built only when no image has that tag yet. The Docker daemon is the one DOCKER_HOST names,
# or one this script starts (lib/daemon.sh). With --env-file, the tags are written to FILE as
# variables for compose (IMAGE_TAG and the LOCAL_*_IMAGE names the rehearsal's override uses).
# With --service NAME --version TAG, only that service's image is built (the bases as above),
# tagged support-center/NAME:TAG and labelled with that version: one service ships without
# touching the others' images (a rolling deploy of it: README, "Production rehearsal").
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=lib/daemon.sh
source "$here/lib/daemon.sh"

offline=false
env_file=''
only_service=''
only_version=''
usage='usage: images.sh --offline [--env-file FILE] [--service NAME --version TAG]'
while (($#)); do
  case "$1" in
    --offline) offline=true ;;
    --env-file) env_file="$2"; shift ;;
    --service) only_service="$2"; shift ;;
    --version) only_version="$2"; shift ;;
    *) die "unknown argument $1 ($usage)" ;;
  esac
  shift
done
$offline || die "only --offline is implemented: without it, compose pulls the official images itself"
if [ -n "$only_service$only_version" ]; then
  [[ $only_service =~ ^(auth|ticket|file|realtime)$ ]] || die "--service is one of auth, ticket, file, realtime ($usage)"
  [[ $only_version =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "--version is a Docker tag ($usage)"
fi

daemon_ensure
trap daemon_stop EXIT
export DOCKER_BUILDKIT=0
work="$SUPPORT_DOCKER_DIR/images"
mkdir -p "$work/logs"
summary=()

# A short hash of the strings given and of the contents of every file listed on stdin.
input_hash() {
  { printf '%s\n' "$@"; while IFS= read -r file; do printf '%s ' "$file"; sha256sum <"$file"; done; } |
    sha256sum | cut -c1-16
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# build_image NAME TAG COMMAND…: runs COMMAND (which builds TAG) unless TAG exists; output to a log.
build_image() {
  local name="$1" tag="$2"
  shift 2
  if image_exists "$tag"; then
    summary+=("$(printf '%-14s %-52s cached' "$name" "$tag")")
    return
  fi
  log "building $name → $tag"
  local started=$SECONDS log_file="$work/logs/$name.log"
  if ! "$@" >"$log_file" 2>&1; then
    tail -30 "$log_file" >&2
    die "building $name failed (log: $log_file)"
  fi
  summary+=("$(printf '%-14s %-52s built in %ss' "$name" "$tag" $((SECONDS - started)))")
}

# A build context assembled outside the checkout: the image's own files, plus what it copies in.
fresh_context() {
  local dir="$work/context/$1"
  rm -rf "$dir"
  mkdir -p "$dir"
  cp -a "$here/$1/." "$dir/"
  printf '%s' "$dir"
}

files_of() { find "$@" -type f | LC_ALL=C sort; }

# --- debian: the root filesystem everything starts from ----------------------------------
suite=trixie
debian_packages=ca-certificates,wget
debian_tag="support-center-local/debian:$(input_hash "mmdebstrap --variant=minbase --include=$debian_packages $suite" </dev/null)"
make_debian() {
  ensure_packages mmdebstrap
  local tarball="$work/debian.tar"
  mmdebstrap --variant=minbase --include="$debian_packages" "$suite" "$tarball" http://deb.debian.org/debian
  docker import --change 'CMD ["/bin/bash"]' "$tarball" "$debian_tag"
  rm -f "$tarball"
}
build_image debian "$debian_tag" make_debian

# --- node, node-build, prometheus, alertmanager, nginx ------------------------------------------
docker_build() { docker build --network host "$@"; }

node_tag="support-center-local/node:$(cd "$here" && files_of node | input_hash "$debian_tag")"
build_image node "$node_tag" docker_build --build-arg BASE_IMAGE="$debian_tag" -t "$node_tag" "$here/node"

ca_bundle="${SUPPORT_BUILD_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
[ -f "$ca_bundle" ] || die "no CA bundle at $ca_bundle (set SUPPORT_BUILD_CA_BUNDLE)"
node_build_tag="support-center-local/node-build:$(cd "$here" && { files_of node-build; echo "$ca_bundle"; } | input_hash "$node_tag")"
make_node_build() {
  local context
  context="$(fresh_context node-build)"
  cp "$ca_bundle" "$context/ca-bundle.crt"
  docker_build --build-arg NODE_IMAGE="$node_tag" -t "$node_build_tag" "$context"
}
build_image node-build "$node_build_tag" make_node_build

declare -A debian_images
for name in prometheus alertmanager nginx; do
  tag="support-center-local/$name:$(cd "$here" && files_of "$name" | input_hash "$debian_tag")"
  debian_images[$name]="$tag"
  build_image "$name" "$tag" docker_build --build-arg BASE_IMAGE="$debian_tag" -t "$tag" "$here/$name"
done

# --- kafka: the jars from Maven Central -------------------------------------------------------
kafka_tag="support-center-local/kafka:$(cd "$here" && files_of kafka | input_hash "$debian_tag")"
make_kafka() {
  command -v mvn >/dev/null || die "mvn is missing (apt-get install maven)"
  local context
  context="$(fresh_context kafka)"
  mvn -B -q -Dstyle.color=never -f "$here/kafka/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$context/libs"
  docker_build --build-arg BASE_IMAGE="$debian_tag" -t "$kafka_tag" "$context"
}
build_image kafka "$kafka_tag" make_kafka

# --- engines: infra/engines and what `support-engines install` fetched ---------------------------
engines_cache="${SUPPORT_ENGINES_CACHE:-$repo/.cache/engines}"
engines_inputs() {
  (cd "$here" && files_of engines | sed "s|^|$here/|")
  (cd "$repo" && files_of infra/engines/dist infra/engines/package.json | sed "s|^|$repo/|")
  echo "$engines_cache/ferretdb/ferretdb-launcher"
  echo "$engines_cache/s3/package-lock.json"
}
if [ ! -x "$engines_cache/ferretdb/ferretdb-launcher" ] || [ ! -f "$engines_cache/s3/package-lock.json" ] ||
  [ ! -f "$repo/infra/engines/dist/cli.js" ]; then
  log "installing the engines (npm run engines -- install)"
  (cd "$repo" && npm run engines --silent -- install)
fi
engines_tag="support-center-local/engines:$(engines_inputs | input_hash "$node_tag")"
make_engines() {
  local context
  context="$(fresh_context engines)"
  mkdir -p "$context/engines/cache/ferretdb" "$context/engines/cache/s3"
  cp -a "$repo/infra/engines/dist" "$repo/infra/engines/package.json" "$context/engines/"
  cp -a "$engines_cache/ferretdb/ferretdb-launcher" "$context/engines/cache/ferretdb/"
  cp -a "$engines_cache/s3/." "$context/engines/cache/s3/"
  docker_build --build-arg NODE_IMAGE="$node_tag" -t "$engines_tag" "$context"
}
build_image engines "$engines_tag" make_engines

# --- the four services: infra/docker/Dockerfile, only the bases changed --------------------------
service_inputs() {
  cd "$repo"
  git ls-files --cached --others --exclude-standard -- \
    infra/docker/Dockerfile .dockerignore package.json package-lock.json tsconfig.base.json turbo.json \
    libs services infra ':!infra/engines/kafka' ':!infra/engines/ferretdb-launcher' ':!infra/images' |
    while IFS= read -r file; do [ -f "$file" ] && printf '%s\n' "$file"; done | LC_ALL=C sort
}
# SERVICES_IMAGE_TAG names a tag to use as it is (a release's images, already built), instead of the hash.
image_tag="${SERVICES_IMAGE_TAG:-offline-$(service_inputs | (cd "$repo" && input_hash "$node_tag" "$node_build_tag"))}"
declare -A service_ports=([auth]=8002 [ticket]=8001 [file]=8003 [realtime]=8004)
build_service() {
  local service="$1" version="$2"
  build_image "$service" "support-center/$service:$version" docker_build -f "$repo/infra/docker/Dockerfile" \
    --build-arg NODE_IMAGE="$node_tag" --build-arg BUILD_IMAGE="$node_build_tag" \
    --build-arg SERVICE="$service" --build-arg PORT="${service_ports[$service]}" \
    --label org.opencontainers.image.version="$version" \
    -t "support-center/$service:$version" "$repo"
}
if [ -n "$only_service" ]; then
  build_service "$only_service" "$only_version"
  printf '%s\n' "${summary[@]}" >&2
  exit 0
fi
for service in auth ticket file realtime; do
  build_service "$service" "$image_tag"
done

printf '%s\n' "${summary[@]}" >&2
printf '%-14s not built: no registry here ships Grafana (the rehearsal runs without it)\n' grafana >&2

if [ -n "$env_file" ]; then
  cat >"$env_file" <<VARS
IMAGE_TAG=$image_tag
LOCAL_NODE_IMAGE=$node_tag
LOCAL_KAFKA_IMAGE=$kafka_tag
LOCAL_ENGINES_IMAGE=$engines_tag
LOCAL_PROMETHEUS_IMAGE=${debian_images[prometheus]}
LOCAL_ALERTMANAGER_IMAGE=${debian_images[alertmanager]}
LOCAL_NGINX_IMAGE=${debian_images[nginx]}
VARS
fi
