#!/usr/bin/env bash
# The fixture's cluster answers as pg_cluster.sh promises: the URI file exists, the role is not a
# superuser, and it owns its database. Fails (never skips) when the cluster is not there.
set -euo pipefail
uri=$(cat "${1:?usage: pg_smoke.sh URI_FILE}")
got=$(/usr/lib/postgresql/15/bin/psql -X -At "$uri" -c \
  "SELECT r.rolsuper::text || ' ' || pg_get_userbyid(d.datdba) FROM pg_roles r, pg_database d
   WHERE r.rolname = current_user AND d.datname = current_database()")
[ "$got" = "false nucleus" ] || { echo "pg_smoke: expected 'false nucleus', got '$got'" >&2; exit 1; }
echo "pg_smoke: ok ($uri)"
