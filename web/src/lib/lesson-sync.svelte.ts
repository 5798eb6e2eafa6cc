// Wires the lesson state to the route, the session and the server's step events. Call once from App's
// script: the effects it creates live as long as the App.
import type { ServerEvent } from '@berth/shared';
import { untrack } from 'svelte';
import { errorText } from './error-text.js';
import { resumeRoute, routeAfter, stepById, type Lessons } from './lessons.svelte.js';
import type { Preferences } from './preferences.svelte.js';
import type { Router } from './router.svelte.js';
import type { Session } from './session.svelte.js';

/** How long a ticked step stays in view before the lesson moves on, so the learner sees the tick. */
export const ADVANCE_DELAY_MS = 900;

export function syncLessons(lessons: Lessons, router: Router, session: Session, prefs: Preferences): void {
  void lessons.loadProgress();

  $effect(() => {
    const lang = prefs.lang;
    untrack(() => void lessons.loadCatalog(lang));
  });

  $effect(() => {
    const route = router.route;
    if (route.name === 'catalog') return;
    const lang = prefs.lang;
    untrack(() => void lessons.loadLesson(route.lesson, lang));
  });

  // /lessons/<id> (or an unknown step) resumes where the learner was, once progress is known.
  $effect(() => {
    const route = router.route;
    const lesson = lessons.lesson;
    if (route.name !== 'lesson' || lesson?.id !== route.lesson || !lessons.progressSettled) return;
    if (stepById(lesson, route.step)) return;
    untrack(() => router.navigate(resumeRoute(lesson, lessons.progress[lesson.id]), { replace: true }));
  });

  // A mistake message belongs to the step it was made on.
  $effect(() => {
    void router.route;
    untrack(() => (lessons.mistake = null));
  });

  // The server watches the step the learner is on: tell it on ready, on every move and language switch.
  // `told` is what the server already believes, so a move it made itself (after a tick) is not repeated.
  let told = '';
  const placeKey = (id: string, lesson: string, step: string, lang: string): string => [id, lesson, step, lang].join('\n');

  $effect(() => {
    const route = router.route;
    const id = session.id;
    const lang = prefs.lang;
    const lesson = lessons.lesson;
    if (session.phase !== 'ready' || !id || route.name !== 'lesson' || lesson?.id !== route.lesson) return;
    const step = stepById(lesson, route.step);
    if (!step) return;
    const key = placeKey(id, lesson.id, step.id, lang);
    if (key === told) return;
    told = key;
    const body = { lesson: lesson.id, step: step.id, lang };
    const tell = async (): Promise<void> => {
      lessons.syncError = null;
      try {
        const progress = await session.setLesson(body);
        if (progress) lessons.setProgress(progress);
      } catch (err) {
        if (told === key) told = '';
        lessons.syncError = { text: errorText(err), notFound: false, retry: () => void tell() };
      }
    };
    untrack(() => void tell());
  });

  let advanceTimer: ReturnType<typeof setTimeout> | undefined;

  const onStep = (event: Extract<ServerEvent, { type: 'step' }>): void => {
    lessons.mistake = null;
    if (!event.done) {
      const route = router.route;
      if (event.message && route.name === 'lesson' && route.lesson === event.lesson) lessons.mistake = event.message;
      return;
    }
    lessons.markDone(event.lesson, event.step);
    void lessons.loadProgress();

    const route = router.route;
    const lesson = lessons.lesson;
    const onIt = (): boolean => {
      const now = router.route;
      return now.name === 'lesson' && now.lesson === event.lesson && now.step === event.step;
    };
    if (!onIt() || lesson?.id !== event.lesson || route.name !== 'lesson') return;
    // The server has already moved on to the next step in order.
    const after = routeAfter(lesson, event.step, lessons.done);
    if (after.name === 'lesson' && after.step && session.id) told = placeKey(session.id, lesson.id, after.step, prefs.lang);

    clearTimeout(advanceTimer);
    advanceTimer = setTimeout(() => {
      if (onIt()) router.navigate(routeAfter(lesson, event.step, lessons.done, true));
    }, ADVANCE_DELAY_MS);
  };

  $effect(() => {
    const stop = session.onEvent((event) => {
      if (event.type === 'step') onStep(event);
    });
    return () => {
      stop();
      clearTimeout(advanceTimer);
    };
  });
}
