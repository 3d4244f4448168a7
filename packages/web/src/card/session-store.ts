// Where the page keeps its login: the session token for this visit
// (sessionStorage) and the remembered device (localStorage), which lets a
// returning phone skip the SMS code (the seed's "二次登录无需验证").
export interface Session {
  token: string;
}

export interface RememberedDevice {
  phone: string;
  deviceToken: string;
}

const SESSION_KEY = 'itinerary-card.session';
const DEVICE_KEY = 'itinerary-card.device';

function read<T>(storage: () => Storage, key: string): T | undefined {
  try {
    const raw = storage().getItem(key);
    return raw ? (JSON.parse(raw) as T) : undefined;
  } catch {
    return undefined;
  }
}

function write(storage: () => Storage, key: string, value: unknown): void {
  try {
    if (value === undefined) storage().removeItem(key);
    else storage().setItem(key, JSON.stringify(value));
  } catch {
    // Storage can be disabled (private mode): the page then logs in each time.
  }
}

/**
 * The current session, as long as the platform takes it: its end is never judged by the phone's
 * clock, which may be hours or years from the platform's (a phone set ahead, a demo's simulated
 * day) and would drop a session just given, or one the user's corrected clock jumped past.
 */
export function loadSession(): Session | undefined {
  const s = read<Session>(() => sessionStorage, SESSION_KEY);
  return s && typeof s.token === 'string' ? { token: s.token } : undefined;
}

export function saveSession(s: Session | undefined): void {
  write(() => sessionStorage, SESSION_KEY, s);
}

export function loadDevice(): RememberedDevice | undefined {
  const d = read<RememberedDevice>(() => localStorage, DEVICE_KEY);
  return d && typeof d.phone === 'string' && typeof d.deviceToken === 'string' ? d : undefined;
}

export function saveDevice(d: RememberedDevice | undefined): void {
  write(() => localStorage, DEVICE_KEY, d);
}
