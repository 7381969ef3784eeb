// The API Keys web app: signing in, then the keys, who may create them and
// the audit log, all through the public GraphQL API at /graphql.

import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import * as api from "./api.js";
import { LOG_OUT, VIEWER_QUERY } from "./queries.js";
import { roleLabel } from "./format.js";
import { html } from "./ui.js";
import { SignIn } from "./auth.js";
import { KeysScreen } from "./keys.js";
import { AccessScreen, AuditScreen } from "./access.js";

const ENDED = "Your session has ended: it expired, or you logged out elsewhere. Log in again.";

function App() {
  // viewer: undefined while a stored session is checked, null signed out.
  const [viewer, setViewer] = useState(api.hasSession() ? undefined : null);
  const [authMessage, setAuthMessage] = useState(null);
  const [banner, setBanner] = useState(null);
  const [notice, setNotice] = useState(null);
  const [screen, setScreen] = useState("keys");

  useEffect(() => {
    api.on({
      sessionEnded: () => {
        setViewer(null);
        setNotice(null);
        setAuthMessage(ENDED);
      },
      unavailable: (err) => setBanner(api.describe(err)),
      reachable: () => setBanner(null),
    });
    if (api.hasSession()) {
      api.gql(VIEWER_QUERY).then(
        (data) => setViewer(data.viewer),
        (err) => {
          if (err.code !== "UNAUTHENTICATED") setAuthMessage(api.describe(err));
          api.forgetSession();
          setViewer(null);
        },
      );
    }
  }, []);

  const signedIn = (token, user) => {
    api.setSession(token);
    setAuthMessage(null);
    setScreen("keys");
    setViewer(user);
  };
  const logOut = async () => {
    try {
      await api.gql(LOG_OUT);
    } catch {
      // The session may have ended already; it is forgotten either way.
    }
    api.forgetSession();
    setViewer(null);
    setNotice(null);
    setAuthMessage("You have logged out.");
  };

  const bannerEl = banner && html`<div class="banner" id="banner" role="alert">
    <span>${banner}</span> <button type="button" class="link" onClick=${() => setBanner(null)}>Dismiss</button></div>`;
  if (viewer === undefined) {
    return html`${bannerEl}<main id="main" class="auth"><h1>Keyfob API keys</h1><p role="status">Checking your session…</p></main>`;
  }
  if (viewer === null) {
    return html`${bannerEl}<${SignIn} message=${authMessage} onSignedIn=${signedIn} />`;
  }
  const manager = viewer.role === "OWNER" || viewer.role === "ADMIN";
  const tabs = [
    ["keys", "API keys"],
    ["access", "Who may create keys"],
    ...(manager ? [["audit", "Audit log"]] : []),
  ];
  return html`<header class="topbar">
      <div class="brand">Keyfob <span class="muted">· ${viewer.account.name}</span></div>
      <nav aria-label="Screens">
        ${tabs.map(([id, label]) => html`<button type="button" id=${"nav-" + id} class="tab" aria-current=${screen === id ? "page" : undefined}
          onClick=${() => { setNotice(null); setScreen(id); }}>${label}</button>`)}
      </nav>
      <div class="who"><span id="who">${viewer.email} (${roleLabel[viewer.role]})</span>
        <button type="button" id="logout" onClick=${logOut}>Log out</button></div>
    </header>
    ${bannerEl}
    <main id="main">
      <h1 class="visually-hidden">Keyfob API keys</h1>
      <p class="notice" id="notice" role="status">${notice || ""}</p>
      ${screen === "keys" && html`<${KeysScreen} viewer=${viewer} notify=${setNotice} />`}
      ${screen === "access" && html`<${AccessScreen} viewer=${viewer} notify=${setNotice} />`}
      ${screen === "audit" && manager && html`<${AuditScreen} />`}
    </main>`;
}

render(html`<${App} />`, document.getElementById("app"));
