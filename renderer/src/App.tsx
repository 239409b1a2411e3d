/**
 * The shell: header (hub state, help, theme), navigation built from the route registry, and the
 * current page. Keyboard: number keys open pages, arrows move within the navigation, `?` shows help.
 */
import { Suspense, useRef, useState, type KeyboardEvent } from 'react';
import { ConnectionBadge } from './components/ConnectionBadge.js';
import { ErrorBoundary } from './components/ErrorBoundary.js';
import { HelpOverlay } from './components/HelpOverlay.js';
import { WorkspaceSwitcher } from './components/WorkspaceSwitcher.js';
import { useHubStatus } from './api/queries.js';
import { hrefFor, navigate, useLocation } from './lib/router.js';
import { useShortcuts } from './lib/shortcuts.js';
import { useTheme } from './lib/theme.js';
import { findRoute, GLOBAL_SHORTCUTS, ROUTES } from './routes.js';

const THEME_LABEL = { system: 'System', light: 'Light', dark: 'Dark' } as const;

function NotFound() {
  return (
    <section className="page">
      <h1>Page not found</h1>
      <p>
        There is no page here. <a href={hrefFor('/')}>Go to the Overview</a>.
      </p>
    </section>
  );
}

export function App() {
  const location = useLocation();
  const route = findRoute(location.path);
  const theme = useTheme();
  const [help, setHelp] = useState(false);
  const main = useRef<HTMLElement>(null);
  useHubStatus(); // the header's first hub state, before any event arrives

  useShortcuts({
    '?': () => setHelp(true),
    t: theme.cycle,
    ...Object.fromEntries(ROUTES.map((r) => [r.key, () => navigate(r.path)])),
  });

  const onNavKey = (event: KeyboardEvent<HTMLUListElement>) => {
    const links = Array.from(event.currentTarget.querySelectorAll<HTMLAnchorElement>('a'));
    const index = links.indexOf(document.activeElement as HTMLAnchorElement);
    const next = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: links.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    links[(next + links.length) % links.length]?.focus();
  };

  const Page = route?.page ?? NotFound;
  return (
    <div className="app">
      <button type="button" className="skip-link" onClick={() => main.current?.focus()}>
        Skip to content
      </button>
      <header className="header">
        <span className="brand">Mittelo Control Center</span>
        <ConnectionBadge />
        <span className="header__spacer" />
        <WorkspaceSwitcher />
        <button type="button" onClick={() => setHelp(true)} aria-keyshortcuts="?">
          Shortcuts <kbd>?</kbd>
        </button>
        <button type="button" onClick={theme.cycle} aria-keyshortcuts="t" title="Switch theme: system, light, dark">
          Theme: {THEME_LABEL[theme.choice]}
        </button>
      </header>
      <div className="layout">
        <nav className="nav" aria-label="Pages">
          <ul onKeyDown={onNavKey}>
            {ROUTES.map((r) => (
              <li key={r.path}>
                <a href={hrefFor(r.path)} aria-current={r === route ? 'page' : undefined} aria-keyshortcuts={r.key}>
                  <span>{r.label}</span>
                  <kbd aria-hidden="true">{r.key}</kbd>
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main className="main" ref={main} tabIndex={-1}>
          <ErrorBoundary key={location.path} title="This page stopped working">
            <Suspense fallback={<p className="muted page">Loading…</p>}>
              <Page />
            </Suspense>
          </ErrorBoundary>
        </main>
      </div>
      <HelpOverlay
        open={help}
        onClose={() => setHelp(false)}
        sections={[
          { title: 'Everywhere', shortcuts: GLOBAL_SHORTCUTS },
          { title: route ? `On ${route.label}` : 'This page', shortcuts: route?.shortcuts ?? [] },
        ]}
      />
    </div>
  );
}
