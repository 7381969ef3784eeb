// The API keys screen: the table, the integrations card, and the dialogs
// that create, change, roll and delete a key.

import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { gql, describe, onBanner } from "./api.js";
import { KEYS, CREATE_KEY, UPDATE_KEY, ROLL_KEY, DELETE_KEY } from "./queries.js";
import { accessLabel, day, expiresAt, expiryChoices, graceChoices, lastDays, plural, when } from "./format.js";
import { html, Dialog, Field, FormError, ShowOnce, Sparkline, describedBy, formErrors } from "./ui.js";

export function KeysScreen({ viewer, notify }) {
  const manager = viewer.role === "OWNER" || viewer.role === "ADMIN";
  const [keys, setKeys] = useState([]);
  const [page, setPage] = useState({ total: 0, hasNext: false, cursor: null });
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState(null);
  const [dialog, setDialog] = useState(null); // {kind, key}

  // load reads the first page afresh; more appends the next one.
  const load = async () => {
    setLoading(true);
    try {
      const data = await gql(KEYS, { after: null });
      const c = data.apiKeys;
      setKeys(c.nodes);
      setPage({ total: c.totalCount, hasNext: c.pageInfo.hasNextPage, cursor: c.pageInfo.endCursor });
      setError(null);
    } catch (err) {
      setError(onBanner(err) ? null : describe(err));
    }
    setLoading(false);
  };
  const more = async () => {
    setLoading(true);
    try {
      const data = await gql(KEYS, { after: page.cursor });
      const c = data.apiKeys;
      setKeys((have) => [...have, ...c.nodes.filter((k) => !have.some((h) => h.id === k.id))]);
      setPage({ total: c.totalCount, hasNext: c.pageInfo.hasNextPage, cursor: c.pageInfo.endCursor });
      setError(null);
    } catch (err) {
      setError(describe(err));
    }
    setLoading(false);
  };
  useEffect(() => {
    load();
  }, []);

  const close = (changed) => {
    setDialog(null);
    if (changed) load();
  };

  return html`<section aria-labelledby="keys-title" id="keys-screen" aria-busy=${loading ? "true" : "false"}>
    <div class="heading-row">
      <h2 id="keys-title">API keys</h2>
      <div class="heading-actions">
        <button type="button" id="refresh-keys" onClick=${load} disabled=${loading}>Refresh</button>
        <button type="button" class="primary" id="create-key" onClick=${() => setDialog({ kind: "create" })}>Create API Key</button>
      </div>
    </div>
    <p class="lede">${(manager ? "Every key of the account, newest first. " : "Your keys, newest first. ") +
      "Each integration should have a key of its own. Hover over or focus a key's name to see which integrations used it."}</p>
    ${error && html`<p class="error" role="alert" id="keys-error">${error}</p>`}
    <p class="count" id="keys-count" aria-live="polite">${loading && keys.length === 0
      ? "Loading keys…"
      : page.total === 0
        ? "No API keys yet. Create one for your first integration."
        : `Showing ${keys.length} of ${plural(page.total, "key", "keys")}.`}</p>
    ${keys.length > 0 && html`<${KeyTable} keys=${keys} manager=${manager} onAction=${(kind, key) => setDialog({ kind, key })} />`}
    ${page.hasNext && html`<div class="more"><button type="button" id="load-more" onClick=${more} disabled=${loading}>Load more</button></div>`}
    ${dialog && dialog.kind === "create" && html`<${CreateDialog} onClose=${close} />`}
    ${dialog && dialog.kind === "edit" && html`<${EditDialog} apiKey=${dialog.key} onClose=${close} onGone=${() => close(true)} />`}
    ${dialog && dialog.kind === "roll" && html`<${RollDialog} apiKey=${dialog.key} onClose=${close} />`}
    ${dialog && dialog.kind === "delete" && html`<${DeleteDialog} apiKey=${dialog.key} notify=${notify} onClose=${close} />`}
  </section>`;
}

const statusLabel = { ACTIVE: "Active", EXPIRED: "Expired", LEAKED: "Leaked" };

