// A scenario page's Markdown -> Berth's. Katacoda marks a command the learner clicks to run with
// `cmd`{{execute}} (inline or after a fenced block), KillerCoda with {{exec}}; {{copy}} copies. Berth's
// runnable block is a fence whose info string is "sh run" (Run and Copy buttons); "sh" is Copy only.
// Katacoda's editor blocks (<pre class="file" data-filename=…>) become a runnable heredoc that writes the file.

export interface ConvertedText {
  markdown: string;
  /** The commands of the page's runnable blocks, in order: a step's solution. */
  commands: string[];
  /** What did not carry over, one sentence each. */
  notes: string[];
}

const FENCE_OPEN = /^(\s*)(`{3,}|~{3,})(.*)$/;
const ANNOTATION = /\{\{\s*(execute|exec|copy|open)\b([^}]*)\}\}/;
const INLINE_ANNOTATED = /`([^`\n]+)`\{\{\s*(execute|exec|copy|open)\b([^}]*)\}\}/g;

export function convertText(md: string): ConvertedText {
  const lines = md.split('\n');
  const out: string[] = [];
  const commands: string[] = [];
  const notes = new Set<string>();
  const runnable = (indent: string, body: string[], run: boolean) => {
    out.push(`${indent}\`\`\`${run ? 'sh run' : 'sh'}`, ...body.map((l) => (l.trim() ? indent + l : l)), `${indent}\`\`\``);
  };
  const modifiers = (mods: string) => {
    const m = mods.trim();
    if (/\binterrupt\b/.test(m)) notes.add('{{execute interrupt}} (Ctrl-C before the command) is not carried: Berth\'s Run button only types the command');
    if (/\b(T|HOST)\d+\b/i.test(m)) notes.add(`{{execute ${m}}}: Berth has one terminal on one host; the command runs there`);
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = FENCE_OPEN.exec(line);
    if (fence) {
      const [, indent = '', marks = '```', info = ''] = fence;
      const body: string[] = [];
      let close: string | undefined;
      for (i++; i < lines.length; i++) {
        const l = lines[i]!;
        if (l.trim().startsWith(marks) && l.trim().slice(marks.length).replace(ANNOTATION, '').trim() === '') {
          close = l;
          break;
        }
        body.push(l.startsWith(indent) ? l.slice(indent.length) : l);
      }
      // The annotation sits on the closing fence ("```{{execute}}") or alone on the next line.
      let annotation = close ? ANNOTATION.exec(close) : null;
      if (!annotation && close !== undefined && /^\s*\{\{\s*(execute|exec|copy)\b[^}]*\}\}\s*$/.test(lines[i + 1] ?? '')) annotation = ANNOTATION.exec(lines[++i]!);
      if (annotation && annotation[1] !== 'open') {
        const run = annotation[1] !== 'copy';
        modifiers(annotation[2] ?? '');
        runnable(indent, body, run);
        if (run) commands.push(...splitCommands(body.join('\n')));
      } else {
        out.push(`${indent}${marks}${info.replace(ANNOTATION, '')}`, ...body.map((l) => (l.trim() ? indent + l : l)), `${indent}${marks}`);
      }
      continue;
    }

    const pre = /^(\s*)<pre\s+class=["']file["']([^>]*)>(.*)$/i.exec(line);
    if (pre) {
      const [, indent = '', attrs = '', first = ''] = pre;
      const body: string[] = [];
      let rest = first;
      while (!rest.includes('</pre>') && i + 1 < lines.length) {
        body.push(rest);
        rest = lines[++i]!;
      }
      body.push(rest.slice(0, rest.indexOf('</pre>') >= 0 ? rest.indexOf('</pre>') : undefined));
      const content = decodeEntities(body.join('\n')).replace(/^\n/, '').replace(/\n+$/, '');
      const file = /data-filename=["']([^"']+)["']/i.exec(attrs)?.[1];
      const target = /data-target=["']([^"']+)["']/i.exec(attrs)?.[1] ?? 'replace';
      if (file && (target === 'replace' || target === 'append')) {
        const delim = heredocDelimiter(content);
        const script = `cat ${target === 'append' ? '>>' : '>'} ${shellWord(file)} <<'${delim}'\n${content}\n${delim}`;
        runnable(indent, script.split('\n'), true);
        commands.push(script);
        notes.add('Katacoda\'s editor blocks ("Copy to Editor") became runnable blocks that write the file with a heredoc');
      } else {
        runnable(indent, content.split('\n'), false);
        notes.add(`an editor block with data-target="${target}" became a block to copy: Berth has no editor pane`);
      }
      continue;
    }

    // HTML that Katacoda and KillerCoda pages use for layout; Berth shows raw HTML as text.
    if (/^\s*<br\s*\/?>\s*$/i.test(line)) continue;
    if (/^\s*<\/?details>\s*$/i.test(line)) continue;
    const summary = /^\s*(?:<details>\s*)?<summary>(.*?)<\/summary>\s*$/i.exec(line);
    if (summary) {
      out.push(`**${summary[1]!.replace(/<[^>]*>/g, '').trim()}**`);
      continue;
    }
    if (/<\/?[a-z][a-z0-9]*(\s[^>]*)?\/?>/i.test(line.replace(/`[^`]*`/g, ''))) notes.add('raw HTML in the text is shown as text by Berth: rewrite it in Markdown');
    if (/!\[[^\]]*\]\([^)]*\)/.test(line)) notes.add('images in the text are not carried (a lesson has no assets): the image reference stays as written');
    if (/\[\[(HOST_SUBDOMAIN|KATACODA_HOST|HOST_IP)\]\]|\{\{TRAFFIC_HOST\d*_\d+\}\}/.test(line)) {
      notes.add('links to a port of the VM ([[HOST_SUBDOMAIN]], {{TRAFFIC_HOST1_80}}) do not work in Berth: the learner opens a published port from the terminal page instead');
    }

    let text = /^#\s/.test(line) ? `#${line}` : line; // the step's title is the page's only "# " heading
    const after: { cmd: string; run: boolean }[] = [];
    const whole = /^(\s*)`([^`\n]+)`\{\{\s*(execute|exec|copy)\b([^}]*)\}\}\s*$/.exec(text);
    if (whole) {
      const [, indent = '', cmd = '', kind = '', mods = ''] = whole;
      modifiers(mods);
      runnable(indent, [cmd], kind !== 'copy');
      if (kind !== 'copy') commands.push(cmd);
      continue;
    }
    text = text.replace(INLINE_ANNOTATED, (_m, cmd: string, kind: string, mods: string) => {
      if (kind === 'open') notes.add('{{open}} (open a file in the editor) is not carried: the file name stays as inline code');
      else {
        modifiers(mods);
        after.push({ cmd, run: kind !== 'copy' });
        if (kind !== 'copy') commands.push(cmd);
      }
      return `\`${cmd}\``;
    });
    if (/\{\{[^}]*\}\}/.test(text.replace(/`[^`]*`/g, ''))) notes.add(`an annotation Berth does not know stays as written: ${/\{\{[^}]*\}\}/.exec(text)![0]}`);
    out.push(text);
    // An inline command mid-sentence keeps its place in the sentence and gets a block under it (runs of
    // commands to run, or to copy, share one block).
    for (let k = 0; k < after.length; ) {
      const run = after[k]!.run;
      const group: string[] = [];
      for (; k < after.length && after[k]!.run === run; k++) group.push(after[k]!.cmd);
      out.push('');
      runnable('', group, run);
      out.push('');
    }
  }
  return { markdown: out.join('\n').replace(/\n{3,}/g, '\n\n').trim() + '\n', commands, notes: [...notes] };
}

/** A block's text -> the commands typed one by one: continued lines joined; a heredoc stays whole. */
export function splitCommands(block: string): string[] {
  const text = block.replace(/\n+$/, '');
  if (!text.trim()) return [];
  if (/<<-?\s*['"]?\w/.test(text)) return [text];
  const out: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    current = current ? `${current}\n${line}` : line;
    if (/\\$/.test(line)) continue;
    if (current.trim() && !/^\s*#/.test(current)) out.push(current.replace(/^\s*\$\s+/, ''));
    current = '';
  }
  if (current.trim()) out.push(current);
  return out;
}

function decodeEntities(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** A heredoc delimiter that no line of the content equals. */
export function heredocDelimiter(content: string, base = 'EOF'): string {
  const lines = new Set(content.split('\n').map((l) => l.trim()));
  let delim = base;
  for (let n = 1; lines.has(delim); n++) delim = `${base}_${n}`;
  return delim;
}

const shellWord = (s: string) => (/^[\w./~-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
