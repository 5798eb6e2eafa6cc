// Where a browser keeps its session: the credentials in localStorage (every tab of this browser finds the
// session; they never leave it, never go in an address), and in sessionStorage whether this tab had the
// session open and how (a reload comes back the same way).
import type { CreateSessionResponse } from '@berth/shared';

const CREDS_KEY = 'berth.session';
const TAB_KEY = 'berth.tab-session';

export type TabMode = 'control' | 'watch';

export function saveCreds(creds: CreateSessionResponse | null): void {
  try {
    if (creds) localStorage.setItem(CREDS_KEY, JSON.stringify(creds));
    else localStorage.removeItem(CREDS_KEY);
  } catch {
    // storage disabled: no resume after a reload, everything else works
  }
}

export function loadCreds(): CreateSessionResponse | null {
  try {
    const v = JSON.parse(localStorage.getItem(CREDS_KEY) ?? 'null') as Partial<CreateSessionResponse> | null;
    return v && typeof v.id === 'string' && typeof v.token === 'string' && typeof v.expiresAt === 'string' ? (v as CreateSessionResponse) : null;
  } catch {
    return null;
  }
}

/** This tab shows session `id` (having it, or watching it); null: this tab shows no session. */
export function markTab(id: string | null, mode: TabMode = 'control'): void {
  try {
    if (id) sessionStorage.setItem(TAB_KEY, JSON.stringify({ id, mode }));
    else sessionStorage.removeItem(TAB_KEY);
  } catch {
    // as above
  }
}

export function tabMark(): { id: string; mode: TabMode } | null {
  try {
    const v = JSON.parse(sessionStorage.getItem(TAB_KEY) ?? 'null') as { id?: unknown; mode?: unknown } | null;
    return v && typeof v.id === 'string' && (v.mode === 'control' || v.mode === 'watch') ? { id: v.id, mode: v.mode } : null;
  } catch {
    return null;
  }
}

/** The session's address: it reopens the session in any tab of this browser, and in no other browser. */
export const SESSION_ADDRESS_PREFIX = '/s/';
export const sessionAddress = (id: string): string => `${SESSION_ADDRESS_PREFIX}${encodeURIComponent(id)}`;

/** The session id a `/s/<id>` address names; null for any other path. */
export function addressedSession(pathname: string): string | null {
  const m = /^\/s\/([a-z0-9]{9})\/?$/.exec(pathname);
  return m ? m[1]! : null;
}
