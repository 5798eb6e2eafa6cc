// `berth lessons check DIR` on lessons broken on purpose: every problem with file:line, exit non-zero.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/app.js';
import { LANGS } from '@berth/shared';
import { formatProblem } from '../../src/lessons/lesson.js';
import { checkLessons, loadLessons } from '../../src/lessons/load-lessons.js';

const repo = path.resolve(import.meta.dirname, '..', '..', '..');

function writeLesson(root: string, name: string, yaml: string, files: Record<string, string>) {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'lesson.yaml'), yaml);
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
}

const stepMd = (title: string) => `# ${title}\n\nDo it.\n\n\`\`\`sh run\ndocker ps\n\`\`\`\n\n## Hint\n\nTry harder.\n`;

test('a broken lesson: each problem printed as file:line, exit status 1', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lessons-'));
  writeLesson(
    root,
    '01-broken',
    [
      'title:', //                                     1
      '  en: Broken', //                               2
      '  zh: 坏了', //                                  3
      'level: beginner', //                            4
      'minutes: 5', //                                 5
      'steps:', //                                     6
      '  - id: one', //                                7
      '    goals:', //                                 8
      "      - ran: '^docker (ps'", //                 9  bad regex
      '    solution: [docker ps]', //                  10
      '  - id: two', //                                11
      '    goals:', //                                 12
      '      - typed: docker images', //               13 unknown goal type
      '    solution: [docker images]', //              14
      '  - id: one', //                                15 duplicate id
      '    goals:', //                                 16
      '      - check: "true"', //                      17
      '    solution: ["true"]', //                     18
      '',
    ].join('\n'),
    { 'en/one.md': stepMd('One'), 'en/two.md': stepMd('Two'), 'zh/one.md': stepMd('一') },
  );
  const r = spawnSync(process.execPath, [path.join(repo, 'scripts', 'berth.mjs'), 'lessons', 'check', root], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  const out = r.stdout;
  assert.match(out, /01-broken\/lesson\.yaml:9: step "one": ran: the regular expression does not compile/);
  assert.match(out, /01-broken\/lesson\.yaml:13: step "two": unknown goal type "typed"/);
  assert.match(out, /01-broken\/lesson\.yaml:15: step id "one" is used twice \(first at line 7\)/);
  assert.match(out, /01-broken\/lesson\.yaml:11: step "two" has no zh text: 01-broken\/zh\/two\.md is missing/);
  assert.match(out, /problem\(s\) found/);
  fs.rmSync(root, { recursive: true });
});

test('Markdown problems point at the file: no title, no hint, stray files, bad YAML', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lessons-'));
  writeLesson(root, '01-md', 'title: {en: A, zh: 甲}\nlevel: beginner\nminutes: 3\nsteps:\n  - id: s\n    goals: [{ran: "^ls"}]\n    solution: [ls]\n', {
    'en/s.md': 'No title here.\n\n## Hint\n\nx\n',
    'zh/s.md': '# 标题\n\n正文。\n',
    'zh/extra.md': '# ?\n',
  });
  writeLesson(root, '04-numbered', 'title: {en: A, zh: 甲}\nlevel: beginner\nminutes: 3\nsteps:\n  - id: s\n    goals: [{ran: "^ls"}]\n    solution: [ls]\n', {
    'en/s.md': stepMd('3. Download an image'),
    'zh/s.md': stepMd('下载镜像'),
  });
  writeLesson(root, '02-yaml', 'title: {en: A, zh: 甲}\nlevel: expert\nminutes: [3\n', {});
  writeLesson(root, '03-fields', 'title: {en: A}\nlevel: expert\nminutes: 0\nsteps: []\ncolour: red\n', {});
  const { problems } = (() => {
    try {
      loadLessons(root);
      return { problems: [] };
    } catch (err) {
      return err as { problems: { file: string; line: number; message: string }[] };
    }
  })();
  const lines = problems.map((p) => `${path.relative(root, p.file)}:${p.line}: ${p.message}`);
  const has = (re: RegExp) => assert.ok(lines.some((l) => re.test(l)), `${re} in\n${lines.join('\n')}`);
  has(/^01-md\/en\/s\.md:1: the step has no title/);
  has(/^01-md\/zh\/s\.md:\d+: the step has no hint/);
  has(/^01-md\/zh\/extra\.md:0: belongs to no step/);
  has(/^02-yaml\/lesson\.yaml:[34]: YAML: Flow sequence/);
  has(/^03-fields\/lesson\.yaml:1: title has no zh text/);
  has(/^03-fields\/lesson\.yaml:2: level must be one of beginner, intermediate, advanced/);
  has(/^03-fields\/lesson\.yaml:3: minutes must be a whole number/);
  has(/^03-fields\/lesson\.yaml:4: steps must be a non-empty list/);
  has(/^03-fields\/lesson\.yaml:5: unknown field "colour"/);
  has(/^04-numbered\/en\/s\.md:1: the title "3\. Download an image" starts with a number: the page numbers the steps itself/);
  fs.rmSync(root, { recursive: true });
});

