import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import App from './App.tsx';
import type { Item } from './api.ts';

interface Call {
  method: string;
  url: string;
  body: unknown;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

/**
 * A fetch that behaves like the backend's API over an in-memory list, recording each call.
 * `failNext` makes the next matching request answer with an error instead.
 */
function fakeBackend(initial: Item[] = []) {
  let items = initial.map((i) => ({ ...i }));
  let nextId = Math.max(0, ...items.map((i) => i.id)) + 1;
  const calls: Call[] = [];
  const failures: Array<{ method: string; response: () => Response | Promise<Response> }> = [];

  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input);
    const method = (init.method ?? 'GET').toUpperCase();
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    calls.push({ method, url, body });

    const failure = failures.findIndex((f) => f.method === method);
    if (failure >= 0) {
      const [f] = failures.splice(failure, 1);
      return f!.response();
    }

    if (url === '/api/items' && method === 'GET') return json(200, items);
    if (url === '/api/items' && method === 'POST') {
      const title = (body as { title?: string }).title?.trim();
      if (!title) return json(400, { error: 'title must not be empty' });
      const item = { id: nextId++, title, done: false };
      items.push(item);
      return json(201, item);
    }
    const m = /^\/api\/items\/(\d+)$/.exec(url);
    if (m) {
      const id = Number(m[1]);
      const item = items.find((i) => i.id === id);
      if (!item) return json(404, { error: `no item with id ${id}` });
      if (method === 'PATCH') {
        item.done = (body as { done: boolean }).done;
        return json(200, item);
      }
      if (method === 'DELETE') {
        items = items.filter((i) => i.id !== id);
        return new Response(null, { status: 204 });
      }
    }
    return json(404, { error: 'not found' });
  });

  vi.stubGlobal('fetch', fetchMock);
  return {
    calls,
    items: () => items,
    failNext(method: string, response: () => Response | Promise<Response>) {
      failures.push({ method, response });
    },
  };
}

const seed: Item[] = [
  { id: 1, title: 'Buy milk', done: false },
  { id: 2, title: 'Write report', done: true },
];

