import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { browserSessionProblem } from './api/bridge';
import { App } from './App';
import { SessionProblemPage } from './shell/SessionProblemPage';
import { startDockerStatusSync } from './store/dockerStore';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
// Subscribe before the first render so no status event is missed.
startDockerStatusSync();
void browserSessionProblem().then((problem) => {
  createRoot(root).render(<StrictMode>{problem ? <SessionProblemPage problem={problem} /> : <App />}</StrictMode>);
});
