// JSON values in localStorage/sessionStorage that never throw: a full or
// disabled storage only means the client forgets, it keeps working.
export function read(storage, key, fallback) {
  try {
    const raw = storage.getItem(key);
    return raw === null ? fallback : JSON.parse(raw);
  } catch {
    return fallback;
  }
}

export function write(storage, key, value) {
  try {
    if (value === null || value === undefined) storage.removeItem(key);
    else storage.setItem(key, JSON.stringify(value));
  } catch (e) {
    console.warn('vegvisar: cannot store', key, e);
  }
}
