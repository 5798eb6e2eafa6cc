#!/bin/bash
# Like the official image's entrypoint (same variables, same refusal without a root password option): options
# alone mean `mariadbd`; as root, /var/lib/mysql is given to mysql and the script runs again as mysql; on the
# first start (no mysql/ database yet) it installs the system tables, sets the root password (root@localhost
# and root@'%'), makes MARIADB_DATABASE and MARIADB_USER, runs /docker-entrypoint-initdb.d/, then mariadbd.
set -Eeo pipefail
DATADIR=/var/lib/mysql
SOCKET=/run/mysqld/mysqld.sock

note() { printf '%s [Note] [Entrypoint]: %s\n' "$(date --rfc-3339=seconds)" "$*"; }
error() { printf '%s [ERROR] [Entrypoint]: %s\n' "$(date --rfc-3339=seconds)" "$*" >&2; exit 1; }

# MARIADB_X, else MYSQL_X (or their _FILE forms, Docker secrets).
env_of() { # NAME -> MARIADB_NAME
  local m=MARIADB_$1 y=MYSQL_$1 v=
  if [ -n "${!m:-}" ]; then v=${!m}
  elif [ -n "${!y:-}" ]; then v=${!y}
  else
    local mf=${m}_FILE yf=${y}_FILE
    if [ -n "${!mf:-}" ]; then v=$(<"${!mf}"); elif [ -n "${!yf:-}" ]; then v=$(<"${!yf}"); fi
  fi
  export "$m"="$v"
}

case $1 in
  -*) set -- mariadbd "$@" ;;
esac
if [ "$1" = mysqld ]; then set -- mariadbd "${@:2}"; fi

if [ "$1" = mariadbd ] && [ "$(id -u)" = 0 ]; then
  find "$DATADIR" /run/mysqld \! -user mysql -exec chown mysql: '{}' +
  exec setpriv --reuid mysql --regid mysql --init-groups "$BASH_SOURCE" "$@"
fi

sql_escape() { sed -e "s/\\\\/\\\\\\\\/g" -e "s/'/\\\\'/g" <<<"$1"; }

if [ "$1" = mariadbd ] && [ ! -d "$DATADIR/mysql" ]; then
  for v in ROOT_PASSWORD ALLOW_EMPTY_ROOT_PASSWORD RANDOM_ROOT_PASSWORD DATABASE USER PASSWORD ROOT_HOST; do env_of "$v"; done
  if [ -z "$MARIADB_ROOT_PASSWORD" ] && [ -z "$MARIADB_ALLOW_EMPTY_ROOT_PASSWORD" ] && [ -z "$MARIADB_RANDOM_ROOT_PASSWORD" ]; then
    error $'Database is uninitialized and password option is not specified\n\tYou need to specify one of MARIADB_ROOT_PASSWORD, MARIADB_ROOT_PASSWORD_HASH, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD and MARIADB_RANDOM_ROOT_PASSWORD'
  fi
  if [ -n "$MARIADB_USER" ] && [ -z "$MARIADB_PASSWORD" ]; then
    error 'MARIADB_PASSWORD (or MYSQL_PASSWORD) must be set with MARIADB_USER'
  fi
  if [ "$MARIADB_USER" = root ]; then
    error 'MARIADB_USER="root", MARIADB_USER and MARIADB_PASSWORD are for configuring a regular user and cannot be used for the root user'
  fi
  note 'Initializing database files'
  mariadb-install-db --datadir="$DATADIR" --auth-root-authentication-method=normal --skip-test-db \
    --skip-name-resolve >/dev/null
  note 'Database files initialized'
  note 'Starting temporary server'
  "$@" --skip-networking --socket="$SOCKET" &
  pid=$!
  client=(mariadb --protocol=socket -uroot -hlocalhost --socket="$SOCKET" --database=mysql)
  for _ in $(seq 300); do
    "${client[@]}" -e 'SELECT 1' >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || error 'Unable to start server.'
    sleep 0.1
  done
  note 'Temporary server started.'
  if [ -n "$MARIADB_RANDOM_ROOT_PASSWORD" ]; then
    MARIADB_ROOT_PASSWORD=$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32)
    note "GENERATED ROOT PASSWORD: $MARIADB_ROOT_PASSWORD"
  fi
  root_host=${MARIADB_ROOT_HOST:-%}
  pw=$(sql_escape "$MARIADB_ROOT_PASSWORD")
  {
    echo "SET @@SESSION.SQL_LOG_BIN=0;"
    echo "DELETE FROM mysql.global_priv WHERE user NOT IN ('mysql', 'mariadb.sys', 'root') OR host NOT IN ('localhost');"
    echo "SET PASSWORD FOR 'root'@'localhost'=PASSWORD('$pw');"
    if [ "$root_host" != localhost ]; then
      echo "CREATE USER 'root'@'$root_host' IDENTIFIED BY '$pw';"
      echo "GRANT ALL ON *.* TO 'root'@'$root_host' WITH GRANT OPTION;"
      echo "GRANT PROXY ON ''@'%' TO 'root'@'$root_host' WITH GRANT OPTION;"
    fi
    if [ -n "$MARIADB_DATABASE" ]; then
      note "Creating database $MARIADB_DATABASE" >&2
      echo "CREATE DATABASE IF NOT EXISTS \`$MARIADB_DATABASE\`;"
    fi
    if [ -n "$MARIADB_USER" ]; then
      note "Creating user $MARIADB_USER" >&2
      echo "CREATE USER '$(sql_escape "$MARIADB_USER")'@'%' IDENTIFIED BY '$(sql_escape "$MARIADB_PASSWORD")';"
      [ -z "$MARIADB_DATABASE" ] || echo "GRANT ALL ON \`$MARIADB_DATABASE\`.* TO '$(sql_escape "$MARIADB_USER")'@'%';"
    fi
    echo "FLUSH PRIVILEGES;"
  } | "${client[@]}"
  client=(mariadb --protocol=socket -uroot -hlocalhost --socket="$SOCKET" --password="$MARIADB_ROOT_PASSWORD")
  for f in /docker-entrypoint-initdb.d/*; do
    case $f in
      *.sh) note "$0: running $f"; if [ -x "$f" ]; then "$f"; else . "$f"; fi ;;
      *.sql) note "$0: running $f"; "${client[@]}" ${MARIADB_DATABASE:+--database="$MARIADB_DATABASE"} <"$f" ;;
      *.sql.gz) note "$0: running $f"; gunzip -c "$f" | "${client[@]}" ${MARIADB_DATABASE:+--database="$MARIADB_DATABASE"} ;;
      */\*) ;;
      *) note "$0: ignoring $f" ;;
    esac
  done
  note 'Stopping temporary server'
  kill "$pid"; wait "$pid" || true
  note 'Temporary server stopped'
  echo
  note 'MariaDB init process done. Ready for start up.'
  echo
fi

exec "$@"
