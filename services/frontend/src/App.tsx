import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ApiError, createItem, deleteItem, listItems, setDone, type Item } from './api.ts';

type Load =
  | { state: 'loading' }
  | { state: 'ready' }
  | { state: 'error'; message: string };

const MAX_TITLE = 200;

function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return 'Something went wrong. Please try again.';
}

export default function App() {
  const [items, setItems] = useState<Item[]>([]);
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [actionError, setActionError] = useState<string | null>(null);
  const [draft, setDraft] = useState('');
  const [adding, setAdding] = useState(false);
  const [busy, setBusy] = useState<ReadonlySet<number>>(new Set());

  const refresh = useCallback((isCurrent: () => boolean = () => true) => {
    setLoad({ state: 'loading' });
    listItems().then(
      (list) => {
        if (!isCurrent()) return;
        setItems(list);
        setLoad({ state: 'ready' });
      },
      (err: unknown) => {
        if (!isCurrent()) return;
        setLoad({ state: 'error', message: messageOf(err) });
      },
    );
  }, []);

  useEffect(() => {
    let current = true;
    refresh(() => current);
    return () => {
      current = false;
    };
  }, [refresh]);

  const markBusy = (id: number, on: boolean) =>
    setBusy((prev) => {
      const next = new Set(prev);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });

  async function onAdd(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const title = draft.trim();
    if (!title || adding) return;
    setAdding(true);
    setActionError(null);
    try {
      const item = await createItem(title);
      setItems((prev) => [...prev.filter((i) => i.id !== item.id), item]);
      setDraft('');
    } catch (err) {
      setActionError(`Could not add “${title}”: ${messageOf(err)}`);
    } finally {
      setAdding(false);
    }
  }

  async function onToggle(item: Item) {
    markBusy(item.id, true);
    setActionError(null);
    try {
      const updated = await setDone(item, !item.done);
      setItems((prev) => prev.map((i) => (i.id === updated.id ? updated : i)));
    } catch (err) {
      setActionError(`Could not update “${item.title}”: ${messageOf(err)}`);
    } finally {
      markBusy(item.id, false);
    }
  }

  async function onRemove(item: Item) {
    markBusy(item.id, true);
    setActionError(null);
    try {
      await deleteItem(item.id);
      setItems((prev) => prev.filter((i) => i.id !== item.id));
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        // Already gone on the server: drop it here too.
        setItems((prev) => prev.filter((i) => i.id !== item.id));
      } else {
        setActionError(`Could not remove “${item.title}”: ${messageOf(err)}`);
      }
    } finally {
      markBusy(item.id, false);
    }
  }

  const doneCount = items.filter((i) => i.done).length;

  return (
    <main className="app">
      <header className="app-header">
        <h1>To-do</h1>
        {load.state === 'ready' && items.length > 0 && (
          <p className="summary" aria-live="polite">
            {doneCount} of {items.length} done
          </p>
        )}
      </header>

      <form className="add-form" onSubmit={onAdd}>
        <input
          type="text"
          aria-label="New to-do"
          placeholder="What needs doing?"
          value={draft}
          maxLength={MAX_TITLE}
          onChange={(e) => setDraft(e.target.value)}
          disabled={adding}
          autoFocus
        />
        <button type="submit" disabled={adding || draft.trim() === ''}>
          {adding ? 'Adding…' : 'Add'}
        </button>
      </form>

      {actionError && (
        <div className="banner banner-error" role="alert">
          <span>{actionError}</span>
          <button type="button" className="link" onClick={() => setActionError(null)}>
            Dismiss
          </button>
        </div>
      )}

      {load.state === 'loading' && (
        <p className="status" role="status">
          Loading your to-dos…
        </p>
      )}

      {load.state === 'error' && (
        <div className="panel-error" role="alert">
          <strong>Could not load your to-dos.</strong>
          <p>{load.message}</p>
          <button type="button" onClick={() => refresh()}>
            Try again
          </button>
        </div>
      )}

      {load.state === 'ready' && items.length === 0 && (
        <p className="empty">Nothing to do yet. Add your first item above.</p>
      )}

      {items.length > 0 && load.state !== 'error' && (
        <ul className="items" aria-label="To-do items">
          {items.map((item) => (
            <li key={item.id} className={item.done ? 'item done' : 'item'}>
              <label>
                <input
                  type="checkbox"
                  checked={item.done}
                  disabled={busy.has(item.id)}
                  onChange={() => void onToggle(item)}
                />
                <span className="title">{item.title}</span>
              </label>
              <button
                type="button"
                className="remove"
                aria-label={`Remove ${item.title}`}
                disabled={busy.has(item.id)}
                onClick={() => void onRemove(item)}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
