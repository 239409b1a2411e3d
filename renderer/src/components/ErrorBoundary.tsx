/** A page that crashes while rendering shows an ErrorNotice instead of a blank window. */
import { Component, type ReactNode } from 'react';
import { ErrorNotice } from './ErrorNotice.js';

interface State {
  error: unknown;
}

export class ErrorBoundary extends Component<{ children: ReactNode; title: string }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error };
  }

  override render() {
    if (this.state.error) {
      return <ErrorNotice title={this.props.title} error={this.state.error} onRetry={() => this.setState({ error: null })} />;
    }
    return this.props.children;
  }
}
