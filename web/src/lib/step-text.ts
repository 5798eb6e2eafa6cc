// Reading a step's HTML (as the server renders it: runnable blocks are <pre data-runnable="true">).

/** Does the step's text go on after its last runnable command (an explanation of what the learner sees)? */
export function hasTextAfterCommand(html: string): boolean {
  const at = html.lastIndexOf('<pre data-runnable="true">');
  if (at < 0) return false;
  const end = html.indexOf('</pre>', at);
  if (end < 0) return false;
  const rest = html.slice(end + '</pre>'.length).replace(/<[^>]*>/g, '');
  return /\S/.test(rest);
}
