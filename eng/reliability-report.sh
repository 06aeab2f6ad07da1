#!/usr/bin/env bash
# Renders the reliability suite's last results (one JSON object a line, written by the tests of
# tests/Inknowing.DbResilience.IntegrationTests/Reliability) as the Markdown table of docs/reliability.md.
#
#   eng/reliability-report.sh [RESULTS]    (default: the Release build's reliability-results.jsonl)
set -euo pipefail
cd "$(dirname "$0")/.."
results=${1:-tests/Inknowing.DbResilience.IntegrationTests/bin/Release/net10.0/reliability-results.jsonl}
if [[ ! -s $results ]]; then
  echo "error: no results in '$results': run the suite first (dotnet test tests/Inknowing.DbResilience.IntegrationTests -c Release --filter TestCategory=Reliability)." >&2
  exit 2
fi

echo "| scenario | trials | killed mid-run | lost | what was checked |"
echo "|---|---|---|---|---|"
jq -r '[.scenario, (.trials|tostring), (.interrupted|tostring), (.lost|tostring), .note] | "| " + join(" | ") + " |"' "$results" | sort
echo
echo "Last result written $(jq -r '.at' "$results" | sort | tail -1)."
