import type { SessionProblem } from '../api/browserSession';

/** The browser mode without a usable token: what happened and the one thing to do. */
export function SessionProblemPage({ problem }: { problem: SessionProblem }) {
  return (
    <main className="session-problem">
      <h1>Open the link printed in the terminal</h1>
      <p>
        {problem === 'wrong-token'
          ? 'The token of this page does not match the running server: it prints a new one each time it starts.'
          : 'This page needs the token that the server printed when it started. Each tab keeps it until the tab is closed; a new tab needs the link again.'}
      </p>
      <p>
        Open the URL printed in the terminal where you ran <code>npm run serve</code>; it looks like <code>http://127.0.0.1:PORT/?token=…</code>.
      </p>
    </main>
  );
}
