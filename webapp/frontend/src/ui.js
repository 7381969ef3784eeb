// Building blocks every screen shares: the html tag, dialogs that keep the
// focus inside them, form fields with their errors, and the sparkline.

import { h } from "preact";
import { useEffect, useRef } from "preact/hooks";
import htm from "htm";
import { describe } from "./api.js";

export const html = htm.bind(h);

const focusable =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

// Dialog is a modal <dialog>: the page behind it is inert, Tab and
// Shift+Tab cycle within it, Escape closes it, and the focus goes back to
// the first of returnTo (element ids) still on the page, or else to
// whatever had it when the dialog opened. The ids matter when a dialog
// follows another (a form, then its secret): by then the opener may be a
// button that is gone.
export function Dialog({ id, title, onClose, children, wide, returnTo = [] }) {
  const ref = useRef(null);
  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement;
    if (!dialog.open) dialog.showModal();
    const first = dialog.querySelector("[data-autofocus]") || dialog.querySelector(focusable);
    if (first) first.focus();
    return () => {
      // Closed first: while it is modal the page behind it is inert, and
      // nothing there could take the focus back.
      if (dialog.open) dialog.close();
      const target = returnTo.map((i) => document.getElementById(i)).find((el) => el) ||
        (opener && opener.isConnected && opener !== document.body ? opener : null);
      if (target) target.focus();
    };
  }, []);
  const onKeyDown = (e) => {
    if (e.key !== "Tab") return;
    const items = [...ref.current.querySelectorAll(focusable)].filter((el) => el.offsetParent !== null);
    if (items.length === 0) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (e.shiftKey && (document.activeElement === first || !ref.current.contains(document.activeElement))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (document.activeElement === last || !ref.current.contains(document.activeElement))) {
      e.preventDefault();
      first.focus();
    }
  };
  const onCancel = (e) => {
    // Escape: the dialog closes through the app's state, so that what it
    // held (a secret) is forgotten with it.
    e.preventDefault();
    onClose();
  };
  return html`<dialog id=${id} ref=${ref} class=${"dialog" + (wide ? " wide" : "")} aria-labelledby=${id + "-title"}
    onKeyDown=${onKeyDown} onCancel=${onCancel}>
    <h2 id=${id + "-title"}>${title}</h2>
    ${children}
  </dialog>`;
}

// Field is a labelled control with its hint and its error beneath it; the
// control is described by both.
export function Field({ id, label, hint, error, children }) {
  return html`<div class=${"field" + (error ? " invalid" : "")}>
    <label for=${id}>${label}</label>
    ${children}
    ${hint && html`<p class="hint" id=${id + "-hint"}>${hint}</p>`}
    ${error && html`<p class="error" id=${id + "-error"} role="alert">${error}</p>`}
  </div>`;
}

// describedBy names a field's hint and error for aria-describedby.
export function describedBy(id, hint, error) {
  const ids = [];
  if (hint) ids.push(id + "-hint");
  if (error) ids.push(id + "-error");
  return ids.length ? ids.join(" ") : undefined;
}

// formErrors places an API error: BAD_USER_INPUT next to the field it
// names when the form has it, anything else above the form's buttons.
export function formErrors(err, fields) {
  if (err && err.code === "BAD_USER_INPUT" && err.field && fields[err.field]) {
    return { fields: { [fields[err.field]]: describe(err) }, form: null };
  }
  return { fields: {}, form: describe(err) };
}

export function FormError({ id, message }) {
  return message ? html`<p class="error form-error" id=${id} role="alert">${message}</p>` : null;
}

// Sparkline draws 30 days of requests as bars, for the eye; its label
// says the same in words.
export function Sparkline({ counts, label }) {
  const max = Math.max(1, ...counts);
  const w = 64;
  const hgt = 24;
  const step = w / counts.length;
  return html`<svg class="sparkline" role="img" aria-label=${label} viewBox=${`0 0 ${w} ${hgt}`} width=${w} height=${hgt}>
    <title>${label}</title>
    <line class="baseline" x1="0" y1=${hgt - 0.5} x2=${w} y2=${hgt - 0.5} />
    ${counts.map((n, i) => {
      const bar = n === 0 ? 0 : Math.max(2, Math.round((n / max) * (hgt - 2)));
      return html`<rect x=${(i * step).toFixed(2)} y=${hgt - bar} width=${Math.max(1, step - 0.6).toFixed(2)} height=${bar} />`;
    })}
  </svg>`;
}

// ShowOnce shows a new secret with its copy button and the warning that
// it will not be shown again. It holds the secret only while mounted.
export function ShowOnce({ id, secret, copied, onCopy }) {
  const copy = async () => {
    const input = document.getElementById(id);
    let ok = false;
    try {
      await navigator.clipboard.writeText(secret);
      ok = true;
    } catch {
      // Without clipboard permission, copy the selected field the old way.
      input.select();
      ok = document.execCommand("copy");
    }
    onCopy(ok);
  };
  return html`<div class="show-once">
    <p class="warning" id=${id + "-warning"}><strong>Copy this key now.</strong> It will not be shown again: Keyfob keeps only a hash of it.
      If you lose it, roll the key or create a new one.</p>
    <label for=${id}>Your new API key</label>
    <div class="secret-row">
      <input id=${id} class="secret" type="text" readonly value=${secret} aria-describedby=${id + "-warning"}
        spellcheck="false" autocomplete="off" data-autofocus onFocus=${(e) => e.target.select()} />
      <button type="button" id=${id + "-copy"} onClick=${copy}>Copy</button>
    </div>
    <p class="copy-status" role="status">${copied === true ? "Copied to the clipboard." : copied === false ? "Copying failed: select the key and copy it yourself." : ""}</p>
  </div>`;
}