function KeyTable({ keys, manager, onAction }) {
  const [card, setCard] = useState(null);
  return html`<div class="table-wrap" role="region" aria-labelledby="keys-title" tabindex="0">
    <table id="keys-table">
      <thead><tr>
        <th scope="col">Name</th>
        <th scope="col">Key</th>
        ${manager && html`<th scope="col">Owner</th>`}
        <th scope="col">Created</th>
        <th scope="col">Last Used</th>
        <th scope="col">Expires</th>
        <th scope="col">Access</th>
        <th scope="col">Status</th>
        <th scope="col">30 days</th>
        <th scope="col"><span class="visually-hidden">Actions</span></th>
      </tr></thead>
      <tbody>
        ${keys.map((k) => html`<${KeyRow} key=${k.id} k=${k} manager=${manager} onAction=${onAction}
          cardOpen=${card === k.id} setCard=${setCard} />`)}
      </tbody>
    </table>
  </div>`;
}

function KeyRow({ k, manager, onAction, cardOpen, setCard }) {
  const counts = k.dailyUsage.map((d) => d.requestCount);
  const total = counts.reduce((a, b) => a + b, 0);
  const days = lastDays(counts.length);
  const peak = counts.indexOf(Math.max(...counts));
  const usageLabel = total === 0
    ? "No requests in the last 30 days"
    : `${plural(total, "request", "requests")} in the last 30 days, most on ${days[peak]} (${counts[peak]})`;
  const cardId = "card-" + k.id;
  const show = () => setCard(k.id);
  const hide = () => setCard((open) => (open === k.id ? null : open));
  return html`<tr data-key-id=${k.id} class=${"status-" + k.status.toLowerCase()}>
    <td class="name-cell" onMouseEnter=${show} onMouseLeave=${hide}>
      <button type="button" class="key-name" id=${"name-" + k.id} aria-describedby=${cardOpen ? cardId : undefined} aria-expanded=${cardOpen ? "true" : "false"}
        onFocus=${show} onBlur=${hide} onClick=${() => (cardOpen ? hide() : show())}
        onKeyDown=${(e) => { if (e.key === "Escape" && cardOpen) { e.stopPropagation(); hide(); } }}>
        ${k.name}${k.isDefault && html` <span class="tag">Default</span>`}
      </button>
      ${k.note && html`<div class="note">${k.note}</div>`}
      ${cardOpen && html`<${IntegrationsCard} id=${cardId} anchorId=${"name-" + k.id} k=${k} />`}
    </td>
    <td><code class="last4">…${k.last4}</code></td>
    ${manager && html`<td class="owner"><span>${k.owner.name}</span><br /><span class="muted email">${k.owner.email}</span></td>`}
    <td class="created"><time datetime=${k.createdAt} title=${when(k.createdAt)}>${day(k.createdAt)}</time></td>
    <td class="last-used">${k.lastUsedAt ? html`<time datetime=${k.lastUsedAt}>${when(k.lastUsedAt)}</time>` : "Never"}</td>
    <td class="expires">${k.expiresAt ? html`<time datetime=${k.expiresAt} title=${when(k.expiresAt)}>${day(k.expiresAt)}</time>` : "Never"}</td>
    <td class="access">${accessLabel[k.access]}</td>
    <td class="status"><${Status} k=${k} /></td>
    <td class="usage"><${Sparkline} counts=${counts} label=${usageLabel} /></td>
    <td class="row-actions">
      <button type="button" id=${"edit-" + k.id} data-action="edit" aria-label=${"Edit " + k.name} onClick=${() => onAction("edit", k)}>Edit</button>
      ${k.status !== "EXPIRED" && html`<button type="button" id=${"roll-" + k.id} data-action="roll" aria-label=${"Roll " + k.name} onClick=${() => onAction("roll", k)}>Roll</button>`}
      <button type="button" class="danger" id=${"delete-" + k.id} data-action="delete" aria-label=${"Delete " + k.name} onClick=${() => onAction("delete", k)}>Delete</button>
    </td>
  </tr>`;
}

function Status({ k }) {
  return html`<span class=${"badge " + k.status.toLowerCase()}>${statusLabel[k.status] || k.status}</span>
    ${k.status === "LEAKED" && k.leak && html`<div class="status-detail">Found in public (${k.leak.source}), ${day(k.leak.reportedAt)}. Roll it for a new secret.</div>`}
    ${k.status === "EXPIRED" && html`<div class="status-detail">Since ${when(k.expiresAt)}. Create a new key instead.</div>`}
    ${k.previousSecretExpiresAt && html`<div class="status-detail previous">Previous secret works until ${when(k.previousSecretExpiresAt)};
      ${k.previousSecretLastUsedAt ? " last used " + when(k.previousSecretLastUsedAt) : " not used since the roll"}.</div>`}`;
}