test('the server refuses to start on an invalid lesson and says which', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lessons-'));
  writeLesson(root, '01-bad', 'title: {en: A, zh: 甲}\nlevel: beginner\nminutes: 3\nsteps:\n  - id: s\n    goals: [{ran: "("}]\n    solution: [ls]\n', {
    'en/s.md': stepMd('S'),
    'zh/s.md': stepMd('S'),
  });
  const config = loadConfig({ BERTH_LESSONS: root, BERTH_INSTANCE: 'refuse' });
  await assert.rejects(buildApp(config), /01-bad\/lesson\.yaml:6: step "s": ran: the regular expression does not compile/);
  fs.rmSync(root, { recursive: true });
});

test('the lessons in the repository are valid, each with a one-line description in every language', () => {
  const lessons = loadLessons(path.join(repo, 'lessons'));
  assert.ok(lessons.length >= 3);
  const { problems } = checkLessons(path.join(repo, 'lessons'));
  assert.deepEqual(problems.map(formatProblem), [], 'not even a warning');
  for (const l of lessons) for (const lang of LANGS) assert.ok(l.description[lang].length > 10, `${l.id} ${lang}: ${l.description[lang]}`);
});

test('a finish text names no lesson but the next one: the finish page\'s button names the catalog\'s next lesson', () => {
  const lessons = loadLessons(path.join(repo, 'lessons'));
  lessons.forEach((lesson, i) => {
    for (const lang of LANGS) {
      const text = lesson.finishHtml[lang].replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');
      assert.doesNotMatch(text, /next lesson/i, `${lesson.id} (${lang}) says "next lesson": the page's button says which one`);
      for (const other of lessons) {
        if (other === lesson || other === lessons[i + 1]) continue;
        assert.ok(!text.includes(other.title[lang]), `${lesson.id} (${lang}) names the lesson "${other.title[lang]}", not the next one`);
      }
    }
  });
});

test('descriptions and needs: one line each, needed lessons exist and come first; a missing description is a warning', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lessons-'));
  const step = "steps:\n  - id: s\n    goals: [{ran: '^ls'}]\n    solution: [ls]\n";
  const texts = { 'en/s.md': stepMd('S'), 'zh/s.md': stepMd('S') };
  writeLesson(root, '01-plain', `title: {en: Plain, zh: 平}\nlevel: beginner\nminutes: 3\n${step}`, texts);
  writeLesson(root, '02-needs', `title: {en: N, zh: 需}\ndescription: {en: Needs, zh: 需要}\nlevel: beginner\nminutes: 3\nneeds: [plain, later, nowhere]\n${step}`, texts);
  writeLesson(
    root,
    '04-described',
    [
      'title: {en: D, zh: 丁}', //                                                          1
      'description:', //                                                                    2
      '  en: "Two\\nlines"', //                                                              3
      `  zh: ${'长'.repeat(141)}`, //                                                        4
      'level: beginner', //                                                                 5
      'minutes: 3', //                                                                      6
      'needs: plain', //                                                                    7
      step,
    ].join('\n'),
    texts,
  );
  writeLesson(root, '03-later', `title: {en: L, zh: 后}\ndescription: {en: Later, zh: 后来}\nlevel: beginner\nminutes: 3\nneeds: [plain]\n${step}`, texts);
  const r = spawnSync(process.execPath, [path.join(repo, 'scripts', 'berth.mjs'), 'lessons', 'check', root], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  const out = r.stdout;
  assert.match(out, /01-plain\/lesson\.yaml:1: warning: description \(one line per language: en, zh\) is missing/);
  assert.match(out, /04-described\/lesson\.yaml:3: description \(en\) must be one line/);
  assert.match(out, /04-described\/lesson\.yaml:3: description \(zh\) is 141 characters: at most 140/);
  assert.match(out, /04-described\/lesson\.yaml:7: needs is a list of lesson ids/);
  assert.match(out, /02-needs\/lesson\.yaml:5: needs "nowhere": no lesson has that id/);
  assert.match(out, /02-needs\/lesson\.yaml:5: needs "later": a lesson needed first must come earlier in the catalog/);
  assert.doesNotMatch(out, /needs "plain"/);
  fs.rmSync(root, { recursive: true });
});

