// `berth lessons import` on hostile and odd scenarios: nothing outside the scenario's folder is read (no
// "..", no absolute path, no symbolic link), files are bounded, bad JSON is located, and whatever does not
// carry over (unknown fields, root-VM habits) is reported. Plus the Markdown and verify conversions.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'yaml';
import { convertText } from '../../src/lessons/import/convert-text.js';
import { importScenario } from '../../src/lessons/import/import-cli.js';
import { jsonErrorAt, ScenarioRefusedError } from '../../src/lessons/import/scenario-files.js';
import { loadLessons } from '../../src/lessons/load-lessons.js';
import type { MirrorImages } from '../../src/missing-images/mirror-catalog.js';

const repo = path.resolve(import.meta.dirname, '..', '..', '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-import-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

let n = 0;
/** A scenario folder: index.json from `index` (an object, or raw text), plus files. */
function scenario(index: object | string, files: Record<string, string> = {}): string {
  const dir = path.join(work, `scenario-${++n}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.json'), typeof index === 'string' ? index : JSON.stringify(index, null, 2));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const oneStep = (step: object) => ({ title: 'T', details: { steps: [{ title: 'S', text: 'step1.md', ...step }] } });

/** Imports into a fresh lessons folder; returns the refusal message, or fails if it was imported. */
function refused(dir: string): string {
  const lessons = fs.mkdtempSync(path.join(work, 'lessons-'));
  try {
    importScenario(dir, lessons);
  } catch (err) {
    assert.ok(err instanceof ScenarioRefusedError, String(err));
    assert.deepEqual(fs.readdirSync(lessons), [], 'nothing is written for a refused scenario');
    return err.message;
  }
  assert.fail('the scenario was imported');
}

test('a path that climbs out of the scenario ("..") is refused, and nothing is written', () => {
  fs.writeFileSync(path.join(work, 'secret.md'), 'the host\'s secret\n');
  const msg = refused(scenario(oneStep({ text: '../secret.md' })));
  assert.match(msg, /details\.steps\[0\]\.text: "\.\.\/secret\.md" leaves the scenario's folder/);
  assert.match(refused(scenario(oneStep({ verify: 'step1/../../secret.md' }), { 'step1.md': 'x' })), /leaves the scenario's folder/);
});

test('an absolute path is refused', () => {
  assert.match(refused(scenario(oneStep({ verify: '/etc/passwd' }), { 'step1.md': 'x' })), /details\.steps\[0\]\.verify: "\/etc\/passwd" is an absolute path/);
});

test('a symbolic link, to a file or through a folder, is refused', () => {
  const linkedFile = scenario(oneStep({}));
  fs.symlinkSync('/etc/passwd', path.join(linkedFile, 'step1.md'));
  assert.match(refused(linkedFile), /scenario-\d+\/step1\.md: is a symbolic link \(details\.steps\[0\]\.text\)/);

  const linkedFolder = scenario(oneStep({ text: 'step1/passwd' }));
  fs.symlinkSync('/etc', path.join(linkedFolder, 'step1'));
  assert.match(refused(linkedFolder), /scenario-\d+\/step1: is a symbolic link/);

  const linkedIndex = scenario(oneStep({}), { 'step1.md': 'x' });
  fs.rmSync(path.join(linkedIndex, 'index.json'));
  fs.symlinkSync('/etc/passwd', path.join(linkedIndex, 'index.json'));
  assert.match(refused(linkedIndex), /index\.json: is a symbolic link/);

  const real = scenario(oneStep({}), { 'step1.md': 'x' });
  const linkedScenario = path.join(work, 'linked-scenario');
  fs.symlinkSync(real, linkedScenario);
  assert.match(refused(linkedScenario), /is a symbolic link; give the scenario's folder itself/);
});

test('a huge file is refused with its size; a binary one as not text', () => {
  const huge = scenario(oneStep({}), { 'step1.md': 'x'.repeat(300 * 1024) });
  assert.match(refused(huge), /step1\.md: 307200 bytes, more than the 256 KiB a scenario file may have/);
  assert.match(refused(scenario(oneStep({}), { 'step1.md': 'a\0b' })), /step1\.md: not a text file/);
  assert.match(refused(scenario(oneStep({}), { 'step1.md': 'x' }).replace(/$/, '') + '/nope'), /no such folder/);
  const fifo = scenario(oneStep({}));
  spawnSync('mkfifo', [path.join(fifo, 'step1.md')]);
  assert.match(refused(fifo), /step1\.md: not a regular file/);
});

test('bad JSON is reported with its file, line and column', () => {
  const text = '{\n  "title": "T",\n  "details": {\n    "steps": [],\n  }\n}\n';
  assert.match(refused(scenario(text)), /index\.json:5:3: not valid JSON: Expected double-quoted property name/);
  assert.match(refused(scenario('{"title": "T", "details": {')), /index\.json:1:28: not valid JSON: Expected property name or '}'/);
  assert.match(refused(scenario('[1, 2]')), /must be a JSON object/);
  // Where V8 names no position, the scan finds it.
  assert.equal(jsonErrorAt('{"a": [1, 2,, 3]}'), 12);
  assert.equal(jsonErrorAt('{"a": "b"} x'), 11);
  assert.equal(jsonErrorAt('{"a": tru}'), 6);
  assert.equal(jsonErrorAt('{"a": "unterminated'), 19);
  assert.match(refused(scenario({ title: 'T', details: { steps: 'step1.md' } })), /details\.steps must be a non-empty list/);
  assert.match(refused(scenario({ title: 'T', details: { steps: [{ title: 7, text: 'a.md' }] } }, { 'a.md': 'x' })), /details\.steps\[0\]\.title must be a string/);
});

test('too many steps, or no index.json at all, is refused', () => {
  const many = { title: 'T', details: { steps: Array.from({ length: 61 }, () => ({ title: 'S', text: 'step1.md' })) } };
  assert.match(refused(scenario(many, { 'step1.md': 'x' })), /61 steps, more than the 60 an import takes/);
  const none = path.join(work, 'no-index');
  fs.mkdirSync(none);
  assert.match(refused(none), /no-index\/index\.json: missing/);
});

test('unknown fields and what a root VM has that a session lacks are reported, step by step', () => {
  const dir = scenario(
    {
      title: 'Root habits',
      colour: 'red',
      details: {
        intro: { text: 'intro.md', courseData: 'env-init.sh' },
        steps: [
          { title: 'Install', text: 'step1.md', verify: 'verify1.sh', background: 'bg1.sh', mystery: 1 },
          { title: 'Cluster', text: 'step2.md' },
        ],
        assets: { host01: [{ file: 'a.txt', target: '/root' }] },
      },
      environment: { uilayout: 'editor-terminal', dashboards: [{ name: 'Web', port: 80 }] },
      backend: { imageid: 'kubernetes-kubeadm-2nodes' },
    },
    {
      'intro.md': 'Hello.',
      'env-init.sh': 'systemctl start docker\n',
      'step1.md': '`sudo apt-get install -y tree`{{execute}}\n',
      'verify1.sh': 'test -f /root/done\n',
      'bg1.sh': 'curl -fsSL https://example.com/get.sh | bash\ngit clone https://github.com/x/y\n',
      'step2.md': 'Open [[HOST_SUBDOMAIN]]-80-[[KATACODA_HOST]].environments.katacoda.com\n\n`kubectl get pods`{{execute T2}}\n',
    },
  );
  const lessons = fs.mkdtempSync(path.join(work, 'lessons-'));
  const r = importScenario(dir, lessons);
  const report = r.lines.join('\n');
  assert.equal(r.errors, 0, report);
  assert.match(report, /index\.json: unknown field "colour"/);
  assert.match(report, /details\.steps\[0\]: unknown field "mystery"/);
  assert.match(report, /details\.assets .* not carried/);
  assert.match(report, /environment\.dashboards/);
  assert.match(report, /backend\.imageid "kubernetes-kubeadm-2nodes"/);
  assert.match(report, /\(lesson setup\):\n {4}- env-init\.sh: systemd/);
  assert.match(report, /install:\n(.*\n)*? {4}- bg1\.sh \(background\): downloads from the internet/);
  assert.match(report, /bg1\.sh \(background\): git clone of a remote repository/);
  assert.match(report, /verify1\.sh \(verify\): \/root/);
  assert.match(report, /its commands: sudo/);
  assert.match(report, /its commands: installs packages as root/);
  assert.match(report, /cluster:\n(.*\n)*? {4}- links to a port of the VM/);
  assert.match(report, /\{\{execute T2\}\}: Berth has one terminal/);
  assert.match(report, /cluster:\n(.*\n)*? {4}- its commands: Kubernetes/);
  assert.match(report, /no verify script: the step ticks when the learner runs "kubectl get pods"/);
  // The lesson is still written and valid: the server loads it.
  const [lesson] = loadLessons(lessons);
  assert.equal(lesson!.id, 'root-habits');
  assert.equal(lesson!.setup?.includes('systemctl start docker'), true);
  assert.equal(lesson!.steps[0]!.setup?.includes('curl -fsSL'), true);
});

test('images a step uses that the mirror lacks are reported with the nearest it has; images the scenario builds are not', () => {
  // A stand-in for the mirror's catalog (the real one is read in the engine test).
  const mirror: MirrorImages = {
    tags: (repo) => ({ 'library/nginx': ['latest', '1.22'], 'library/busybox': ['latest'] })[repo],
    repos: () => ['library/busybox', 'library/nginx'],
  };
  const dir = scenario(
    { title: 'Images', details: { steps: [{ title: 'Run', text: 'step1.md', background: 'bg.sh' }] } },
    {
      'step1.md': '```\ndocker build -t myapp .\ndocker run -d --name a -p 80:80 -v x:/y nginx:alpine sh\ndocker run --rm myapp\ndocker pull busybox\n```{{exec}}\n',
      'bg.sh': 'docker pull ubuntu:22.04\ndocker run -d localhost:5000/mine\n',
    },
  );
  const report = importScenario(dir, fs.mkdtempSync(path.join(work, 'lessons-')), undefined, mirror).lines.join('\n');
  assert.match(report, /image nginx:alpine: not in this Berth's mirror \(the nearest it has is nginx\)/);
  assert.match(report, /image ubuntu:22\.04: not in this Berth's mirror/);
  assert.doesNotMatch(report, /image (myapp|busybox|localhost)/);
  assert.doesNotMatch(report, /images were not checked/);
});

test('an import into a lessons folder that already has its lesson id is refused', () => {
  const dir = scenario(oneStep({}), { 'step1.md': '`true`{{execute}}' });
  const lessons = fs.mkdtempSync(path.join(work, 'lessons-'));
  importScenario(dir, lessons, path.join(lessons, '01-same'));
  assert.throws(() => importScenario(dir, lessons, path.join(lessons, '02-same')), /lesson id "same" is already used by .*01-same/);
});

test('Katacoda and KillerCoda annotations become Berth runnable and copy blocks', () => {
  const md = [
    '# Heading of the page',
    '',
    'Run `docker ps`{{execute}} to list, or copy `docker images`{{copy}}.',
    '',
    '`docker version`{{execute}}',
    '',
    '```plain',
    '# a shell comment, not a heading',
    'docker run -d \\',
    '  --name web nginx',
    'docker ps',
    '```{{exec}}',
    '',
    '```',
    'docker logs web',
    '```{{copy}}',
    '',
    'Open `app.js`{{open}}.',
    '',
    '<pre class="file" data-filename="Dockerfile" data-target="replace">FROM debian',
    'RUN echo &quot;a &amp;&amp; b&quot; &gt; /x',
    '</pre>',
  ].join('\n');
  const r = convertText(md);
  // A block's commands are typed one by one (a continued line stays whole, a comment is skipped).
  assert.deepEqual(r.commands, ['docker ps', 'docker version', 'docker run -d \\\n  --name web nginx', 'docker ps', "cat > Dockerfile <<'EOF'\nFROM debian\nRUN echo \"a && b\" > /x\nEOF"]);
  assert.match(r.markdown, /^## Heading of the page$/m);
  assert.match(r.markdown, /Run `docker ps` to list, or copy `docker images`\.\n\n```sh run\ndocker ps\n```/);
  assert.match(r.markdown, /```sh run\ndocker version\n```/);
  assert.match(r.markdown, /```sh run\n# a shell comment, not a heading\ndocker run -d \\\n {2}--name web nginx\ndocker ps\n```/);
  assert.match(r.markdown, /```sh\ndocker logs web\n```/);
  assert.match(r.markdown, /Open `app\.js`\./);
  assert.match(r.markdown, /```sh run\ncat > Dockerfile <<'EOF'\nFROM debian\nRUN echo "a && b" > \/x\nEOF\n```/);
  assert.doesNotMatch(r.markdown, /\{\{/);
  assert.ok(r.notes.some((n) => /\{\{open\}\}/.test(n)));
});

test('a verify script is met as its platform meant: exit 0, and "done" printed when it prints done', () => {
  const verdict = (verify: string) => {
    const dir = scenario(oneStep({ verify: 'v.sh' }), { 'step1.md': '`true`{{execute}}', 'v.sh': verify });
    const lessons = fs.mkdtempSync(path.join(work, 'lessons-'));
    const r = importScenario(dir, lessons);
    const yaml = parse(fs.readFileSync(path.join(r.dir, 'lesson.yaml'), 'utf8'));
    const check: string = yaml.steps[0].goals[0].check;
    return spawnSync('bash', ['-c', check], { encoding: 'utf8', cwd: work }).status === 0 ? 'met' : 'not met';
  };
  assert.equal(verdict('if false; then echo done; fi\n'), 'not met', 'Katacoda style, not met: exit 0 without "done" is not met');
  assert.equal(verdict('if true; then echo "done"; fi\n'), 'met', 'Katacoda style, met');
  assert.equal(verdict('echo done; exit 3\n'), 'not met', 'printed done but failed');
  assert.equal(verdict('test -d /\n'), 'met', 'KillerCoda style, met');
  assert.equal(verdict('test -d /nowhere\n'), 'not met', 'KillerCoda style, not met');
  assert.equal(verdict('cat <<BERTH_SCENARIO_SCRIPT\nx\nBERTH_SCENARIO_SCRIPT\necho done\n'), 'met', 'a script that uses the embedding delimiter itself');
  assert.equal(verdict('read line; [ -z "$line" ] && echo done\n'), 'met', 'stdin is closed, as on the VM');
});

test('a step\'s Katacoda scripts (courseData, then code) become one set-up that runs both in order and stops at the first failure', () => {
  const setupOf = (background: string) => {
    const dir = scenario(
      { title: 'Two scripts', details: { steps: [{ title: 'S', text: 'step1.md', courseData: 'bg.sh', code: 'fg.sh' }] } },
      { 'step1.md': '`true`{{execute}}', 'bg.sh': background, 'fg.sh': '#!/bin/bash\necho foreground >> "$OUT"\nexit 0\n' },
    );
    const r = importScenario(dir, fs.mkdtempSync(path.join(work, 'lessons-')));
    const yaml = parse(fs.readFileSync(path.join(r.dir, 'lesson.yaml'), 'utf8'));
    return yaml.steps[0].setup as string;
  };
  const run = (setup: string) => {
    const out = path.join(work, `out-${++n}`);
    const status = spawnSync('bash', ['-c', setup], { env: { ...process.env, OUT: out }, encoding: 'utf8' }).status;
    return { status, wrote: fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '' };
  };
  // A background script that ends with `exit 0` must not skip the foreground one.
  assert.deepEqual(run(setupOf('echo background >> "$OUT"\nexit 0\n')), { status: 0, wrote: 'background\nforeground\n' });
  assert.deepEqual(run(setupOf('echo background >> "$OUT"\nexit 4\n')), { status: 4, wrote: 'background\n' });
});

test('the CLI: a refused scenario exits 1 with the reason; --out must be a lesson folder name and must not exist', () => {
  const berth = (args: string[]) => spawnSync(process.execPath, [path.join(repo, 'scripts', 'berth.mjs'), 'lessons', 'import', ...args], { encoding: 'utf8', cwd: work });
  const bad = berth([scenario('{"title": "T",\n"details": }')]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /not imported: scenario-\d+\/index\.json:2:12: not valid JSON: Unexpected token '\}'\n/);
  const good = scenario(oneStep({}), { 'step1.md': '`true`{{execute}}' });
  const out = path.join(work, 'lessons-cli', '07-mine');
  assert.match(berth([good, '--out', path.join(work, 'lessons-cli', 'Mine')]).stderr, /a lesson folder is named <NN>-<id>/);
  const ok = berth([good, '--out', out]);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /imported "T" \(1 steps\)/);
  assert.match(ok.stdout, /lessons check: 0 problem\(s\), 3 warning\(s\)/);
  assert.match(berth([good, '--out', out]).stderr, /07-mine: already exists/);
  assert.equal(berth([]).status, 2);
});
