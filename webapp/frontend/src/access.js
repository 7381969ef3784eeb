// Who may create keys (the API Key Restriction Power-Up), and the audit log.

import { useEffect, useState } from "preact/hooks";
import { gql, describe } from "./api.js";
import { ACCESS_SELF, AUDIT, SET_ACCESS, USERS } from "./queries.js";
import { actionLabel, plural, roleLabel, when } from "./format.js";
import { html, Dialog, FormError } from "./ui.js";

export function AccessScreen({ viewer, notify }) {
  const [account, setAccount] = useState(null);
  const [error, setError] = useState(null);
  const [confirm, setConfirm] = useState(null); // the user whose access goes off
  const [busy, setBusy] = useState(null);
  const manager = viewer.role === "OWNER" || viewer.role === "ADMIN";

  const load = async () => {
    try {
      if (manager) {
        setAccount((await gql(USERS)).account);
      } else {
        // An agent sees only the rule and their own standing.
        const data = await gql(ACCESS_SELF);
        setAccount({ ...data.account, users: null, viewerAccess: data.viewer.apiAccess });
      }
      setError(null);
    } catch (err) {
      setError(describe(err));
    }
  };
  useEffect(() => {
    load();
  }, []);

  const change = async (user, enabled) => {
    setBusy(user.id);
    try {
      const data = await gql(SET_ACCESS, { in: { userId: user.id, enabled } });
      const p = data.setUserApiAccess;
      notify(enabled
        ? `${user.name} may create API keys again.`
        : `${user.name} may no longer create API keys. Deleted ${plural(p.deletedApiKeys, "key", "keys")}` +
          (p.loggedOutMobileSessions ? ` and logged out ${plural(p.loggedOutMobileSessions, "mobile app session", "mobile app sessions")}.` : "."));
      setError(null);
    } catch (err) {
      setError(describe(err));
    }
    setBusy(null);
    setConfirm(null);
    load();
  };

  if (!account) {
    return html`<section aria-labelledby="access-title" id="access-screen"><h2 id="access-title">Who may create keys</h2>
      ${error ? html`<p class="error" role="alert">${error}</p>` : html`<p>Loading…</p>`}</section>`;
  }
  const owner = viewer.role === "OWNER";
  return html`<section aria-labelledby="access-title" id="access-screen">
    <h2 id="access-title">Who may create keys</h2>
    ${error && html`<p class="error" role="alert" id="access-error">${error}</p>`}
    ${!account.apiKeyRestriction
      ? html`<p class="notice" id="access-line">Everyone in the account may create API keys: the API Key Restriction Power-Up is off.
          With it, the account owner decides who may.</p>`
      : html`<p class="notice" id="access-line">The API Key Restriction Power-Up is on: the account owner decides who may create API keys.
          ${owner ? " Turning a user's access off deletes their keys." : ""}</p>`}
    ${!manager && html`<p id="own-access">${account.viewerAccess ? "You may create API keys." : "You may not create API keys: ask the account owner."}</p>`}
    ${manager && account.users && html`<div class="table-wrap" role="region" aria-labelledby="access-title" tabindex="0">
      <table id="users-table">
        <thead><tr><th scope="col">User</th><th scope="col">Role</th><th scope="col">Keys</th><th scope="col">API access</th></tr></thead>
        <tbody>${account.users.map((u) => html`<tr data-user-id=${u.id}>
          <td>${u.name}<br /><span class="muted">${u.email}</span></td>
          <td>${roleLabel[u.role]}</td>
          <td class="num">${u.apiKeyCount}</td>
          <td>${u.role === "OWNER"
            ? "Always"
            : owner && account.apiKeyRestriction
              ? html`<button type="button" role="switch" class="switch" id=${"access-" + u.id} aria-checked=${u.apiAccess ? "true" : "false"}
                  data-user-id=${u.id} aria-label=${"API access for " + u.name} disabled=${busy === u.id}
                  onClick=${() => (u.apiAccess ? setConfirm(u) : change(u, true))}>
                  <span class="switch-track" aria-hidden="true"><span class="switch-thumb"></span></span>
                  <span class="switch-text">${u.apiAccess ? "On" : "Off"}</span>
                </button>`
              : u.apiAccess ? "Yes" : "No"}</td>
        </tr>`)}</tbody>
      </table>
    </div>`}
    ${confirm && html`<${Dialog} id="access-dialog" title=${`Turn off API access for ${confirm.name}?`} onClose=${() => setConfirm(null)} returnTo=${["access-" + confirm.id]}>
      <p id="access-warning">${confirm.name} will no longer be able to create API keys, and
        <strong> this deletes ${confirm.apiKeyCount === 1 ? "their 1 key" : `their ${confirm.apiKeyCount} keys`}</strong>${confirm.apiKeyCount > 0 ? ": integrations using them stop working at once" : ""}.</p>
      <${FormError} id="access-dialog-error" message=${null} />
      <div class="actions">
        <button type="button" onClick=${() => setConfirm(null)} data-autofocus>Cancel</button>
        <button type="button" class="danger" id="access-confirm" disabled=${busy !== null} onClick=${() => change(confirm, false)}>
          Turn off and delete ${plural(confirm.apiKeyCount, "key", "keys")}</button>
      </div>
    <//>`}
  </section>`;
}

export function AuditScreen() {
  // cursors holds the cursor each page starts after; the last is wanted.
  // page is the page shown, with its number: the count never runs ahead
  // of the events under it.
  const [cursors, setCursors] = useState([null]);
  const [page, setPage] = useState(null);
  const [error, setError] = useState(null);
  const [loading, setLoading] = useState(false);
  const after = cursors[cursors.length - 1];
  const wanted = cursors.length;
  useEffect(() => {
    let live = true;
    setLoading(true);
    gql(AUDIT, { after })
      .then((data) => {
        if (live) {
          setPage({ number: wanted, ...data.auditEvents });
          setError(null);
        }
      })
      .catch((err) => live && setError(describe(err)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [after, wanted]);
  return html`<section aria-labelledby="audit-title" id="audit-screen" aria-busy=${loading ? "true" : "false"}>
    <h2 id="audit-title">Audit log</h2>
    <p class="lede">Who did what to the account's keys and users, newest first.</p>
    ${error && html`<p class="error" role="alert" id="audit-error">${error}</p>`}
    ${page && html`<p class="count" id="audit-count" aria-live="polite">Page ${page.number} of ${Math.max(1, Math.ceil(page.totalCount / 20))}, ${plural(page.totalCount, "event", "events")} in all.</p>
      <div class="table-wrap" role="region" aria-labelledby="audit-title" tabindex="0">
        <table id="audit-table">
          <thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Who</th><th scope="col">Key</th><th scope="col">User</th><th scope="col">Detail</th><th scope="col">From</th></tr></thead>
          <tbody>${page.nodes.map((e) => html`<tr>
            <td class="when"><time datetime=${e.occurredAt}>${when(e.occurredAt)}</time></td>
            <td>${actionLabel[e.action] || e.action}</td>
            <td>${e.actorEmail || html`<span class="muted">nobody signed in</span>`}</td>
            <td>${e.apiKeyName && html`${e.apiKeyName} <code class="last4">…${e.apiKeyLast4}</code>`}</td>
            <td>${e.targetUser ? e.targetUser.email : ""}</td>
            <td>${e.detail || ""}</td>
            <td class="from">${e.ip || ""}${e.userAgent && html`<br /><span class="muted ua">${e.userAgent}</span>`}</td>
          </tr>`)}</tbody>
        </table>
      </div>`}
    <div class="pager">
      <button type="button" id="audit-newer" disabled=${wanted === 1 || loading} onClick=${() => setCursors(cursors.slice(0, -1))}>Newer events</button>
      <button type="button" id="audit-older" disabled=${!page || !page.pageInfo.hasNextPage || loading}
        onClick=${() => setCursors([...cursors, page.pageInfo.endCursor])}>Older events</button>
    </div>
  </section>`;
}