test('patterns the linear matcher cannot run (backreference, lookbehind, too large) are reported as file:line', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lessons-'));
  writeLesson(
    root,
    '01-slow',
    [
      'title: {en: Slow, zh: 慢}', //                                 1
      'level: beginner', //                                           2
      'minutes: 5', //                                                3
      'steps:', //                                                    4
      '  - id: one', //                                               5
      '    goals:', //                                                6
      "      - ran: '^docker (run|ps) (.*) \\1$'", //                  7  backreference
      "      - ran: '^docker\\s+(?!.*--rm)run\\b'", //                  8  a lookahead is fine
      '    solution: [docker ps]', //                                 9
      '    mistakes:', //                                             10
      "      - match: '(?<=docker )rn\\b'", //                          11 lookbehind
      '        message: {en: run, zh: run}', //                       12
      "      - match: '^(?:(?:a{1,100}){1,100})$'", //                   13 too large
      '        message: {en: a, zh: a}', //                           14
      '',
    ].join('\n'),
    { 'en/one.md': stepMd('One'), 'zh/one.md': stepMd('一') },
  );
  const r = spawnSync(process.execPath, [path.join(repo, 'scripts', 'berth.mjs'), 'lessons', 'check', root], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  const out = r.stdout;
  assert.match(out, /01-slow\/lesson\.yaml:7: step "one": ran: a backreference \(\\1\) cannot be matched in linear time/);
  assert.match(out, /01-slow\/lesson\.yaml:11: step "one": mistake match: a lookbehind \(\(\?<=docker \)\) is not supported/);
  assert.match(out, /01-slow\/lesson\.yaml:13: step "one": mistake match: the pattern is too large for the linear matcher/);
  assert.doesNotMatch(out, /lesson\.yaml:8:/, 'a lookahead is accepted');
  assert.match(out, /3 problem\(s\) found/);
  fs.rmSync(root, { recursive: true });
});

test('a solution that needs a terminal without solve, a blank solve and an explain without Chinese are reported as file:line', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lessons-'));
  writeLesson(
    root,
    '01-inside',
    [
      'title: {en: Inside, zh: 里面}', //                              1
      'level: beginner', //                                           2
      'minutes: 5', //                                                3
      'steps:', //                                                    4
      '  - id: one', //                                               5
      '    goals:', //                                                6
      "      - check: 'true'", //                                     7
      '        explain: {en: Nothing here yet.}', //                  8  no zh
      '    solution: [docker run -it debian bash, exit]', //          9  needs a terminal, no solve
      '  - id: two', //                                               10
      "    goals: [{ran: '^ls$'}]", //                               11
      '    solution: [ls]', //                                        12
      "    solve: ' '", //                                            13 blank
      '',
    ].join('\n'),
    { 'en/one.md': stepMd('One'), 'zh/one.md': stepMd('一'), 'en/two.md': stepMd('Two'), 'zh/two.md': stepMd('二') },
  );
  const r = spawnSync(process.execPath, [path.join(repo, 'scripts', 'berth.mjs'), 'lessons', 'check', root], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /01-inside\/lesson\.yaml:8: step "one": explain has no zh text/);
  assert.match(r.stdout, /01-inside\/lesson\.yaml:9: step "one": its solution "docker run -it debian bash" needs a terminal, so it cannot be run quietly for Skip or a step opened mid-lesson: add solve/);
  assert.match(r.stdout, /01-inside\/lesson\.yaml:13: step "two": solve must be a shell script \(a string\)/);
});

test("a step's file and highlight: checked with their lines (a path out of the home folder, two items), and served with the step", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lessons-'));
  const yaml = (file: string, highlight: string) =>
    [
      'title: {en: Panels, zh: 面板}', //                 1
      'level: beginner', //                               2
      'minutes: 5', //                                    3
      'steps:', //                                        4
      '  - id: write', //                                 5
      '    goals: [{ran: "^docker build"}]', //           6
      '    solution: [docker build -t demo .]', //        7
      `    file: ${file}`, //                              8
      `    highlight: ${highlight}`, //                    9
      '',
    ].join('\n');
  const files = { 'en/write.md': stepMd('Write'), 'zh/write.md': stepMd('写') };
  writeLesson(root, '01-bad', yaml('{path: ../../etc/passwd}', '{image: demo, container: web}'), files);
  const bad = checkLessons(root).problems.map(formatProblem).join('\n');
  assert.match(bad, /01-bad\/lesson\.yaml:8: step "write": file path is relative to the home folder/);
  assert.match(bad, /01-bad\/lesson\.yaml:9: step "write": highlight names one item/);

  fs.rmSync(path.join(root, '01-bad'), { recursive: true });
  writeLesson(root, '01-good', yaml('{path: app/Dockerfile, content: "FROM debian:bookworm\\n"}', '{image: "demo:latest"}'), files);
  const { lessons, problems } = checkLessons(root);
  assert.deepEqual(problems.filter((p) => !p.warning), []);
  assert.deepEqual(lessons[0]!.steps[0]!.file, { path: 'app/Dockerfile', content: 'FROM debian:bookworm\n' });
  assert.deepEqual(lessons[0]!.steps[0]!.highlight, { kind: 'image', name: 'demo:latest' });
  fs.rmSync(root, { recursive: true, force: true });
});
