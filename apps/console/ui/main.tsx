import { JSX, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { checkKey, session, whenUnauthorized } from './api';
import { PageName, route } from './nav';
import { DeadLettersPage } from './dead-letters';
import { EntitiesPage } from './entities';
import { OverviewPage } from './overview';
import { ReplayPage } from './replay';
import './styles.css';

const PAGES: Record<
  PageName,
  { title: string; view: (props: { params: URLSearchParams }) => JSX.Element }
> = {
  overview: { title: 'Overview', view: OverviewPage },
  'dead-letters': { title: 'Dead letters', view: DeadLettersPage },
  entities: { title: 'Vehicles & devices', view: EntitiesPage },
  replay: { title: 'Replay', view: ReplayPage },
};
function SignIn({ onSignedIn, notice }: { onSignedIn: () => void; notice?: string }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | undefined>(notice);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const answer = await checkKey(key.trim());
      if (answer.ok) {
        session.signIn(key.trim());
        onSignedIn();
      } else
        setError(
          answer.refused
            ? 'That key was refused. Paste one of the keys in QUERY_API_KEYS (npm start writes them to .env.local).'
            : `Could not check the key: ${answer.why}`,
        );
    } catch (err) {
      setError(`The console cannot be reached: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin">
      <h1>fleet telemetry console</h1>
      <form onSubmit={(e) => void submit(e)}>
        <label>
          Query API key
          <input
            name="key"
            type="password"
            autocomplete="off"
            value={key}
            onInput={(e) => setKey(e.currentTarget.value)}
            required
          />
        </label>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
      <p class="muted">The key stays in this tab (sessionStorage) and is sent with every call.</p>
    </main>
  );
}

function App() {
  const [signedIn, setSignedIn] = useState(session.key() !== null);
  const [notice, setNotice] = useState<string>();
  const [current, setCurrent] = useState(route());
  useEffect(() => {
    const onHash = () => setCurrent(route());
    addEventListener('hashchange', onHash);
    whenUnauthorized(() => {
      session.signOut();
      setNotice(
        'The key was refused (it may have been removed from QUERY_API_KEYS): sign in again.',
      );
      setSignedIn(false);
    });
    return () => removeEventListener('hashchange', onHash);
  }, []);
  if (!signedIn) return <SignIn notice={notice} onSignedIn={() => setSignedIn(true)} />;
  const View = PAGES[current.page].view;
  return (
    <>
      <header>
        <strong>fleet telemetry</strong>
        <nav>
          {(Object.keys(PAGES) as PageName[]).map((name) => (
            <a key={name} href={`#/${name}`} class={name === current.page ? 'active' : ''}>
              {PAGES[name].title}
            </a>
          ))}
        </nav>
        <button
          class="link"
          onClick={() => {
            session.signOut();
            setSignedIn(false);
          }}
        >
          Sign out
        </button>
      </header>
      <main>
        {/* a new hash is a new view: its form starts from the parameters */}
        <View key={location.hash} params={current.params} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
