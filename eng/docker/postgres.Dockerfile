# A PostgreSQL server of one Debian release's own packages, for the integration tests (Testcontainers.PostgreSql).
# Built by eng/docker.sh FROM a debootstrap of that release (no registry pull). The entrypoint does what
# Testcontainers.PostgreSql 4.17 expects of an image; see postgres-entrypoint.sh.
ARG BASE
FROM ${BASE}
ARG PG_MAJOR
ENV DEBIAN_FRONTEND=noninteractive PG_MAJOR=${PG_MAJOR} PGDATA=/var/lib/postgresql/data LANG=C.UTF-8
# No default cluster from the package, no service start during the build. A release's Release file is still checked
# against the archive keys, but not for expiry: a mirror that is a frozen copy serves a testing release (forky) whose
# Valid-Until date has passed.
RUN echo 'Acquire::Check-Valid-Until "false";' > /etc/apt/apt.conf.d/99dbresilience-no-expiry \
 && mkdir -p /etc/postgresql-common \
 && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf \
 && printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d \
 && apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends "postgresql-${PG_MAJOR}" >/dev/null \
 && rm -rf /var/lib/apt/lists/* \
 && test -x "/usr/lib/postgresql/${PG_MAJOR}/bin/postgres"
ENV PATH=/usr/lib/postgresql/${PG_MAJOR}/bin:$PATH
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint.sh
RUN chmod 755 /usr/local/bin/postgres-entrypoint.sh
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]
