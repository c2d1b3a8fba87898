// The account dialog: a guest registers in place; a registered user changes the password or
// deletes the account.

import { $, state } from "./state.js";
import { becomeAccount, endSession, keepSession, send } from "./connection.js";
import { errorText } from "./render.js";

const dialog = $("account-dialog");

/** Shows the sections that fit who is logged in; the forms start empty. */
function renderAccount() {
  $("account-who").textContent = state.guest
    ? `You are the guest ${state.user}.`
    : `Logged in as ${state.user}.`;
  $("claim-form").hidden = !state.guest;
  $("passwd-form").hidden = state.guest;
  $("delete-form").hidden = state.guest;
}

function resetForms() {
  for (const form of dialog.querySelectorAll("form")) form.reset();
  for (const status of dialog.querySelectorAll(".form-status")) say(status, "");
}

function say(status, text, ok = false) {
  status.textContent = text;
  status.classList.toggle("ok", ok);
  status.classList.toggle("error", !ok && text !== "");
}

export function openAccount() {
  resetForms();
  renderAccount();
  dialog.showModal();
  dialog.querySelector("form:not([hidden]) input").focus();
}

/** Runs one form's request with its button held, its refusal said in the form. */
async function submit(form, status, run) {
  const button = form.querySelector('button[type="submit"]');
  if (button.disabled) return;
  button.disabled = true;
  say(status, "");
  say($("account-done"), "");
  try {
    await run();
  } catch (error) {
    say(status, error.code === "offline" ? "Not connected: try again once back online." : errorText(error));
  } finally {
    button.disabled = false;
  }
}

$("account-button").addEventListener("click", openAccount);
$("account-close").addEventListener("click", () => dialog.close());
dialog.addEventListener("close", () => {
  resetForms(); // no password stays in the page
  if (!$("account-button").hidden) $("account-button").focus();
});

$("claim-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const us = $("claim-name").value.trim();
  const pwd = $("claim-password").value;
  submit($("claim-form"), $("claim-status"), async () => {
    if (us === "" || pwd === "") throw { message: "Choose a name and a password." };
    const ok = await send("REGISTER", { us, pwd });
    await becomeAccount(ok, pwd);
    resetForms();
    renderAccount();
    say($("account-done"), `You are now ${ok.user}: your channels are kept, and this browser stays logged in.`, true);
    $("account-close").focus();
  });
});

$("passwd-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const old = $("passwd-old").value;
  const pwd = $("passwd-new").value;
  submit($("passwd-form"), $("passwd-status"), async () => {
    if (old === "" || pwd === "") throw { message: "Give your current password and a new one." };
    if (pwd !== $("passwd-again").value) throw { message: "The two new passwords differ." };
    await send("PASSWD", { old, new: pwd });
    // The server keeps only the token this connection logged in with; one made after a password
    // login (by the form, or a guest registering) went with the others: make another.
    if (!(state.auth.kind === "token" && state.auth.id === state.loginTokenId)) await keepSession(state.user, pwd);
    resetForms();
    say($("passwd-status"), "Password changed. Your other sessions were logged out.", true);
  });
});

$("delete-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const pwd = $("delete-password").value;
  submit($("delete-form"), $("delete-status"), async () => {
    if (pwd === "") throw { message: "Give your password to delete the account." };
    if (!$("delete-confirm").checked) throw { message: "Tick the box to confirm: the deletion cannot be undone." };
    await send("DELETE_ACCOUNT", { pwd });
    endSession("account_deleted");
  });
});
