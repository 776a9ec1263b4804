// Reviewer shortcuts, as review tools have them: J/K (or the arrows) walk the cards, Enter opens,
// A approves, R rejects, G generates the shot, Shift+G the whole look, Esc closes. Typing in a
// field never triggers them, nor does any key held with Ctrl, Alt or Meta.

export type Shortcuts = {
  next(): void;
  previous(): void;
  open(): void;
  close(): void;
  approve(): void;
  reject(): void;
  generateShot(): void;
  generateLook(): void;
};

export function bindShortcuts(shortcuts: Shortcuts): () => void {
  const bindings: Record<string, keyof Shortcuts> = {
    j: "next",
    ArrowRight: "next",
    ArrowDown: "next",
    k: "previous",
    ArrowLeft: "previous",
    ArrowUp: "previous",
    Enter: "open",
    o: "open",
    Escape: "close",
    a: "approve",
    r: "reject",
    x: "reject",
    g: "generateShot",
    G: "generateLook",
  };
  const listener = (event: KeyboardEvent): void => {
    if (event.ctrlKey || event.altKey || event.metaKey || typing(event.target)) return;
    const action = bindings[event.key];
    if (!action) return;
    event.preventDefault();
    shortcuts[action]();
  };
  document.addEventListener("keydown", listener);
  return () => document.removeEventListener("keydown", listener);
}

function typing(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLInputElement ||
    target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement ||
    (target instanceof HTMLElement && target.isContentEditable)
  );
}
