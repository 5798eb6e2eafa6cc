// A step's Markdown -> title, HTML and hint HTML. Runnable blocks (```sh run) carry data-runnable.
import { Marked, type Tokens } from 'marked';
import type { LessonProblem, StepText } from './lesson.js';

const HINT_HEADING = /^##\s+(hint|提示)\s*$/im;

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const marked = new Marked({
  gfm: true,
  renderer: {
    code({ text, lang }: Tokens.Code) {
      const words = (lang ?? '').split(/\s+/).filter(Boolean);
      const runnable = words.includes('run');
      const language = words[0] && words[0] !== 'run' ? ` class="language-${escapeHtml(words[0])}"` : '';
      return `<pre${runnable ? ' data-runnable="true"' : ''}><code${language}>${escapeHtml(text)}</code></pre>\n`;
    },
    // Lesson text is trusted repo content, but raw HTML in it is shown as text: one less way to break the page.
    html({ text }: Tokens.HTML | Tokens.Tag) {
      return escapeHtml(text);
    },
  },
});

export function renderMarkdown(md: string): string {
  return marked.parse(md, { async: false });
}

/** Parses a step file; problems are reported with the file's path and line. */
export function parseStepMarkdown(file: string, md: string, problems: LessonProblem[]): StepText {
  const lines = md.split('\n');
  const titleLine = lines.findIndex((l) => /^#\s+\S/.test(l));
  if (titleLine < 0) problems.push({ file, line: 1, message: 'the step has no title: start it with a "# Title" line' });
  const title = titleLine >= 0 ? lines[titleLine]!.replace(/^#\s+/, '').trim() : '';
  const body = titleLine >= 0 ? lines.slice(titleLine + 1).join('\n') : md;
  const hint = HINT_HEADING.exec(body);
  if (!hint) {
    problems.push({ file, line: lines.length, message: 'the step has no hint: add a "## Hint" (or "## 提示") section' });
  } else if (!body.slice(hint.index + hint[0].length).trim()) {
    const line = md.slice(0, md.indexOf(hint[0])).split('\n').length;
    problems.push({ file, line, message: 'the hint section is empty' });
  }
  const text = hint ? body.slice(0, hint.index) : body;
  const hintText = hint ? body.slice(hint.index + hint[0].length) : '';
  if (!text.trim()) problems.push({ file, line: (titleLine >= 0 ? titleLine : 0) + 2, message: 'the step has no text before its hint' });
  return { title, html: renderMarkdown(text), hintHtml: renderMarkdown(hintText) };
}
