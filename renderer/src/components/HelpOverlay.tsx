/** The `?` overlay: every keyboard shortcut, global and per page (from the route registry). */
import { useEffect, useRef } from 'react';
import type { Shortcut } from '../routes.js';

export interface HelpSection {
  title: string;
  shortcuts: readonly Shortcut[];
}

export function HelpOverlay({ open, sections, onClose }: { open: boolean; sections: readonly HelpSection[]; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    else if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog ref={ref} className="dialog dialog--wide" aria-labelledby="help-title" onClose={onClose}>
      <h2 id="help-title">Keyboard shortcuts</h2>
      <div className="help-grid">
        {sections
          .filter((section) => section.shortcuts.length > 0)
          .map((section) => (
            <section key={section.title}>
              <h3>{section.title}</h3>
              <dl className="shortcut-list">
                {section.shortcuts.map((shortcut) => (
                  <div key={shortcut.keys} className="shortcut-list__row">
                    <dt>
                      {shortcut.keys.split(' ').map((k) => (
                        <kbd key={k}>{k}</kbd>
                      ))}
                    </dt>
                    <dd>{shortcut.description}</dd>
                  </div>
                ))}
              </dl>
            </section>
          ))}
      </div>
      <div className="dialog__actions">
        <button type="button" className="primary" onClick={onClose} autoFocus>
          Close
        </button>
      </div>
    </dialog>
  );
}
