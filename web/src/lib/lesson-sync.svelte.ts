// Wires the lesson state to the route, the session and the server's step events. Call once from App's
// script: the effects it creates live as long as the App.
import type { LessonView, ServerEvent } from '@berth/shared';
import { untrack } from 'svelte';
import { errorText } from './error-text.js';
import { resumeRoute, routeAfter, stepById, type Lessons } from './lessons.svelte.js';
import type { Preferences } from './preferences.svelte.js';
import type { Router } from './router.svelte.js';
import type { Session } from './session.svelte.js';
import { hasTextAfterCommand } from './step-text.js';

/** How long a ticked step stays in view before the lesson moves on, so the learner sees the tick. */
export const ADVANCE_DELAY_MS = 900;
/** Opening a step that takes longer than this (a set-up, earlier steps redone) says so in the bar. */
const PREPARING_AFTER_MS = 700;

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

  // Feedback belongs to the step it was given on (a tick followed to the next step stays: see onStep).
  let keepFeedbackFor = '';
  $effect(() => {
    const route = router.route;
    untrack(() => {
      const here = route.name === 'lesson' ? `${route.lesson}/${route.step}` : '';
      if (here !== keepFeedbackFor) lessons.feedback = null;
      keepFeedbackFor = '';
    });
  });

  // The server watches the step the learner is on: tell it on ready, on every move and language switch.
  // `told` is what the server already believes, so a move it made itself (after a tick, a skip) is not repeated.
  let told = '';
  /** What was told before the socket dropped: told again as it is, the sandbox has the lesson's work so far. */
  let toldBeforeDrop = '';
  let opening = 0;
  const placeKey = (id: string, lesson: string, step: string, lang: string): string => [id, lesson, step, lang].join('\n');

  $effect(() => {
    const route = router.route;
    const id = session.id;
    const lang = prefs.lang;
    const lesson = lessons.lesson;
    // The socket dropped (a server restarted, or another server took the session over): the server that
    // answers next may not know the step, so it is told again once the session is ready, as a resumption.
    if (session.phase !== 'ready' && told) {
      toldBeforeDrop = told;
      told = '';
    }
    if (session.phase !== 'ready' || !id || route.name !== 'lesson' || lesson?.id !== route.lesson) return;
    const step = stepById(lesson, route.step);
    if (!step) return;
    const key = placeKey(id, lesson.id, step.id, lang);
    if (key === told) return;
    const resume = key === toldBeforeDrop;
    toldBeforeDrop = '';
    told = key;
    const body = { lesson: lesson.id, step: step.id, lang, ...(resume ? { resume: true } : {}) };
    const tell = async (): Promise<void> => {
      lessons.syncError = null;
      lessons.opening = ++opening > 0;
      const slow = setTimeout(() => {
        if (told === key && !lessons.feedback) lessons.feedback = { kind: 'preparing' };
      }, PREPARING_AFTER_MS);
      try {
        const progress = await session.setLesson(body);
        if (progress) lessons.setProgress(progress);
        if (lessons.feedback?.kind === 'preparing') lessons.feedback = null;
        if (progress?.notice && told === key) lessons.feedback = { kind: 'notice', text: progress.notice };
      } catch (err) {
        if (told === key) told = '';
        if (lessons.feedback?.kind === 'preparing') lessons.feedback = null;
        lessons.syncError = { text: errorText(err), notFound: false, retry: () => void tell() };
      } finally {
        clearTimeout(slow);
        lessons.opening = --opening > 0;
      }
    };
    untrack(() => void tell());
  });

  let advanceTimer: ReturnType<typeof setTimeout> | undefined;

  const showing = (): { lesson: LessonView; step: string } | null => {
    const route = router.route;
    const lesson = lessons.lesson;
    return route.name === 'lesson' && route.step && lesson?.id === route.lesson ? { lesson, step: route.step } : null;
  };

  /** The learner is on the step right before `stepId`, done: a command of `stepId` moves them on to it. */
  const followTo = (lessonId: string, stepId: string): boolean => {
    const here = showing();
    if (!here || here.lesson.id !== lessonId || here.step === stepId) return false;
    const at = here.lesson.steps.findIndex((s) => s.id === stepId);
    if (at < 1 || here.lesson.steps[at - 1]!.id !== here.step || !lessons.done.has(here.step)) return false;
    keepFeedbackFor = `${lessonId}/${stepId}`;
    router.navigate({ name: 'lesson', lesson: lessonId, step: stepId });
    return true;
  };

  const onStep = (event: Extract<ServerEvent, { type: 'step' }>): void => {
    const here = showing();
    if (!event.done) {
      followTo(event.lesson, event.step);
      const now = showing();
      if (now?.lesson.id !== event.lesson || now.step !== event.step) return;
      lessons.feedback = event.message ? { kind: event.kind ?? 'mistake', step: event.step, text: event.message } : null;
      return;
    }
    lessons.markDone(event.lesson, event.step);
    void lessons.loadProgress();
    if (!here || here.lesson.id !== event.lesson) return;
    const lesson = here.lesson;
    followTo(event.lesson, event.step);
    if (showing()?.step !== event.step) return;
    const step = stepById(lesson, event.step);
    // The server has already moved on to the next step in order.
    const after = routeAfter(lesson, event.step, lessons.done);
    if (after.name === 'lesson' && after.step && session.id) told = placeKey(session.id, lesson.id, after.step, prefs.lang);
    // A step whose text goes on after its command stays: the text explains the output the learner sees.
    const readOn = !!step && hasTextAfterCommand(step.html);
    lessons.feedback = { kind: 'tick', step: event.step, readOn };
    if (readOn) return;
    clearTimeout(advanceTimer);
    advanceTimer = setTimeout(() => {
      if (showing()?.step === event.step) router.navigate(routeAfter(lesson, event.step, lessons.done, true));
    }, ADVANCE_DELAY_MS);
  };

  lessons.actions = {
    async skip(stepId) {
      const here = showing();
      if (!here || lessons.busyWith) return;
      const next = routeAfter(here.lesson, stepId, lessons.done);
      const title = stepById(here.lesson, stepId)?.title ?? stepId;
      if (session.phase !== 'ready' || !session.id) return router.navigate(next);
      lessons.busyWith = 'skip';
      try {
        const progress = await session.skipStep({ lesson: here.lesson.id, step: stepId, lang: prefs.lang });
        if (progress) lessons.setProgress(progress);
        if (next.name === 'lesson' && next.step && session.id) told = placeKey(session.id, here.lesson.id, next.step, prefs.lang);
        keepFeedbackFor = next.name === 'lesson' ? `${next.lesson}/${next.step}` : '';
        lessons.feedback = { kind: 'skipped', step: stepId, title };
        router.navigate(next);
      } catch (err) {
        lessons.feedback = { kind: 'error', text: errorText(err) };
      } finally {
        lessons.busyWith = null;
      }
    },
    async check(stepId) {
      const here = showing();
      if (!here || lessons.busyWith) return;
      lessons.busyWith = 'check';
      try {
        const verdict = await session.checkStep({ lesson: here.lesson.id, step: stepId, lang: prefs.lang });
        if (!verdict || showing()?.step !== stepId) return;
        // Met: the tick arrives as a step event (and sets the bar); unmet: each goal in words.
        if (!verdict.met) lessons.feedback = { kind: 'unmet', step: stepId, lines: verdict.unmet };
        else if (verdict.already) lessons.feedback = { kind: 'already', step: stepId, lines: verdict.unmet };
      } catch (err) {
        lessons.feedback = { kind: 'error', text: errorText(err) };
      } finally {
        lessons.busyWith = null;
      }
    },
  };

  $effect(() => {
    const stop = session.onEvent((event) => {
      if (event.type === 'step') onStep(event);
      else if (event.type === 'busy') lessons.feedback = { kind: 'busy', command: event.command };
    });
    return () => {
      stop();
      clearTimeout(advanceTimer);
    };
  });
}
