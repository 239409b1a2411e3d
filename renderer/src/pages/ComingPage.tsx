/** Placeholder for a page not written yet; its route entry is replaced when the page lands. */
import type { ComponentType } from 'react';

export function coming(title: string): ComponentType {
  function ComingPage() {
    return (
      <section className="page">
        <h1>{title}</h1>
        <p className="muted">This page is coming.</p>
      </section>
    );
  }
  ComingPage.displayName = `Coming(${title})`;
  return ComingPage;
}
