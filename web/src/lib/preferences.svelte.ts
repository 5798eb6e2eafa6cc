// The visitor's choices that outlive a page load (localStorage): language, screen-reader mode, the terminal's
// text size and the width of the lesson beside it.
import { LANGS, type Lang } from '@berth/shared';
import { messages, type Messages } from './i18n.js';

const LANG_KEY = 'berth.lang';
const SCREEN_READER_KEY = 'berth.screenReaderMode';
const FONT_SIZE_KEY = 'berth.terminalFontSize';
const LESSON_WIDTH_KEY = 'berth.lessonWidth';

/** The terminal's text sizes, in CSS pixels, and the step of its smaller/larger buttons. */
export const FONT_SIZES = { min: 10, max: 24, default: 14, step: 1 } as const;
/** The lesson column's width in CSS pixels, when the visitor has set one with the splitter. */
export const LESSON_WIDTH = { min: 240, max: 1600 } as const;

export class Preferences {
  lang = $state<Lang>(initialLang());
  screenReaderMode = $state(read(SCREEN_READER_KEY) === 'true');
  terminalFontSize = $state(readNumber(FONT_SIZE_KEY, FONT_SIZES) ?? FONT_SIZES.default);
  /** null: the layout's own default (a share of the window). */
  lessonWidth = $state<number | null>(readNumber(LESSON_WIDTH_KEY, LESSON_WIDTH));

  /** The UI strings in the chosen language. */
  readonly m: Messages = $derived(messages(this.lang));

  constructor() {
    document.documentElement.lang = htmlLang(this.lang);
  }

  setLang(lang: Lang): void {
    this.lang = lang;
    write(LANG_KEY, lang);
    document.documentElement.lang = htmlLang(lang);
  }

  setScreenReaderMode(on: boolean): void {
    this.screenReaderMode = on;
    write(SCREEN_READER_KEY, String(on));
  }

  setTerminalFontSize(px: number): void {
    this.terminalFontSize = clamp(Math.round(px), FONT_SIZES);
    write(FONT_SIZE_KEY, String(this.terminalFontSize));
  }

  setLessonWidth(px: number): void {
    this.lessonWidth = clamp(Math.round(px), LESSON_WIDTH);
    write(LESSON_WIDTH_KEY, String(this.lessonWidth));
  }

  resetLessonWidth(): void {
    this.lessonWidth = null;
    remove(LESSON_WIDTH_KEY);
  }
}

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGS as readonly string[]).includes(value);
}

function initialLang(): Lang {
  const stored = read(LANG_KEY);
  if (isLang(stored)) return stored;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

const htmlLang = (lang: Lang): string => (lang === 'zh' ? 'zh-CN' : 'en');

// Storage can throw (disabled cookies, private modes); a preference that is not kept is no failure.
function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function readNumber(key: string, range: { min: number; max: number }): number | null {
  const raw = read(key);
  const value = raw ? Number(raw) : NaN;
  return Number.isFinite(value) ? clamp(value, range) : null;
}

const clamp = (value: number, { min, max }: { min: number; max: number }): number => Math.min(max, Math.max(min, value));

function write(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // not remembered, still applied
  }
}

function remove(key: string): void {
  try {
    localStorage.removeItem(key);
  } catch {
    // nothing was kept
  }
}
