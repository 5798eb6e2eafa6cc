// The files panel's words, in English and Chinese.
import type { Lang } from '@berth/shared';

const en = {
  title: 'Files',
  show: 'Files',
  showTitle: 'Your home folder in the sandbox: open, edit and save files',
  home: '~ (home)',
  refresh: 'Refresh',
  newFile: 'New file',
  newFolder: 'New folder',
  rename: 'Rename',
  remove: 'Delete',
  save: 'Save',
  saved: 'Saved',
  close: 'Close',
  unsaved: 'unsaved changes',
  empty: 'This folder is empty.',
  loading: 'Loading…',
  namePrompt: (kind: 'file' | 'folder') => `Name of the new ${kind} (in ~/):`,
  renamePrompt: (name: string) => `New name for ~/${name}:`,
  confirmRemove: (name: string) => `Delete ~/${name}? It cannot be undone.`,
  overwrite: 'Save mine anyway',
  reopen: 'Reopen',
  editorLabel: (path: string) => `Editing ~/${path}`,
};

const zh: typeof en = {
  title: '文件',
  show: '文件',
  showTitle: '沙箱里你的主目录：打开、编辑、保存文件',
  home: '~（主目录）',
  refresh: '刷新',
  newFile: '新建文件',
  newFolder: '新建文件夹',
  rename: '重命名',
  remove: '删除',
  save: '保存',
  saved: '已保存',
  close: '关闭',
  unsaved: '有未保存的修改',
  empty: '这个文件夹是空的。',
  loading: '正在加载……',
  namePrompt: (kind: 'file' | 'folder') => `新${kind === 'file' ? '文件' : '文件夹'}的名字（在 ~/ 下）：`,
  renamePrompt: (name: string) => `~/${name} 的新名字：`,
  confirmRemove: (name: string) => `删除 ~/${name}？删除后无法恢复。`,
  overwrite: '仍然保存我的版本',
  reopen: '重新打开',
  editorLabel: (path: string) => `正在编辑 ~/${path}`,
};

export const filesText = (lang: Lang) => (lang === 'zh' ? zh : en);
