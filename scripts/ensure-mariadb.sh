#!/usr/bin/env bash
# Makes sure a MariaDB server answers for the tests: uses a running one, starts an installed one,
# or installs Debian's mariadb-server and starts it. `--no-install` only starts what is installed.
# The tests connect as CCDATA_TEST_MYSQL_URL (default mysql://root@127.0.0.1:3306).
set -euo pipefail

host=127.0.0.1
port=3306
install=yes
[ "${1:-}" = "--no-install" ] && install=no

answers() { mariadb-admin --protocol=tcp -h"$host" -P"$port" -uroot ping >/dev/null 2>&1 \
  || mysqladmin --protocol=tcp -h"$host" -P"$port" -uroot ping >/dev/null 2>&1; }

if answers; then exit 0; fi

if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
  if [ "$install" = no ]; then
    echo "MariaDB is not installed; run scripts/ensure-mariadb.sh to install it." >&2
    exit 1
  fi
  echo "Installing mariadb-server (Debian package)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq mariadb-server mariadb-client >/dev/null
fi

mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
for _ in $(seq 1 60); do
  if mariadb -uroot -e "select 1" >/dev/null 2>&1; then break; fi
  sleep 0.5
done

# A fresh Debian install lets root in only through the local socket; the tests use TCP.
if ! answers; then
  mariadb -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket; CREATE DATABASE IF NOT EXISTS test;" || true
fi
if answers; then exit 0; fi
echo "MariaDB did not come up on $host:$port; see /var/log/mysql/ or run mariadbd by hand." >&2
exit 1
