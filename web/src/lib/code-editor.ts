// The file editor: CodeMirror 6, loaded only when a file is first opened (it is not part of the first load),
// with the highlighting a file's name asks for (Dockerfile, YAML, shell, JSON, Python, JavaScript).
import type { Extension } from '@codemirror/state';

export interface CodeEditor {
  readonly text: string;
  /** Replaces the whole text (a reopened file), keeping the editor's undo history apart from it. */
  setText(text: string): void;
  focus(): void;
  destroy(): void;
}

async function languageFor(name: string): Promise<Extension[]> {
  const base = name.split('/').pop()!.toLowerCase();
  const { StreamLanguage } = await import('@codemirror/language');
  if (base === 'dockerfile' || base === 'containerfile' || base.endsWith('.dockerfile') || base.startsWith('dockerfile.')) {
    return [StreamLanguage.define((await import('@codemirror/legacy-modes/mode/dockerfile')).dockerFile)];
  }
  if (/\.(ya?ml)$/.test(base)) return [(await import('@codemirror/lang-yaml')).yaml()];
  if (/\.json$/.test(base)) return [(await import('@codemirror/lang-json')).json()];
  if (/\.py$/.test(base)) return [(await import('@codemirror/lang-python')).python()];
  if (/\.(m?js|cjs|jsx|ts|tsx)$/.test(base)) return [(await import('@codemirror/lang-javascript')).javascript({ typescript: /\.tsx?$/.test(base), jsx: /x$/.test(base) })];
  if (/\.(sh|bash)$/.test(base) || base === '.bashrc' || base === '.profile') return [StreamLanguage.define((await import('@codemirror/legacy-modes/mode/shell')).shell)];
  return [];
}

/** onSave: Ctrl+S / Cmd+S; onChange: after every edit. */
export async function createCodeEditor(parent: HTMLElement, name: string, text: string, on: { save: () => void; change: () => void; label: string }): Promise<CodeEditor> {
  const [{ EditorState }, { EditorView, keymap, lineNumbers, highlightActiveLine }, { defaultKeymap, history, historyKeymap, indentWithTab }, { syntaxHighlighting, defaultHighlightStyle, indentOnInput, bracketMatching }] =
    await Promise.all([import('@codemirror/state'), import('@codemirror/view'), import('@codemirror/commands'), import('@codemirror/language')]);
  const language = await languageFor(name);
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: text,
      extensions: [
        lineNumbers(),
        highlightActiveLine(),
        history(),
        indentOnInput(),
        bracketMatching(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        keymap.of([{ key: 'Mod-s', preventDefault: true, run: () => (on.save(), true) }, ...defaultKeymap, ...historyKeymap, indentWithTab]),
        EditorView.updateListener.of((u) => u.docChanged && on.change()),
        EditorView.contentAttributes.of({ 'aria-label': on.label }),
        ...language,
      ],
    }),
  });
  return {
    get text() {
      return view.state.doc.toString();
    },
    setText(next: string) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: next } });
    },
    focus: () => view.focus(),
    destroy: () => view.destroy(),
  };
}
