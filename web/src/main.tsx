import { render } from 'preact';
import { CreatePoll } from './create-poll.tsx';
import { usePath } from './router.ts';
import { VotePage } from './vote-page.tsx';
import './styles.css';

function App() {
  const path = usePath();
  const vote = /^\/p\/([^/]+)\/?$/.exec(path);
  if (vote) return <VotePage pollId={decodeURIComponent(vote[1]!)} />;
  if (path === '/') return <CreatePoll />;
  return (
    <main>
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <a href="/">Create a poll</a> instead.
      </p>
    </main>
  );
}

render(<App />, document.getElementById('app')!);
