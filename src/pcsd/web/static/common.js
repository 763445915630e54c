// Shared by the login page and the dashboard: the page's CSRF token, JSON POSTs with it,
// and a tiny element builder (text only: nothing from the cluster is ever parsed as HTML).

export function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.getAttribute("content") ?? "";
}

/** POSTs JSON with the CSRF token; resolves to { status, body } (body: parsed JSON or null). */
export async function postJson(url, data) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-csrf-token": csrfToken() },
    body: JSON.stringify(data),
    credentials: "same-origin",
  });
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  return { status: res.status, body };
}

/** The error message of a pcsd JSON error body, or a fallback. */
export function errorMessage(body, fallback) {
  return body?.error?.message ?? fallback;
}

/** el("td", { class: "x", "data-test": "y" }, "text", child...) */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    e.append(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
  return e;
}
