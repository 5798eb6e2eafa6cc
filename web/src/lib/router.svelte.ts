// A tiny History API router. URLs: / (catalog), /lessons/<id> (its current or first step),
// /lessons/<id>/<stepId>, /lessons/<id>/finish. The server serves index.html for every such path.

export type Route =
  | { name: 'catalog' }
  | { name: 'lesson'; lesson: string; step: string | null }
  | { name: 'finish'; lesson: string };

export const FINISH = 'finish';

export function parseRoute(pathname: string): Route {
  const parts = pathname.split('/').filter(Boolean).map(safeDecode);
  if (parts[0] === 'lessons' && parts[1] && parts.length <= 3) {
    const lesson = parts[1];
    if (parts[2] === FINISH) return { name: 'finish', lesson };
    return { name: 'lesson', lesson, step: parts[2] ?? null };
  }
  return { name: 'catalog' };
}

export function routeHref(route: Route): string {
  if (route.name === 'catalog') return '/';
  const base = `/lessons/${encodeURIComponent(route.lesson)}`;
  if (route.name === 'finish') return `${base}/${FINISH}`;
  return route.step ? `${base}/${encodeURIComponent(route.step)}` : base;
}

export class Router {
  route = $state<Route>(parseRoute(location.pathname));
  /** An interview's or a class's page: the address stays the link's, and only these lessons open (no catalog). */
  pinned = $state<string[] | null>(null);

  constructor() {
    window.addEventListener('popstate', () => {
      if (this.pinned === null) this.route = parseRoute(location.pathname);
    });
  }

  /** From now on the page shows only `lessons` (the first now), without touching the address. */
  pin(lessons: string[]): void {
    if (!lessons[0]) return;
    this.pinned = lessons;
    this.route = { name: 'lesson', lesson: lessons[0], step: null };
  }

  navigate(route: Route, { replace = false }: { replace?: boolean } = {}): void {
    if (this.pinned !== null) {
      if (route.name !== 'catalog' && this.pinned.includes(route.lesson)) this.route = route;
      return;
    }
    const href = routeHref(route) + location.search;
    if (href !== location.pathname + location.search) {
      if (replace) history.replaceState(null, '', href);
      else history.pushState(null, '', href);
    }
    this.route = route;
  }

  /** For an <a href> click: follow the link in-page unless the visitor asked for a new tab or window. */
  follow(event: MouseEvent, route: Route): void {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    this.navigate(route);
  }
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
