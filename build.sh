#!/usr/bin/env bash
# The two commands of the README:
#   ./build.sh demo   the end-to-end demo on a throwaway local PostgreSQL, no configuration
#   ./build.sh test   every test, unit and integration, against real PostgreSQL and S3 servers
# and, for docs/benchmarks.md:
#   ./build.sh bench [NAME...]   the benchmark harness (benchmarks/), against the raw tools and the peers
#   ./build.sh pack [DIR]        the NuGet packages (three libraries and the dbresilience .NET tool, with symbols) in
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
    if [[ " $* " != *" --keep "* ]]; then trap cleanup EXIT; new_run_tmp; fi
    dotnet samples/Inknowing.DbResilience.Cli/bin/Release/net10.0/dbresilience.dll demo "$@"
    ;;
  test)
    shift
    eng/install-prerequisites.sh
    trap cleanup EXIT
    new_run_tmp
    eng/run-tests.sh "$@"
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
    for project in src/Inknowing.DbResilience src/Inknowing.DbResilience.PostgreSql src/Inknowing.DbResilience.S3 \
                   samples/Inknowing.DbResilience.Cli; do
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
    echo "usage: ./build.sh demo | test | bench [NAME...] | pack [DIR] | publish [--rid RID] [--readytorun] [DIR]" >&2
    exit 2
    ;;
esac
