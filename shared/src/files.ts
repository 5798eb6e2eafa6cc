// The session's files as the page sees them (issue 14): paths relative to the learner's home folder.

export interface FileEntry {
  name: string;
  type: 'file' | 'dir' | 'link' | 'other';
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
}

export interface FileListResponse {
  dir: string;
  entries: FileEntry[];
}

export interface FileContent {
  path: string;
  content: string;
  /** The version read: a save that names another one is refused as a conflict (409). */
  version: string;
}

export interface SaveFileRequest {
  path: string;
  content: string;
  /** The version the editor read; null for a new file (refused if one exists); '*' overwrites whatever is there. */
  base: string | null;
}

export const FILES_PATH = (sessionId: string): string => `/api/sessions/${sessionId}/files`;
export const FILE_PATH = (sessionId: string): string => `/api/sessions/${sessionId}/file`;