beforeEach(() => {
  vi.unstubAllGlobals();
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('App', () => {
  it('shows a loading state, then lists the items from GET /api/items', async () => {
    const backend = fakeBackend(seed);
    render(<App />);
    expect(screen.getByRole('status').textContent).toMatch(/loading/i);

    const list = await screen.findByRole('list', { name: 'To-do items' });
    const rows = within(list).getAllByRole('listitem');
    expect(rows.map((r) => r.textContent)).toEqual(['Buy milkRemove', 'Write reportRemove']);
    expect((screen.getByRole('checkbox', { name: 'Buy milk' }) as HTMLInputElement).checked).toBe(false);
    expect((screen.getByRole('checkbox', { name: 'Write report' }) as HTMLInputElement).checked).toBe(true);
    expect(screen.getByText('1 of 2 done')).toBeTruthy();
    expect(screen.queryByRole('status')).toBeNull();
    expect(backend.calls).toEqual([{ method: 'GET', url: '/api/items', body: undefined }]);
  });

  it('shows an empty state when there are no items', async () => {
    fakeBackend([]);
    render(<App />);
    expect(await screen.findByText(/nothing to do yet/i)).toBeTruthy();
    expect(screen.queryByRole('list')).toBeNull();
  });

  it('adds an item with the Add button, using a relative POST /api/items', async () => {
    const backend = fakeBackend(seed);
    const user = userEvent.setup();
    render(<App />);
    await screen.findByRole('list');

    const input = screen.getByRole('textbox', { name: 'New to-do' }) as HTMLInputElement;
    const add = screen.getByRole('button', { name: 'Add' }) as HTMLButtonElement;
    expect(add.disabled).toBe(true);

    await user.type(input, '  Water the plants ');
    await user.click(add);

    expect(await screen.findByRole('checkbox', { name: 'Water the plants' })).toBeTruthy();
    expect(input.value).toBe('');
    expect(backend.calls.at(-1)).toEqual({
      method: 'POST',
      url: '/api/items',
      body: { title: 'Water the plants' },
    });
    expect(backend.items().map((i) => i.title)).toContain('Water the plants');
  });

  it('adds an item when Enter is pressed, and ignores blank input', async () => {
    const backend = fakeBackend([]);
    const user = userEvent.setup();
    render(<App />);
    await screen.findByText(/nothing to do yet/i);

    const input = screen.getByRole('textbox', { name: 'New to-do' });
    await user.type(input, '   {Enter}');
    expect(backend.calls.filter((c) => c.method === 'POST')).toHaveLength(0);

    await user.clear(input);
    await user.type(input, 'Call mum{Enter}');
    expect(await screen.findByRole('checkbox', { name: 'Call mum' })).toBeTruthy();
    expect(backend.calls.filter((c) => c.method === 'POST')).toHaveLength(1);
    expect(screen.queryByText(/nothing to do yet/i)).toBeNull();
  });

  it('toggles an item with PATCH /api/items/{id}', async () => {
    const backend = fakeBackend(seed);
    const user = userEvent.setup();
    render(<App />);

    const box = (await screen.findByRole('checkbox', { name: 'Buy milk' })) as HTMLInputElement;
    await user.click(box);

    await waitFor(() => expect(box.checked).toBe(true));
    expect(box.closest('li')?.className).toContain('done');
    expect(backend.calls.at(-1)).toEqual({ method: 'PATCH', url: '/api/items/1', body: { done: true } });
    expect(screen.getByText('2 of 2 done')).toBeTruthy();

    await user.click(box);
    await waitFor(() => expect(box.checked).toBe(false));
    expect(backend.calls.at(-1)).toEqual({ method: 'PATCH', url: '/api/items/1', body: { done: false } });
  });

  it('removes an item with DELETE /api/items/{id}', async () => {
    const backend = fakeBackend(seed);
    const user = userEvent.setup();
    render(<App />);
    await screen.findByRole('list');

    await user.click(screen.getByRole('button', { name: 'Remove Write report' }));

    await waitFor(() => expect(screen.queryByText('Write report')).toBeNull());
    expect(screen.getByText('Buy milk')).toBeTruthy();
    expect(backend.calls.at(-1)).toEqual({ method: 'DELETE', url: '/api/items/2', body: undefined });
    expect(backend.items().map((i) => i.id)).toEqual([1]);
  });

  it('shows a visible error when the backend cannot be reached, and recovers on retry', async () => {
    const backend = fakeBackend(seed);
    backend.failNext('GET', () => Promise.reject(new TypeError('Failed to fetch')));
    const user = userEvent.setup();
    render(<App />);

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/could not load your to-dos/i);
    expect(alert.textContent).toMatch(/cannot reach the server/i);
    expect(screen.queryByRole('list')).toBeNull();

    await user.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('checkbox', { name: 'Buy milk' })).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it("shows the proxy's 502 error message when the backend is down", async () => {
    const backend = fakeBackend(seed);
    backend.failNext('GET', () => json(502, { error: 'backend unavailable' }));
    render(<App />);

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/the to-do service is unavailable right now \(HTTP 502\)/i);
  });

  it("shows the backend's error message when adding fails, and keeps the list", async () => {
    const backend = fakeBackend(seed);
    backend.failNext('POST', () => json(422, { error: 'title is too long' }));
    const user = userEvent.setup();
    render(<App />);
    await screen.findByRole('list');

    const input = screen.getByRole('textbox', { name: 'New to-do' }) as HTMLInputElement;
    await user.type(input, 'Something{Enter}');

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not add “Something”: title is too long');
    expect(input.value).toBe('Something');
    expect(screen.getByText('Buy milk')).toBeTruthy();

    await user.click(within(alert).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('shows an error when toggling fails and leaves the item unchanged', async () => {
    const backend = fakeBackend(seed);
    backend.failNext('PATCH', () => new Response('oops', { status: 500 }));
    const user = userEvent.setup();
    render(<App />);

    const box = (await screen.findByRole('checkbox', { name: 'Buy milk' })) as HTMLInputElement;
    await user.click(box);

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/could not update “Buy milk”: request failed with status 500/i);
    expect(box.checked).toBe(false);
  });
});
