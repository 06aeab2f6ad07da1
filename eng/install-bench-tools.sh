#!/usr/bin/env bash
# Installs the peers that the benchmark harness measures against: pgBackRest (Debian) and dbmate (npm), and
# GNU time (Debian), whose %M is the peak memory of the CLI processes the harness runs.
# Run by './build.sh bench'; not needed by the demo or the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v pgbackrest >/dev/null 2>&1 || [ ! -x /usr/bin/time ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: pgbackrest or /usr/bin/time is missing; run as root (or: sudo apt-get install pgbackrest time)." >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends pgbackrest time >/dev/null
fi
if [ ! -f eng/bench-tools/node_modules/.package-lock.json ] \
   || [ eng/bench-tools/package-lock.json -nt eng/bench-tools/node_modules/.package-lock.json ]; then
  (cd eng/bench-tools && npm ci --no-audit --no-fund --loglevel=error)
fi
