// While the page is on screen it tells the server so: a visible tab counts as activity against the idle
// timeout (up to the server's cap), so a learner reading a lesson without typing is not cut off.
import { PRESENT_REPORT_MS, VISIBLE_REPORT_MS } from '@berth/shared';

/** Calls report() now and whenever the page becomes visible, then every VISIBLE_REPORT_MS while it stays so. Returns a stop function. */
export function reportVisibility(report: () => void): () => void {
  const tell = () => {
    if (document.visibilityState === 'visible') report();
  };
  document.addEventListener('visibilitychange', tell);
  const timer = setInterval(tell, VISIBLE_REPORT_MS);
  tell();
  return () => {
    document.removeEventListener('visibilitychange', tell);
    clearInterval(timer);
  };
}

/**
 * Calls present() when the visitor shows they are at the page — the pointer moves over it, a touch, the
 * window gets the focus, the tab comes back — at most once every PRESENT_REPORT_MS: a napping sandbox then
 * thaws while they reach for the keys, not after their first key. present() says whether it was sent.
 * Returns a stop function.
 */
export function reportPresence(present: () => boolean | undefined): () => void {
  let last = -Infinity;
  const tell = () => {
    if (document.visibilityState !== 'visible' || performance.now() - last < PRESENT_REPORT_MS) return;
    if (present()) last = performance.now(); // not sent (the socket is between connections): the next event tries again
  };
  const signs: [EventTarget, string][] = [[window, 'pointermove'], [window, 'pointerdown'], [window, 'focus'], [document, 'visibilitychange']];
  for (const [target, event] of signs) target.addEventListener(event, tell, { passive: true });
  return () => {
    for (const [target, event] of signs) target.removeEventListener(event, tell);
  };
}
