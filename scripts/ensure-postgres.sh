#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers for the tests of the production instance
# (deploy/dagster.yaml): uses a running one, starts an installed one, or installs Debian's
# postgresql and starts it. `--no-install` only starts what is installed.
# The tests connect over TCP to 127.0.0.1:5432 as postgres (or root) without a password.
set -euo pipefail

host=127.0.0.1
port=5432
install=yes
installed=no
[ "${1:-}" = "--no-install" ] && install=no

answers() { pg_isready -q -h "$host" -p "$port" >/dev/null 2>&1; }

if command -v pg_isready >/dev/null 2>&1 && answers; then exit 0; fi

if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
  if [ "$install" = no ]; then
    echo "PostgreSQL is not installed; run scripts/ensure-postgres.sh to install it." >&2
    exit 1
  fi
  echo "Installing postgresql (Debian package)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq postgresql >/dev/null
  installed=yes
fi

version=$(ls /etc/postgresql | sort -V | tail -n 1)
# A fresh Debian cluster asks TCP clients for a password; the tests connect without one. Only a
# cluster this script has just installed is opened up, and only to 127.0.0.1.
hba=/etc/postgresql/$version/main/pg_hba.conf
if [ "$installed" = yes ] && [ -f "$hba" ] && ! grep -q "ccdata-tests" "$hba"; then
  sed -i '1i host all all 127.0.0.1/32 trust  # ccdata-tests: local test server' "$hba"
fi
pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
for _ in $(seq 1 60); do
  if answers; then break; fi
  sleep 0.5
done

if answers; then
  # The tests may connect as root too; create that role once.
  su postgres -c "psql -qtAc \"select 1 from pg_roles where rolname='root'\" | grep -q 1 \
    || psql -qc 'create role root superuser login'" >/dev/null 2>&1 || true
  exit 0
fi
echo "PostgreSQL did not come up on $host:$port; see /var/log/postgresql/ or run pg_ctlcluster by hand." >&2
exit 1
