#!/bin/sh
# As the official image's: `docker run node -e '…'` and `docker run -v "$PWD":/app -w /app node index.js` run node.
set -e
if [ "${1#-}" != "$1" ] || [ -z "$(command -v "$1" || true)" ] || { [ -f "$1" ] && ! [ -x "$1" ]; }; then
  set -- node "$@"
fi
exec "$@"
