#!/usr/bin/env bash
# The two commands of the README:
#   ./build.sh demo   the end-to-end demo on a throwaway local PostgreSQL, no configuration
#   ./build.sh test [--pg MAJOR]...   every test, unit and integration, against real PostgreSQL and S3 servers: PostgreSQL 15
#                                     by default; --pg 17 or --pg 18 runs the integration suite on that major (in a container
#                                     of the Debian release that ships it), --pg all runs 15, 17 and 18 (what CI runs)
# and, for docs/benchmarks.md:
#   ./build.sh bench [NAME...]   the benchmark harness (benchmarks/), against the raw tools and the peers
#   ./build.sh pack [DIR]        the NuGet packages (the libraries and the dbresilience .NET tool, with symbols) in
#                                artifacts/packages (or DIR); VERSION_SUFFIX=rc.1 gives 0.1.0-rc.1
#   ./build.sh publish [--rid RID] [--readytorun] [DIR]
#                                the CLI as operators install it: one NativeAOT binary for this machine's architecture
#                                (or RID: linux-x64, linux-arm64), in artifacts/dbresilience (or DIR), needing no .NET
#                                runtime; --readytorun publishes the framework-dependent ReadyToRun form instead
# Both install what is missing first (eng/install-prerequisites.sh).
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Every throwaway cluster and test server of this run lives under its own temporary directory
# (readable by the postgres OS user that runs the server when we are root). At exit, whatever a
# killed run left behind is stopped and removed; clusters of other runs, or kept by 'demo --keep', are not touched.
run_tmp=""
cleanup() {
  if declare -F dbr_docker_down >/dev/null; then
    # This run's containers (a run killed before its tests disposed of theirs), then the engine if this run started it.
    docker ps -aq --filter "label=$DBR_OWNER_LABEL=$$" 2>/dev/null | xargs -r docker rm -f >/dev/null 2>&1 || true
    dbr_docker_down
  fi
  if [ -n "$run_tmp" ]; then
    pkill -f "$run_tmp/" 2>/dev/null || true
    rm -rf "$run_tmp" 2>/dev/null || true
  fi
  pkill -f "$PWD/eng/test-services/start-fauxqs" 2>/dev/null || true
}
new_run_tmp() {
  run_tmp=$(mktemp -d "${TMPDIR:-/tmp}/dbresilience-run-XXXXXX")
  chmod 755 "$run_tmp"
  export TMPDIR="$run_tmp"
}

case "${1:-}" in
  demo)
    shift
    eng/install-prerequisites.sh
    dotnet build samples/Inknowing.DbResilience.Cli -c Release -v quiet -nologo -clp:NoSummary
    copy_to=()
    if [[ " $* " != *" --keep "* ]]; then
      trap cleanup EXIT
      new_run_tmp
      # A throwaway S3 server (s3rver from eng/test-services) on 127.0.0.1 for the demo's off-site copy; stopped at exit
      # with everything else under this run's directory.
      port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
      mkdir -p "$run_tmp/s3rver"
      NODE_OPTIONS=--openssl-legacy-provider node eng/test-services/node_modules/s3rver/bin/s3rver.js \
        -d "$run_tmp/s3rver" -a 127.0.0.1 -p "$port" --no-vhost-buckets --configure-bucket demo >"$run_tmp/s3rver.log" 2>&1 &
      for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.2; done
      export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
      copy_to=(--copy-to "s3://demo/shop?endpoint=http://127.0.0.1:$port&region=us-east-1&pathStyle=true&compatibility=true")
    fi
    dotnet samples/Inknowing.DbResilience.Cli/bin/Release/net10.0/dbresilience.dll demo "${copy_to[@]}" "$@"
    ;;
  test)
    shift
    majors=()
    passthrough=()
    while [ $# -gt 0 ]; do
      case "$1" in
        --pg) [ $# -ge 2 ] || { echo "usage: ./build.sh test [--pg 15|17|18|all]..." >&2; exit 2; }; majors+=("$2"); shift 2 ;;
        --pg=*) majors+=("${1#--pg=}"); shift ;;
        *) passthrough+=("$1"); shift ;;
      esac
    done
    [ ${#majors[@]} -gt 0 ] || majors=(15)
    [[ " ${majors[*]} " != *" all "* ]] || majors=(15 17 18)
    for major in "${majors[@]}"; do
      case "$major" in 15|17|18) ;; *) echo "error: --pg $major: the test matrix is 15, 17 and 18 (or all)." >&2; exit 2 ;; esac
    done
    eng/install-prerequisites.sh
    trap cleanup EXIT
    new_run_tmp
    # Docker: the PostgreSQL test servers run in containers (Testcontainers), and 17 and 18 run the suite in a container
    # of their Debian release. Without Docker (no root to install or start it), 15 runs on a local cluster; CI needs it.
    source eng/docker.sh
    export DBRESILIENCE_CONTAINER_OWNER=$$
    if dbr_docker_install && dbr_docker_up; then
      dbr_docker_clean
      export DBRESILIENCE_DOCKER=1
    elif [ "${CI:-}" = "true" ] || [ "${majors[*]}" != "15" ]; then
      echo "error: Docker is needed here (CI, or a major other than 15); see the messages above." >&2
      exit 1
    else
      echo "warning: no Docker: the integration tests run on a local PostgreSQL 15 cluster instead of Testcontainers." >&2
      export DBRESILIENCE_DOCKER=0
    fi
    eng/run-tests.sh --pg "${majors[*]}" "${passthrough[@]}"
    ;;
  bench)
    shift
    eng/install-prerequisites.sh
    eng/install-bench-tools.sh
    trap cleanup EXIT
    new_run_tmp
    dotnet build benchmarks/Inknowing.DbResilience.Benchmarks -c Release -v quiet -nologo -clp:NoSummary
    dotnet benchmarks/Inknowing.DbResilience.Benchmarks/bin/Release/net10.0/Inknowing.DbResilience.Benchmarks.dll "$@"
    ;;
  pack)
    shift
    output=${1:-artifacts/packages}
    # Deterministic builds (ContinuousIntegrationBuild), XML docs, .snupkg symbols; SourceLink maps the sources to the
    # commit on the GitHub remote 'origin'. The version is VersionPrefix in Directory.Build.props.
    suffix=()
    [ -z "${VERSION_SUFFIX:-}" ] || suffix=(--version-suffix "$VERSION_SUFFIX")
    for project in src/Inknowing.DbResilience src/Inknowing.DbResilience.PostgreSql src/Inknowing.DbResilience.S3 src/Inknowing.DbResilience.Azure \
                   src/Inknowing.DbResilience.Email samples/Inknowing.DbResilience.Cli; do
      dotnet pack "$project" -c Release -o "$output" -p:ContinuousIntegrationBuild=true "${suffix[@]}" \
        -v quiet -nologo -clp:NoSummary
    done
    git remote get-url origin >/dev/null 2>&1 \
      || echo "note: this clone has no 'origin' remote, so the symbols carry no SourceLink; pack from a clone of the GitHub repository to publish"
    echo "packages: $output"
    ls -1 "$output"
    ;;
  publish)
    shift
    eng/publish-cli.sh "$@"
    ;;
  *)
    echo "usage: ./build.sh demo | test [--pg 15|17|18|all]... | bench [NAME...] | pack [DIR] | publish [--rid RID] [--readytorun] [DIR]" >&2
    exit 2
    ;;
esac
