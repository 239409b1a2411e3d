/** Entry point: theme before the first paint, then the app inside the API provider. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { ApiProvider } from './api/provider.js';
import { applyTheme, storedTheme } from './lib/theme.js';
import './styles.css';
import './shared.css';

applyTheme(storedTheme());

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <ApiProvider>
      <App />
    </ApiProvider>
  </StrictMode>,
);
