#!/usr/bin/env bash
# The two commands of the README:
#   ./build.sh demo   the end-to-end demo on a throwaway local PostgreSQL, no configuration
#   ./build.sh test   every test, unit and integration, against real PostgreSQL and S3 servers
# and, for docs/benchmarks.md:
#   ./build.sh bench [NAME...]   the benchmark harness (benchmarks/), against the raw tools and the peers
# Both install what is missing first (eng/install-prerequisites.sh).
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Servers started by this run are throwaway: stop any that a killed run left behind.
cleanup() {
  pkill -f 'dbresilience-cluster-[0-9a-f]+/data' 2>/dev/null || true
  pkill -f 'eng/test-services/(node_modules/s3rver|start-fauxqs)' 2>/dev/null || true
}

case "${1:-}" in
  demo)
    shift
    eng/install-prerequisites.sh
    trap cleanup EXIT
    dotnet build samples/Inknowing.DbResilience.Cli -c Release -v quiet -nologo -clp:NoSummary
    dotnet samples/Inknowing.DbResilience.Cli/bin/Release/net10.0/dbresilience.dll demo "$@"
    ;;
  test)
    shift
    eng/install-prerequisites.sh
    trap cleanup EXIT
    eng/run-tests.sh "$@"
    ;;
  bench)
    shift
    eng/install-prerequisites.sh
    eng/install-bench-tools.sh
    trap cleanup EXIT
    dotnet build benchmarks/Inknowing.DbResilience.Benchmarks -c Release -v quiet -nologo -clp:NoSummary
    dotnet benchmarks/Inknowing.DbResilience.Benchmarks/bin/Release/net10.0/Inknowing.DbResilience.Benchmarks.dll "$@"
    ;;
  *)
    echo "usage: ./build.sh demo | test | bench [NAME...]" >&2
    exit 2
    ;;
esac
