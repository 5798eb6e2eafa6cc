// The student's side of a class: the page at /c/<CODE> loads the class (its name and lessons), keeps the
// student's name in this browser, and its Join makes the session through the code.
import { CLASS_CODE_ALPHABET, CLASS_PAGE_PREFIX, type ClassInfo } from '@berth/shared';
import { getClassInfo } from './api.js';

const NAME_KEY = 'berth.class-name';

/** The code of a class page (any case), or null on any other page. */
export function classCode(pathname: string): string | null {
  if (!pathname.startsWith(CLASS_PAGE_PREFIX)) return null;
  const code = pathname.slice(CLASS_PAGE_PREFIX.length).replace(/\/+$/, '').toUpperCase();
  return code.length === 6 && [...code].every((c) => CLASS_CODE_ALPHABET.includes(c)) ? code : null;
}

export class StudentClass {
  info = $state.raw<ClassInfo | null>(null);
  error = $state('');
  name = $state(readName());

  constructor(readonly code: string) {}

  async load(): Promise<void> {
    try {
      this.info = await getClassInfo(this.code);
      this.error = '';
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  rememberName(): void {
    try {
      localStorage.setItem(NAME_KEY, this.name.trim());
    } catch {
      // storage disabled: typed again next time
    }
  }
}

function readName(): string {
  try {
    return localStorage.getItem(NAME_KEY) ?? '';
  } catch {
    return '';
  }
}
