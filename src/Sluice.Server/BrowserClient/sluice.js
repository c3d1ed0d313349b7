/*! sluice.js: browser logs to a Sluice server. No dependencies; docs/browser.md says how to use it. */
(function (window) {
  'use strict';
  if (window.Sluice) return;

  var LEVELS = { log: 'info', info: 'info', warn: 'warn', error: 'error', debug: 'debug' };
  var BEACON_BYTES = 60000; // browsers cap a beacon (and all keepalive bodies in flight) at 64 KiB
  var MAX_TEXT = 8192;

  var config = { url: '', apiKey: '', service: '', batchSize: 20, flushMs: 2000, maxPerMinute: 300, maxQueue: 500 };
  var queue = [];
  var dropped = 0; // not yet reported to the server
  var stats = { sent: 0, dropped: 0, requests: 0 };
  var tokens = 0, refilledAt = 0;
  var pausedUntil = 0, failures = 0;
  var budget = Infinity; // what the server's remaining_quota last allowed
  var sending = null, timer = 0, started = false;
  var original = {};

  function hex(bytes) {
    var a = new Uint8Array(bytes), s = '';
    window.crypto.getRandomValues(a);
    for (var i = 0; i < a.length; i++) s += (a[i] < 16 ? '0' : '') + a[i].toString(16);
    return s;
  }

  function newTraceId() {
    var id;
    do id = hex(16); while (/^0+$/.test(id)); // W3C: all zeros is invalid
    return id;
  }

  function sessionId() {
    try {
      var id = window.sessionStorage.getItem('sluice.session');
      if (!id) window.sessionStorage.setItem('sluice.session', id = hex(16));
      return id;
    } catch (e) {
      return hex(16); // storage refused (privacy mode): one session per page
    }
  }

  function text(value) {
    if (typeof value === 'string') return value;
    if (value instanceof Error) return value.name + ': ' + value.message;
    try {
      return JSON.stringify(value) || String(value);
    } catch (e) {
      return String(value);
    }
  }

  function clip(s) {
    return s && s.length > MAX_TEXT ? s.slice(0, MAX_TEXT) + '…' : s;
  }

  // A token bucket of maxPerMinute, refilled continuously: a burst may use a minute's worth at once.
  function take() {
    var now = Date.now(), rate = config.maxPerMinute / 60000;
    tokens = Math.min(config.maxPerMinute, tokens + (now - refilledAt) * rate);
    refilledAt = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  }

  function capture(level, message, fields) {
    if (!started) return;
    if (queue.length >= config.maxQueue || !take()) {
      dropped++;
      stats.dropped++;
      return;
    }
    var event = {
      timestamp: new Date().toISOString(),
      level: level,
      message: clip(message) || '(empty)',
      trace_id: Sluice.traceId,
      session_id: Sluice.sessionId,
      url: window.location.href
    };
    if (config.service) event.service = config.service;
    for (var k in fields) if (fields[k] != null) event[k] = k === 'stack_trace' ? clip(fields[k]) : fields[k];
    queue.push(event);
    if (queue.length >= config.batchSize) flush();
    else schedule();
  }

  function schedule() {
    if (!timer && queue.length) timer = setTimeout(function () { timer = 0; flush(); }, Math.max(config.flushMs, pausedUntil - Date.now()));
  }

  // The next batch: up to batchSize events the server still allows, led by a report of what was dropped.
  function nextBatch(limit) {
    var n = Math.min(queue.length, limit, budget);
    var batch = queue.splice(0, n);
    if (dropped > 0) {
      batch.unshift({ timestamp: new Date().toISOString(), level: 'warn', message: 'sluice.js dropped ' + dropped + ' events',
        dropped: dropped, source: 'sluice', trace_id: Sluice.traceId, session_id: Sluice.sessionId, url: window.location.href, service: config.service || undefined });
      dropped = 0;
    }
    return batch;
  }

  function requeue(batch) {
    for (var i = batch.length - 1; i >= 0; i--) {
      if (batch[i].source === 'sluice' && batch[i].dropped) dropped += batch[i].dropped;
      else queue.unshift(batch[i]);
    }
    queue.splice(config.maxQueue); // never more than maxQueue waiting
  }

  function endpoint(beacon) {
    return config.url + '/api/logs/batch' + (beacon && config.apiKey ? '?apiKey=' + encodeURIComponent(config.apiKey) : '');
  }

  function pause(seconds) {
    pausedUntil = Date.now() + seconds * 1000;
  }

  function retryAfter(response, fallback) {
    var s = parseInt(response.headers.get('Retry-After'), 10);
    return s >= 0 ? s : fallback;
  }

  function lost(count) {
    dropped += count;
    stats.dropped += count;
  }

  function lostBatch(batch) {
    batch.forEach(function (e) { if (e.source === 'sluice' && e.dropped) dropped += e.dropped; else lost(1); });
  }

  // Sends one batch with fetch (keepalive: it outlives the page) and learns from the answer how fast it may go on.
  function flush() {
    if (sending || !queue.length && !dropped) return sending || Promise.resolve(false);
    if (Date.now() < pausedUntil || budget < 1) {
      schedule();
      return Promise.resolve(false);
    }
    var batch = nextBatch(config.batchSize);
    if (!batch.length) return Promise.resolve(false);
    var body = JSON.stringify({ logs: batch });
    var headers = { 'Content-Type': 'text/plain;charset=UTF-8' }; // a simple request: no preflight without a key
    if (config.apiKey) headers['X-Api-Key'] = config.apiKey;
    stats.requests++;
    sending = window.fetch(endpoint(false), { method: 'POST', body: body, headers: headers, keepalive: body.length < BEACON_BYTES, credentials: 'omit' })
      .then(function (response) {
        failures = 0;
        if (response.status === 429 || response.status === 503 || response.status === 507) {
          pause(retryAfter(response, response.status === 429 ? 60 : 5));
          if (response.status === 429) lostBatch(batch);
          else requeue(batch);
          return response.json().catch(function () { return {}; }).then(function () { return false; });
        }
        return response.json().catch(function () { return {}; }).then(function (answer) {
          if (!response.ok) {
            lostBatch(batch); // refused as a whole (a bad key, a bad body): resending cannot help
            return false;
          }
          var refused = (answer.rejected || []).length;
          if (refused) lost(refused);
          stats.sent += batch.length - refused;
          if (typeof answer.remaining_quota === 'number') {
            budget = answer.remaining_quota;
            if (budget < 1) {
              pause(retryAfter(response, 60));
              budget = Infinity; // probe again once the pause is over
            }
          } else budget = Infinity;
          if (refused) pause(retryAfter(response, 60));
          return true;
        });
      }, function () {
        requeue(batch); // offline or blocked: back off 1 s, 2 s, 4 s … up to a minute
        pause(Math.min(60, Math.pow(2, failures++)));
        return false;
      })
      .then(function (ok) {
        sending = null;
        if (queue.length >= config.batchSize) flush();
        else schedule();
        return ok;
      });
    return sending;
  }

  // The page is going away: everything queued goes in beacons, which the browser delivers after the page is gone.
  function flushOnHide() {
    if (Date.now() < pausedUntil) return;
    while (queue.length || dropped) {
      var batch = nextBatch(Infinity), body = JSON.stringify({ logs: batch });
      while (body.length > BEACON_BYTES && batch.length > 1) {
        requeue(batch.splice(batch.length >> 1));
        body = JSON.stringify({ logs: batch });
      }
      var blob = new Blob([body], { type: 'text/plain;charset=UTF-8' });
      stats.requests++;
      if (!(navigator.sendBeacon && navigator.sendBeacon(endpoint(true), blob))) {
        requeue(batch);
        return;
      }
      stats.sent += batch.length;
    }
  }

  function wrapConsole() {
    Object.keys(LEVELS).forEach(function (name) {
      var own = window.console[name];
      if (typeof own !== 'function' || own.sluice) return;
      original[name] = own;
      var wrapped = function () {
        own.apply(window.console, arguments); // the console keeps its own behaviour
        var parts = [], stack;
        for (var i = 0; i < arguments.length; i++) {
          parts.push(text(arguments[i]));
          if (arguments[i] instanceof Error && !stack) stack = arguments[i].stack;
        }
        capture(LEVELS[name], parts.join(' '), { source: 'console', stack_trace: stack });
      };
      wrapped.sluice = true;
      window.console[name] = wrapped;
    });
  }

  function listen() {
    window.addEventListener('error', function (e) {
      if (!e.message && !e.error) return; // a resource that failed to load, not a script error
      capture('error', e.error instanceof Error ? text(e.error) : e.message, {
        source: 'error', stack_trace: e.error && e.error.stack, file: e.filename, line: e.lineno, column: e.colno });
    });
    window.addEventListener('unhandledrejection', function (e) {
      var r = e.reason;
      capture('error', 'Unhandled rejection: ' + text(r), { source: 'unhandledrejection', stack_trace: r && r.stack });
    });
    document.addEventListener('visibilitychange', function () { if (document.visibilityState === 'hidden') flushOnHide(); });
    window.addEventListener('pagehide', flushOnHide);
  }

  var Sluice = {
    traceId: newTraceId(),
    sessionId: sessionId(),
    /** Starts (or reconfigures) capture: {url, apiKey, service, batchSize, flushMs, maxPerMinute, maxQueue, traceId}. */
    init: function (options) {
      for (var k in options) if (k in config && options[k] != null && options[k] !== '') config[k] = typeof config[k] === 'number' ? Number(options[k]) : String(options[k]);
      config.url = config.url.replace(/\/+$/, '');
      config.batchSize = Math.max(1, config.batchSize);
      if (options && options.traceId) Sluice.setTraceId(options.traceId);
      if (!started) {
        started = true;
        tokens = config.maxPerMinute;
        refilledAt = Date.now();
        wrapConsole();
        listen();
      }
      return Sluice;
    },
    /** Sets the trace id of what follows: 32 lowercase hex characters, as in a W3C traceparent. */
    setTraceId: function (id) {
      if (!/^[0-9a-f]{32}$/.test(id) || /^0+$/.test(id)) throw new Error('Sluice: a trace id is 32 lowercase hex characters, not all zero');
      Sluice.traceId = id;
    },
    /** Logs an event of its own: Sluice.log('warn', 'cart is empty', {user_id: 'u1'}). */
    log: function (level, message, fields) {
      capture(level || 'info', text(message), fields || {});
    },
    flush: flush,
    /** What was queued, sent and dropped, and until when sending is paused (epoch ms). */
    stats: function () {
      return { queued: queue.length, sent: stats.sent, dropped: stats.dropped, requests: stats.requests, pausedUntil: pausedUntil };
    }
  };
  window.Sluice = Sluice;

  // <script src=".../sluice.js" data-service="shop" data-api-key="…">: starts by itself, sending to where it came from.
  var tag = document.currentScript;
  if (tag && tag.dataset && (tag.dataset.service || tag.dataset.url || tag.dataset.apiKey)) {
    var d = tag.dataset;
    Sluice.init({ url: d.url || new URL(tag.src, window.location.href).origin, apiKey: d.apiKey, service: d.service, batchSize: d.batchSize,
      flushMs: d.flushMs, maxPerMinute: d.maxPerMinute, maxQueue: d.maxQueue, traceId: d.traceId });
  }
})(window);
