#!/bin/sh
# Like the official image's entrypoint: when the command is nginx, run /docker-entrypoint.d/ first
# (*.envsh sourced, executable *.sh run, in name order), then exec the command.
set -e

say() { [ -n "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ] || echo "$0: $*"; }

if [ "$1" = nginx ] || [ "$1" = nginx-debug ]; then
  if find /docker-entrypoint.d/ -mindepth 1 -maxdepth 1 -type f -print -quit 2>/dev/null | grep -q .; then
    say "/docker-entrypoint.d/ is not empty, will attempt to perform configuration"
    for f in $(find /docker-entrypoint.d/ -mindepth 1 -maxdepth 1 -type f | sort); do
      case $f in
        *.envsh) if [ -x "$f" ]; then say "Sourcing $f"; . "$f"; else say "Ignoring $f, not executable"; fi ;;
        *.sh) if [ -x "$f" ]; then say "Launching $f"; "$f"; else say "Ignoring $f, not executable"; fi ;;
        *) say "Ignoring $f" ;;
      esac
    done
    say "Configuration complete; ready for start up"
  else
    say "No files found in /docker-entrypoint.d/, skipping configuration"
  fi
fi

exec "$@"
