// Keyfob playground bootstrap: renders GraphiQL (embedded UMD bundles that
// define the globals React, ReactDOM and GraphiQL) into #graphiql, with the
// Keyfob bar's Sign in above it and the example operations in its tabs.
//
// This file is served from the same origin so the page's CSP needs no inline
// script. Headers typed into GraphiQL (usually an Authorization bearer token)
// and the session token of Sign in are not written to localStorage unless
// the admin ticks "Remember headers in this browser"; see headerSafeStorage
// for why that takes more than GraphiQL's shouldPersistHeaders prop. The
// password typed into Sign in goes only into the logIn request: never into
// GraphiQL's editors, its history, the URL or any storage.
(function () {
  'use strict';

  // Where the admin's opt-in is kept. It holds only "true", never a header.
  var OPT_IN_KEY = 'keyfob:playground:rememberHeaders';
  // Where Sign in's session ({token, email, role}) is kept, only while the
  // admin has opted in; scrub removes it.
  var SESSION_KEY = 'keyfob:playground:session';
  // GraphiQL's storage namespace and the keys under it that carry headers:
  // "headers" is the header editor's text; "tabState" (every tab), "queries"
  // (history) and "favorites" are JSON whose entries have a "headers" field.
  var NS = 'graphiql:';
  var HEADERS_KEY = NS + 'headers';
  var JSON_KEYS = [NS + 'tabState', NS + 'queries', NS + 'favorites'];

  // A new tab's document. The first visit opens the examples instead.
  var DEFAULT_QUERY = [
    '# Sign in at the top right: every tab then sends your',
    '# session token, unless its own Headers set',
    '# Authorization. To call as an API key instead, put',
    '# this in Headers:',
    '#   {"Authorization": "Bearer kf_..."}',
    '',
    '{',
    '  viewer {',
    '    email',
    '  }',
    '}',
    ''
  ].join('\n');

  var LOG_IN = 'mutation KeyfobPlaygroundLogIn($input: LogInInput!) ' +
    '{ logIn(input: $input) { token user { email role } } }';
  var LOG_OUT = 'mutation KeyfobPlaygroundLogOut { logOut }';
  var VIEWER = 'query KeyfobPlaygroundViewer { viewer { email role } }';

  // The page's CSP allows one inline <style> source: elements carrying this
  // response's nonce, which the server put on this script's tag. GraphiQL's
  // dialogs (Radix, react-remove-scroll) create a <style> element and give it
  // the nonce found in the global __webpack_nonce__.
  var script = document.currentScript;
  if (script && script.nonce) window.__webpack_nonce__ = script.nonce;

  var mount = document.getElementById('graphiql');
  var checkbox = document.getElementById('kf-remember-headers');
  var endpoint = mount.getAttribute('data-endpoint');
  var statusText = document.getElementById('kf-session-status');
  var signInButton = document.getElementById('kf-sign-in');
  var signOutButton = document.getElementById('kf-sign-out');
  var form = document.getElementById('kf-sign-in-form');
  var emailInput = document.getElementById('kf-email');
  var passwordInput = document.getElementById('kf-password');
  var formError = document.getElementById('kf-sign-in-error');
  var submitButton = document.getElementById('kf-sign-in-submit');
  var cancelButton = document.getElementById('kf-sign-in-cancel');

  // The example operations (examples/*.graphql in the repository), one tab
  // each on a first visit. GraphiQL uses defaultTabs only when it has no
  // saved tabs.
  var examples = [];
  try {
    examples = JSON.parse(document.getElementById('kf-examples').textContent) || [];
  } catch (e) {
    examples = [];
  }

  var local = null;
  try {
    local = window.localStorage;
    local.getItem(OPT_IN_KEY);
  } catch (e) {
    local = null; // storage disabled: GraphiQL then persists nothing.
  }

  var persist = !!local && local.getItem(OPT_IN_KEY) === 'true';

  // withoutHeaders returns the JSON text value with every "headers" field
  // set to null (null, not deleted: GraphiQL's tab-state check wants the key).
  function withoutHeaders(value) {
    try {
      return JSON.stringify(JSON.parse(value), function (k, v) {
        return k === 'headers' ? null : v;
      });
    } catch (e) {
      return null; // not JSON: drop it rather than keep a possible secret.
    }
  }

  // scrub removes headers from everything GraphiQL has stored, including what
  // an older playground on this origin (gqlgen's, which persisted headers)
  // left behind.
  function scrub() {
    if (!local) return;
    local.removeItem(SESSION_KEY);
    local.removeItem(HEADERS_KEY);
    JSON_KEYS.forEach(function (key) {
      var value = local.getItem(key);
      if (value === null) return;
      var clean = withoutHeaders(value);
      if (clean === null) local.removeItem(key);
      else local.setItem(key, clean);
    });
  }

  // headerSafeStorage is the Storage GraphiQL writes through. GraphiQL's
  // shouldPersistHeaders=false keeps "headers" and "tabState" clean, but its
  // history (keys "queries" and "favorites") records each run's headers
  // regardless (graphiql 4.1.2), and it reads "headers" back even when not
  // persisting. So unless the admin opted in, this drops "headers" and nulls
  // the headers inside the JSON keys on every write and read.
  var headerSafeStorage = {
    getItem: function (key) {
      var value = local.getItem(key);
      if (persist || value === null) return value;
      if (key === HEADERS_KEY) return null;
      if (JSON_KEYS.indexOf(key) >= 0) return withoutHeaders(value);
      return value;
    },
    setItem: function (key, value) {
      if (!persist) {
        if (key === HEADERS_KEY) {
          local.removeItem(key);
          return;
        }
        if (JSON_KEYS.indexOf(key) >= 0) {
          value = withoutHeaders(value);
          if (value === null) {
            local.removeItem(key);
            return;
          }
        }
      }
      local.setItem(key, value); // a quota error propagates: GraphiQL handles it.
    },
    removeItem: function (key) {
      local.removeItem(key);
    },
    clear: function () {
      ownKeys().forEach(function (key) {
        local.removeItem(key);
      });
    },
    key: function (i) {
      var keys = ownKeys();
      return i >= 0 && i < keys.length ? keys[i] : null;
    },
    get length() {
      return ownKeys().length;
    }
  };

  function ownKeys() {
    var keys = [];
    for (var i = 0; i < local.length; i++) {
      var key = local.key(i);
      if (key !== null && key.indexOf(NS) === 0) keys.push(key);
    }
    return keys;
  }

  // session is Sign in's: {token, email, role}, or null. It lives in this
  // variable, and in localStorage only while the admin opts in.
  var session = null;
  // sessionEnded is set when the server refused the session's token (401).
  var sessionEnded = false;

  function saveSession() {
    if (!local) return;
    if (persist && session) local.setItem(SESSION_KEY, JSON.stringify(session));
    else local.removeItem(SESSION_KEY);
  }

  function setSession(s) {
    session = s;
    if (s) sessionEnded = false;
    saveSession();
    renderBar();
  }

  function endSession() {
    session = null;
    sessionEnded = true;
    saveSession();
    renderBar();
  }

  function renderBar() {
    if (session) {
      statusText.textContent = 'Signed in as ' + session.email + ' (' + session.role + ')';
    } else if (sessionEnded) {
      statusText.textContent = 'Session ended.';
    } else {
      statusText.textContent = 'Not signed in';
    }
    signInButton.textContent = sessionEnded ? 'Sign in again' : 'Sign in';
    signInButton.hidden = !!session;
    signInButton.disabled = false;
    signOutButton.hidden = !session;
    signOutButton.disabled = false;
  }

  // post sends one GraphQL request (params: query, variables and, from
  // GraphiQL, operationName) and resolves to {status, body, text}, body
  // being the parsed JSON answer (or null when it is not JSON).
  function post(params, headers) {
    var all = {
      'Content-Type': 'application/json',
      Accept: 'application/graphql-response+json, application/json'
    };
    Object.keys(headers || {}).forEach(function (name) {
      all[name] = headers[name];
    });
    return fetch(endpoint, {
      method: 'POST',
      headers: all,
      body: JSON.stringify(params),
      credentials: 'same-origin',
      cache: 'no-store'
    }).then(function (res) {
      return res.text().then(function (text) {
        var body = null;
        try {
          body = JSON.parse(text);
        } catch (e) {
          body = null;
        }
        return {status: res.status, body: body, text: text};
      });
    });
  }

  function hasHeader(headers, name) {
    return Object.keys(headers).some(function (h) {
      return h.toLowerCase() === name;
    });
  }

  // withoutStaleOperationName drops an operationName the document does not
  // define. GraphiQL updates a tab's operation name a moment after its
  // document changes, so running right after pasting a new document can
  // name an operation that is gone, which the server refuses; without the
  // name, a document of one operation runs as it is.
  function withoutStaleOperationName(params) {
    var name = params.operationName;
    if (!name || typeof params.query !== 'string' || !/^[_A-Za-z][_0-9A-Za-z]*$/.test(name)) return params;
    if (new RegExp('(query|mutation|subscription)\\s+' + name + '(?![_0-9A-Za-z])').test(params.query)) return params;
    var copy = {};
    Object.keys(params).forEach(function (k) {
      if (k !== 'operationName') copy[k] = params[k];
    });
    return copy;
  }

  // fetcher posts each operation as JSON to the endpoint, with the headers
  // from the tab's header editor and, unless those set Authorization, the
  // signed-in session's token. In GraphiQL 4 headers belong to each tab, so
  // the token is added here rather than written into one tab's editor.
  // No subscriptions, no websocket.
  function fetcher(params, opts) {
    var headers = {};
    var extra = (opts && opts.headers) || {};
    Object.keys(extra).forEach(function (name) {
      headers[name] = extra[name];
    });
    var sent = null;
    if (session && !hasHeader(headers, 'authorization')) {
      sent = session;
      headers.Authorization = 'Bearer ' + session.token;
    }
    return post(withoutStaleOperationName(params), headers).then(function (r) {
      if (r.status === 401 && sent && session === sent) endSession();
      if (r.body !== null) return r.body;
      return {errors: [{message: 'HTTP ' + r.status + ' from ' + endpoint + ': ' + r.text.slice(0, 500)}]};
    });
  }

  // loginError is the form's text for a refused log-in: the API's message
  // and code, and for RATE_LIMITED when to try again.
  function loginError(r) {
    var err = r.body && r.body.errors && r.body.errors[0];
    if (!err) return 'Sign in failed: HTTP ' + r.status + '.';
    var ext = err.extensions || {};
    var text = err.message + (ext.code ? ' (' + ext.code + ')' : '');
    var seconds = ext.retryAfterSeconds;
    if (ext.code === 'RATE_LIMITED' && typeof seconds === 'number' && seconds > 0) {
      var at = new Date(Date.now() + seconds * 1000);
      text += '. Try again in ' + (seconds < 120 ? seconds + ' seconds' : Math.ceil(seconds / 60) + ' minutes') +
        ', at ' + at.toLocaleTimeString() + '.';
    }
    return text;
  }

  function showFormError(text) {
    formError.textContent = text;
    formError.hidden = !text;
  }

  function openForm() {
    form.hidden = false;
    signInButton.setAttribute('aria-expanded', 'true');
    showFormError('');
    (emailInput.value ? passwordInput : emailInput).focus();
  }

  function closeForm() {
    passwordInput.value = '';
    form.hidden = true;
    signInButton.setAttribute('aria-expanded', 'false');
  }

  signInButton.addEventListener('click', function () {
    if (form.hidden) openForm();
    else closeForm();
  });
  cancelButton.addEventListener('click', closeForm);
  form.addEventListener('keydown', function (e) {
    if (e.key === 'Escape') closeForm();
  });

  // The form never submits the browser's way (its CSP forbids that too):
  // the password goes only into the body of one logIn request.
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var input = {email: emailInput.value.trim(), password: passwordInput.value, client: 'WEB'};
    passwordInput.value = '';
    showFormError('');
    submitButton.disabled = true;
    post({query: LOG_IN, variables: {input: input}}).then(function (r) {
      var payload = r.body && r.body.data && r.body.data.logIn;
      if (payload && payload.token) {
        setSession({token: payload.token, email: payload.user.email, role: payload.user.role});
        closeForm();
      } else {
        showFormError(loginError(r));
        passwordInput.focus();
      }
    }, function (err) {
      showFormError('Could not reach ' + endpoint + ': ' + err.message);
    }).then(function () {
      submitButton.disabled = false;
    });
  });

  // Sign out revokes the token on the server, then forgets it. When the
  // server did not revoke it (unreachable, or an error such as 503), the
  // session is kept so that the admin can try again rather than leave a
  // live token behind; a 401 means it was revoked already.
  signOutButton.addEventListener('click', function () {
    if (!session) return;
    var s = session;
    signOutButton.disabled = true;
    function failed(why) {
      signOutButton.disabled = false;
      statusText.textContent = 'Could not sign out (' + why + '): try again.';
    }
    post({query: LOG_OUT}, {Authorization: 'Bearer ' + s.token}).then(function (r) {
      var revoked = r.status === 401 || !!(r.body && r.body.data && r.body.data.logOut);
      if (!revoked) {
        var err = r.body && r.body.errors && r.body.errors[0];
        failed(err ? err.message : 'HTTP ' + r.status);
        return;
      }
      if (session === s) {
        sessionEnded = false;
        setSession(null);
      }
    }, function (err) {
      failed(err.message);
    });
  });

  // restoreSession picks up a remembered session and checks it is still
  // live, so that the bar never claims a session the server has ended.
  function restoreSession() {
    if (!local || !persist) return;
    var saved = null;
    try {
      saved = JSON.parse(local.getItem(SESSION_KEY));
    } catch (e) {
      saved = null;
    }
    if (!saved || typeof saved.token !== 'string') {
      local.removeItem(SESSION_KEY);
      return;
    }
    session = {token: saved.token, email: String(saved.email), role: String(saved.role)};
    var s = session;
    post({query: VIEWER}, {Authorization: 'Bearer ' + s.token}).then(function (r) {
      if (session !== s) return;
      if (r.status === 401) {
        endSession();
      } else if (r.body && r.body.data && r.body.data.viewer) {
        setSession({token: s.token, email: r.body.data.viewer.email, role: r.body.data.viewer.role});
      }
    }, function () {
      // Offline: keep the session; a query's 401 will end it if need be.
    });
  }

  if (!persist) scrub();

  var defaultTabs = examples.map(function (ex) {
    return {query: ex.query, variables: ex.variables || undefined};
  });

  var root = ReactDOM.createRoot(mount);
  function render() {
    root.render(
      React.createElement(GraphiQL, {
        fetcher: fetcher,
        storage: local ? headerSafeStorage : null,
        isHeadersEditorEnabled: true,
        // The examples' variables matter more than headers now that Sign in
        // sends the token.
        defaultEditorToolsVisibility: 'variables',
        shouldPersistHeaders: persist,
        // The checkbox above is the one switch; hide GraphiQL's own.
        showPersistHeadersSettings: false,
        defaultQuery: DEFAULT_QUERY,
        defaultTabs: examples.length ? defaultTabs : undefined
      })
    );
  }

  if (local) {
    checkbox.checked = persist;
    checkbox.disabled = false;
    checkbox.addEventListener('change', function () {
      persist = checkbox.checked;
      if (persist) {
        local.setItem(OPT_IN_KEY, 'true');
        saveSession();
      } else {
        local.removeItem(OPT_IN_KEY);
        scrub();
      }
      // GraphiQL reacts to the new shouldPersistHeaders: on, it saves the
      // current headers; off, it clears them from storage.
      render();
    });
  } else {
    checkbox.title = 'This browser does not allow local storage here.';
  }

  restoreSession();
  renderBar();
  render();
})();
