// How the app writes times, counts and states for people.

export function when(ts) {
  if (!ts) return "";
  return new Date(ts).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

// day is a date without its time, for columns where the day is enough.
export function day(ts) {
  if (!ts) return "";
  return new Date(ts).toLocaleDateString(undefined, { dateStyle: "medium" });
}

export function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

export const accessLabel = { FULL: "Full", READ_ONLY: "Read-only" };

export const roleLabel = { OWNER: "Owner", ADMIN: "Admin", AGENT: "Agent" };

// The last n days as YYYY-MM-DD in UTC, oldest first: the days dailyUsage
// answers for.
export function lastDays(n) {
  const today = new Date();
  const out = [];
  for (let i = n - 1; i >= 0; i--) {
    const d = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - i));
    out.push(d.toISOString().slice(0, 10));
  }
  return out;
}

export const actionLabel = {
  SIGNED_UP: "Signed up",
  LOGGED_IN: "Logged in",
  LOGIN_FAILED: "Log-in failed",
  LOGGED_OUT: "Logged out",
  USER_CREATED: "User added",
  API_KEY_CREATED: "Key created",
  API_KEY_DELETED: "Key deleted",
  API_KEY_UPDATED: "Key changed",
  API_KEY_ROLLED: "Key rolled",
  API_KEY_LEAKED: "Key leaked",
  API_ACCESS_CHANGED: "API access changed",
  POWER_UP_CHANGED: "Power-Up switched",
  MOBILE_SESSIONS_LOGGED_OUT: "Mobile sessions logged out",
};

// graceChoices are the roll's grace periods, in seconds.
export const graceChoices = [
  { seconds: 0, label: "Now" },
  { seconds: 3600, label: "In 1 hour" },
  { seconds: 86400, label: "In 24 hours" },
  { seconds: 604800, label: "In 7 days" },
];

// expiryChoices are the create dialog's expiries, in days (null: never).
export const expiryChoices = [
  { value: "never", label: "Never", days: null },
  { value: "30", label: "In 30 days", days: 30 },
  { value: "90", label: "In 90 days", days: 90 },
  { value: "365", label: "In 1 year", days: 365 },
  { value: "date", label: "On a date…", days: null },
];

// expiresAt is the RFC 3339 time an expiry choice means, or null for never.
// A date means the key works through that whole day, in the admin's time.
export function expiresAt(choice, date) {
  if (choice === "never") return null;
  if (choice === "date") {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date || "");
    if (!m) return undefined;
    return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1).toISOString();
  }
  const days = Number(choice);
  return new Date(Date.now() + days * 86400 * 1000).toISOString();
}
