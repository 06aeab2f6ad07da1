# The test runner of one PostgreSQL major: the server image of that release plus what the test suite needs besides
# PostgreSQL (the .NET runtime's native dependencies, lz4 and zstd for base backups, the tools the tests call).
# The .NET SDK and Node.js are not installed: eng/docker.sh mounts the host's, read-only (one SDK for every major).
ARG BASE
FROM ${BASE}
RUN apt-get update -qq \
 && icu=$(apt-cache pkgnames libicu | grep -E '^libicu[0-9]+$' | sort -V | tail -n 1) \
 && apt-get install -y -qq --no-install-recommends ca-certificates openssl "$icu" libstdc++6 zlib1g libzstd1 \
      lz4 zstd procps >/dev/null \
 && rm -rf /var/lib/apt/lists/*
ENV DOTNET_ROOT=/usr/share/dotnet PATH=/usr/share/dotnet:$PATH \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
ENTRYPOINT []
