// What every module shares: the page's state, its limits and storage keys, and `$`.

export const $ = (id) => document.getElementById(id);
export const HISTORY_PAGE = 50; // the server's default replay on join, and our page size
export const RESUME_PAGE = 200; // the largest page HISTORY gives
export const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
export const TYPING_EVERY_MS = 3000; // the server drops repeated `active` within 3 s anyway
export const TYPING_SHOWN_MS = 6000; // how long an `active` from someone else is shown
export const REACTIONS = ["👍", "❤️", "😂", "🎉", "😮", "😢"];
export const SESSION_KEY = "salon.session"; // localStorage: {user, token, id}; never a password
export const GUEST_KEY = "salon.guest"; // sessionStorage: {user, channels}; guests have no token

/** Everything the page knows; the DOM is redrawn from it. */
export const state = {
  ws: null,
  online: false, // the socket is open and logged in
  user: null,
  guest: false,
  // How (re)connecting logs in: {kind: "password", us, pwd, register, channel} for the form
  // (used once), then {kind: "token", us, token, id} or {kind: "guest", us, channels}.
  auth: null,
  loginTokenId: null, // the token this connection logged in with: the one PASSWD keeps
  wantOnline: false, // false after a log-out: no reconnect
  everOnline: false, // a login has succeeded on this page (so a failure is a reconnect's)
  attempt: 0,
  reconnectTimer: null,
  nextRef: 1,
  pending: new Map(), // ref -> {resolve, reject}
  convs: new Map(), // key ("#home", "@bob") -> conversation
  current: null,
  maxTextBytes: 4096,
  context: null, // {mode: "reply" | "edit", id, conv}: what the composer's next Enter does
  typingSentAt: 0,
  typingConv: null,
  search: null, // {query, messages}
};
