// The dashboard's only way to the data: the server's HTTP API on this origin, authenticated
// exactly as the official client is (Basic auth, the API key as user name, empty password).
// The key lives in sessionStorage: it is gone when the browser tab closes.
const KEY = 'nucleus.apiKey';
export const API = '/v1/nucleus';

export function apiKey() { return sessionStorage.getItem(KEY); }
export function signOut() { sessionStorage.removeItem(KEY); }

export class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

function headers(key) {
  return { Authorization: 'Basic ' + btoa(key + ':'), 'Content-Type': 'application/json' };
}

async function call(method, route, body, key = apiKey()) {
  const res = await fetch(`${API}/${route}`, {
    method, headers: headers(key), body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!res.ok) throw new ApiError(res.status, (json && json.error) || `HTTP ${res.status}`);
  return json;
}

export const get = (route) => call('GET', route);
export const post = (route, body = {}) => call('POST', route, body);

// Checks `key` against the API (a read every key may make) and keeps it for the session.
export async function signIn(key) {
  await call('GET', 'dataset', undefined, key);
  sessionStorage.setItem(KEY, key);
}
