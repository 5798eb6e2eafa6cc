// A step's panels: the file it opens in the editor, and the engine view's item it points at (issue 14).
import type { StepFile, StepHighlight } from '@berth/shared';
import { isMap, type Node } from 'yaml';
import { fields, scalarOf, type Problem } from './yaml-fields.js';

const STEP_FILE_CONTENT_MAX = 64 * 1024;

/** file: {path, content?}: a path under the home folder (no "..", not absolute) and the text to start from. */
export function parseStepFile(node: Node, stepId: string, problem: Problem): StepFile | undefined {
  if (!isMap(node)) return void problem(node, `step "${stepId}": file is a mapping with path (and content)`);
  const f = fields(node, ['path', 'content'], problem, 'a step file');
  const path = scalarOf(f.path);
  if (typeof path !== 'string' || !path.trim() || path.startsWith('/') || path.split('/').includes('..') || /[\0\n]/.test(path)) {
    return void problem(f.path ?? node, `step "${stepId}": file path is relative to the home folder, without ".." (e.g. app/Dockerfile)`);
  }
  const content = scalarOf(f.content);
  if (f.content && (typeof content !== 'string' || content.length > STEP_FILE_CONTENT_MAX)) {
    return void problem(f.content, `step "${stepId}": file content is text of up to 64 KiB`);
  }
  return { path: path.replace(/^~\//, ''), ...(typeof content === 'string' ? { content } : {}) };
}

/** highlight: {image|container|network|volume: name}: what the engine view points at during the step. */
export function parseHighlight(node: Node, stepId: string, problem: Problem): StepHighlight | undefined {
  if (!isMap(node)) return void problem(node, `step "${stepId}": highlight is a mapping such as {image: demo:latest}`);
  const f = fields(node, ['image', 'container', 'network', 'volume'], problem, 'a highlight');
  const kinds = (['image', 'container', 'network', 'volume'] as const).filter((k) => f[k]);
  const name = kinds.length === 1 ? scalarOf(f[kinds[0]!]) : undefined;
  if (typeof name !== 'string' || !name.trim()) return void problem(node, `step "${stepId}": highlight names one item, such as {image: demo:latest}`);
  return { kind: kinds[0]!, name };
}

