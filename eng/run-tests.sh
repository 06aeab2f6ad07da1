#!/usr/bin/env bash
# Builds the solution (warnings are errors) and runs the tests; prints one closing line
# "tests: N passed, N failed, N skipped" summed over every run from their TRX results.
#
#   eng/run-tests.sh [--pg "15 17 18"] [dotnet test options...]
#
# 15, this machine's PostgreSQL (Debian 12): every test project, here; the integration tests' server is a Testcontainers
# container of eng/docker.sh's postgres image when DBRESILIENCE_DOCKER=1 (build.sh sets it when Docker answers).
# 17 and 18: the integration tests inside a container of the Debian release that ships that major (trixie, forky), with
# its PostgreSQL server and client tools, this machine's .NET SDK and Node.js mounted read-only, and the Docker socket, so
# that their server is a container of the same major (and the cross-version tests reach a 15 server too). The unit tests
# do not touch PostgreSQL: they run once, with 15. The reliability scenarios run once each (a 10 s S3 outage) with every
# major, unless DBRESILIENCE_RELIABILITY_TRIALS and
# DBRESILIENCE_RELIABILITY_OUTAGE_SECONDS say otherwise: the trials repeat the library's logic, the majors differ in servers.
set -uo pipefail
cd "$(dirname "$0")/.."
results=artifacts/test-results
majors="15"

# shellcheck source=eng/docker.sh
source eng/docker.sh
docker_ready=${DBRESILIENCE_DOCKER:-0}
status=0

# The server image of a major, or nothing (and a failed status) when it cannot be built.
server_image() {
  local image
  if image=$(dbr_image_postgres "$1"); then
    echo "$image"
  else
    echo "error: the PostgreSQL $1 image could not be built (eng/docker.sh images $1)." >&2
    return 1
  fi
}

# DBRESILIENCE_TEST_PG<MAJOR>_IMAGE for 15 and every major of the run: the servers the cross-version tests start.
export_server_images() {
  local major image
  for major in $(echo 15 $majors | tr ' ' '\n' | sort -un); do
    image=$(server_image "$major") || return 1
    export "DBRESILIENCE_TEST_PG${major}_IMAGE=$image"
  done
}

# The integration tests on 15, here (the unit tests run earlier, on their own).
run_here() {
  if [ "$docker_ready" = 1 ]; then
    DBRESILIENCE_TEST_PG_IMAGE=$(server_image 15) && export_server_images || { status=1; return; }
    export DBRESILIENCE_TEST_PG_IMAGE
  else
    export DBRESILIENCE_TEST_PG_IMAGE=none
  fi
  run_project tests/Inknowing.DbResilience.IntegrationTests/Inknowing.DbResilience.IntegrationTests.csproj "$@"
  run_project tests/Inknowing.DbResilience.ExtensibilityTests/Inknowing.DbResilience.ExtensibilityTests.csproj "$@"
}

run_project() {
  local project=$1 name
  shift
  name=$(basename "$project" .csproj)
  echo "==> $name (PostgreSQL 15)"
  dotnet test "$project" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
    --results-directory "$results" "$@" || status=1
}

