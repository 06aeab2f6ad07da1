#!/usr/bin/env bash
# Installs what the demo and the tests need on a fresh Debian machine that has only the .NET SDK:
# PostgreSQL 15 (server binaries, client tools, contrib) from Debian, and the S3 test servers from npm.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || need_apt+=(postgresql-15)
[ -d /usr/share/postgresql/15/extension ] && ls /usr/share/postgresql/15/extension/amcheck.control >/dev/null 2>&1 || need_apt+=(postgresql-contrib)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
# Point-in-time restores decompress pg_basebackup's client-side lz4/zstd tars with these (.NET ships neither codec).
command -v lz4 >/dev/null 2>&1 || need_apt+=(lz4)
command -v zstd >/dev/null 2>&1 || need_apt+=(zstd)

if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: missing ${need_apt[*]}; run this script as root (or: sudo apt-get install ${need_apt[*]})." >&2
    exit 2
  fi
  echo "==> apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# Debian's package may create and start a default cluster; the project never uses it, and a service
# start is blocked on these machines anyway. Our clusters are throwaway ones on free loopback ports.

if [ ! -f eng/test-services/node_modules/.package-lock.json ] \
   || [ eng/test-services/package-lock.json -nt eng/test-services/node_modules/.package-lock.json ]; then
  echo "==> npm ci (s3rver, fauxqs, azurite) in eng/test-services"
  (cd eng/test-services && npm ci --no-audit --no-fund --loglevel=error)
fi

echo "==> prerequisites ready: $(/usr/lib/postgresql/15/bin/postgres --version), node $(node --version)"
