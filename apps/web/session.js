// The stored session: the token in localStorage, a guest's name and channels in sessionStorage.

import { GUEST_KEY, SESSION_KEY, state } from "./state.js";

export function loadJson(storage, key) {
  try {
    return JSON.parse(storage.getItem(key) || "null");
  } catch {
    return null;
  }
}
export function saveJson(storage, key, value) {
  try {
    if (value === null) storage.removeItem(key);
    else storage.setItem(key, JSON.stringify(value));
  } catch {
    // storage disabled: the session lasts as long as the page
  }
}

/** Forgets the stored session if it is this page's (another tab may have stored a newer one). */
export function forgetSession() {
  const stored = loadJson(localStorage, SESSION_KEY);
  const mine = state.auth && state.auth.kind === "token" ? state.auth.token : null;
  if (stored && stored.token === mine) saveJson(localStorage, SESSION_KEY, null);
}

export function rememberGuestChannels() {
  if (!state.guest || !state.auth || state.auth.kind !== "guest") return;
  state.auth.channels = [...state.convs.values()].filter((c) => c.kind === "channel" && c.joined).map((c) => c.name);
  saveJson(sessionStorage, GUEST_KEY, { user: state.auth.us, channels: state.auth.channels });
}
