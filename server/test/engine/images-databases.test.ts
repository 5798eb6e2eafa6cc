// postgres and mariadb from the mirror, used as tutorials use the official images, inside a real session: the
// server in one container, its client in a second one on a user network reaching it by name, with the
// official images' variables; both refuse to start without a password, as the official ones do.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useSessionTerminal } from '../helpers.js';
import { eventuallySucceeds, removeAll, succeeds, versionsInside } from './image-use.js';

describe('database images', () => {
  const ctx = useSessionTerminal();

  test('postgres:15 without POSTGRES_PASSWORD stops at once with the official message', async () => {
    const r = await ctx.term.run('docker run --name pg-nopass postgres:15; echo "exit=$?"', 240_000);
    assert.match(r.output, /Error: Database is uninitialized and superuser password is not specified\./);
    assert.match(r.output, /^exit=1$/m);
    await removeAll(ctx.term, { containers: ['pg-nopass'] });
  });

  test('psql in a second container reaches postgres by name on a user network, as POSTGRES_USER, in POSTGRES_DB', async () => {
    await succeeds(ctx.term, 'docker network create dbnet >/dev/null && docker run -d --name db --network dbnet -e POSTGRES_PASSWORD=secret -e POSTGRES_USER=app -e POSTGRES_DB=shop postgres:15');
    const psql = 'docker run --rm --network dbnet -e PGPASSWORD=secret postgres:15 psql -h db -U app -d shop -tAc';
    await eventuallySucceeds(ctx.term, `${psql} "select 1"`);
    const out = await succeeds(ctx.term, `${psql} "create table items (name text); insert into items values ('tea'); select current_user || ' ' || current_database() || ' ' || name || ' ' || current_setting('server_version_num') from items"`);
    assert.match(out, /^app shop tea 15\d{4}$/m);
    const wrong = await ctx.term.run('docker run --rm --network dbnet -e PGPASSWORD=wrong postgres:15 psql -h db -U app -d shop -c "select 1"', 60_000);
    assert.notEqual(wrong.exit, 0);
    assert.match(wrong.output, /password authentication failed for user "app"/);
    const data = await succeeds(ctx.term, 'docker exec db sh -c \'ls $PGDATA/PG_VERSION && echo $PGDATA\'; docker image inspect -f "{{.Config.StopSignal}} {{json .Config.ExposedPorts}}" postgres:15');
    assert.match(data, /^\/var\/lib\/postgresql\/data$/m);
    assert.match(data, /^SIGINT \{"5432\/tcp":\{\}\}$/m);
    await removeAll(ctx.term, { containers: ['db'] });
    await versionsInside(ctx.term, [['postgres:15-bookworm', 'postgres --version; cat /etc/debian_version', /^postgres \(PostgreSQL\) 15\.\d+ \(Debian .*\)\n12\.\d+$/m]]);
    await removeAll(ctx.term, { networks: ['dbnet'], images: ['postgres:15', 'postgres:15-bookworm'] });
  });

  test('mariadb:10.11 without a root password option stops at once with the official message', async () => {
    const r = await ctx.term.run('docker run --name maria-nopass mariadb:10.11; echo "exit=$?"', 240_000);
    assert.match(r.output, /Database is uninitialized and password option is not specified/);
    assert.match(r.output, /^exit=1$/m);
    await removeAll(ctx.term, { containers: ['maria-nopass'] });
  });

  test('the mariadb and mysql clients in a second container reach mariadb by name: MYSQL_* as for MySQL, MARIADB_* too', async () => {
    await succeeds(
      ctx.term,
      'docker network create sqlnet >/dev/null && docker run -d --name mysql --network sqlnet -e MYSQL_ROOT_PASSWORD=rootpw -e MYSQL_DATABASE=shop -e MYSQL_USER=app -e MYSQL_PASSWORD=apppw mariadb:10.11',
    );
    const client = 'docker run --rm --network sqlnet mariadb:10.11';
    await eventuallySucceeds(ctx.term, `${client} mariadb -h mysql -u app -papppw shop -e "select 1"`);
    const app = await succeeds(ctx.term, `${client} mysql -h mysql -u app -papppw shop -N -e "create table items (name text); insert into items values ('tea'); select concat(current_user(), ' ', database(), ' ', name, ' ', version()) from items"`);
    assert.match(app, /^app@% shop tea 10\.11\.\d+-MariaDB/m);
    const root = await succeeds(ctx.term, `${client} mariadb -h mysql -u root -prootpw -N -e "select count(*) from shop.items"`);
    assert.match(root, /^1$/m);
    const data = await succeeds(ctx.term, 'docker exec mysql ls /var/lib/mysql/shop');
    assert.match(data, /items\.frm|items\.ibd/);
    await removeAll(ctx.term, { containers: ['mysql'] });
    await succeeds(ctx.term, 'docker run -d --name maria --network sqlnet -e MARIADB_ROOT_PASSWORD=pw2 -e MARIADB_DATABASE=notes mariadb:10.11');
    const notes = await eventuallySucceeds(ctx.term, `${client} mariadb -h maria -u root -ppw2 -N -e "show databases like 'notes'"`);
    assert.match(notes, /^notes$/m);
    await versionsInside(ctx.term, [['mariadb:10.11', 'mariadbd --version', /Ver 10\.11\.\d+-MariaDB/m]]);
    await removeAll(ctx.term, { containers: ['maria'], networks: ['sqlnet'], images: ['mariadb:10.11'] });
  });
});
