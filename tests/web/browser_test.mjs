// Browser tests of the web client: Debian's chromium, driven headless by playwright-core,
// against a real salond started here on 127.0.0.1 with its own ports and data dir.
// Run from CTest (web_browser); SALOND_PATH names the binary, SALON_ARTIFACTS the screenshot dir.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

let chromium;
try {
  ({ chromium } = await import("playwright-core"));
} catch {
  throw new Error("playwright-core is missing: run scripts/deps.sh (npm ci in tests/web)");
}

const SALOND = process.env.SALOND_PATH;
const ARTIFACTS = process.env.SALON_ARTIFACTS || path.join(os.tmpdir(), "salon-web-artifacts");
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const WAIT = 10_000;

if (!SALOND) throw new Error("set SALOND_PATH to the salond binary");
fs.mkdirSync(ARTIFACTS, { recursive: true });

/** A port the kernel just handed out (salond may still lose it to a race: start() retries). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** One salond child with its data dir; start() again after stop() reuses ports and data. */
class Salond {
  constructor(extraArgs = []) {
    this.extraArgs = extraArgs;
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "salon-web-"));
    this.log = "";
  }

  /** Starts on fresh ports (trying others if one was taken meanwhile), or on the same ones again. */
  async start() {
    if (this.port) return this.spawn();
    for (let attempt = 1; ; attempt++) {
      this.port = await freePort();
      do this.httpPort = await freePort();
      while (this.httpPort === this.port);
      try {
        return await this.spawn();
      } catch (error) {
        if (attempt === 5 || !/Address already in use/.test(this.log)) throw error;
      }
    }
  }

  async spawn() {
    const args = ["--bind", "127.0.0.1", "--port", String(this.port), "--http-port", String(this.httpPort),
      "--irc-port", "0",
      "--data-dir", this.dataDir, "--log-level", "info", ...this.extraArgs];
    this.child = spawn(SALOND, args, { stdio: ["ignore", "ignore", "pipe"] });
    const ready = `listening on 127.0.0.1:${this.port}`;
    const from = this.log.length; // a restart must not take the last run's line for its own
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("salond did not start:\n" + this.log)), WAIT);
      this.child.stderr.on("data", (chunk) => {
        this.log += chunk;
        if (this.log.indexOf(ready, from) >= 0) {
          clearTimeout(timer);
          resolve();
        }
      });
      this.child.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`salond exited (${code}):\n${this.log}`));
      });
    });
    this.child.removeAllListeners("exit");
    this.exited = new Promise((resolve) => this.child.on("exit", (code, signal) => resolve({ code, signal })));
  }

  /** SIGTERM; salond must exit 0 and its log must hold no sanitizer report. */
  async stop() {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    const { code, signal } = await this.exited;
    clearTimeout(timer);
    assert.equal(code, 0, `salond exited with ${code ?? signal}:\n${this.log}`);
    assert.doesNotMatch(this.log, /AddressSanitizer|LeakSanitizer|runtime error:/, this.log);
  }

  get url() {
    return `http://127.0.0.1:${this.httpPort}/`;
  }

  async dispose() {
    await this.stop();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** A native-protocol TCP client: one JSON object per line. */
class LineClient {
  static async connect(port) {
    const client = new LineClient();
    client.socket = net.createConnection({ host: "127.0.0.1", port });
    client.buffer = "";
    client.frames = [];
    client.waiters = [];
    client.socket.setEncoding("utf8");
    client.socket.on("data", (data) => {
      client.buffer += data;
      let newline;
      while ((newline = client.buffer.indexOf("\n")) >= 0) {
        const line = client.buffer.slice(0, newline);
        client.buffer = client.buffer.slice(newline + 1);
        if (line.trim()) client.frames.push(JSON.parse(line));
      }
      client.waiters.splice(0).forEach((wake) => wake());
    });
    await new Promise((resolve, reject) => {
      client.socket.once("connect", resolve);
      client.socket.once("error", reject);
    });
    return client;
  }

  send(verb, args = {}) {
    this.socket.write(JSON.stringify({ [verb]: args }) + "\n");
  }

  /** The first frame with one of `verbs` (earlier ones are dropped). */
  async next(...verbs) {
    const deadline = Date.now() + WAIT;
    for (;;) {
      while (this.frames.length) {
        const frame = this.frames.shift();
        if (verbs.includes(Object.keys(frame)[0])) return frame;
      }
      if (Date.now() > deadline) throw new Error("no " + verbs.join("/") + " in time");
      await new Promise((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  async call(verb, args = {}) {
    this.send(verb, args);
    const reply = await this.next("OK", "NO");
    if (reply.NO) throw new Error(`${verb}: ${JSON.stringify(reply.NO)}`);
    return reply.OK;
  }

  close() {
    this.socket.destroy();
  }
}

let browser;
before(async () => {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // playwright gives every launch a fresh, temporary profile (its own --user-data-dir).
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    timeout: WAIT,
  });
});

after(async () => {
  await browser?.close();
});

async function newPage(server, viewport = { width: 1100, height: 700 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  const errors = [];
  page.on("pageerror", (error) => errors.push(error));
  page.errors = errors;
  // Only this server: a request anywhere else would be an external resource.
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === "127.0.0.1" && Number(url.port) === server.httpPort) return route.continue();
    errors.push(new Error("external request: " + url.href));
    return route.abort();
  });
  await page.goto(server.url);
  return page;
}

async function loginAs(page, name = "", password = "", register = false) {
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: register ? "Register" : "Log in" }).click();
  await page.locator("#conn-state.online").waitFor();
  return (await page.locator("#me").textContent()).replace(/^guest /, "");
}