// IntegrationsCard floats below its key's name. It is placed by the
// CSSOM (which the CSP allows, unlike style attributes) in fixed
// coordinates, so that the table's scrolling box does not clip it.
function IntegrationsCard({ id, anchorId, k }) {
  const rows = k.usageByIntegration;
  const ref = useRef(null);
  useLayoutEffect(() => {
    const place = () => {
      const anchor = document.getElementById(anchorId);
      const card = ref.current;
      if (!anchor || !card) return;
      const r = anchor.getBoundingClientRect();
      const width = card.offsetWidth;
      const height = card.offsetHeight;
      const below = r.bottom + 6 + height <= window.innerHeight || r.top - 6 - height < 0;
      card.style.left = Math.max(8, Math.min(r.left, window.innerWidth - width - 8)) + "px";
      card.style.top = (below ? r.bottom + 6 : r.top - 6 - height) + "px";
    };
    place();
    window.addEventListener("scroll", place, true);
    window.addEventListener("resize", place);
    return () => {
      window.removeEventListener("scroll", place, true);
      window.removeEventListener("resize", place);
    };
  }, [anchorId]);
  return html`<div class="hover-card" id=${id} role="tooltip" ref=${ref}>
    <p class="card-title">Integrations using ${k.name}</p>
    ${rows.length === 0
      ? html`<p>No integration has used this key yet.</p>`
      : html`<table class="integrations">
          <thead><tr><th scope="col">Integration</th><th scope="col">First used</th><th scope="col">Last used</th><th scope="col">Requests</th></tr></thead>
          <tbody>${rows.map((u) => html`<tr>
            <td>${u.integration}</td><td>${when(u.firstUsedAt)}</td><td>${when(u.lastUsedAt)}</td><td class="num">${u.requestCount}</td>
          </tr>`)}</tbody>
        </table>`}
  </div>`;
}

const createFields = { name: "name", note: "note", expiresAt: "expiry", access: "access" };

function CreateDialog({ onClose }) {
  const [v, setV] = useState({ name: "", note: "", expiry: "never", date: "", access: "FULL" });
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState({ fields: {}, form: null });
  const [created, setCreated] = useState(null); // {secret, name}
  const [copied, setCopied] = useState(null);
  const set = (k) => (e) => setV({ ...v, [k]: e.target.value });

  const submit = async (e) => {
    e.preventDefault();
    const at = expiresAt(v.expiry, v.date);
    if (at === undefined) {
      setErrors({ fields: { expiry: "Choose the date the key stops working." }, form: null });
      return;
    }
    setBusy(true);
    setErrors({ fields: {}, form: null });
    try {
      const input = { name: v.name, access: v.access, expiresAt: at };
      if (v.note.trim()) input.note = v.note;
      const data = await gql(CREATE_KEY, { in: input });
      setCreated({ secret: data.createApiKey.secret, name: data.createApiKey.apiKey.name });
    } catch (err) {
      setErrors(formErrors(err, createFields));
    }
    setBusy(false);
  };
  // Closing forgets the secret: it lives only in this dialog's state.
  const done = () => onClose(created !== null);
  if (created) {
    // A dialog of its own (key), so that it opens with the focus on the secret.
    return html`<${Dialog} key="secret" id="create-dialog" title=${`"${created.name}" is ready`} onClose=${done} returnTo=${["create-key"]}>
      <${ShowOnce} id="new-secret" secret=${created.secret} copied=${copied} onCopy=${setCopied} />
      <div class="actions"><button type="button" class="primary" id="secret-done" onClick=${done}>I have copied it: close</button></div>
    <//>`;
  }
  const fe = errors.fields;
  const minDate = new Date().toISOString().slice(0, 10);
  return html`<${Dialog} key="form" id="create-dialog" title="Create API Key" onClose=${() => onClose(false)} returnTo=${["create-key"]}>
    <form onSubmit=${submit} novalidate>
      <${Field} id="key-name" label="Name" hint="The integration it is for, such as Zapier or Website lead form." error=${fe.name}>
        <input id="key-name" type="text" required maxlength="100" value=${v.name} data-autofocus autocomplete="off"
          aria-invalid=${fe.name ? "true" : undefined} aria-describedby=${describedBy("key-name", true, fe.name)} onInput=${set("name")} />
      <//>
      <${Field} id="key-note" label="Note (optional)" hint="What the key is for, for whoever reads this list later." error=${fe.note}>
        <textarea id="key-note" rows="2" maxlength="500" value=${v.note}
          aria-invalid=${fe.note ? "true" : undefined} aria-describedby=${describedBy("key-note", true, fe.note)} onInput=${set("note")}></textarea>
      <//>
      <${Field} id="key-expiry" label="Expires" error=${fe.expiry}>
        <select id="key-expiry" value=${v.expiry} onChange=${set("expiry")}
          aria-invalid=${fe.expiry ? "true" : undefined} aria-describedby=${describedBy("key-expiry", null, fe.expiry)}>
          ${expiryChoices.map((c) => html`<option value=${c.value}>${c.label}</option>`)}
        </select>
      <//>
      ${v.expiry === "date" && html`<${Field} id="key-expiry-date" label="Works until the end of" hint="In your time zone. An expiry cannot be changed later.">
        <input id="key-expiry-date" type="date" min=${minDate} value=${v.date} onInput=${set("date")}
          aria-describedby=${describedBy("key-expiry-date", true, null)} />
      <//>`}
      <fieldset class=${"field" + (fe.access ? " invalid" : "")}>
        <legend>Access</legend>
        <label class="choice"><input type="radio" name="access" id="access-full" value="FULL" checked=${v.access === "FULL"} onChange=${set("access")} />
          Full: whatever you may do</label>
        <label class="choice"><input type="radio" name="access" id="access-read" value="READ_ONLY" checked=${v.access === "READ_ONLY"} onChange=${set("access")} />
          Read-only</label>
        ${fe.access && html`<p class="error" role="alert">${fe.access}</p>`}
      </fieldset>
      <${FormError} id="create-error" message=${errors.form} />
      <div class="actions">
        <button type="button" onClick=${() => onClose(false)}>Cancel</button>
        <button type="submit" class="primary" id="create-submit" disabled=${busy}>${busy ? "Creating…" : "Create key"}</button>
      </div>
    </form>
  <//>`;
}

