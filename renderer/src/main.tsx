import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { startDockerStatusSync } from './store/dockerStore';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
// Subscribe before the first render so no status event is missed.
startDockerStatusSync();
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
