// This browser's learner id: made once, kept in the page's own storage (Berth's origin uses no cookies, so
// nothing another port of the host sets can stand in for it), sent with the calls that need it.
import { LEARNER_HEADER, LEARNER_ID_PATTERN } from '@berth/shared';

const KEY = 'berth.learner';
let current: string | null = null;

export function learnerId(): string {
  if (current) return current;
  let id: string | null = null;
  try {
    id = localStorage.getItem(KEY);
  } catch {
    // storage off (a private mode): a learner for this page only
  }
  if (!id || !LEARNER_ID_PATTERN.test(id)) {
    const bytes = crypto.getRandomValues(new Uint8Array(18));
    id = btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    try {
      localStorage.setItem(KEY, id);
    } catch {
      // not kept: progress lasts as long as this page
    }
  }
  current = id;
  return id;
}

export const learnerHeaders = (): Record<string, string> => ({ [LEARNER_HEADER]: learnerId() });
