#!/usr/bin/env bash
# Installs what a NativeAOT publish of the CLI needs on Debian, when missing. Run by './build.sh publish'.
#   eng/install-aot-prerequisites.sh RID
# The .NET SDK brings the compiler (the ILCompiler packages of the installed runtime, restored from NuGet); linking needs
# a C toolchain: clang (or gcc) for this machine's architecture. Cross-compiling for linux-arm64 on x64 needs clang, lld,
# llvm-objcopy, and the aarch64 C library and start files (libc6-dev-arm64-cross) with gcc-aarch64-linux-gnu.
# zlib and brotli come statically linked with the runtime packages.
set -euo pipefail
rid=${1:?usage: eng/install-aot-prerequisites.sh linux-x64|linux-arm64}
case "$(uname -m)" in
  x86_64) host_rid=linux-x64 ;;
  aarch64) host_rid=linux-arm64 ;;
  *) host_rid="" ;;
esac

need_apt=()
if [ "$rid" = "$host_rid" ]; then
  command -v clang >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || need_apt+=(clang)
else
  command -v clang >/dev/null 2>&1 || need_apt+=(clang)
  command -v ld.lld >/dev/null 2>&1 || need_apt+=(lld)
  command -v llvm-objcopy >/dev/null 2>&1 || need_apt+=(llvm)
  case "$rid" in
    linux-arm64) [ -f /usr/aarch64-linux-gnu/lib/crti.o ] || need_apt+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross) ;;
    linux-x64) [ -f /usr/x86_64-linux-gnu/lib/crti.o ] || need_apt+=(gcc-x86-64-linux-gnu libc6-dev-amd64-cross) ;;
  esac
fi

if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: a NativeAOT publish for $rid needs ${need_apt[*]}; run as root (or: sudo apt-get install ${need_apt[*]})," >&2
    echo "       or publish the ReadyToRun form: ./build.sh publish --readytorun" >&2
    exit 2
  fi
  echo "==> apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
