// Keyfob playground bootstrap: renders GraphiQL (embedded UMD bundles that
// define the globals React, ReactDOM and GraphiQL) into #graphiql.
//
// This file is served from the same origin so the page's CSP needs no inline
// script. Headers typed into GraphiQL (usually an Authorization bearer token)
// are not written to localStorage unless the admin ticks "Remember headers in
// this browser"; see headerSafeStorage for why that takes more than
// GraphiQL's shouldPersistHeaders prop.
(function () {
  'use strict';

  // Where the admin's opt-in is kept. It holds only "true", never a header.
  var OPT_IN_KEY = 'keyfob:playground:rememberHeaders';
  // GraphiQL's storage namespace and the keys under it that carry headers:
  // "headers" is the header editor's text; "tabState" (every tab), "queries"
  // (history) and "favorites" are JSON whose entries have a "headers" field.
  var NS = 'graphiql:';
  var HEADERS_KEY = NS + 'headers';
  var JSON_KEYS = [NS + 'tabState', NS + 'queries', NS + 'favorites'];

  var DEFAULT_QUERY = [
    '# Keyfob GraphQL playground.',
    '#',
    '# To call the API as a user, paste into "Headers" below:',
    '#   {"Authorization": "Bearer <token>"}',
    '# Headers stay in this tab only, unless you tick',
    '# "Remember headers in this browser" at the top right.',
    '',
    '{',
    '  __typename',
    '}',
    ''
  ].join('\n');

  // The page's CSP allows one inline <style> source: elements carrying this
  // response's nonce, which the server put on this script's tag. GraphiQL's
  // dialogs (Radix, react-remove-scroll) create a <style> element and give it
  // the nonce found in the global __webpack_nonce__.
  var script = document.currentScript;
  if (script && script.nonce) window.__webpack_nonce__ = script.nonce;

  var mount = document.getElementById('graphiql');
  var checkbox = document.getElementById('kf-remember-headers');
  var endpoint = mount.getAttribute('data-endpoint');

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

  // fetcher posts each operation as JSON to the endpoint, with the headers
  // from GraphiQL's header editor. No subscriptions, no websocket.
  function fetcher(params, opts) {
    var headers = {
      'Content-Type': 'application/json',
      Accept: 'application/graphql-response+json, application/json'
    };
    var extra = (opts && opts.headers) || {};
    Object.keys(extra).forEach(function (name) {
      headers[name] = extra[name];
    });
    return fetch(endpoint, {
      method: 'POST',
      headers: headers,
      body: JSON.stringify(params),
      credentials: 'same-origin'
    }).then(function (res) {
      return res.text().then(function (text) {
        try {
          return JSON.parse(text);
        } catch (e) {
          return {errors: [{message: 'HTTP ' + res.status + ' from ' + endpoint + ': ' + text.slice(0, 500)}]};
        }
      });
    });
  }

  if (!persist) scrub();

  var root = ReactDOM.createRoot(mount);
  function render() {
    root.render(
      React.createElement(GraphiQL, {
        fetcher: fetcher,
        storage: local ? headerSafeStorage : null,
        isHeadersEditorEnabled: true,
        defaultEditorToolsVisibility: 'headers',
        shouldPersistHeaders: persist,
        // The checkbox above is the one switch; hide GraphiQL's own.
        showPersistHeadersSettings: false,
        defaultQuery: DEFAULT_QUERY
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

  render();
})();
