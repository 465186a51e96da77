// Client for the backend's to-do API. Every path is relative: in development Vite proxies
// /api to the backend, in production server.mjs does, so the page never needs to know
// where the backend lives.

export interface Item {
  id: number;
  title: string;
  done: boolean;
}

/** An error whose message is fit to show to the person using the page. */
export class ApiError extends Error {
  readonly status: number | undefined;

  constructor(message: string, status?: number) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

const JSON_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json' };

async function request(path: string, init: RequestInit = {}): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, {
      ...init,
      headers: { Accept: 'application/json', ...(init.headers ?? {}) },
    });
  } catch {
    throw new ApiError('Cannot reach the server. Check your connection and try again.');
  }
  if (!res.ok) {
    throw new ApiError(await errorMessage(res), res.status);
  }
  return res;
}

/** The backend answers errors with {"error": "..."}; fall back to the status line. */
async function errorMessage(res: Response): Promise<string> {
  let detail = '';
  try {
    const body: unknown = await res.json();
    if (body && typeof body === 'object' && 'error' in body) {
      const value = (body as { error: unknown }).error;
      if (typeof value === 'string') detail = value;
    }
  } catch {
    // not JSON: keep the generic message
  }
  if (res.status === 502 || res.status === 503 || res.status === 504) {
    return `The to-do service is unavailable right now (HTTP ${res.status}). Please try again in a moment.`;
  }
  return detail || `Request failed with status ${res.status}${res.statusText ? ` ${res.statusText}` : ''}.`;
}

function isItem(value: unknown): value is Item {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v.id === 'number' && typeof v.title === 'string' && typeof v.done === 'boolean';
}

async function readItem(res: Response): Promise<Item> {
  const body: unknown = await res.json().catch(() => undefined);
  if (!isItem(body)) throw new ApiError('The server sent an unexpected answer.');
  return body;
}

export async function listItems(): Promise<Item[]> {
  const res = await request('/api/items');
  const body: unknown = await res.json().catch(() => undefined);
  if (!Array.isArray(body) || !body.every(isItem)) {
    throw new ApiError('The server sent an unexpected answer.');
  }
  return body;
}

export async function createItem(title: string): Promise<Item> {
  const res = await request('/api/items', {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify({ title }),
  });
  return readItem(res);
}

/** Sets `done`; returns the updated item (built locally if the server sent no body). */
export async function setDone(item: Item, done: boolean): Promise<Item> {
  const res = await request(`/api/items/${encodeURIComponent(String(item.id))}`, {
    method: 'PATCH',
    headers: JSON_HEADERS,
    body: JSON.stringify({ done }),
  });
  if (res.status === 204) return { ...item, done };
  const text = await res.text();
  if (!text) return { ...item, done };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError('The server sent an unexpected answer.');
  }
  if (!isItem(body)) throw new ApiError('The server sent an unexpected answer.');
  return body;
}

export async function deleteItem(id: number): Promise<void> {
  await request(`/api/items/${encodeURIComponent(String(id))}`, { method: 'DELETE' });
}
