// Salon's web client: the native protocol (PROTOCOL.md, version 2) over the server's /ws
// WebSocket, one JSON object per text message. Plain JavaScript, no build step, no external
// resources, and never innerHTML with anything a user wrote.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const HISTORY_PAGE = 50; // the server's default replay on join, and our page size
  const RESUME_PAGE = 200; // the largest page HISTORY gives
  const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
  const TYPING_EVERY_MS = 3000; // the server drops repeated `active` within 3 s anyway
  const TYPING_SHOWN_MS = 6000; // how long an `active` from someone else is shown
  const REACTIONS = ["👍", "❤️", "😂", "🎉", "😮", "😢"];
  const SESSION_KEY = "salon.session"; // localStorage: {user, token, id}; never a password
  const GUEST_KEY = "salon.guest"; // sessionStorage: {user, channels}; guests have no token

  /** Everything the page knows; the DOM is redrawn from it. */
  const state = {
    ws: null,
    online: false, // the socket is open and logged in
    user: null,
    guest: false,
    // How (re)connecting logs in: {kind: "password", us, pwd, register, channel} for the form
    // (used once), then {kind: "token", us, token, id} or {kind: "guest", us, channels}.
    auth: null,
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

  // ------------------------------------------------------------------------------------------
  // Stored session

  function loadJson(storage, key) {
    try {
      return JSON.parse(storage.getItem(key) || "null");
    } catch {
      return null;
    }
  }
  function saveJson(storage, key, value) {
    try {
      if (value === null) storage.removeItem(key);
      else storage.setItem(key, JSON.stringify(value));
    } catch {
      // storage disabled: the session lasts as long as the page
    }
  }

  /** Forgets the stored session if it is this page's (another tab may have stored a newer one). */
  function forgetSession() {
    const stored = loadJson(localStorage, SESSION_KEY);
    const mine = state.auth && state.auth.kind === "token" ? state.auth.token : null;
    if (stored && stored.token === mine) saveJson(localStorage, SESSION_KEY, null);
  }

  function rememberGuestChannels() {
    if (!state.guest || !state.auth || state.auth.kind !== "guest") return;
    state.auth.channels = [...state.convs.values()].filter((c) => c.kind === "channel" && c.joined).map((c) => c.name);
    saveJson(sessionStorage, GUEST_KEY, { user: state.auth.us, channels: state.auth.channels });
  }

  // ------------------------------------------------------------------------------------------
  // Conversations

  const fold = (name) => String(name).toLowerCase();
  const channelKey = (name) => "#" + fold(name);
  const dmKey = (user) => "@" + fold(user);
  const isMe = (name) => !!state.user && fold(name) === fold(state.user);

  function conversation(key, init) {
    let conv = state.convs.get(key);
    if (!conv) {
      conv = {
        key,
        kind: key.startsWith("#") ? "channel" : "dm",
        name: key.slice(1),
        topic: "",
        members: new Map(), // folded -> {user, guest, op}
        messages: [], // message bodies, by id
        sys: [], // {text, after: id}: lines like [+]alice, drawn after message `after`
        maxRev: 0,
        read: 0, // the read marker (an id)
        unread: 0,
        mentions: 0,
        markerAt: null, // the read marker when the conversation was opened: the "new" line
        joined: false,
        loaded: false, // a newest page is held (DMs load it when first opened)
        historyDone: false,
        loadingHistory: null, // the promise of a page in flight
        typing: new Map(), // folded user -> {user, until}
        ...init,
      };
      state.convs.set(key, conv);
    }
    return conv;
  }

  /** The conversation a message body (or a READ/TYPING event) belongs to. */
  function keyOf(body) {
    if (body.channel !== undefined && body.channel !== null) return channelKey(body.channel);
    if (body.with !== undefined && body.with !== null) return dmKey(body.with);
    return dmKey(isMe(body.from) ? body.to : body.from);
  }
  function dmName(body) {
    if (body.with) return body.with;
    return isMe(body.from) ? body.to : body.from;
  }

  const lastId = (conv) => (conv.messages.length ? conv.messages[conv.messages.length - 1].id : 0);
  const oldestId = (conv) => (conv.messages.length ? conv.messages[0].id : null);
  /** The held message with that id (messages are kept sorted by id: a binary search). */
  function findMessage(conv, id) {
    const list = conv.messages;
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].id === id) return list[mid];
      if (list[mid].id < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** Adds or replaces (by id) message bodies, keeping id order. Returns the new ones. */
  function mergeMessages(conv, bodies) {
    const fresh = [];
    let appendOnly = true;
    const index = new Map(conv.messages.map((m, i) => [m.id, i]));
    for (const body of bodies) {
      const at = index.has(body.id) ? index.get(body.id) : -1;
      if (at >= 0) {
        // An older copy (a resume page can bring a message before its own replay) never wins.
        if ((body.rev || body.id) >= (conv.messages[at].rev || conv.messages[at].id)) conv.messages[at] = { ...body };
      } else {
        if (conv.messages.length && body.id < conv.messages[conv.messages.length - 1].id) appendOnly = false;
        index.set(body.id, conv.messages.length);
        conv.messages.push({ ...body });
        fresh.push(body);
      }
      conv.maxRev = Math.max(conv.maxRev, body.rev || body.id);
    }
    if (!appendOnly) conv.messages.sort((a, b) => a.id - b.id);
    return fresh;
  }

  function addSystemLine(conv, text) {
    conv.sys.push({ text, after: lastId(conv), seq: conv.sys.length });
    if (conv.key === state.current) renderMessagesSoon();
  }

  function mentionsMe(body) {
    return !!state.user && Array.isArray(body.mentions) && body.mentions.some((u) => isMe(u));
  }

  /** A live MSG or DM: shown, counted unread unless it is ours or being read right now. */
  function addLiveMessage(conv, body) {
    const fresh = mergeMessages(conv, [body]);
    if (fresh.length === 0) return;
    if (!isMe(body.from) && body.id > conv.read) {
      // Arriving in the open conversation while the user looks elsewhere: mark where it starts.
      if (conv.key === state.current && conv.markerAt === null && (document.hidden || !document.hasFocus())) conv.markerAt = conv.read;
      conv.unread += 1;
      if (mentionsMe(body)) conv.mentions += 1;
      if (conv.kind === "dm" || mentionsMe(body)) notify(conv, body);
    }
    conv.typing.delete(fold(body.from));
    if (conv.key === state.current) {
      renderMessagesSoon();
      renderTyping();
    }
    renderSidebar();
    markReadSoon();
  }

  function currentConv() {
    return state.current ? state.convs.get(state.current) || null : null;
  }

  // ------------------------------------------------------------------------------------------
  // Connection

  function setStatus(status, text) {
    const el = $("conn-state");
    el.className = "state " + status;
    el.textContent = text;
  }

  // Requests leave in order, at most REQUESTS_PER_SECOND in any second: the server allows 20 a
  // second (bursts of 40) and closes a connection that keeps going past it, and a login with
  // many conversations asks a lot at once (members, catching up, markers).
  const REQUESTS_PER_SECOND = 15;
  const outbox = []; // functions that write one request
  const sentAt = []; // when the requests of the last second left
  let pumpTimer = null;

  function pump() {
    pumpTimer = null;
    const now = Date.now();
    while (sentAt.length && now - sentAt[0] >= 1000) sentAt.shift();
    while (outbox.length && sentAt.length < REQUESTS_PER_SECOND) {
      sentAt.push(now);
      outbox.shift()();
    }
    if (outbox.length) pumpTimer = setTimeout(pump, 1000 - (now - sentAt[0]) + 5);
  }

  function send(verb, args = {}) {
    const ws = state.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || !state.online) {
      return Promise.reject({ code: "offline", message: "not connected" });
    }
    return new Promise((resolve, reject) => {
      outbox.push(() => {
        if (state.ws !== ws || ws.readyState !== WebSocket.OPEN) {
          reject({ code: "offline", message: "connection lost" });
          return;
        }
        const ref = state.nextRef++;
        state.pending.set(ref, { resolve, reject });
        ws.send(JSON.stringify({ [verb]: { ref, ...args } }));
      });
      if (pumpTimer === null) pump();
    });
  }

  function connect() {
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = null;
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    setStatus("connecting", state.everOnline ? "Reconnecting…" : "Connecting…");
    const ws = new WebSocket(scheme + location.host + "/ws");
    state.ws = ws;
    ws.onopen = () => logIn(ws);
    ws.onmessage = (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      handleFrame(frame);
    };
    ws.onclose = () => {
      if (state.ws !== ws) return;
      state.ws = null;
      state.online = false;
      for (const { reject } of state.pending.values()) reject({ code: "offline", message: "connection lost" });
      state.pending.clear();
      for (const conv of state.convs.values()) conv.typing.clear();
      renderTyping();
      if (state.wantOnline && (state.everOnline || state.resuming)) {
        scheduleReconnect();
      } else {
        setStatus("offline", "Offline");
        if (state.wantOnline) {
          state.wantOnline = false;
          showLoginError("Cannot reach the server.");
        }
      }
    };
  }

  function scheduleReconnect() {
    const base = BACKOFF_MS[Math.min(state.attempt, BACKOFF_MS.length - 1)];
    state.attempt += 1;
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    setStatus("connecting", `Disconnected; retrying in ${Math.ceil(delay / 1000)} s`);
    state.reconnectTimer = setTimeout(connect, delay);
  }

  /** The login frame for the current way of logging in. */
  function loginRequest() {
    const a = state.auth;
    if (a.kind === "password") {
      if (a.register) return ["REGISTER", { us: a.us, pwd: a.pwd, v: 2 }];
      return ["CONN", { us: a.us, pwd: a.pwd, v: 2, channel: a.channel }];
    }
    if (a.kind === "password-again") return ["CONN", { us: a.us, pwd: a.pwd, v: 2, join: false }];
    if (a.kind === "token") return ["CONN", { us: a.us, token: a.token, v: 2, join: false }];
    // A guest from the form joins the form's channel; a reconnecting one asks for its previous
    // name and rejoins its channels itself, after the OK.
    if (a.firstChannel) return ["CONN", { us: a.us || "", pwd: "", v: 2, channel: a.firstChannel }];
    return ["CONN", { us: a.us || "", pwd: "", v: 2, join: false }];
  }

  async function logIn(ws) {
    const [verb, args] = loginRequest();
    let ok;
    try {
      ok = await sendRaw(ws, verb, args);
    } catch (error) {
      if (state.ws !== ws) return;
      const a = state.auth;
      // A guest whose previous name is taken (its old connection may still be open): a new one.
      // The server may not have seen the old connection close yet: ask again a few times.
      if (a.kind === "guest" && a.us && error.code === "name_taken" && (state.everOnline || state.resuming)) {
        a.tries = (a.tries || 0) + 1;
        if (a.tries > 4) a.us = "";
        setTimeout(() => state.ws === ws && logIn(ws), a.us ? 400 : 0);
        return;
      }
      if (error.code === "offline") return; // the close handler retries
      // A stored session is dropped only when the server says it is no good (not when, say,
      // the login is rate limited): otherwise try again later.
      if ((a.kind === "token" && error.code !== "bad_credentials") || (a.kind === "guest" && state.resuming && error.code !== "bad_name")) {
        ws.close();
        return;
      }
      state.wantOnline = false;
      ws.close();
      if (a.kind === "token") {
        forgetSession();
        failLogin("Your session has ended; please log in again.");
      } else if (state.everOnline) {
        failLogin("Could not log in again: " + (error.message || error.code));
      } else {
        showLogin();
        showLoginError(error.message || error.code);
      }
      return;
    }
    if (state.ws !== ws) return;
    await onLoggedIn(ok);
  }

  /** send() for the login itself, before state.user is set. */
  function sendRaw(ws, verb, args) {
    if (ws.readyState !== WebSocket.OPEN) return Promise.reject({ code: "offline" });
    const ref = state.nextRef++;
    ws.send(JSON.stringify({ [verb]: { ref, ...args } }));
    return new Promise((resolve, reject) => state.pending.set(ref, { resolve, reject }));
  }

  function failLogin(text) {
    state.everOnline = false;
    state.resuming = false;
    resetConversations();
    showLogin();
    showLoginError(text);
  }

  async function onLoggedIn(ok) {
    const reconnect = state.everOnline;
    state.online = true;
    const fromForm = state.auth.kind === "password";
    state.user = ok.user;
    state.guest = !!ok.guest;
    state.everOnline = true;
    state.resuming = false;
    state.attempt = 0;
    if (ok.limits && ok.limits.max_text_bytes) state.maxTextBytes = ok.limits.max_text_bytes;
    setStatus("online", "Online");
    $("me").textContent = (state.guest ? "guest " : "") + ok.user;

    // What every conversation held resumes from: the newest change seen before this login.
    for (const conv of state.convs.values()) {
      conv.resumeFrom = conv.loaded || conv.messages.length ? conv.maxRev : null;
      if (conv.kind === "channel") conv.wasJoined = conv.joined;
      conv.joined = false;
    }

    const form = fromForm ? state.auth : null;
    if (state.guest) {
      const channels = fromForm ? [] : state.auth.channels || [];
      state.auth = { kind: "guest", us: ok.user, channels };
      saveJson(sessionStorage, GUEST_KEY, { user: ok.user, channels });
      // The form's channel came with CONN; a reconnecting guest joins its channels again.
      for (const name of channels) send("JOIN", { channel: name }).then(applyJoinResult, (e) => noticeError(`join #${name}`, e));
    } else if (fromForm) {
      const pwd = form.pwd;
      state.auth = { kind: "password-again", us: ok.user, pwd }; // until a token replaces it
      if (form.register && form.channel && form.channel !== "home") {
        // REGISTER joins home; the form's channel is joined once, here.
        send("JOIN", { channel: form.channel }).then((r) => select(applyJoinResult(r).key), (e) => noticeError(`join #${form.channel}`, e));
      }
      try {
        // The label tells this browser apart in a list of the account's sessions.
        const platform = (navigator.userAgentData && navigator.userAgentData.platform) || navigator.platform || "";
        const t = await send("TOKEN", { label: ("web " + platform).trim().slice(0, 64) });
        state.auth = { kind: "token", us: ok.user, token: t.token, id: t.id };
        saveJson(localStorage, SESSION_KEY, { user: ok.user, token: t.token, id: t.id });
      } catch (error) {
        // A server without session tokens: reconnect with the password held in this page's
        // memory only; a reload then asks to log in again.
        state.auth = { kind: "password-again", us: ok.user, pwd };
      }
    }
    showChat();
    if (reconnect) {
      const conv = currentConv();
      if (conv) addSystemLine(conv, "reconnected");
    }
    // DMs held resume at once; channels once their JOIN event says we are back in.
    for (const conv of state.convs.values()) {
      if (conv.kind === "dm" && conv.resumeFrom !== null) resume(conv);
    }
    refreshConversations();
  }

  /** Everything newer than what was held (new messages, edits, deletes, reactions), page by page. */
  async function resume(conv) {
    let after = conv.resumeFrom;
    conv.resumeFrom = null;
    if (after === null || after === undefined) return;
    const target = conv.kind === "channel" ? { channel: conv.name } : { with: conv.name };
    try {
      for (;;) {
        const page = await send("HISTORY", { ...target, after, limit: RESUME_PAGE });
        const messages = page.messages || [];
        mergeMessages(conv, messages);
        if (conv.key === state.current) renderMessagesSoon();
        if (!page.more || messages.length === 0) break;
        after = Math.max(after, ...messages.map((m) => m.rev || m.id));
      }
    } catch (error) {
      if (error.code !== "offline") noticeError("catching up " + label(conv), error);
    }
    markReadSoon();
  }

  async function refreshConversations() {
    let list;
    try {
      list = (await send("CONVERSATIONS", {})).conversations || [];
    } catch {
      return;
    }
    const listed = new Set();
    for (const c of list) {
      const conv = c.channel ? conversation(channelKey(c.channel), { name: c.channel }) : conversation(dmKey(c.with), { name: c.with });
      listed.add(conv.key);
      conv.read = Math.max(conv.read, c.read || 0);
      conv.unread = c.unread || 0;
      conv.mentions = c.mentions || 0;
      conv.lastId = c.last_id || 0;
      if (conv.kind === "channel") conv.joined = true;
    }
    // Channels left meanwhile (on another device) are no longer ours.
    for (const conv of [...state.convs.values()]) {
      if (conv.kind === "channel" && !listed.has(conv.key) && !conv.joined) state.convs.delete(conv.key);
    }
    if (!state.current || !state.convs.has(state.current)) {
      const first = [...state.convs.values()].find((c) => c.kind === "channel") || state.convs.values().next().value;
      if (first) select(first.key);
      else renderAll();
    } else {
      renderSidebar();
    }
    markReadSoon();
  }

  // ------------------------------------------------------------------------------------------
  // Frames from the server

  function handleFrame(frame) {
    const verb = Object.keys(frame)[0];
    const body = frame[verb] || {};
    switch (verb) {
      case "OK":
      case "NO": {
        const waiter = state.pending.get(body.ref);
        if (!waiter) return;
        state.pending.delete(body.ref);
        if (verb === "OK") waiter.resolve(body);
        else waiter.reject(body);
        return;
      }
      case "MSG":
        addLiveMessage(conversation(channelKey(body.channel), { name: body.channel }), body);
        return;
      case "DM": {
        const conv = conversation(dmKey(dmName(body)), { name: dmName(body) });
        addLiveMessage(conv, body);
        return;
      }
      case "UPDATE": {
        const conv = state.convs.get(keyOf(body));
        if (!conv || !findMessage(conv, body.id)) return;
        mergeMessages(conv, [body]);
        if (body.deleted && !isMe(body.from) && body.id > conv.read && conv.unread > 0) {
          conv.unread -= 1;
          renderSidebar();
        }
        if (conv.key === state.current) renderMessagesSoon();
        return;
      }
      case "READ": {
        const conv = state.convs.get(keyOf(body));
        if (conv) applyRead(conv, body.id);
        return;
      }
      case "TYPING": {
        const conv = state.convs.get(keyOf(body));
        if (!conv || isMe(body.user)) return;
        if (body.state === "active") conv.typing.set(fold(body.user), { user: body.user, until: Date.now() + TYPING_SHOWN_MS });
        else conv.typing.delete(fold(body.user));
        renderTyping();
        return;
      }
      case "JOIN": {
        const conv = conversation(channelKey(body.channel), { name: body.channel });
        const self = isMe(body.user);
        const known = conv.members.has(fold(body.user));
        conv.members.set(fold(body.user), { user: body.user, guest: /^guest/i.test(body.user), op: !!body.op });
        if (self) {
          conv.joined = true;
          if (!state.current || !state.convs.has(state.current)) select(conv.key);
          // The member list is asked for when the channel is shown (a login rejoins many).
          // (A JOIN we asked for brought them in its OK, just before this event.)
          if (!conv.membersFromOk) conv.needWho = true;
          conv.membersFromOk = false;
          if (conv.key === state.current) loadMembers(conv);
          if (conv.resumeFrom !== null && conv.resumeFrom !== undefined) resume(conv);
          rememberGuestChannels();
        } else if (!known) {
          addSystemLine(conv, "[+]" + body.user);
        }
        renderSidebar();
        renderMembers();
        return;
      }
      case "PART": {
        const conv = state.convs.get(channelKey(body.channel));
        if (!conv) return;
        conv.members.delete(fold(body.user));
        const why = body.by ? ` (removed by ${body.by}${body.reason ? ": " + body.reason : ""})` : "";
        addSystemLine(conv, "[-]" + body.user + why);
        if (isMe(body.user)) {
          conv.joined = false;
          if (!body.by) closeConversation(conv.key);
          else notice(`You were removed from #${conv.name}${why}`);
          rememberGuestChannels();
        }
        renderSidebar();
        renderMembers();
        return;
      }
      case "QUIT":
        for (const conv of state.convs.values()) {
          if (conv.kind === "channel" && conv.members.delete(fold(body.user))) {
            addSystemLine(conv, `[-]${body.user} (${body.reason || "quit"})`);
          }
          conv.typing.delete(fold(body.user));
        }
        renderMembers();
        renderTyping();
        return;
      case "HISTORY": {
        const conv = conversation(channelKey(body.channel), { name: body.channel });
        const messages = body.messages || [];
        const wasLoaded = conv.loaded;
        mergeMessages(conv, messages);
        conv.loaded = true;
        // The replay is the newest page: shorter than a page and not cut short, it is all there is.
        if (!wasLoaded && !body.more && messages.length < HISTORY_PAGE) conv.historyDone = true;
        if (conv.selfJoinLine) {
          conv.selfJoinLine = false;
          addSystemLine(conv, "[+]" + state.user);
        }
        if (conv.key === state.current) renderMessagesSoon();
        markReadSoon();
        return;
      }
      case "TOPIC": {
        const conv = conversation(channelKey(body.channel), { name: body.channel });
        conv.topic = body.topic;
        addSystemLine(conv, `${body.by} set the topic: ${body.topic}`);
        renderHeader();
        return;
      }
      case "PING":
        if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify({ PONG: {} }));
        return;
      case "NOTICE":
        if (body.code === "shutting_down") setStatus("connecting", "Server restarting…");
        if (body.code === "session_revoked") {
          forgetSession();
          state.wantOnline = false;
          if (state.ws) state.ws.close();
          failLogin("This session was logged out.");
          return;
        }
        notice(`${body.message || body.code}`);
        return;
      default:
        return;
    }
  }

  function loadMembers(conv) {
    if (!conv.needWho || conv.kind !== "channel") return;
    conv.needWho = false;
    send("WHO", { channel: conv.name }).then(
      (who) => setMembers(conv, who.members),
      () => (conv.needWho = true)
    );
  }

  function setMembers(conv, members) {
    conv.members = new Map(members.map((m) => [fold(m.user), m]));
    renderMembers();
  }

  function applyJoinResult(result) {
    const conv = conversation(channelKey(result.channel), { name: result.channel });
    conv.joined = true;
    conv.needWho = false;
    conv.membersFromOk = true;
    conv.topic = result.topic || "";
    setMembers(conv, result.members || []);
    renderHeader();
    renderSidebar();
    rememberGuestChannels();
    return conv;
  }

  function applyRead(conv, id) {
    if (id <= conv.read) return;
    conv.read = id;
    if (id >= Math.max(lastId(conv), conv.lastId || 0)) {
      conv.unread = 0;
      conv.mentions = 0;
    } else if (conv.loaded) {
      const after = conv.messages.filter((m) => m.id > id && !isMe(m.from) && !m.deleted);
      conv.unread = Math.min(conv.unread, after.length);
      conv.mentions = Math.min(conv.mentions, after.filter(mentionsMe).length);
    }
    renderSidebar();
  }

  // ------------------------------------------------------------------------------------------
  // Read markers and notifications

  let readTimer = null;
  function markReadSoon() {
    clearTimeout(readTimer);
    readTimer = setTimeout(markRead, 150);
  }

  /** The newest visible message becomes the read marker while the user is really looking. */
  function markRead() {
    const conv = currentConv();
    if (!conv || !state.user || document.hidden || !document.hasFocus()) return;
    if (!$("search-panel").hidden) return;
    const box = $("messages");
    if (box.scrollHeight - box.scrollTop - box.clientHeight > 40) return;
    const newest = lastId(conv);
    if (newest <= conv.read) {
      if (conv.unread || conv.mentions) {
        conv.unread = 0;
        conv.mentions = 0;
        renderSidebar();
      }
      return;
    }
    const target = conv.kind === "channel" ? { channel: conv.name } : { with: conv.name };
    applyRead(conv, newest);
    conv.unread = 0;
    conv.mentions = 0;
    renderSidebar();
    send("READ", { ...target, id: newest }).catch(() => {});
  }

  function notify(conv, body) {
    if (document.hasFocus() || typeof Notification === "undefined" || Notification.permission !== "granted") return;
    try {
      const n = new Notification(`${body.from} in ${label(conv)}`, { body: displayText(body), tag: conv.key });
      n.onclick = () => {
        window.focus();
        select(conv.key);
      };
    } catch {
      // some browsers only allow notifications from a service worker
    }
  }

  // ------------------------------------------------------------------------------------------
  // Actions

  const label = (conv) => (conv.kind === "channel" ? "#" : "@") + conv.name;

  async function join(channel, key) {
    const name = channel.replace(/^#/, "").toLowerCase();
    const args = { channel: name };
    if (key) args.key = key;
    const result = await send("JOIN", args);
    const conv = applyJoinResult(result);
    // Our own [+] line goes after the replayed history, which follows this OK; only a join the
    // user asked for gets one (not the channels a login puts us back in).
    conv.selfJoinLine = true;
    select(conv.key);
    return conv;
  }

  async function part(name) {
    const conv = state.convs.get(channelKey(name));
    await send("PART", { channel: name });
    if (conv) closeConversation(conv.key);
    rememberGuestChannels();
  }

  function closeConversation(key) {
    state.convs.delete(key);
    if (state.current === key) {
      const next = [...state.convs.keys()][0] || null;
      state.current = null;
      if (next) select(next);
      else renderAll();
    } else {
      renderSidebar();
    }
  }

  /** Opens a DM conversation; its history is loaded, and a user who does not exist is refused. */
  async function openDm(user) {
    const existing = state.convs.get(dmKey(user));
    const conv = conversation(dmKey(user), { name: user });
    select(conv.key);
    if (existing && existing.loaded) return conv;
    try {
      await loadNewest(conv);
    } catch (error) {
      if (!existing && conv.messages.length === 0) closeConversation(conv.key);
      noticeError(`@${user}`, error);
      return null;
    }
    return conv;
  }

  /** The newest page of a conversation not loaded yet (one request, however many ask). */
  function loadNewest(conv) {
    if (conv.loaded) return Promise.resolve();
    if (conv.loadingNewest) return conv.loadingNewest;
    const target = conv.kind === "channel" ? { channel: conv.name } : { with: conv.name };
    conv.loadingNewest = send("HISTORY", { ...target, limit: HISTORY_PAGE })
      .then((page) => {
        const messages = page.messages || [];
        mergeMessages(conv, messages);
        conv.loaded = true;
        if (messages.length < HISTORY_PAGE && !page.more) conv.historyDone = true;
        if (conv.key === state.current) renderMessages({ stick: true, force: true });
        markReadSoon();
      })
      .finally(() => {
        conv.loadingNewest = null;
      });
    return conv.loadingNewest;
  }

  /** One page older than the oldest message held (never a hole between pages). */
  function loadOlder(conv = currentConv(), limit = HISTORY_PAGE) {
    if (!conv || conv.historyDone) return Promise.resolve();
    if (conv.loadingHistory) return conv.loadingHistory;
    const before = oldestId(conv);
    if (before === null) {
      if (!conv.loaded) return loadNewest(conv).catch(() => {});
      conv.historyDone = true;
      renderMessages({});
      return Promise.resolve();
    }
    const target = conv.kind === "channel" ? { channel: conv.name } : { with: conv.name };
    conv.loadingHistory = (async () => {
      try {
        const page = await send("HISTORY", { ...target, before, limit });
        const messages = page.messages || [];
        // A short page is the end, unless the server cut it to bound the reply (`more`).
        if (messages.length === 0 || (messages.length < limit && !page.more)) conv.historyDone = true;
        if (conv.key === state.current) {
          const box = $("messages");
          const fromBottom = box.scrollHeight - box.scrollTop;
          mergeMessages(conv, messages);
          renderMessages({});
          box.scrollTop = box.scrollHeight - fromBottom; // keep what was on screen in place
        } else {
          mergeMessages(conv, messages);
        }
      } catch (error) {
        noticeError("history", error);
        throw error;
      } finally {
        conv.loadingHistory = null;
      }
    })();
    return conv.loadingHistory.catch(() => {});
  }

  /** Shows message `id` of conversation `key`, paging back until it is held. */
  async function jumpTo(key, id) {
    const conv = state.convs.get(key);
    if (!conv) return;
    closeSearch();
    select(conv.key);
    if (!conv.loaded) await loadNewest(conv).catch(() => {});
    while (!findMessage(conv, id) && !conv.historyDone && oldestId(conv) !== null && oldestId(conv) > id) {
      const before = conv.messages.length;
      await loadOlder(conv, RESUME_PAGE);
      if (conv.messages.length === before) break;
    }
    renderMessages({});
    const li = document.querySelector(`#message-list li.msg[data-id="${id}"]`);
    if (!li) {
      notice("That message is no longer there.");
      return;
    }
    li.scrollIntoView({ block: "center" });
    li.classList.add("flash");
    li.focus();
    setTimeout(() => li.classList.remove("flash"), 2000);
  }

  async function runSearch(query) {
    query = query.trim();
    if ([...query].length < 3) {
      notice("Search needs at least 3 characters.");
      return;
    }
    try {
      const result = await send("SEARCH", { query, limit: 50 });
      state.search = { query, messages: result.messages || [], more: !!result.more };
      renderSearch();
    } catch (error) {
      noticeError("search", error);
    }
  }

  function closeSearch() {
    state.search = null;
    $("search-panel").hidden = true;
    $("messages").hidden = false;
  }

  const HELP = [
    "/join CHANNEL [KEY] (/j) — join or create a channel",
    "/part [CHANNEL] (/leave) — leave this or another channel",
    "/msg NICK [TEXT] (/query) — direct message; opens the conversation",
    "/me TEXT — an action: * you TEXT",
    "/search WORDS — search the messages you can read",
    "/who [CHANNEL] (/names) — list the members",
    "/list — channels with member counts and topics",
    "/topic TEXT — set this channel's topic (operators)",
    "/kick NICK [REASON], /ban NICK, /unban NICK, /op NICK, /key KEY — moderation (operators; /key with no key removes it)",
    "/help — this list",
    "/quit (/exit) — log out",
    "//text sends /text as a message. Enter sends, Shift+Enter starts a new line. Alt+↑/↓ switch conversation, Esc closes panels.",
    "In the message list: ↑/↓ (Home/End) move between messages, Tab reaches the focused one's buttons, r replies, e edits your own.",
  ];

  const ACTION = /^\u0001ACTION (.*?)\u0001?$/s;
  function displayText(body) {
    const m = ACTION.exec(body.text || "");
    return m ? `* ${body.from} ${m[1]}` : body.text;
  }

  /** Runs one line of the composer; resolves true when the text may be cleared. */
  async function runInput(line) {
    const conv = currentConv();
    const say = (text) => (conv ? addSystemLine(conv, text) : notice(text));
    if (line.startsWith("/") && !line.startsWith("//")) {
      const command = line.slice(1).split(/\s+/)[0].toLowerCase();
      const restText = line.slice(1 + command.length).replace(/^\s/, "");
      const args = restText.split(/\s+/).filter((a) => a !== "");
      const channelOf = (arg) => (arg ? arg.replace(/^#/, "").toLowerCase() : conv && conv.kind === "channel" ? conv.name : null);
      const here = () => {
        if (!conv || conv.kind !== "channel") throw { message: "use it in a channel" };
        return conv.name;
      };
      try {
        switch (command) {
          case "join":
          case "j":
            if (!args[0]) return say("usage: /join CHANNEL [KEY]"), true;
            await join(args[0], args[1]);
            return true;
          case "part":
          case "leave": {
            const name = channelOf(args[0]);
            if (!name) return say("usage: /part CHANNEL"), true;
            await part(name);
            return true;
          }
          case "msg":
          case "query": {
            if (!args[0]) return say("usage: /msg NICK [TEXT]"), true;
            const text = restText.replace(/^\s*\S+\s?/, "");
            const target = await openDm(args[0]);
            if (!target) return false;
            if (text.trim() !== "") return sendText(target, text);
            return true;
          }
          case "me":
            if (!conv) return say("open a conversation first"), false;
            if (restText.trim() === "") return say("usage: /me TEXT"), false;
            return sendText(conv, `\u0001ACTION ${restText}\u0001`);
          case "search":
            await runSearch(restText);
            return true;
          case "who":
          case "names": {
            const name = channelOf(args[0]);
            if (!name) return say("usage: /who CHANNEL"), true;
            const who = await send("WHO", { channel: name });
            const names = who.members.map((m) => (m.op ? "@" : "") + m.user);
            say(`members of #${who.channel} (${names.length}): ${names.join(", ")}`);
            return true;
          }
          case "list": {
            const list = await send("LIST", {});
            if (list.channels.length === 0) return say("no channels"), true;
            say("channels:");
            for (const c of list.channels) say(`  #${c.name} (${plural(c.members, "member")})${c.topic ? " — " + c.topic : ""}`);
            return true;
          }
          case "topic":
            await send("TOPIC", { channel: here(), topic: restText });
            return true;
          case "kick":
            if (!args[0]) return say("usage: /kick NICK [REASON]"), false;
            await send("KICK", { channel: here(), user: args[0], ...(args.length > 1 ? { reason: restText.replace(/^\s*\S+\s*/, "") } : {}) });
            return true;
          case "ban":
          case "unban":
          case "op":
            if (!args[0]) return say(`usage: /${command} NICK`), false;
            await send(command.toUpperCase(), { channel: here(), user: args[0] });
            say(`/${command} ${args[0]}: done`);
            return true;
          case "key":
            await send("KEY", { channel: here(), key: args[0] || "" });
            say(args[0] ? "key set" : "key removed");
            return true;
          case "help":
            for (const h of HELP) say(h);
            return true;
          case "quit":
          case "exit":
            await logOut();
            return true;
          default:
            say(`unknown command /${command} — try /help`);
            return false;
        }
      } catch (error) {
        noticeError("/" + command, error);
        return error.code !== "offline" && !["me", "msg", "query", "topic", "kick"].includes(command);
      }
    }
    if (!conv) return false;
    return sendText(conv, line.startsWith("//") ? line.slice(1) : line);
  }

  const utf8 = new TextEncoder();
  const byteLength = (text) => utf8.encode(text).length;

  /** Sends; resolves true once the server took it (the composer may then be cleared). */
  async function sendText(conv, text) {
    if (byteLength(text) > state.maxTextBytes) {
      notice(`Too long: ${byteLength(text)} of at most ${state.maxTextBytes} bytes. Your text is kept.`);
      return false;
    }
    const context = state.context && state.context.conv === conv.key ? state.context : null;
    if (!state.online) {
      notice("Offline: your text is kept here; press Enter again once back online.");
      return false;
    }
    try {
      if (context && context.mode === "edit") {
        await send("EDIT", { id: context.id, text });
      } else if (conv.kind === "channel") {
        await send("SEND", { channel: conv.name, text, ...(context ? { reply_to: context.id } : {}) });
      } else {
        const ok = await send("DM", { to: conv.name, text, ...(context ? { reply_to: context.id } : {}) });
        // The server copies a DM to our other connections only: add our own.
        addLiveMessage(conv, { id: ok.id, rev: ok.id, ts: ok.ts, from: state.user, to: conv.name, text, ...(context ? { reply_to: context.id } : {}) });
      }
      setContext(null);
      stopTyping();
      notice("");
      return true;
    } catch (error) {
      if (error.code === "no_such_user" && conv.kind === "dm" && conv.messages.length === 0) closeConversation(conv.key);
      noticeError("not sent", error);
      if (error.code === "offline") notice("Offline: your text is kept here; press Enter again once back online.");
      return false;
    }
  }

  function setContext(context) {
    state.context = context;
    const box = $("compose-context");
    if (!context) {
      box.hidden = true;
      return;
    }
    const conv = state.convs.get(context.conv);
    const m = conv && findMessage(conv, context.id);
    $("compose-context-text").textContent =
      context.mode === "edit" ? "Editing your message (Esc cancels)" : `Replying to ${m ? m.from : "a message"}: ${m ? preview(m) : ""}`;
    box.hidden = false;
    $("input").focus();
  }

  const preview = (m) => (m.deleted ? "message deleted" : displayText(m).slice(0, 80));

  function sendTyping(stateName) {
    const conv = state.typingConv ? state.convs.get(state.typingConv) : null;
    if (!conv) return;
    const target = conv.kind === "channel" ? { channel: conv.name } : { with: conv.name };
    send("TYPING", { ...target, state: stateName }).catch(() => {});
  }
  function onTypingInput(text) {
    const conv = currentConv();
    if (!conv || !state.user) return;
    if (text.trim() === "" || text.startsWith("/")) {
      stopTyping();
      return;
    }
    if (state.typingConv !== conv.key) stopTyping();
    const now = Date.now();
    if (now - state.typingSentAt >= TYPING_EVERY_MS) {
      state.typingConv = conv.key;
      state.typingSentAt = now;
      sendTyping("active");
    }
  }
  function stopTyping() {
    if (state.typingConv) sendTyping("done");
    state.typingConv = null;
    state.typingSentAt = 0;
  }

  async function react(conv, m, emoji) {
    const on = !(m.reactions || []).some((r) => r.emoji === emoji && r.users.some(isMe));
    try {
      await send("REACT", { id: m.id, emoji, on });
    } catch (error) {
      noticeError("reaction", error);
    }
  }

  async function deleteMessage(m) {
    if (!confirm("Delete this message?")) return;
    try {
      await send("DELETE", { id: m.id });
    } catch (error) {
      noticeError("delete", error);
    }
  }

  async function logOut() {
    state.wantOnline = false;
    state.everOnline = false;
    const ws = state.ws;
    if (ws) {
      if (state.auth && state.auth.kind === "token") {
        try {
          await send("REVOKE", { id: state.auth.id });
        } catch {
          // offline: the token stays valid until it expires, but this browser forgets it
        }
      }
      try {
        await send("END", {});
      } catch {
        // already gone
      }
      ws.close();
    }
    forgetSession();
    saveJson(sessionStorage, GUEST_KEY, null);
    clearTimeout(state.reconnectTimer);
    state.auth = null;
    resetConversations();
    setStatus("offline", "Logged out");
    showLogin();
  }

  function resetConversations() {
    state.convs.clear();
    state.current = null;
    state.user = null;
    state.context = null;
    closeSearch();
  }

  // ------------------------------------------------------------------------------------------
  // Rendering

  function showLogin() {
    $("login-view").hidden = false;
    $("chat-view").hidden = true;
    $("logout").hidden = true;
    $("nav-toggle").hidden = true;
    $("me").textContent = "";
    $("login-button").disabled = false;
    $("register-button").disabled = false;
    $("login-name").focus();
  }

  function showLoginError(text) {
    $("login-error").textContent = text;
    $("login-button").disabled = false;
    $("register-button").disabled = false;
  }

  function showChat() {
    const first = $("chat-view").hidden;
    $("login-view").hidden = true;
    $("chat-view").hidden = false;
    $("logout").hidden = false;
    $("nav-toggle").hidden = false;
    $("login-password").value = "";
    if (first) $("input").focus();
    $("notify-button").hidden = typeof Notification === "undefined" || Notification.permission !== "default";
    renderAll();
  }

  let noticeTimer = null;
  function notice(text) {
    $("notice").textContent = text;
    clearTimeout(noticeTimer);
    if (text) noticeTimer = setTimeout(() => ($("notice").textContent = ""), 15000);
  }
  function noticeError(what, error) {
    notice(`${what}: ${(error && (error.message || error.code)) || "failed"}`);
  }

  function select(key) {
    if (state.search) closeSearch();
    if (state.current !== key) {
      if (state.context) setContext(null);
      stopTyping();
    }
    state.current = key;
    const conv = currentConv();
    if (conv) {
      conv.markerAt = conv.unread > 0 ? conv.read : null;
      loadMembers(conv);
      if (!conv.loaded && conv.kind === "dm") loadNewest(conv).catch((e) => noticeError(label(conv), e));
    }
    $("chat-view").classList.remove("show-nav");
    $("nav-toggle").setAttribute("aria-expanded", "false");
    renderAll();
    markReadSoon();
  }

  function renderAll() {
    renderSidebar();
    renderHeader();
    renderMessages({ stick: true, force: true });
    renderMembers();
    renderTyping();
  }

  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const count = (n) => (n > 999 ? "999+" : String(n));

  function convButton(conv) {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "conv-button";
    button.dataset.key = conv.key;
    if (conv.key === state.current) button.setAttribute("aria-current", "true");
    const name = document.createElement("span");
    name.className = "conv-label";
    name.textContent = label(conv);
    button.append(name);
    if (conv.unread > 0) {
      button.classList.add("has-unread");
      const badge = document.createElement("span");
      badge.className = conv.mentions > 0 ? "badge mention-badge" : "badge";
      badge.textContent = conv.mentions > 0 ? "@" + count(conv.mentions) : count(conv.unread);
      badge.title = `${plural(conv.unread, "unread message")}` + (conv.mentions ? `, ${plural(conv.mentions, "mention")}` : "");
      badge.setAttribute("aria-label", badge.title);
      button.append(badge);
    }
    button.addEventListener("click", () => {
      select(conv.key);
      $("input").focus();
    });
    li.append(button);
    return li;
  }

  function renderSidebar() {
    const channels = $("channel-list");
    const dms = $("dm-list");
    const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.key : null;
    channels.replaceChildren();
    dms.replaceChildren();
    const sorted = [...state.convs.values()].sort((a, b) => a.name.localeCompare(b.name));
    for (const conv of sorted) (conv.kind === "channel" ? channels : dms).append(convButton(conv));
    if (focused) {
      const again = document.querySelector(`.conv-button[data-key="${CSS.escape(focused)}"]`);
      if (again) again.focus();
    }
    const total = sorted.reduce((n, c) => n + c.unread, 0);
    document.title = total > 0 ? `(${count(total)}) Salon` : "Salon";
  }

  function renderHeader() {
    const conv = currentConv();
    $("conv-title").textContent = conv ? label(conv) : "No conversation";
    $("conv-topic").textContent = conv && conv.kind === "channel" ? conv.topic : conv ? "direct messages" : "";
    $("leave-button").hidden = !conv;
    $("leave-button").textContent = conv && conv.kind === "dm" ? "Close" : "Leave";
    $("members-toggle").hidden = !conv || conv.kind !== "channel";
    $("chat-view").classList.toggle("is-dm", !!conv && conv.kind === "dm");
    $("input").placeholder = conv ? `Message ${label(conv)}, or /help` : "/join a channel, or /help";
  }

  const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
  const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long", year: "numeric" });
  const shortDate = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

  const dayOf = (date) => `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;
  function dayLabel(date) {
    const today = new Date();
    const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
    if (dayOf(date) === dayOf(today)) return "Today";
    if (dayOf(date) === dayOf(yesterday)) return "Yesterday";
    return dayFormat.format(date);
  }

  /** Text with links (http and https only) and @mentions as elements; never HTML. */
  function richText(text, mentions) {
    const out = document.createDocumentFragment();
    const names = new Set((mentions || []).map(fold));
    const pattern = /(https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]'])|(@[A-Za-z0-9_.-]+)/g;
    let at = 0;
    let m;
    while ((m = pattern.exec(text)) !== null) {
      if (m.index > at) out.append(text.slice(at, m.index));
      if (m[1]) {
        const a = document.createElement("a");
        a.href = m[1];
        a.textContent = m[1];
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        out.append(a);
      } else {
        const name = m[2].slice(1).replace(/[.-]+$/, "");
        if (names.has(fold(name))) {
          const span = document.createElement("span");
          span.className = isMe(name) ? "mention me" : "mention";
          span.textContent = "@" + name;
          out.append(span, m[2].slice(1 + name.length));
        } else {
          out.append(m[2]);
        }
      }
      at = pattern.lastIndex;
    }
    if (at < text.length) out.append(text.slice(at));
    return out;
  }

  function actionButton(text, title, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "act";
    b.textContent = text;
    b.title = title;
    b.setAttribute("aria-label", title);
    b.addEventListener("click", (event) => {
      event.stopPropagation();
      onClick(b);
    });
    return b;
  }

  function amOperator(conv) {
    const me = state.user && conv.members.get(fold(state.user));
    return conv.kind === "channel" && !!me && !!me.op;
  }

  function messageItem(conv, m) {
    const li = document.createElement("li");
    li.className = "msg";
    li.dataset.id = String(m.id);
    li.tabIndex = -1;
    if (isMe(m.from)) li.classList.add("mine");
    if (mentionsMe(m)) li.classList.add("mentioned");
    if (m.reply_to) {
      const original = findMessage(conv, m.reply_to);
      const quote = document.createElement("button");
      quote.type = "button";
      quote.className = "quote";
      quote.textContent = original ? `↪ ${original.from}: ${preview(original)}` : "↪ an earlier message";
      quote.title = "Show the message this replies to";
      quote.addEventListener("click", () => jumpTo(conv.key, m.reply_to));
      li.append(quote);
    }
    const when = new Date(m.ts);
    const time = document.createElement("time");
    time.dateTime = when.toISOString();
    time.title = fullFormat.format(when);
    time.textContent = timeFormat.format(when);
    const from = document.createElement("span");
    from.className = "from";
    from.textContent = m.from;
    const text = document.createElement("span");
    text.className = "text";
    const action = ACTION.exec(m.text || "");
    if (m.deleted) {
      li.classList.add("deleted");
      text.textContent = "message deleted";
      li.append(time, " ", from, " ", text);
    } else if (action) {
      li.classList.add("action");
      from.textContent = `* ${m.from}`;
      text.append(richText(action[1], m.mentions));
      li.append(time, " ", from, " ", text);
    } else {
      text.append(richText(m.text, m.mentions));
      li.append(time, " ", from, " ", text);
    }
    if (m.edited && !m.deleted) {
      const edited = document.createElement("span");
      edited.className = "edited";
      edited.textContent = "(edited)";
      edited.title = "edited " + fullFormat.format(new Date(m.edited));
      li.append(" ", edited);
    }
    if (m.deleted) {
      for (const b of li.querySelectorAll("button")) b.tabIndex = -1;
      li.addEventListener("focusin", () => li.querySelectorAll("button").forEach((b) => (b.tabIndex = 0)));
      return li;
    }
    if (m.reactions && m.reactions.length) {
      const row = document.createElement("div");
      row.className = "reactions";
      for (const r of m.reactions) {
        if (!r.users.length) continue;
        const mine = r.users.some(isMe);
        const b = actionButton(`${r.emoji} ${r.users.length}`, `${r.emoji} by ${r.users.join(", ")}`, () => react(conv, m, r.emoji));
        b.className = "reaction" + (mine ? " mine" : "");
        b.setAttribute("aria-pressed", String(mine));
        row.append(b);
      }
      li.append(row);
    }
    const tools = document.createElement("span");
    tools.className = "tools";
    tools.append(actionButton("↩", "Reply", () => setContext({ mode: "reply", id: m.id, conv: conv.key })));
    tools.append(
      actionButton("☺", "React", (b) => {
        const open = li.querySelector(".picker");
        if (open) return open.remove();
        const picker = document.createElement("span");
        picker.className = "picker";
        for (const e of REACTIONS) picker.append(actionButton(e, "React " + e, () => (picker.remove(), react(conv, m, e))));
        b.after(picker);
        picker.firstChild.focus();
      })
    );
    if (isMe(m.from)) {
      tools.append(
        actionButton("✎", "Edit", () => {
          setContext({ mode: "edit", id: m.id, conv: conv.key });
          $("input").value = m.text;
          updateCounter();
        })
      );
    }
    if (isMe(m.from) || amOperator(conv)) tools.append(actionButton("🗑", "Delete", () => deleteMessage(m)));
    li.append(tools);
    // One tab stop for the whole list: arrows move between messages, and only the focused
    // message's buttons are in the tab order.
    for (const b of li.querySelectorAll("button")) b.tabIndex = -1;
    li.addEventListener("focusin", () => li.querySelectorAll("button").forEach((b) => (b.tabIndex = 0)));
    li.addEventListener("focusout", (event) => {
      if (!li.contains(event.relatedTarget)) li.querySelectorAll("button").forEach((b) => (b.tabIndex = -1));
    });
    return li;
  }

  /** One redraw per frame however many messages arrive (a resume brings hundreds). */
  let renderQueued = null;
  function renderMessagesSoon() {
    if (renderQueued === null) renderQueued = requestAnimationFrame(() => renderMessages({ stick: true }));
  }

  function renderMessages({ stick = false, force = false }) {
    if (renderQueued !== null) {
      cancelAnimationFrame(renderQueued);
      renderQueued = null;
    }
    const conv = currentConv();
    const box = $("messages");
    const atBottom = force || box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    const list = $("message-list");
    const items = [];
    if (conv) {
      let sysAt = 0;
      const sys = [...conv.sys].sort((a, b) => a.after - b.after || a.seq - b.seq);
      let day = null;
      let markerShown = false;
      const dayLine = (date) => {
        if (dayOf(date) === day) return;
        day = dayOf(date);
        const li = document.createElement("li");
        li.className = "day";
        li.setAttribute("role", "separator");
        li.textContent = dayLabel(date);
        items.push(li);
      };
      for (const m of conv.messages) {
        while (sysAt < sys.length && sys[sysAt].after < m.id) items.push(sysLine(sys[sysAt++].text));
        dayLine(new Date(m.ts));
        if (!markerShown && conv.markerAt !== null && m.id > conv.markerAt && !isMe(m.from)) {
          markerShown = true;
          const li = document.createElement("li");
          li.className = "new-line";
          li.textContent = "New messages";
          items.push(li);
        }
        items.push(messageItem(conv, m));
      }
      while (sysAt < sys.length) items.push(sysLine(sys[sysAt++].text));
    }
    // Keep the focus on the same message across a redraw.
    const focused = document.activeElement && document.activeElement.closest ? document.activeElement.closest("#message-list li.msg") : null;
    const focusedId = focused ? focused.dataset.id : null;
    list.replaceChildren(...items);
    if (focusedId) {
      const again = list.querySelector(`li.msg[data-id="${focusedId}"]`);
      if (again) again.focus({ preventScroll: true });
    }
    $("older").hidden = !conv || conv.historyDone || !conv.loaded;
    if (stick && atBottom) box.scrollTop = box.scrollHeight;
  }

  function sysLine(text) {
    const li = document.createElement("li");
    li.className = "sys";
    li.textContent = text;
    return li;
  }

  function renderMembers() {
    const conv = currentConv();
    const list = $("member-list");
    list.replaceChildren();
    if (!conv || conv.kind !== "channel") {
      $("member-count").textContent = "";
      return;
    }
    const members = [...conv.members.values()].sort((a, b) => fold(a.user).localeCompare(fold(b.user)));
    $("member-count").textContent = `(${members.length})`;
    $("member-count").title = plural(members.length, "member");
    for (const m of members) {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "conv-button" + (m.op ? " op" : "") + (m.guest ? " guest" : "");
      button.textContent = m.user;
      button.title = `Direct message ${m.user}` + (m.op ? " (operator)" : "");
      button.addEventListener("click", () => {
        closePanels();
        openDm(m.user);
        $("input").focus();
      });
      li.append(button);
      list.append(li);
    }
  }

  function renderTyping() {
    const conv = currentConv();
    const now = Date.now();
    const names = conv ? [...conv.typing.values()].filter((t) => t.until > now).map((t) => t.user) : [];
    $("typing").textContent =
      names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…` : names.length <= 3 ? `${names.join(", ")} are typing…` : "Several people are typing…";
  }
  setInterval(renderTyping, 1000);

  function renderSearch() {
    const s = state.search;
    $("search-panel").hidden = !s;
    if (!s) return;
    $("search-title").textContent = `Search results for “${s.query}” (${s.messages.length}${s.more ? "+" : ""})`;
    const list = $("search-results");
    list.replaceChildren();
    if (s.messages.length === 0) list.append(sysLine("Nothing found."));
    for (const m of s.messages) {
      const key = keyOf(m);
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.className = "result";
      const where = document.createElement("span");
      where.className = "where";
      where.textContent = m.channel ? "#" + m.channel : "@" + dmName(m);
      const who = document.createElement("span");
      who.className = "from";
      who.textContent = m.from;
      const when = document.createElement("time");
      when.dateTime = m.ts;
      when.textContent = shortDate.format(new Date(m.ts));
      const text = document.createElement("span");
      text.className = "text";
      text.textContent = displayText(m);
      b.append(where, " ", who, " ", when, " ", text);
      b.addEventListener("click", () => {
        if (!state.convs.has(key)) conversation(key, { name: m.channel || dmName(m) });
        jumpTo(key, m.id);
      });
      li.append(b);
      list.append(li);
    }
    const first = list.querySelector("button");
    if (first) first.focus();
  }

  function updateCounter() {
    const input = $("input");
    const bytes = byteLength(input.value);
    const counter = $("counter");
    const max = state.maxTextBytes;
    counter.hidden = bytes < max * 0.8;
    counter.textContent = `${bytes} / ${max}`;
    counter.title = `${bytes} of at most ${max} bytes`;
    counter.classList.toggle("over", bytes > max);
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 2, 200) + "px";
  }

  // ------------------------------------------------------------------------------------------
  // Wiring

  function startLogin(register) {
    const us = $("login-name").value.trim();
    const pwd = $("login-password").value;
    const channel = ($("login-channel").value.trim() || "home").replace(/^#/, "").toLowerCase();
    if (register && (us === "" || pwd === "")) {
      showLoginError("To register, choose a name and a password.");
      return;
    }
    $("login-error").textContent = "";
    $("login-button").disabled = true;
    $("register-button").disabled = true;
    state.resuming = false;
    state.auth = us === "" || /^guest/i.test(us) ? { kind: "guest", us, channels: [] } : { kind: "password", us, pwd, register, channel };
    if (state.auth.kind === "guest") state.auth.firstChannel = channel;
    state.wantOnline = true;
    state.everOnline = false;
    resetConversations();
    if (state.ws) state.ws.close();
    connect();
  }

  $("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    startLogin(false);
  });
  $("register-button").addEventListener("click", () => startLogin(true));
  $("logout").addEventListener("click", () => logOut());

  async function submitComposer() {
    const input = $("input");
    const line = input.value;
    if (line.trim() === "") return;
    const conv = currentConv();
    const done = await runInput(line);
    // Cleared only once the server took it, and only if nobody typed something else meanwhile.
    if (done && input.value === line) {
      input.value = "";
      updateCounter();
    }
    if (conv) markReadSoon();
  }

  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    submitComposer();
  });
  $("input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submitComposer();
    } else if (event.key === "Escape" && state.context) {
      if (state.context.mode === "edit") $("input").value = "";
      setContext(null);
      updateCounter();
    }
  });
  $("input").addEventListener("input", () => {
    updateCounter();
    onTypingInput($("input").value);
  });
  $("compose-cancel").addEventListener("click", () => {
    if (state.context && state.context.mode === "edit") $("input").value = "";
    setContext(null);
    updateCounter();
  });

  $("join-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = $("join-input").value.trim();
    if (!name) return;
    try {
      await join(name);
      $("join-input").value = "";
      $("input").focus();
    } catch (error) {
      noticeError(`join #${name.replace(/^#/, "")}`, error);
    }
  });

  $("dm-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = $("dm-input").value.trim();
    if (!name) return;
    const conv = await openDm(name);
    if (conv) {
      $("dm-input").value = "";
      $("input").focus();
    }
  });

  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    runSearch($("search-input").value);
  });
  $("search-close").addEventListener("click", () => {
    closeSearch();
    $("input").focus();
  });

  $("notify-button").addEventListener("click", async () => {
    try {
      await Notification.requestPermission();
    } finally {
      $("notify-button").hidden = Notification.permission !== "default";
    }
  });

  $("leave-button").addEventListener("click", async () => {
    const conv = currentConv();
    if (!conv) return;
    // A DM, or a channel we were removed from, just closes.
    if (conv.kind === "dm" || !conv.joined) {
      closeConversation(conv.key);
      return;
    }
    try {
      await part(conv.name);
    } catch (error) {
      noticeError("leave", error);
    }
  });

  $("older").addEventListener("click", () => loadOlder());
  // Arrow keys walk the messages (from the list itself, the last one first); Home/End too.
  $("messages").addEventListener("keydown", (event) => {
    const li = event.target.closest ? event.target.closest("li.msg") : null;
    if (event.target !== $("messages") && !li) return;
    if (event.target.classList.contains("picker") || event.target.closest(".picker")) return;
    const all = [...document.querySelectorAll("#message-list li.msg")];
    if (all.length === 0) return;
    let next = null;
    const at = li ? all.indexOf(li) : all.length;
    if (event.key === "ArrowUp") next = all[Math.max(0, at - 1)];
    else if (event.key === "ArrowDown" && li) next = all[at + 1] || null;
    else if (event.key === "Home" && li) next = all[0];
    else if (event.key === "End" && li) next = all[all.length - 1];
    else if (li && event.key === "r") li.querySelector('button[aria-label="Reply"]')?.click();
    else if (li && event.key === "e") li.querySelector('button[aria-label="Edit"]')?.click();
    else return;
    event.preventDefault();
    if (next) {
      next.focus();
      if (next === all[0] && !event.repeat) loadOlder();
    } else if (event.key === "ArrowDown") {
      $("input").focus();
    }
  });
  $("messages").addEventListener("scroll", () => {
    if ($("messages").scrollTop < 30) loadOlder();
    markReadSoon();
  });

  function togglePanel(cls, button) {
    const view = $("chat-view");
    const open = view.classList.toggle(cls);
    button.setAttribute("aria-expanded", String(open));
    if (open && cls === "show-members") $("members-close").focus();
  }
  function closePanels() {
    $("chat-view").classList.remove("show-nav", "show-members");
    $("nav-toggle").setAttribute("aria-expanded", "false");
    $("members-toggle").setAttribute("aria-expanded", "false");
  }
  $("nav-toggle").addEventListener("click", () => togglePanel("show-nav", $("nav-toggle")));
  $("members-toggle").addEventListener("click", () => togglePanel("show-members", $("members-toggle")));
  $("members-close").addEventListener("click", () => {
    closePanels();
    $("members-toggle").focus();
  });

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      closePanels();
      document.querySelectorAll(".picker").forEach((p) => p.remove());
      if (!$("search-panel").hidden && event.target.id !== "input") closeSearch();
    }
    if (event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      const keys = [...document.querySelectorAll("#sidebar .conv-button")].map((b) => b.dataset.key);
      if (keys.length === 0) return;
      const at = keys.indexOf(state.current);
      const next = (at + (event.key === "ArrowDown" ? 1 : keys.length - 1)) % keys.length;
      select(keys[next]);
      event.preventDefault();
    }
  });

  // The network is back (or the user is looking again): no need to sit out the back-off.
  const reconnectNow = () => {
    if (state.reconnectTimer && state.wantOnline) connect();
  };
  window.addEventListener("online", reconnectNow);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) reconnectNow();
  });
  document.addEventListener("visibilitychange", markReadSoon);
  window.addEventListener("focus", markReadSoon);

  // ------------------------------------------------------------------------------------------
  // Start: a stored session (or this tab's guest) logs in again by itself.

  function start() {
    const session = loadJson(localStorage, SESSION_KEY);
    const guest = loadJson(sessionStorage, GUEST_KEY);
    if (session && session.token && session.user) {
      state.auth = { kind: "token", us: session.user, token: session.token, id: session.id };
    } else if (guest && guest.user) {
      state.auth = { kind: "guest", us: guest.user, channels: guest.channels || [] };
    } else {
      showLogin();
      return;
    }
    showLogin();
    $("login-button").disabled = true;
    $("register-button").disabled = true;
    $("login-error").textContent = "";
    state.wantOnline = true;
    state.everOnline = false;
    state.resuming = true; // keep trying while the server is away; the stored login stays
    connect();
  }

  start();
})();
