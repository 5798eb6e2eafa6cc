import type { EndReason, SessionState, SessionView } from '@berth/shared';

export interface Session {
  id: string;
  token: string;
  /** Whose progress this session's lesson steps count towards. */
  learner: string;
  state: SessionState;
  createdAt: number;
  expiresAt: number;
  lastActivityAt: number;
  lesson?: string;
  lang?: 'en' | 'zh';
  endReason?: EndReason;
  endMessage?: string;
  /** Settles when the sandbox is ready (true) or failed/ended before that (false). */
  ready: Promise<boolean>;
}

export function sessionView(s: Session, idleTimeoutMs: number): SessionView {
  return {
    id: s.id,
    state: s.state,
    createdAt: new Date(s.createdAt).toISOString(),
    expiresAt: new Date(s.expiresAt).toISOString(),
    idleExpiresAt: new Date(s.lastActivityAt + idleTimeoutMs).toISOString(),
    ...(s.endReason ? { endReason: s.endReason } : {}),
    ...(s.endMessage ? { endMessage: s.endMessage } : {}),
  };
}
