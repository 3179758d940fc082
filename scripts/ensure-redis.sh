#!/usr/bin/env bash
# Makes sure a Redis server answers on 127.0.0.1:6379 for the shared rate-budget tests: uses a
# running one, starts an installed one (nothing kept on disk), or installs Debian's redis-server.
set -euo pipefail

answers() { python3 -c 'import socket; s=socket.create_connection(("127.0.0.1", 6379), 2); s.sendall(b"PING\r\n"); assert s.recv(16).startswith(b"+PONG")' 2>/dev/null; }

answers && exit 0
if ! command -v redis-server >/dev/null 2>&1; then
  echo "Installing redis-server (Debian package)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq redis-server >/dev/null
fi
redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
for _ in $(seq 1 40); do answers && exit 0; sleep 0.25; done
echo "Redis did not come up on 127.0.0.1:6379; start it with: redis-server --daemonize yes --port 6379" >&2
exit 1
