import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
// The message catalogues (initialised before the first render).
import './i18n';

const root = document.getElementById('root');
if (!root) throw new Error('missing #root');
createRoot(root).render(
  <StrictMode>
    <App bridge={window.scrubin} />
  </StrictMode>,
);
