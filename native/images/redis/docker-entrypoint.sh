#!/bin/sh
# Like the official image's entrypoint: options alone (or a .conf file) mean redis-server; as root, /data is
# given to redis and the server runs as redis. Redis is built with protected mode on by default, the
# official image with it off: unless a configuration file sets it, it is off here too, so that other
# containers can connect to a `docker run redis redis-server --appendonly yes` as the tutorials do.
set -e
case $1 in
  -*|*.conf) set -- redis-server "$@" ;;
esac
if [ "$1" = redis-server ]; then
  given=
  for a in "$@"; do [ "$a" != --protected-mode ] || given=1; done
  if [ -z "$given" ]; then
    case $2 in
      *.conf) grep -qE '^[[:space:]]*protected-mode[[:space:]]' "$2" 2>/dev/null || set -- "$@" --protected-mode no ;;
      *) shift; set -- redis-server --protected-mode no "$@" ;;
    esac
  fi
  if [ "$(id -u)" = 0 ]; then
    find . \! -user redis -exec chown redis '{}' +
    exec setpriv --reuid redis --regid redis --init-groups "$0" "$@"
  fi
fi
umask 0077
exec "$@"
