// Bounded maps of what a polls process remembers (cached polls, known stream heads, resting polls):
// a Map keeps insertion order, so setting a key anew makes it the newest and the first key is the
// oldest, dropped when the map is full.

/** Sets `key` as the newest entry of `map`, dropping the oldest when it holds `max` already. */
export function setNewest<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  if (map.size >= max) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, value);
}