const editFields = { name: "name", note: "note", access: "access" };

function EditDialog({ apiKey, onClose, onGone }) {
  const [v, setV] = useState({ name: apiKey.name, note: apiKey.note || "", access: apiKey.access });
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState({ fields: {}, form: null });
  const set = (k) => (e) => setV({ ...v, [k]: e.target.value });
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setErrors({ fields: {}, form: null });
    try {
      await gql(UPDATE_KEY, { in: { id: apiKey.id, name: v.name, note: v.note, access: v.access } });
      onClose(true);
    } catch (err) {
      if (err.code === "NOT_FOUND") return onGone();
      setErrors(formErrors(err, editFields));
      setBusy(false);
    }
  };
  const fe = errors.fields;
  return html`<${Dialog} id="edit-dialog" title=${`Edit "${apiKey.name}"`} onClose=${() => onClose(false)} returnTo=${["edit-" + apiKey.id, "create-key"]}>
    <form onSubmit=${submit} novalidate>
      <${Field} id="edit-name" label="Name" error=${fe.name}>
        <input id="edit-name" type="text" required maxlength="100" value=${v.name} data-autofocus autocomplete="off"
          aria-invalid=${fe.name ? "true" : undefined} aria-describedby=${describedBy("edit-name", null, fe.name)} onInput=${set("name")} />
      <//>
      <${Field} id="edit-note" label="Note (optional)" error=${fe.note}>
        <textarea id="edit-note" rows="2" maxlength="500" value=${v.note}
          aria-invalid=${fe.note ? "true" : undefined} aria-describedby=${describedBy("edit-note", null, fe.note)} onInput=${set("note")}></textarea>
      <//>
      <${Field} id="edit-access" label="Access" hint="A new access holds from the key's next request." error=${fe.access}>
        <select id="edit-access" value=${v.access} onChange=${set("access")} aria-describedby=${describedBy("edit-access", true, fe.access)}>
          <option value="FULL">Full</option>
          <option value="READ_ONLY">Read-only</option>
        </select>
      <//>
      <p class="hint">The secret, owner, expiry and usage stay as they are.</p>
      <${FormError} id="edit-error" message=${errors.form} />
      <div class="actions">
        <button type="button" onClick=${() => onClose(false)}>Cancel</button>
        <button type="submit" class="primary" id="edit-submit" disabled=${busy}>${busy ? "Saving…" : "Save"}</button>
      </div>
    </form>
  <//>`;
}

