import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderBrief } from '../../src/interviews/brief-markdown.js';

test("a brief's raw HTML is shown as text, and a script link is no link (an interviewer cannot run code on the candidate's page)", () => {
  const html = renderBrief('Hi <script>alert(1)</script> <img src=x onerror=alert(2)>\n\n[docs](https://docs.docker.com) [bad](javascript:alert(3)) ![i](javascript:alert(4))\n\n```sh run\necho "<b>"\n```');
  assert.doesNotMatch(html, /<script|<img src=x|javascript:/i);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(html, /<a href="https:\/\/docs\.docker\.com" target="_blank" rel="noopener noreferrer">docs<\/a>/);
  assert.match(html, /bad/);
  assert.match(html, /<pre data-runnable="true"><code class="language-sh">echo &quot;&lt;b&gt;&quot;<\/code><\/pre>/);
});
