#!/bin/sh
# Makes sure the PostgreSQL server the tests use is up, with their role and
# database (internal/pgtest): starts Debian's cluster when none answers on
# 127.0.0.1:5432 and this is root. With $YTHARVEST_TEST_POSTGRES set, the
# tests use that server and nothing is done here. Without a server and
# without the means to start one, the PostgreSQL tests skip, saying so
# (under CI=true they fail).
set -eu
[ -n "${YTHARVEST_TEST_POSTGRES:-}" ] && exit 0
command -v pg_lsclusters >/dev/null 2>&1 || { echo "postgres: no Debian PostgreSQL server installed (apt-get install postgresql)"; exit 0; }
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  [ "$(id -u)" = 0 ] || { echo "postgres: no server on 127.0.0.1:5432, and only root may start one"; exit 0; }
  cluster=$(pg_lsclusters -h | awk '$3 == 5432 { print $1 "/" $2; exit }')
  [ -n "$cluster" ] || { echo "postgres: no cluster on port 5432"; exit 0; }
  echo "postgres: starting cluster $cluster"
  pg_ctlcluster "${cluster%/*}" "${cluster#*/}" start
  for _ in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
[ "$(id -u)" = 0 ] || exit 0
runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -d postgres <<'SQL'
SELECT 'CREATE ROLE ytharvest LOGIN CREATEDB PASSWORD ''ytharvest'''
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ytharvest') \gexec
SELECT 'CREATE DATABASE ytharvest_test OWNER ytharvest'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'ytharvest_test') \gexec
SQL
