// Salon's web client: the native protocol (PROTOCOL.md v1) over the server's /ws WebSocket,
// one JSON object per text message. Plain JavaScript, no build step, no external resources.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const HISTORY_PAGE = 50;
  const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];

  /** Everything the page knows; the DOM is redrawn from it. */
  const state = {
    ws: null,
    status: "offline",
    user: null,
    guest: false,
    creds: null, // {us, pwd, register, channel}: what (re)connecting logs in with
    wantOnline: false, // false after a log-out: no reconnect
    everOnline: false, // a login has succeeded on this page (so a failure is a reconnect's)
    attempt: 0,
    reconnectTimer: null,
    nextRef: 1,
    pending: new Map(), // ref -> {resolve, reject}
    convs: new Map(), // key ("#home", "@bob") -> conversation
    current: null,
  };

  // ------------------------------------------------------------------------------------------
  // Conversations

  const fold = (name) => name.toLowerCase();
  const channelKey = (name) => "#" + name;
  const dmKey = (user) => "@" + fold(user);

  function conversation(key, init) {
    let conv = state.convs.get(key);
    if (!conv) {
      conv = {
        key,
        kind: key.startsWith("#") ? "channel" : "dm",
        name: key.slice(1),
        topic: "",
        members: new Map(), // folded -> {user, guest, op}
        items: [], // {id, from, text, ts} or {sys: text, after: id}
        unread: 0,
        joined: false,
        historyDone: false,
        loadingHistory: false,
        ...init,
      };
      state.convs.set(key, conv);
    }
    return conv;
  }

  function lastId(conv) {
    for (let i = conv.items.length - 1; i >= 0; i--) {
      if (conv.items[i].id !== undefined) return conv.items[i].id;
    }
    return 0;
  }

  function oldestId(conv) {
    const first = conv.items.find((item) => item.id !== undefined);
    return first ? first.id : null;
  }

  /** Adds messages not seen yet, keeping id order; lines like [+]alice stay after their message. */
  function mergeMessages(conv, messages) {
    const known = new Set(conv.items.filter((i) => i.id !== undefined).map((i) => i.id));
    const fresh = messages.filter((m) => !known.has(m.id));
    if (fresh.length === 0) return 0;
    const keyed = conv.items.map((item, index) => ({ item, k: sortKey(item), index }));
    for (const m of fresh) keyed.push({ item: { ...m }, k: m.id, index: -1 });
    keyed.sort((a, b) => a.k - b.k || a.index - b.index);
    conv.items = keyed.map((x) => x.item);
    return fresh.length;
  }

  function sortKey(item) {
    return item.id !== undefined ? item.id : item.after + 0.5;
  }

  function addSystemLine(conv, text) {
    conv.items.push({ sys: text, after: lastId(conv) });
    if (conv.key === state.current) renderMessages({ stick: true });
  }

  function addMessage(conv, message) {
    const added = mergeMessages(conv, [message]);
    if (!added) return;
    const mine = state.user && fold(message.from) === fold(state.user);
    if (!mine && (conv.key !== state.current || document.hidden)) conv.unread += 1;
    if (conv.key === state.current) renderMessages({ stick: true });
    renderSidebar();
  }

  function systemLineEverywhere(user, text) {
    for (const conv of state.convs.values()) {
      if (conv.kind === "channel" && conv.members.has(fold(user))) {
        conv.members.delete(fold(user));
        addSystemLine(conv, text);
      }
    }
    renderMembers();
  }

  function currentConv() {
    return state.current ? state.convs.get(state.current) : null;
  }

  // ------------------------------------------------------------------------------------------
  // Connection

  function setStatus(status, text) {
    state.status = status;
    const el = $("conn-state");
    el.className = "state " + status;
    el.textContent = text;
  }

  function send(verb, args = {}) {
    const ws = state.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      return Promise.reject({ code: "offline", message: "not connected" });
    }
    const ref = state.nextRef++;
    ws.send(JSON.stringify({ [verb]: { ref, ...args } }));
    return new Promise((resolve, reject) => state.pending.set(ref, { resolve, reject }));
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
      for (const { reject } of state.pending.values()) {
        reject({ code: "offline", message: "connection lost" });
      }
      state.pending.clear();
      if (state.wantOnline && state.everOnline) {
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

  async function logIn(ws) {
    const c = state.creds;
    try {
      let ok;
      if (c.register) {
        ok = await send("REGISTER", { us: c.us, pwd: c.pwd });
      } else {
        ok = await send("CONN", { us: c.us, pwd: c.pwd, channel: c.channel });
      }
      if (state.ws !== ws) return;
      onLoggedIn(ok);
    } catch (error) {
      if (state.ws !== ws) return;
      // A reconnecting guest whose old connection the server still holds: a new guest name.
      if (state.everOnline && state.guest && error.code === "name_taken") {
        c.us = "";
        logIn(ws);
        return;
      }
      state.wantOnline = state.everOnline && error.code === "offline";
      ws.close();
      if (!state.everOnline) {
        showLoginError(error.message || error.code);
      } else {
        state.everOnline = false;
        showLogin();
        showLoginError("Could not log in again: " + (error.message || error.code));
      }
    }
  }

  function onLoggedIn(ok) {
    const reconnect = state.everOnline;
    state.user = ok.user;
    state.guest = !!ok.guest;
    state.everOnline = true;
    state.attempt = 0;
    // Log in the same way next time: a guest keeps its name, a new account now exists.
    state.creds = { ...state.creds, us: ok.user, register: false };
    setStatus("online", "Online");
    $("me").textContent = (state.guest ? "guest " : "") + ok.user;
    showChat();
    if (reconnect) {
      // The server puts a registered user back in their channels; a guest asks again.
      for (const conv of state.convs.values()) {
        if (conv.kind === "channel" && conv.joined) {
          send("JOIN", { channel: conv.name }).then(
            (result) => applyJoinResult(result),
            () => {}
          );
        }
      }
      const conv = currentConv();
      if (conv) addSystemLine(conv, "reconnected");
    }
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
        addMessage(conversation(channelKey(body.channel)), body);
        return;
      case "DM": {
        const peer = fold(body.from) === fold(state.user || "") ? body.to : body.from;
        addMessage(conversation(dmKey(peer), { name: peer }), body);
        return;
      }
      case "JOIN": {
        const conv = conversation(channelKey(body.channel));
        const self = fold(body.user) === fold(state.user || "");
        if (!conv.members.has(fold(body.user)) || self) {
          conv.members.set(fold(body.user), { user: body.user, guest: /^guest/i.test(body.user), op: false });
          addSystemLine(conv, "[+]" + body.user);
        }
        if (self) {
          conv.joined = true;
          if (!state.current || !state.convs.has(state.current)) select(conv.key);
          // The JOIN event carries no member list: ask for it.
          send("WHO", { channel: conv.name }).then((who) => setMembers(conv, who.members), () => {});
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
        if (fold(body.user) === fold(state.user || "")) {
          conv.joined = false;
          if (!body.by) closeConversation(conv.key);
        }
        renderSidebar();
        renderMembers();
        return;
      }
      case "QUIT":
        systemLineEverywhere(body.user, `[-]${body.user} (${body.reason || "quit"})`);
        return;
      case "HISTORY": {
        const conv = conversation(channelKey(body.channel));
        mergeMessages(conv, body.messages || []);
        // The join replay's size is the server's choice: only an empty one says "no more".
        if (conv.items.every((item) => item.id === undefined)) conv.historyDone = true;
        if (conv.key === state.current) renderMessages({ stick: true });
        return;
      }
      case "TOPIC": {
        const conv = conversation(channelKey(body.channel));
        conv.topic = body.topic;
        addSystemLine(conv, `${body.by} set the topic: ${body.topic}`);
        renderHeader();
        return;
      }
      case "PING":
        if (state.ws) state.ws.send(JSON.stringify({ PONG: {} }));
        return;
      case "NOTICE": {
        const conv = currentConv();
        if (body.code === "shutting_down") setStatus("connecting", "Server restarting…");
        if (conv) addSystemLine(conv, `notice (${body.code}): ${body.message}`);
        return;
      }
      default:
        return;
    }
  }

  function setMembers(conv, members) {
    conv.members = new Map(members.map((m) => [fold(m.user), m]));
    renderMembers();
  }

  function applyJoinResult(result) {
    const conv = conversation(channelKey(result.channel));
    conv.joined = true;
    conv.topic = result.topic || "";
    setMembers(conv, result.members || []);
    renderHeader();
    renderSidebar();
    return conv;
  }

  // ------------------------------------------------------------------------------------------
  // Actions

  async function join(channel, key) {
    const name = channel.replace(/^#/, "").toLowerCase();
    const args = { channel: name };
    if (key) args.key = key;
    const result = await send("JOIN", args);
    const conv = applyJoinResult(result);
    select(conv.key);
    return conv;
  }

  async function part(name) {
    const conv = state.convs.get(channelKey(name));
    await send("PART", { channel: name });
    if (conv) closeConversation(conv.key);
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

  function openDm(user) {
    const conv = conversation(dmKey(user), { name: user });
    select(conv.key);
    return conv;
  }

  async function loadOlder() {
    const conv = currentConv();
    if (!conv || conv.kind !== "channel" || conv.historyDone || conv.loadingHistory) return;
    const before = oldestId(conv);
    if (before === null) {
      conv.historyDone = true;
      renderMessages({});
      return;
    }
    conv.loadingHistory = true;
    try {
      const page = await send("HISTORY", { channel: conv.name, before, limit: HISTORY_PAGE });
      // A short page is the end, unless the server cut it to bound the reply (`more`).
      if (page.messages.length === 0 || (page.messages.length < HISTORY_PAGE && !page.more)) {
        conv.historyDone = true;
      }
      if (conv.key === state.current) {
        const box = $("messages");
        const fromBottom = box.scrollHeight - box.scrollTop;
        mergeMessages(conv, page.messages);
        renderMessages({});
        box.scrollTop = box.scrollHeight - fromBottom; // keep what was on screen in place
      } else {
        mergeMessages(conv, page.messages);
      }
    } catch (error) {
      addSystemLine(conv, "could not load history: " + (error.message || error.code));
    } finally {
      conv.loadingHistory = false;
    }
  }

  const HELP = [
    "/join CHANNEL [KEY] (/j) — join or create a channel",
    "/part [CHANNEL] (/leave) — leave this or another channel",
    "/msg NICK [TEXT] (/query) — direct message; opens the conversation",
    "/who [CHANNEL] (/names) — list the members",
    "/list — channels with member counts and topics",
    "/help — this list",
    "/quit (/exit) — log out",
    "//text sends /text as a message. Keys: Alt+↑/↓ switch conversation, Esc closes panels.",
  ];

  async function runInput(line) {
    const conv = currentConv();
    const say = (text) => conv && addSystemLine(conv, text);
    if (line.startsWith("/") && !line.startsWith("//")) {
      const [command, ...rest] = line.slice(1).split(/\s+/);
      const args = rest.filter((a) => a !== "");
      try {
        switch (command.toLowerCase()) {
          case "join":
          case "j":
            if (!args[0]) return say("usage: /join CHANNEL [KEY]");
            await join(args[0], args[1]);
            return;
          case "part":
          case "leave": {
            const name = args[0] ? args[0].replace(/^#/, "").toLowerCase() : conv && conv.kind === "channel" ? conv.name : null;
            if (!name) return say("usage: /part CHANNEL");
            await part(name);
            return;
          }
          case "msg":
          case "query": {
            if (!args[0]) return say("usage: /msg NICK [TEXT]");
            const text = line.replace(/^\/\S+\s+\S+\s?/, "");
            const target = openDm(args[0]);
            if (text.trim() !== "") await sendText(target, text);
            return;
          }
          case "who":
          case "names": {
            const name = args[0] ? args[0].replace(/^#/, "").toLowerCase() : conv && conv.kind === "channel" ? conv.name : null;
            if (!name) return say("usage: /who CHANNEL");
            const who = await send("WHO", { channel: name });
            const names = who.members.map((m) => (m.op ? "@" : "") + m.user);
            say(`members of #${who.channel} (${names.length}): ${names.join(", ")}`);
            return;
          }
          case "list": {
            const list = await send("LIST", {});
            if (list.channels.length === 0) return say("no channels");
            say("channels:");
            for (const c of list.channels) say(`  #${c.name} (${c.members})${c.topic ? " — " + c.topic : ""}`);
            return;
          }
          case "help":
            for (const h of HELP) say(h);
            return;
          case "quit":
          case "exit":
            await logOut();
            return;
          default:
            say(`unknown command /${command} — try /help`);
            return;
        }
      } catch (error) {
        say(`${command}: ${error.message || error.code}`);
        return;
      }
    }
    if (!conv) return;
    await sendText(conv, line.startsWith("//") ? line.slice(1) : line);
  }

  async function sendText(conv, text) {
    try {
      if (conv.kind === "channel") {
        await send("SEND", { channel: conv.name, text });
      } else {
        const ok = await send("DM", { to: conv.name, text });
        // The server copies a DM to our other connections only: add our own.
        addMessage(conv, { id: ok.id, ts: ok.ts, from: state.user, to: conv.name, text });
      }
    } catch (error) {
      addSystemLine(conv, "not sent: " + (error.message || error.code));
    }
  }

  async function logOut() {
    state.wantOnline = false;
    state.everOnline = false;
    const ws = state.ws;
    if (ws) {
      try {
        await send("END", {});
      } catch {
        // already gone
      }
      ws.close();
    }
    clearTimeout(state.reconnectTimer);
    state.convs.clear();
    state.current = null;
    state.user = null;
    setStatus("offline", "Offline");
    showLogin();
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
    if (first) $("input").focus();
    renderAll();
  }

  function select(key) {
    state.current = key;
    const conv = currentConv();
    if (conv) conv.unread = 0;
    $("chat-view").classList.remove("show-nav");
    $("nav-toggle").setAttribute("aria-expanded", "false");
    renderAll();
  }

  function renderAll() {
    renderSidebar();
    renderHeader();
    renderMessages({ stick: true, force: true });
    renderMembers();
  }

  function convButton(conv) {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "conv-button";
    button.dataset.key = conv.key;
    if (conv.key === state.current) button.setAttribute("aria-current", "true");
    const label = document.createElement("span");
    label.textContent = (conv.kind === "channel" ? "#" : "@") + conv.name;
    button.append(label);
    if (conv.unread > 0) {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = String(conv.unread);
      badge.setAttribute("aria-label", `${conv.unread} unread`);
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
    const total = sorted.reduce((n, c) => n + (c.key === state.current ? 0 : c.unread), 0);
    document.title = total > 0 ? `(${total}) Salon` : "Salon";
  }

  function renderHeader() {
    const conv = currentConv();
    $("conv-title").textContent = conv ? (conv.kind === "channel" ? "#" : "@") + conv.name : "No conversation";
    $("conv-topic").textContent = conv && conv.kind === "channel" ? conv.topic : conv ? "direct messages" : "";
    $("leave-button").hidden = !conv;
    $("leave-button").textContent = conv && conv.kind === "dm" ? "Close" : "Leave";
    $("members-toggle").hidden = !conv || conv.kind !== "channel";
    $("chat-view").classList.toggle("is-dm", !!conv && conv.kind === "dm");
    $("input").placeholder = conv ? `Message ${(conv.kind === "channel" ? "#" : "@") + conv.name}, or /help` : "/join a channel, or /help";
  }

  const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

  function messageItem(item) {
    const li = document.createElement("li");
    if (item.sys !== undefined) {
      li.className = "sys";
      li.textContent = item.sys;
      return li;
    }
    li.className = "msg";
    li.dataset.id = String(item.id);
    if (state.user && fold(item.from) === fold(state.user)) li.classList.add("mine");
    const when = new Date(item.ts);
    const time = document.createElement("time");
    time.dateTime = when.toISOString();
    time.title = fullFormat.format(when);
    time.textContent = timeFormat.format(when);
    const from = document.createElement("span");
    from.className = "from";
    from.textContent = item.from;
    const text = document.createElement("span");
    text.className = "text";
    text.textContent = item.text;
    li.append(time, from, text);
    return li;
  }

  function renderMessages({ stick = false, force = false }) {
    const conv = currentConv();
    const box = $("messages");
    const atBottom = force || box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    const list = $("message-list");
    list.replaceChildren(...(conv ? conv.items.map(messageItem) : []));
    $("older").hidden = !conv || conv.kind !== "channel" || conv.historyDone;
    if (stick && atBottom) box.scrollTop = box.scrollHeight;
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
    for (const m of members) {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "conv-button" + (m.op ? " op" : "") + (m.guest ? " guest" : "");
      button.textContent = m.user;
      button.title = `Direct message ${m.user}`;
      button.addEventListener("click", () => {
        openDm(m.user);
        $("input").focus();
      });
      li.append(button);
      list.append(li);
    }
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
    state.creds = { us, pwd, register, channel };
    state.wantOnline = true;
    state.everOnline = false;
    state.convs.clear();
    state.current = null;
    if (state.ws) state.ws.close();
    connect();
  }

  $("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    startLogin(false);
  });
  $("register-button").addEventListener("click", () => startLogin(true));
  $("logout").addEventListener("click", () => logOut());

  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("input");
    const line = input.value;
    if (line.trim() === "") return;
    input.value = "";
    runInput(line);
  });

  $("join-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = $("join-input").value.trim();
    if (!name) return;
    $("join-input").value = "";
    try {
      await join(name);
      $("input").focus();
    } catch (error) {
      const conv = currentConv();
      if (conv) addSystemLine(conv, `join #${name}: ${error.message || error.code}`);
    }
  });

  $("dm-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const name = $("dm-input").value.trim();
    if (!name) return;
    $("dm-input").value = "";
    openDm(name);
    $("input").focus();
  });

  $("leave-button").addEventListener("click", async () => {
    const conv = currentConv();
    if (!conv) return;
    if (conv.kind === "dm") {
      closeConversation(conv.key);
      return;
    }
    try {
      await part(conv.name);
    } catch (error) {
      addSystemLine(conv, "leave: " + (error.message || error.code));
    }
  });

  $("older").addEventListener("click", () => loadOlder());
  $("messages").addEventListener("scroll", () => {
    if ($("messages").scrollTop < 30) loadOlder();
  });

  function togglePanel(cls, button) {
    const view = $("chat-view");
    const open = view.classList.toggle(cls);
    button.setAttribute("aria-expanded", String(open));
  }
  $("nav-toggle").addEventListener("click", () => togglePanel("show-nav", $("nav-toggle")));
  $("members-toggle").addEventListener("click", () => togglePanel("show-members", $("members-toggle")));

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      $("chat-view").classList.remove("show-nav", "show-members");
      $("nav-toggle").setAttribute("aria-expanded", "false");
      $("members-toggle").setAttribute("aria-expanded", "false");
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

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) {
      const conv = currentConv();
      if (conv && conv.unread) {
        conv.unread = 0;
        renderSidebar();
      }
    }
  });

  showLogin();
})();