async function say(page, text) {
  await page.getByLabel("Message", { exact: true }).fill(text);
  await page.keyboard.press("Enter");
}

const messageLine = (page, text) => page.locator("#message-list li.msg", { hasText: text });

test("two browsers chat as guests, and a TCP client's message appears in the page", async () => {
  const server = new Salond();
  await server.start();
  try {
    const alice = await newPage(server);
    const bob = await newPage(server);
    const aliceName = await loginAs(alice);
    const bobName = await loginAs(bob);
    assert.match(aliceName, /^Guest\d+$/);
    assert.notEqual(aliceName, bobName);
    await alice.locator("#message-list li.sys", { hasText: "[+]" + bobName }).waitFor();

    await say(alice, "hello from the first browser");
    await messageLine(bob, "hello from the first browser").waitFor();
    await say(bob, "and hello back");
    await messageLine(alice, "and hello back").waitFor();
    const line = await messageLine(bob, "hello from the first browser").innerText();
    assert.match(line, new RegExp(aliceName));
    assert.match(line, /\d{1,2}:\d{2}/, "a local time is shown");

    const tcp = await LineClient.connect(server.port);
    const tcpName = (await tcp.call("CONN", { us: "", pwd: "" })).user;
    await alice.locator("#message-list li.sys", { hasText: "[+]" + tcpName }).waitFor();
    await tcp.call("SEND", { channel: "home", text: "typed in a terminal" });
    await messageLine(alice, "typed in a terminal").waitFor();
    await messageLine(bob, "typed in a terminal").waitFor();
    // And the web user's message reaches the TCP user.
    await say(bob, "seen from the terminal?");
    while ((await tcp.next("MSG")).MSG.text !== "seen from the terminal?");
    tcp.close();
    await alice.locator("#message-list li.sys", { hasText: "[-]" + tcpName }).waitFor();

    // Members, a second channel with an unread count, and a DM, all from commands.
    await alice.locator("#member-list li", { hasText: bobName }).waitFor();
    await say(bob, "/join side");
    await bob.locator("#conv-title", { hasText: "#side" }).waitFor();
    await say(alice, "/join side");
    await alice.locator("#conv-title", { hasText: "#side" }).waitFor();
    await alice.locator(".conv-button", { hasText: "#home" }).click();
    await say(bob, "over in side");
    await alice.locator(".conv-button", { hasText: "#side" }).locator(".badge", { hasText: "1" }).waitFor();
    await say(bob, `/msg ${aliceName} a private word`);
    await alice.locator(".conv-button", { hasText: "@" + bobName }).waitFor();
    await say(alice, "/who");
    await alice.locator("#message-list li.sys", { hasText: "members of #home (2)" }).waitFor();

    await alice.screenshot({ path: path.join(ARTIFACTS, "web-chat.png") });
    await bob.locator(".conv-button", { hasText: "@" + aliceName }).click();
    await bob.screenshot({ path: path.join(ARTIFACTS, "web-dm.png") });
    assert.deepEqual([...alice.errors, ...bob.errors], []);
  } finally {
    await server.dispose();
  }
});

test("register, log out and log in again; a bad password is refused on the form", async () => {
  const server = new Salond();
  await server.start();
  try {
    const page = await newPage(server, { width: 390, height: 780 });
    assert.equal(await loginAs(page, "carol", "a-long-password-1", true), "carol");
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByRole("button", { name: "Log in" }).waitFor();
    await page.getByLabel("Name").fill("carol");
    await page.getByLabel("Password").fill("wrong-password");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.locator("#login-error", { hasText: /credentials|password/i }).waitFor();
    assert.equal(await loginAs(page, "carol", "a-long-password-1"), "carol");
    // Phone width: the conversation list is behind a labelled toggle.
    await page.getByRole("button", { name: "Conversations" }).click();
    await page.locator("#sidebar .conv-button", { hasText: "#home" }).waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, "web-phone.png") });
    assert.deepEqual(page.errors, []);
  } finally {
    await server.dispose();
  }
});

