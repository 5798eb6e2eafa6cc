// Turns a caught failure into words for the visitor, in the language they read.
import { HttpError } from './api.js';
import type { Text } from './i18n.js';

export function errorText(err: unknown): Text {
  if (err instanceof HttpError && err.status === 0) return (m) => m.network;
  if (err instanceof Error && err.message) return () => err.message;
  return (m) => m.somethingWrong;
}
