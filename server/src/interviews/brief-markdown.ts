// An interview's brief, Markdown written by an interviewer, as the HTML the candidate's page shows: raw HTML
// is shown as text, and links and images keep only http(s) and mailto addresses (no javascript: on Berth's
// origin, whoever wrote the brief).
import { Marked, type Tokens } from 'marked';

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const safeHref = (href: string) => (/^(https?:|mailto:)/i.test(href.trim()) ? escapeHtml(href.trim()) : null);

const marked = new Marked({
  gfm: true,
  renderer: {
    code({ text, lang }: Tokens.Code) {
      const words = (lang ?? '').split(/\s+/).filter(Boolean);
      const language = words[0] && words[0] !== 'run' ? ` class="language-${escapeHtml(words[0])}"` : '';
      return `<pre${words.includes('run') ? ' data-runnable="true"' : ''}><code${language}>${escapeHtml(text)}</code></pre>\n`;
    },
    html({ text }: Tokens.HTML | Tokens.Tag) {
      return escapeHtml(text);
    },
    link(this: { parser: { parseInline(tokens: Tokens.Generic[]): string } }, { href, tokens }: Tokens.Link) {
      const text = this.parser.parseInline(tokens);
      const safe = safeHref(href);
      return safe ? `<a href="${safe}" target="_blank" rel="noopener noreferrer">${text}</a>` : text;
    },
    image({ href, text }: Tokens.Image) {
      const safe = safeHref(href);
      return safe ? `<img src="${safe}" alt="${escapeHtml(text)}">` : escapeHtml(text);
    },
  },
});

export function renderBrief(md: string): string {
  return marked.parse(md, { async: false });
}