test("keyboard alone: log in, post, join and switch conversations; every control is labelled", async () => {
  const server = new Salond();
  await server.start();
  try {
    const page = await newPage(server);
    // The name field has focus on load; Enter with it empty logs in as a guest.
    assert.equal(await page.evaluate(() => document.activeElement.id), "login-name");
    await page.keyboard.press("Enter");
    await page.locator("#conn-state.online").waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.id), "input");
    await page.keyboard.type("typed without a mouse");
    await page.keyboard.press("Enter");
    await messageLine(page, "typed without a mouse").waitFor();
    await page.keyboard.type("/join kb");
    await page.keyboard.press("Enter");
    await page.locator("#conv-title", { hasText: "#kb" }).waitFor();
    await page.keyboard.press("Alt+ArrowDown");
    await page.locator("#conv-title", { hasText: "#home" }).waitFor();
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll("input, button")]
        .filter((el) => el.offsetParent !== null)
        .filter((el) => (el.tagName === "INPUT" ? el.labels.length === 0 && !el.getAttribute("aria-label") : el.textContent.trim() === "" && !el.getAttribute("aria-label")))
        .map((el) => el.outerHTML));
    assert.deepEqual(unlabelled, []);
    assert.deepEqual(page.errors, []);
  } finally {
    await server.dispose();
  }
});

test("scrolling up loads older history", async () => {
  const server = new Salond(["--messages-per-second", "1000", "--message-burst", "1000"]);
  await server.start();
  try {
    const tcp = await LineClient.connect(server.port);
    await tcp.call("CONN", { us: "", pwd: "" });
    for (let i = 0; i < 120; i++) tcp.send("SEND", { channel: "home", text: `old message ${String(i).padStart(3, "0")}` });
    for (let i = 0; i < 120; i++) await tcp.next("OK", "NO");
    const page = await newPage(server);
    await loginAs(page);
    await messageLine(page, "old message 119").waitFor();
    assert.equal(await messageLine(page, "old message 000").count(), 0);
    // Each scroll to the top asks for one page; keep scrolling up until the first message is in.
    const deadline = Date.now() + WAIT;
    while ((await messageLine(page, "old message 000").count()) === 0) {
      assert.ok(Date.now() < deadline, "scrolling up did not load the oldest message");
      await page.locator("#messages").evaluate((box) => {
        box.scrollTop = 0;
        box.dispatchEvent(new Event("scroll")); // also when it was at the top already
      });
      await page.waitForTimeout(50);
    }
    assert.equal(await page.locator("#message-list li.msg").count() >= 120, true);
    await page.locator("#older").waitFor({ state: "hidden" });
    tcp.close();
  } finally {
    await server.dispose();
  }
});

test("history pages the server cut short to bound a reply still lead back to the first message", async () => {
  // A 64 KiB send queue bounds a reply at 16 KiB: pages of about four of these messages.
  const server = new Salond([
    "--messages-per-second", "1000", "--message-burst", "1000", "--send-queue-bytes", "65536",
  ]);
  await server.start();
  try {
    const tcp = await LineClient.connect(server.port);
    await tcp.call("CONN", { us: "", pwd: "" });
    const heavy = "\u0001".repeat(600); // 3.6 KB each once escaped
    for (let i = 0; i < 40; i++) tcp.send("SEND", { channel: "home", text: `${heavy} big ${String(i).padStart(2, "0")}` });
    for (let i = 0; i < 40; i++) await tcp.next("OK", "NO");
    const page = await newPage(server);
    await loginAs(page);
    await messageLine(page, "big 39").waitFor();
    // Read in one turn of the page's own script: between two separate reads a page in flight
    // can land, bringing the first message and hiding the button.
    const historyState = () =>
      page.evaluate(() => ({
        first: [...document.querySelectorAll("#message-list li.msg")].some((li) =>
          li.textContent.includes("big 00"),
        ),
        done: document.getElementById("older").hidden,
      }));
    const deadline = Date.now() + WAIT;
    for (;;) {
      const { first, done } = await historyState();
      if (first) break;
      assert.ok(Date.now() < deadline, "paging back stopped before the first message");
      assert.ok(!done, "history called done too early");
      // Enter rather than a mouse click: bringing the button into view scrolls the list to its
      // top, which loads a page by itself and moves a message under the pointer.
      await page.locator("#older").press("Enter", { timeout: 2_000 });
      await page.waitForTimeout(50);
    }
    assert.equal(await page.locator("#message-list li.msg", { hasText: " big " }).count(), 40);
    await page.screenshot({ path: path.join(ARTIFACTS, "history-paged.png") });
    tcp.close();
  } finally {
    await server.dispose();
  }
});

test("the page reconnects after the server restarts", async () => {
  const server = new Salond();
  await server.start();
  try {
    const page = await newPage(server);
    await loginAs(page);
    await say(page, "before the restart");
    await messageLine(page, "before the restart").waitFor();
    await server.stop();
    await page.locator("#conn-state.connecting").waitFor();
    await server.start();
    await page.locator("#conn-state.online").waitFor({ timeout: 20_000 });
    await page.locator("#message-list li.sys", { hasText: "reconnected" }).waitFor();
    await say(page, "after the restart");
    await messageLine(page, "after the restart").waitFor();
    // History survived the restart too.
    assert.equal(await messageLine(page, "before the restart").count(), 1);
    assert.deepEqual(page.errors, []);
  } finally {
    await server.dispose();
  }
});
