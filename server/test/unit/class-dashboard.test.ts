// The dashboard's cells from a class's real store (SQLite in memory) and a stand-in for sessions and lessons:
// done from saved progress, skipped from the sandbox, the open step "current", then "stuck" 5 minutes after
// it was opened and still unticked (whenever the teacher first looked), and a student whose session ended has no session to watch.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { ProgressMap } from '@berth/shared';
import { SqliteClassStore } from '../../src/classes/class-store-sqlite.js';
import { Classes } from '../../src/classes/classes.js';
import type { StaffAccount } from '../../src/people/staff-store.js';
import type { SessionManager } from '../../src/sessions/session-manager.js';
import { openDatabase } from '../../src/store/database.js';

const teacher: StaffAccount = { id: 1, email: 't@x.invalid', name: 'T', role: 'teacher', passwordHash: '', createdAt: 0 };
const steps = [{ id: 'a', title: 'A' }, { id: 'b', title: 'B' }, { id: 'c', title: 'C' }];

test('cells: done, skipped, current then stuck 5 minutes after the step was opened; an ended student has no session', async () => {
  let now = 1_000_000;
  const opened = now;
  const db = openDatabase(':memory:');
  db.prepare("INSERT INTO staff (id, email, name, role, password_hash, created_at) VALUES (1, 't@x.invalid', 'T', 'teacher', '', 0)").run();
  const store = new SqliteClassStore(db);
  const live = new Map<string, { id: string; state: string; terms: { kind: 'class'; ref: string } }>();
  const sessions = Object.assign(new EventEmitter(), { get: (id: string) => live.get(id), live: () => [...live.values()].filter((s) => s.state !== 'ended') }) as unknown as SessionManager;
  const progress: Record<string, ProgressMap> = { la: { l: { lesson: 'l', done: ['a'], current: 'c', finished: false } }, lb: {} };
  const classes = new Classes({
    store,
    sessions,
    lessonSteps: () => ({ title: 'L', steps }),
    progress: async (learner) => progress[learner] ?? {},
    skippedIn: (id) => new Set(id === 'sa' ? ['l/b'] : []),
    placeIn: (id) => (id === 'sa' ? { lesson: 'l', step: 'c', since: opened } : id === 'sc' ? { lesson: 'l', step: 'b', since: opened - 6 * 60_000 } : null),
    redoStep: async () => null,
    lastCommand: () => null,
    staffName: async () => 'T',
    now: () => now,
  });
  const made = await classes.create(teacher, { name: 'C', lessons: ['l'], minutes: 60, capacity: 5 });
  live.set('sa', { id: 'sa', state: 'ready', terms: { kind: 'class', ref: made.id } });
  await store.join(made.id, 'la', 'Ana', 'sa', now);
  await store.join(made.id, 'lb', 'Ben', 'sb', now);
  live.set('sc', { id: 'sc', state: 'ready', terms: { kind: 'class', ref: made.id } });
  await store.join(made.id, 'lc', 'Cai', 'sc', now);

  const first = await classes.dashboard(teacher, made.id);
  assert.deepEqual(first.students.map((s) => [s.name, s.cells, s.session]), [
    ['Ana', ['done', 'skipped', 'current'], 'sa'],
    ['Ben', ['', '', ''], null],
    ['Cai', ['', 'stuck', ''], 'sc'],
  ]);
  assert.deepEqual(first.stuckSteps, [{ lesson: 'l', step: 'b', students: 1 }], 'on the step for 6 minutes before the teacher first looked');
  assert.equal(first.class.working, 2);

  now += 5 * 60_000;
  const later = await classes.dashboard(teacher, made.id);
  assert.deepEqual(later.students[0]!.cells, ['done', 'skipped', 'stuck']);
  assert.deepEqual(later.stuckSteps, [{ lesson: 'l', step: 'b', students: 1 }, { lesson: 'l', step: 'c', students: 1 }]);
  assert.equal(later.students[0]!.at?.since, new Date(now - 5 * 60_000).toISOString());
  db.close();
});
