#!/usr/bin/env bash
# Docker for the tests: installs the engine from Debian, starts it when it is not running, and builds the PostgreSQL
# images locally (no registry is reachable: a debootstrap of the Debian release that ships the major, docker import,
# then eng/docker/*.Dockerfile). Images are tagged by a hash of their recipe, so they are built once per machine and
# again only when the recipe changes.
#
# Sourced by build.sh (functions below), or run on its own:
#   eng/docker.sh images [MAJOR...]   build (or find) the server and test-runner images, print their tags
#   eng/docker.sh clean               remove the test containers that killed runs left behind
#
# PostgreSQL majors and the Debian release whose own packages ship them (the 17 and 18 binaries need those releases'
# C library: they run in containers of that release, never on this machine's).
#   15 bookworm (Debian 12), 17 trixie (Debian 13), 18 forky (the release after 13)

# Testcontainers' reaper image cannot be pulled here (the tests dispose their containers themselves), and Debian 12's
# docker 20.10 speaks API 1.41 at most, below the newer clients' default.
export TESTCONTAINERS_RYUK_DISABLED=true DOCKER_API_VERSION=1.41

# Every container of a test run carries this label, valued with the pid of the run that owns it (build.sh, or the test
# process); a later run removes those whose owner is gone.
DBR_OWNER_LABEL=org.inknowing.dbresilience.owner
DBR_DOCKERD_PID=""
DBR_DOCKER_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/docker

dbr_release_of() {
  case "$1" in
    15) echo bookworm ;;
    17) echo trixie ;;
    18) echo forky ;;
    *) echo "error: no Debian release ships PostgreSQL $1 here; the test matrix is 15 (bookworm), 17 (trixie), 18 (forky)." >&2; return 2 ;;
  esac
}

