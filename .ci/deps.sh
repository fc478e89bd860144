#!/bin/sh
# Installs the Debian packages the tests use, when they are missing:
# sqlite-utils (cmd/ytharvest's TestSQLiteUtils), chromium (TestBrowser: the
# web UI and the report in a real browser) and postgresql (db/postgres and
# the worker tests; .ci/postgres.sh starts it). `make test` and .ci/run run
# this. Only root may install: anyone else is told what is missing, and the
# tests that need it skip saying so (under CI=true they fail).
set -eu
missing=""
command -v sqlite-utils >/dev/null 2>&1 || missing="$missing sqlite-utils"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
[ -n "${YTHARVEST_TEST_POSTGRES:-}" ] || command -v pg_lsclusters >/dev/null 2>&1 || missing="$missing postgresql"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "deps: missing$missing; install them (Debian: apt-get install$missing) or the tests that need them skip"
  exit 0
fi
echo "deps: installing$missing"
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
