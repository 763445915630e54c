// The login page: posts user and password as JSON (with the page's CSRF token) and opens the
// dashboard on success; shows pcsd's message on a wrong password or while rate limited.

import { errorMessage, postJson } from "./common.js";

const form = document.getElementById("login-form");
const error = document.getElementById("login-error");
const submit = form.querySelector('button[type="submit"]');

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  error.textContent = "";
  const username = form.elements.username.value;
  const password = form.elements.password.value;
  if (password === "") {
    error.textContent = "Enter the password.";
    form.elements.password.focus();
    return;
  }
  submit.disabled = true;
  submit.textContent = "Logging in…";
  try {
    const { status, body } = await postJson("/ui/api/login", { username, password });
    if (status === 200) {
      location.assign("/");
      return;
    }
    if (status === 403) {
      // The login form token expired (or pcsd restarted): a fresh page has a fresh one.
      error.textContent = `${errorMessage(body, "Refused")} — reloading…`;
      setTimeout(() => location.reload(), 1500);
      return;
    }
    error.textContent = errorMessage(body, `Login failed (HTTP ${status})`);
    form.elements.password.select();
  } catch (e) {
    error.textContent = `pcsd cannot be reached: ${e.message}`;
  } finally {
    submit.disabled = false;
    submit.textContent = "Log in";
  }
});