run_in_container() {
  local major=$1; shift
  local runner server gateway node name=Inknowing.DbResilience.IntegrationTests
  if [ "$docker_ready" != 1 ]; then
    echo "error: PostgreSQL $major runs in a container: Docker is needed (./build.sh test starts it)." >&2
    status=1
    return
  fi
  runner=$(dbr_image_tests "$major") && server=$(server_image "$major") && export_server_images || { status=1; return; }
  # What operators install (the published CLI, the packages, a fresh clone's npm set-up) does not depend on the server's
  # major: those tests run in the 15 leg only, unless the caller chose tests with a filter of their own.
  local only=()
  [[ " $* " == *" --filter "* ]] || only=(--filter "TestCategory!=Packaging")
  gateway=$(docker network inspect bridge --format '{{ (index .IPAM.Config 0).Gateway }}')
  node=$(command -v node)
  echo "==> $name (PostgreSQL $major: $runner)"
  # The repository at the same path inside (the build's absolute paths hold), and the folder that holds it read-only, as
  # on this machine, so that every major's tests see the same files (not when that folder is / or /tmp, which the
  # container needs writable); this machine's certificate authorities (NuGet, for the published-CLI test, is reached as
  # from here); test servers reached at the bridge address.
  local parent beside=()
  parent=$(dirname "$PWD")
  case "$parent" in /|/tmp|/var/tmp|"${TMPDIR:-/tmp}") ;; *) beside=(-v "$parent:$parent:ro") ;; esac
  docker run --rm --init --label "$DBR_OWNER_LABEL=${DBRESILIENCE_CONTAINER_OWNER:-$$}" \
    "${beside[@]}" -v "$PWD:$PWD" -w "$PWD" \
    -v /usr/share/dotnet:/usr/share/dotnet:ro \
    -v "$node:/usr/local/bin/node:ro" \
    -v "$HOME/.nuget:/root/.nuget" -v /etc/ssl/certs:/etc/ssl/certs:ro \
    -v /var/run/docker.sock:/var/run/docker.sock \
    -e CI -e TESTCONTAINERS_RYUK_DISABLED -e DOCKER_API_VERSION -e "TESTCONTAINERS_HOST_OVERRIDE=$gateway" -e MSBUILDDISABLENODEREUSE=1 \
    -e "DBRESILIENCE_CONTAINER_OWNER=${DBRESILIENCE_CONTAINER_OWNER:-$$}" \
    -e "DBRESILIENCE_RELIABILITY_TRIALS=${DBRESILIENCE_RELIABILITY_TRIALS:-1}" \
    -e "DBRESILIENCE_RELIABILITY_OUTAGE_SECONDS=${DBRESILIENCE_RELIABILITY_OUTAGE_SECONDS:-10}" \
    -e "DBRESILIENCE_TEST_PG_IMAGE=$server" -e DBRESILIENCE_TEST_PG15_IMAGE -e DBRESILIENCE_TEST_PG17_IMAGE -e DBRESILIENCE_TEST_PG18_IMAGE \
    "$runner" \
    dotnet test "tests/$name/$name.csproj" -c Release --no-build --nologo \
      --logger "trx;LogFileName=$name-pg$major.trx" --logger "console;verbosity=normal" \
      --results-directory "$results" "${only[@]}" "$@" || status=1
}

wait_for_images() {
  if [ -n "$prebuild" ]; then
    wait "$prebuild" || { echo "error: building the PostgreSQL images failed:" >&2; cat "$results/images.log" >&2; }
    prebuild=""
  fi
}

# The whole run is one function, read before it starts: editing this file during a run does not change the run.
main() {
  rm -rf "$results"
  mkdir -p "$results"
  if [ "${1:-}" = "--pg" ]; then
    majors=$2
    shift 2
  fi

  # The images are built (or found) in the background, one release at a time each in parallel (a debootstrap is mostly
  # download), while the solution builds.
  prebuild=""
  if [ "$docker_ready" = 1 ]; then
    (
      pids=()
      for major in $(echo 15 $majors | tr ' ' '\n' | sort -un); do
        if [ "$major" = 15 ]; then dbr_image_postgres 15 >/dev/null & else dbr_image_tests "$major" >/dev/null & fi
        pids+=($!)
      done
      failed=0
      for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
      exit $failed
    ) >"$results/images.log" 2>&1 &
    prebuild=$!
  fi

  dotnet build Inknowing.DbResilience.sln -c Release -nologo -v quiet -clp:NoSummary || exit 1

  # The unit tests need no server: they run while the images are still being built.
  if [[ " $majors " == *" 15 "* ]]; then
    run_project tests/Inknowing.DbResilience.Tests/Inknowing.DbResilience.Tests.csproj "$@"
  fi

  for major in $majors; do
    # Every major's images are needed from the first integration run on: its cross-version tests start their servers.
    wait_for_images
    if [ "$major" = 15 ]; then
      run_here "$@"
    else
      run_in_container "$major" "$@"
    fi
  done

  # Sum the TRX counters (no python needed on a fresh machine).
  passed=0; failed=0; skipped=0
  for trx in "$results"/*.trx; do
    [ -f "$trx" ] || continue
    counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
    count() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
    passed=$((passed + $(count passed)))
    failed=$((failed + $(count failed) + $(count error) + $(count timeout)))
    skipped=$((skipped + $(count notExecuted)))
    # Name each failed test, so a log that only keeps its end still says what failed.
    grep -o '<UnitTestResult [^>]*outcome="\(Failed\|Error\|Timeout\)"[^>]*>' "$trx" \
      | grep -o ' testName="[^"]*"' | sed "s|^ testName=|failed in $(basename "$trx"): |" || true
  done
  echo "tests: $passed passed, $failed failed, $skipped skipped"
  if [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then status=1; fi
  exit $status
}

main "$@"
