// Logging in and signing up. The password goes into the request's body
// and nowhere else: the field is emptied as soon as the request is sent.

import { useState } from "preact/hooks";
import { gql } from "./api.js";
import { LOG_IN, SIGN_UP } from "./queries.js";
import { html, Field, FormError, describedBy, formErrors } from "./ui.js";

const loginFields = { email: "email", password: "password" };
const signupFields = { accountName: "account", name: "name", email: "email", password: "password" };

export function SignIn({ message, onSignedIn }) {
  const [mode, setMode] = useState("login");
  return html`<main class="auth" id="main">
    <h1>Keyfob API keys</h1>
    ${message && html`<p class="notice" id="auth-message" role="status">${message}</p>`}
    ${mode === "login"
      ? html`<${LogIn} onSignedIn=${onSignedIn} />
          <p class="switch-mode">New to Keyfob? <button type="button" class="link" id="show-signup" onClick=${() => setMode("signup")}>Create an account</button></p>`
      : html`<${SignUp} onSignedIn=${onSignedIn} />
          <p class="switch-mode">Have an account? <button type="button" class="link" id="show-login" onClick=${() => setMode("login")}>Log in</button></p>`}
  </main>`;
}

function LogIn({ onSignedIn }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState({ fields: {}, form: null });
  const submit = async (e) => {
    e.preventDefault();
    const pw = password;
    setPassword("");
    e.target.querySelector("#login-password").value = "";
    setBusy(true);
    setErrors({ fields: {}, form: null });
    try {
      const data = await gql(LOG_IN, { in: { email, password: pw, client: "WEB" } });
      onSignedIn(data.logIn.token, data.logIn.user);
    } catch (err) {
      setErrors(formErrors(err, loginFields));
      setBusy(false);
    }
  };
  const fe = errors.fields;
  return html`<form class="card" id="login-form" onSubmit=${submit} aria-labelledby="login-title" novalidate>
    <h2 id="login-title">Log in</h2>
    <${Field} id="login-email" label="Email" error=${fe.email}>
      <input id="login-email" type="email" autocomplete="username" required value=${email}
        aria-invalid=${fe.email ? "true" : undefined} aria-describedby=${describedBy("login-email", null, fe.email)}
        onInput=${(e) => setEmail(e.target.value)} />
    <//>
    <${Field} id="login-password" label="Password" error=${fe.password}>
      <input id="login-password" type="password" autocomplete="current-password" required value=${password}
        aria-invalid=${fe.password ? "true" : undefined} aria-describedby=${describedBy("login-password", null, fe.password)}
        onInput=${(e) => setPassword(e.target.value)} />
    <//>
    <${FormError} id="login-error" message=${errors.form} />
    <div class="actions"><button type="submit" class="primary" id="login-submit" disabled=${busy}>${busy ? "Logging in…" : "Log in"}</button></div>
  </form>`;
}

function SignUp({ onSignedIn }) {
  const [v, setV] = useState({ accountName: "", name: "", email: "" });
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState({ fields: {}, form: null });
  const set = (k) => (e) => setV({ ...v, [k]: e.target.value });
  const submit = async (e) => {
    e.preventDefault();
    const pw = password;
    setPassword("");
    e.target.querySelector("#signup-password").value = "";
    setBusy(true);
    setErrors({ fields: {}, form: null });
    try {
      const data = await gql(SIGN_UP, { in: { ...v, password: pw } });
      onSignedIn(data.signUp.token, data.signUp.user);
    } catch (err) {
      setErrors(formErrors(err, signupFields));
      setBusy(false);
    }
  };
  const fe = errors.fields;
  const input = (id, key, type, autocomplete) => html`<input id=${id} type=${type} autocomplete=${autocomplete} required
    value=${v[key]} aria-invalid=${fe[id.slice(7)] ? "true" : undefined}
    aria-describedby=${describedBy(id, null, fe[id.slice(7)])} onInput=${set(key)} />`;
  return html`<form class="card" id="signup-form" onSubmit=${submit} aria-labelledby="signup-title" novalidate>
    <h2 id="signup-title">Create an account</h2>
    <${Field} id="signup-account" label="Company or account name" error=${fe.account}>${input("signup-account", "accountName", "text", "organization")}<//>
    <${Field} id="signup-name" label="Your name" error=${fe.name}>${input("signup-name", "name", "text", "name")}<//>
    <${Field} id="signup-email" label="Email" error=${fe.email}>${input("signup-email", "email", "email", "username")}<//>
    <${Field} id="signup-password" label="Password" hint="8 to 256 characters." error=${fe.password}>
      <input id="signup-password" type="password" autocomplete="new-password" required value=${password}
        aria-invalid=${fe.password ? "true" : undefined} aria-describedby=${describedBy("signup-password", true, fe.password)}
        onInput=${(e) => setPassword(e.target.value)} />
    <//>
    <${FormError} id="signup-error" message=${errors.form} />
    <div class="actions"><button type="submit" class="primary" id="signup-submit" disabled=${busy}>${busy ? "Creating…" : "Create account"}</button></div>
  </form>`;
}
