// The candidate's side of an interview: the page at /i/<token> loads the invite (brief, time, recorded),
// and its Start makes the session through the link instead of POST /api/sessions.
import { CANDIDATE_PAGE_PREFIX, type CandidateInvite } from '@berth/shared';
import { getInvite } from './api.js';

/** The token of an interview link, or null on any other page. */
export function interviewToken(pathname: string): string | null {
  if (!pathname.startsWith(CANDIDATE_PAGE_PREFIX)) return null;
  const token = pathname.slice(CANDIDATE_PAGE_PREFIX.length).replace(/\/+$/, '');
  return /^[A-Za-z0-9_-]{32}$/.test(token) ? token : null;
}

export class CandidateInterview {
  invite = $state.raw<CandidateInvite | null>(null);
  error = $state('');

  constructor(readonly token: string) {}

  async load(): Promise<void> {
    try {
      this.invite = await getInvite(this.token);
      this.error = '';
    } catch (err) {
      this.error = (err as Error).message;
    }
  }
}