# Installs docker.io, iptables (dockerd's bridge networking) and debootstrap from Debian when one is missing.
dbr_docker_install() {
  local need=()
  command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
  command -v iptables >/dev/null 2>&1 || [ -x /usr/sbin/iptables ] || need+=(iptables)
  command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || need+=(debootstrap)
  [ ${#need[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: missing ${need[*]}; run as root (or: sudo apt-get install ${need[*]})." >&2
    return 2
  fi
  echo "==> apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}

# Starts dockerd in the background unless an engine already answers; sets DBR_DOCKERD_PID when it started one.
dbr_docker_up() {
  if docker info >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: no Docker engine answers and only root can start one (sudo dockerd, or add yourself to the docker group)." >&2
    return 2
  fi
  local log="${TMPDIR:-/tmp}/dockerd.log"
  echo "==> starting dockerd (log: $log)"
  PATH="/usr/sbin:/sbin:$PATH" setsid dockerd >"$log" 2>&1 </dev/null &
  DBR_DOCKERD_PID=$!
  local i
  for i in $(seq 1 60); do
    if docker info >/dev/null 2>&1; then
      return 0
    fi
    if ! kill -0 "$DBR_DOCKERD_PID" 2>/dev/null; then
      echo "error: dockerd exited at start; its log:" >&2
      tail -n 20 "$log" >&2
      DBR_DOCKERD_PID=""
      return 1
    fi
    sleep 0.5
  done
  echo "error: dockerd did not answer within 30 s; its log:" >&2
  tail -n 20 "$log" >&2
  return 1
}

# Stops the dockerd that dbr_docker_up started (and only that one).
dbr_docker_down() {
  [ -n "$DBR_DOCKERD_PID" ] || return 0
  kill "$DBR_DOCKERD_PID" 2>/dev/null || true
  local i
  for i in $(seq 1 40); do
    kill -0 "$DBR_DOCKERD_PID" 2>/dev/null || break
    sleep 0.5
  done
  DBR_DOCKERD_PID=""
}

# Removes the labelled test containers whose owning process is gone (a killed run's).
dbr_docker_clean() {
  local id owner
  docker ps -aq --filter "label=$DBR_OWNER_LABEL" 2>/dev/null | while read -r id; do
    owner=$(docker inspect --format "{{ index .Config.Labels \"$DBR_OWNER_LABEL\" }}" "$id" 2>/dev/null || true)
    if [ -z "$owner" ] || ! kill -0 "$owner" 2>/dev/null; then
      docker rm -f "$id" >/dev/null 2>&1 || true
    fi
  done
}

dbr_hash() { sha256sum | cut -c1-12; }

# The Debian mirror apt already uses (the first deb.debian.org-like URI for the main archive), else deb.debian.org.
dbr_debian_mirror() {
  local uri
  uri=$(grep -rhoE '^(URIs:|deb)[[:space:]]+[^[:space:]]+' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | awk '{print $2}' | grep -E '/debian/?$' | grep -v security | head -n 1 || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

# Replaces older builds of REPOSITORY:PREFIX-* by the one just made.
dbr_prune_tags() {
  local repository=$1 prefix=$2 keep=$3 tag
  docker images --format '{{.Repository}}:{{.Tag}}' "$repository" 2>/dev/null | grep -E "^$repository:$prefix-[0-9a-f]{12}$" \
    | while read -r tag; do [ "$tag" = "$keep" ] || docker rmi "$tag" >/dev/null 2>&1 || true; done
}

# Prints the tag of a minbase debootstrap of RELEASE, imported as an image (built when missing).
dbr_image_debian() {
  local release=$1 mirror hash tag root script
  mirror=$(dbr_debian_mirror)
  hash=$(printf 'debootstrap --variant=minbase %s %s v1' "$release" "$mirror" | dbr_hash)
  tag="dbresilience/debian:$release-$hash"
  if ! docker image inspect "$tag" >/dev/null 2>&1; then
    root=$(mktemp -d "${TMPDIR:-/tmp}/dbresilience-rootfs-XXXXXX")
    script=/usr/share/debootstrap/scripts/$release
    [ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid # a release newer than this debootstrap
    echo "==> debootstrap $release from $mirror (about a minute)" >&2
    if ! PATH="/usr/sbin:/sbin:$PATH" debootstrap --variant=minbase "$release" "$root" "$mirror" "$script" >"$root.log" 2>&1; then
      echo "error: debootstrap of $release failed; the end of its log:" >&2
      tail -n 20 "$root.log" >&2
      rm -rf "$root" "$root.log"
      return 1
    fi
    tar -C "$root" -c . | docker import - "$tag" >/dev/null
    rm -rf "$root" "$root.log"
    dbr_prune_tags dbresilience/debian "$release" "$tag"
  fi
  echo "$tag"
}

# Prints the tag of the PostgreSQL MAJOR server image (what Testcontainers starts), built when missing.
dbr_image_postgres() {
  local major=$1 release base hash tag
  release=$(dbr_release_of "$major") || return
  base=$(dbr_image_debian "$release") || return
  hash=$( { echo "$base $major"; cat "$DBR_DOCKER_DIR/postgres.Dockerfile" "$DBR_DOCKER_DIR/postgres-entrypoint.sh"; } | dbr_hash)
  tag="dbresilience/postgres:$major-$hash"
  if ! docker image inspect "$tag" >/dev/null 2>&1; then
    echo "==> docker build $tag (postgresql-$major from $release)" >&2
    docker build -q -f "$DBR_DOCKER_DIR/postgres.Dockerfile" --build-arg "BASE=$base" --build-arg "PG_MAJOR=$major" \
      --label org.inknowing.dbresilience.image=postgres -t "$tag" "$DBR_DOCKER_DIR" >/dev/null || return
    dbr_prune_tags dbresilience/postgres "$major" "$tag"
  fi
  docker tag "$tag" "dbresilience/postgres:$major"
  echo "$tag"
}

# Prints the tag of the MAJOR test-runner image (the server image plus what the test suite needs), built when missing.
dbr_image_tests() {
  local major=$1 base hash tag
  base=$(dbr_image_postgres "$major") || return
  hash=$( { echo "$base"; cat "$DBR_DOCKER_DIR/tests.Dockerfile"; } | dbr_hash)
  tag="dbresilience/tests:$major-$hash"
  if ! docker image inspect "$tag" >/dev/null 2>&1; then
    echo "==> docker build $tag" >&2
    docker build -q -f "$DBR_DOCKER_DIR/tests.Dockerfile" --build-arg "BASE=$base" \
      --label org.inknowing.dbresilience.image=tests -t "$tag" "$DBR_DOCKER_DIR" >/dev/null || return
    dbr_prune_tags dbresilience/tests "$major" "$tag"
  fi
  echo "$tag"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}" in
    images)
      shift
      dbr_docker_install
      dbr_docker_up
      for major in "${@:-15}"; do
        dbr_image_postgres "$major"
        [ "$major" = 15 ] || dbr_image_tests "$major"
      done
      if [ -n "$DBR_DOCKERD_PID" ]; then
        echo "dockerd (pid $DBR_DOCKERD_PID) was started for this and is left running; stop it with: kill $DBR_DOCKERD_PID" >&2
      fi
      ;;
    clean)
      dbr_docker_clean
      ;;
    *)
      echo "usage: eng/docker.sh images [MAJOR...] | clean" >&2
      exit 2
      ;;
  esac
fi
