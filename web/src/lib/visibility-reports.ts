// While the page is on screen it tells the server so: a visible tab counts as activity against the idle
// timeout (up to the server's cap), so a learner reading a lesson without typing is not cut off.
import { VISIBLE_REPORT_MS } from '@berth/shared';

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