function RollDialog({ apiKey, onClose }) {
  const leaked = apiKey.status === "LEAKED";
  const [grace, setGrace] = useState(leaked ? 0 : 3600);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [rolled, setRolled] = useState(null);
  const [copied, setCopied] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const data = await gql(ROLL_KEY, { in: { id: apiKey.id, gracePeriodSeconds: grace } });
      setRolled({ secret: data.rollApiKey.secret, previousUntil: data.rollApiKey.apiKey.previousSecretExpiresAt });
    } catch (err) {
      setError(describe(err));
    }
    setBusy(false);
  };
  const done = () => onClose(rolled !== null);
  if (rolled) {
    return html`<${Dialog} key="secret" id="roll-dialog" title=${`"${apiKey.name}" has a new secret`} onClose=${done} returnTo=${["roll-" + apiKey.id, "create-key"]}>
      <${ShowOnce} id="rolled-secret" secret=${rolled.secret} copied=${copied} onCopy=${setCopied} />
      <p id="roll-result">${rolled.previousUntil
        ? html`The previous secret keeps working until <strong>${when(rolled.previousUntil)}</strong>, then stops.`
        : html`The previous secret <strong>stopped working now</strong>.`}
        ${" "}${apiKey.lastUsedAt ? `It was last used ${when(apiKey.lastUsedAt)}.` : "It was never used."}
        ${rolled.previousUntil && " The list shows whether anything still uses it."}</p>
      <div class="actions"><button type="button" class="primary" id="roll-done" onClick=${done}>I have copied it: close</button></div>
    <//>`;
  }
  return html`<${Dialog} key="form" id="roll-dialog" title=${`Roll "${apiKey.name}"`} onClose=${() => onClose(false)} returnTo=${["roll-" + apiKey.id, "create-key"]}>
    <form onSubmit=${submit} novalidate>
      <p>Rolling gives the key a new secret. Its name, note, access, owner, expiry and usage stay.
        The previous secret was last used: ${apiKey.lastUsedAt ? when(apiKey.lastUsedAt) : "never"}.</p>
      ${leaked
        ? html`<p class="warning" id="roll-leaked">This key's secret leaked, so it stops at once: there is no grace period for a leaked secret.</p>`
        : html`<fieldset class="field">
            <legend>The previous secret stops working</legend>
            ${graceChoices.map((c) => html`<label class="choice">
              <input type="radio" name="grace" value=${c.seconds} id=${"grace-" + c.seconds} checked=${grace === c.seconds}
                onChange=${() => setGrace(c.seconds)} /> ${c.label}</label>`)}
          </fieldset>`}
      <${FormError} id="roll-error" message=${error} />
      <div class="actions">
        <button type="button" onClick=${() => onClose(false)}>Cancel</button>
        <button type="submit" class="primary" id="roll-submit" disabled=${busy}>${busy ? "Rolling…" : "Roll key"}</button>
      </div>
    </form>
  <//>`;
}

function DeleteDialog({ apiKey, notify, onClose }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const mobile = apiKey.activeMobileSessions;
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const data = await gql(DELETE_KEY, { in: { id: apiKey.id } });
      const n = data.deleteApiKey.loggedOutMobileSessions;
      notify(`Deleted "${apiKey.name}".` + (apiKey.isDefault || n > 0 ? ` It logged out ${plural(n, "mobile app session", "mobile app sessions")}.` : ""));
      onClose(true);
    } catch (err) {
      if (err.code === "NOT_FOUND") {
        notify(`"${apiKey.name}" was already deleted.`);
        onClose(true);
        return;
      }
      setError(describe(err));
      setBusy(false);
    }
  };
  return html`<${Dialog} id="delete-dialog" title=${`Delete "${apiKey.name}"?`} onClose=${() => onClose(false)} returnTo=${["delete-" + apiKey.id, "create-key"]}>
    <form onSubmit=${submit}>
      <p id="delete-warning">Integrations using this key (…${apiKey.last4}) stop working at once. This cannot be undone.
        ${apiKey.isDefault && html` <strong>This is ${apiKey.owner.name}'s Default API Key: the mobile apps' sessions are tied to it, so deleting it logs
        ${" "}${apiKey.owner.name} out of the mobile apps (${plural(mobile, "active session", "active sessions")}).</strong>`}</p>
      <${FormError} id="delete-error" message=${error} />
      <div class="actions">
        <button type="button" onClick=${() => onClose(false)} data-autofocus>Cancel</button>
        <button type="submit" class="danger" id="delete-confirm" disabled=${busy}>${busy ? "Deleting…" : "Delete key"}</button>
      </div>
    </form>
  <//>`;
}
