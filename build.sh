#!/usr/bin/env bash
# The two commands of the README:
#   ./build.sh demo   the end-to-end demo on a throwaway local PostgreSQL, no configuration
#   ./build.sh test   every test, unit and integration, against real PostgreSQL and S3 servers
# and, for docs/benchmarks.md:
#   ./build.sh bench [NAME...]   the benchmark harness (benchmarks/), against the raw tools and the peers
#   ./build.sh publish [DIR]     the CLI as operators install it: ReadyToRun for this machine's architecture, in
#                                artifacts/dbresilience (or DIR); run it as DIR/dbresilience (needs the .NET 10 runtime)
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
  publish)
    shift
    output=${1:-artifacts/dbresilience}
    case "$(uname -m)" in
      x86_64) rid=linux-x64 ;;
      aarch64) rid=linux-arm64 ;;
      *) echo "error: no .NET runtime identifier for $(uname -m); publish with: dotnet publish samples/Inknowing.DbResilience.Cli -c Release -r RID --self-contained false -o DIR" >&2; exit 2 ;;
    esac
    dotnet publish samples/Inknowing.DbResilience.Cli -c Release -r "$rid" --self-contained false -o "$output" -v quiet -nologo -clp:NoSummary
    echo "published: $output/dbresilience (ReadyToRun, $rid; needs the .NET 10 runtime)"
    ;;
  *)
    echo "usage: ./build.sh demo | test | bench [NAME...] | publish [DIR]" >&2
    exit 2
    ;;
esac
