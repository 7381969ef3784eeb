// The app's one way to the server: POST /graphql with the public schema,
// the session token as a bearer token. Every failure becomes an ApiError
// with a code, so that screens can say it in words near its cause.

const SESSION_KEY = "keyfob:app:session";

// The session token lives in this variable and in sessionStorage (so that a
// reload keeps the tab signed in), never in localStorage or a cookie: it
// ends with the tab. The password is never kept anywhere.
let token = null;
try {
  token = sessionStorage.getItem(SESSION_KEY);
} catch {
  token = null;
}

const listeners = { sessionEnded: () => {}, unavailable: () => {}, reachable: () => {} };

// on sets what happens when the server refuses the session (a 401 or
// UNAUTHENTICATED for a request that carried the token), when it cannot
// answer (UNAVAILABLE, OVERLOADED, no network), and when it answers again.
export function on(events) {
  Object.assign(listeners, events);
}

export function hasSession() {
  return token !== null;
}

export function setSession(t) {
  token = t;
  try {
    sessionStorage.setItem(SESSION_KEY, t);
  } catch {
    // Storage refused (private mode): the token stays in memory only.
  }
}

export function forgetSession() {
  token = null;
  try {
    sessionStorage.removeItem(SESSION_KEY);
  } catch {
    // nothing stored
  }
}

export class ApiError extends Error {
  constructor(code, message, extra = {}) {
    super(message);
    this.code = code;
    this.field = extra.field || null;
    this.retryAfterSeconds = extra.retryAfterSeconds || 0;
    this.requestId = extra.requestId || null;
    this.status = extra.status || 0;
  }
}

const codeForStatus = {
  400: "BAD_REQUEST",
  401: "UNAUTHENTICATED",
  403: "FORBIDDEN",
  413: "PAYLOAD_TOO_LARGE",
  429: "RATE_LIMITED",
  503: "UNAVAILABLE",
};

// gql runs one operation and returns its data, or throws an ApiError.
export async function gql(query, variables = {}) {
  const sent = token;
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  if (sent) headers.Authorization = "Bearer " + sent;
  let res;
  try {
    res = await fetch("/graphql", {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    const err = new ApiError("UNAVAILABLE", "Keyfob cannot be reached. Check the connection and try again.");
    listeners.unavailable(err);
    throw err;
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  const first = body && Array.isArray(body.errors) ? body.errors[0] : null;
  if (res.ok && !first && body && body.data) {
    listeners.reachable();
    return body.data;
  }
  const ext = (first && first.extensions) || {};
  const retry = Number(ext.retryAfterSeconds) || Number(res.headers.get("Retry-After")) || 0;
  const code = String(ext.code || codeForStatus[res.status] || "INTERNAL");
  const err = new ApiError(code, first && typeof first.message === "string" ? first.message : "", {
    field: typeof ext.field === "string" ? ext.field : null,
    retryAfterSeconds: retry,
    requestId: ext.requestId || res.headers.get("X-Request-Id"),
    status: res.status,
  });
  if (sent && (res.status === 401 || code === "UNAUTHENTICATED") && sent === token) {
    forgetSession();
    listeners.sessionEnded();
  } else if (code === "UNAVAILABLE" || code === "OVERLOADED") {
    listeners.unavailable(err);
  }
  throw err;
}

// onBanner reports whether err is shown in the page's banner (the server
// cannot answer) rather than next to what caused it.
export function onBanner(err) {
  return err instanceof ApiError && (err.code === "UNAVAILABLE" || err.code === "OVERLOADED");
}

function sentence(text) {
  const t = String(text || "").trim();
  if (!t) return "";
  const s = t[0].toUpperCase() + t.slice(1);
  return /[.!?]$/.test(s) ? s : s + ".";
}

// whenAgain says when a refused request may be tried again.
function whenAgain(seconds) {
  if (!seconds) return "Wait a moment and try again.";
  const at = new Date(Date.now() + seconds * 1000);
  const clock = at.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  return `Try again in ${seconds} second${seconds === 1 ? "" : "s"}, at ${clock}.`;
}

// describe turns an error into words for a person: never JSON, never a
// stack trace.
export function describe(err) {
  if (!(err instanceof ApiError)) return "Something went wrong in this page. Reload it and try again.";
  switch (err.code) {
    case "RATE_LIMITED":
      return "Too many attempts. " + whenAgain(err.retryAfterSeconds);
    case "UNAVAILABLE":
      return err.message && err.status === 0
        ? err.message
        : "Keyfob cannot reach its database right now. Nothing was changed. Try again in a moment.";
    case "OVERLOADED":
      return "Keyfob is too busy to answer right now. Nothing was changed. " + whenAgain(err.retryAfterSeconds);
    case "UNAUTHENTICATED":
      return err.status === 401 ? "Your session has ended. Log in again." : sentence(err.message) || "Wrong email or password.";
    case "NOT_FOUND":
      return "That no longer exists: someone may have deleted it. The list has been refreshed.";
    case "FORBIDDEN":
      return "You may not do that. " + sentence(err.message);
    case "API_ACCESS_DISABLED":
      return "Your API access is turned off, so you cannot create keys. Ask the account owner to turn it on.";
    case "POWER_UP_REQUIRED":
      return "The API Key Restriction Power-Up is off, so everyone may create keys already.";
    case "INTERNAL":
      return "Something went wrong on the server" + (err.requestId ? ` (request id ${err.requestId})` : "") + ". Try again.";
    default:
      return sentence(err.message) || "The request was refused (" + err.code + ").";
  }
}
