/**
 * The route registry: every page of the app, in navigation order. The shell builds the navigation,
 * the number-key shortcuts and the help overlay from it. To add a page, write
 * `pages/<name>/<Name>Page.tsx` with a default export and point its entry's `page` at it
 * (see renderer/README.md).
 */
import { lazy, type ComponentType } from 'react';

export interface Shortcut {
  /** Keys as shown, space-separated: "↑ ↓", "Enter". */
  keys: string;
  description: string;
}

export interface RouteDef {
  /** Hash path: `#/tasks`. */
  path: string;
  label: string;
  /** The number key that opens the page. */
  key: string;
  page: ComponentType;
  /** Shown in the `?` overlay while this page is open. */
  shortcuts: readonly Shortcut[];
}

export const ROUTES: readonly RouteDef[] = [
  {
    path: '/',
    label: 'Overview',
    key: '1',
    page: lazy(() => import('./pages/overview/OverviewPage.js')),
    shortcuts: [],
  },
  {
    path: '/tasks',
    label: 'Tasks',
    key: '2',
    page: lazy(() => import('./pages/tasks/TasksPage.js')),
    shortcuts: [
      { keys: '/', description: 'Search the prompts' },
      { keys: 'n', description: 'New task (enqueue form)' },
      { keys: '↑ ↓', description: 'Move the selection in the table' },
      { keys: 'PageUp PageDown', description: 'Move the selection by a screen' },
      { keys: 'Home End', description: 'First or last task' },
      { keys: 'Enter', description: 'Open the selected task’s details' },
      { keys: 'Esc', description: 'Close the task’s details' },
      { keys: 'r', description: 'Retry the selected task (failed or cancelled)' },
      { keys: 'c', description: 'Cancel the selected task (asks first)' },
    ],
  },
  {
    path: '/runs',
    label: 'Runs',
    key: '3',
    page: lazy(() => import('./pages/runs/RunsPage.js')),
    shortcuts: [
      { keys: 's', description: 'Start a smoke run' },
      { keys: 'Esc', description: 'Close the start dialog' },
    ],
  },
  {
    path: '/compare',
    label: 'Compare',
    key: '4',
    page: lazy(() => import('./pages/compare/ComparePage.js')),
    shortcuts: [
      { keys: '↑ ↓', description: 'Move between the compared prompts' },
      { keys: 'Home End', description: 'First or last prompt' },
      { keys: 'Enter', description: 'Open or close the focused prompt’s diff' },
    ],
  },
  { path: '/backends', label: 'Backends', key: '5', page: lazy(() => import('./pages/backends/BackendsPage.js')), shortcuts: [] },
  { path: '/lock', label: 'Version lock', key: '6', page: lazy(() => import('./pages/lock/LockPage.js')), shortcuts: [] },
];

export const GLOBAL_SHORTCUTS: readonly Shortcut[] = [
  ...ROUTES.map((route) => ({ keys: route.key, description: `Go to ${route.label}` })),
  { keys: '↑ ↓', description: 'Move between pages in the navigation' },
  { keys: 't', description: 'Switch theme (system, light, dark)' },
  { keys: '?', description: 'Show this help' },
  { keys: 'Tab', description: 'Next control; the focused one is outlined' },
];

export function findRoute(path: string): RouteDef | undefined {
  return ROUTES.find((route) => route.path === path);
}
