// The visitor's choices that outlive a page load: language and screen-reader mode (localStorage).
import { LANGS, type Lang } from '@berth/shared';
import { messages, type Messages } from './i18n.js';

const LANG_KEY = 'berth.lang';
const SCREEN_READER_KEY = 'berth.screenReaderMode';

export class Preferences {
  lang = $state<Lang>(initialLang());
  screenReaderMode = $state(read(SCREEN_READER_KEY) === 'true');

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

function write(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // not remembered, still applied
  }
}
