#!/usr/bin/env bash
# Publishes the dbresilience CLI as operators install it. Run by './build.sh publish'.
#
#   eng/publish-cli.sh [--rid linux-x64|linux-arm64] [--readytorun] [DIR]
#
# By default: one NativeAOT binary, DIR/dbresilience (artifacts/dbresilience), for this machine's architecture. It needs
# no .NET runtime, only the C library and OpenSSL of the system (libssl3 on Debian 12). DIR/dbresilience.dbg holds its
# debug symbols. --rid linux-arm64 on an x64 machine cross-compiles (clang, lld and the aarch64 cross toolchain are
# installed when missing). --readytorun publishes the framework-dependent ReadyToRun form instead (it needs the .NET 10
# runtime; run it as DIR/dbresilience or dotnet DIR/dbresilience.dll).
set -euo pipefail
cd "$(dirname "$0")/.."

usage="usage: ./build.sh publish [--rid linux-x64|linux-arm64] [--readytorun] [DIR]"
rid=""
form=aot
output=artifacts/dbresilience
while [ $# -gt 0 ]; do
  case "$1" in
    --rid) [ $# -ge 2 ] || { echo "error: --rid needs a runtime identifier. $usage" >&2; exit 2; }; rid=$2; shift 2 ;;
    --readytorun) form=readytorun; shift ;;
    -h|--help) echo "$usage"; exit 0 ;;
    -*) echo "error: unknown option '$1'. $usage" >&2; exit 2 ;;
    *) output=$1; shift ;;
  esac
done

case "$(uname -m)" in
  x86_64) host_rid=linux-x64 ;;
  aarch64) host_rid=linux-arm64 ;;
  *) host_rid="" ;;
esac
rid=${rid:-$host_rid}
case "$rid" in
  linux-x64|linux-arm64) ;;
  "") echo "error: no .NET runtime identifier for $(uname -m); pass --rid linux-x64 or --rid linux-arm64. $usage" >&2; exit 2 ;;
  *) echo "error: unsupported runtime identifier '$rid'; use linux-x64 or linux-arm64. $usage" >&2; exit 2 ;;
esac

# The runtime identifier goes to the CLI project alone (see its csproj): the libraries stay RID-agnostic.
# No MSBuild node or compiler server may outlive the publish: a caller reading its output would wait for them.
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0
common=(samples/Inknowing.DbResilience.Cli -c Release -p:CliRuntimeIdentifier="$rid" -o "$output" -v quiet -nologo -clp:NoSummary
        -nodeReuse:false -p:UseSharedCompilation=false)
if [ "$form" = readytorun ]; then
  dotnet publish "${common[@]}" -p:SelfContained=false
  echo "published: $output/dbresilience (ReadyToRun, $rid; needs the .NET 10 runtime)"
  exit 0
fi

eng/install-aot-prerequisites.sh "$rid"
cross=()
if [ "$rid" != "$host_rid" ]; then
  # clang cross-compiles for --target=aarch64-linux-gnu (gcc cannot); lld links without a target-prefixed ld.
  cross=(-p:CppCompilerAndLinker=clang -p:LinkerFlavor=lld -p:ObjCopyName=llvm-objcopy)
fi
dotnet publish "${common[@]}" -p:CliPublishAot=true "${cross[@]}"
# Only the binary and its symbols belong to the install: referenced projects' XML docs and PDBs are copied beside it.
find "$output" -maxdepth 1 -type f ! -name dbresilience ! -name dbresilience.dbg -delete
echo "published: $output/dbresilience (NativeAOT, $rid; no .NET runtime needed)"
