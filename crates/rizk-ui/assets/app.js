// rizk ui: plain JS, no build step. Data comes from the JSON API, or from window.RIZK_DATA in a
// page written by `rizk view`. Every text goes in with textContent: span data is never HTML.
(function () {
  "use strict";
  var DATA = window.RIZK_DATA;
  var app = document.getElementById("app");
  var filters = { service: "", status: "", q: "" };
  var poll = null;
  var view = 0; // bumped on each navigation: answers for an older view are dropped
  var collapsed = {};

  function el(tag, attrs) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "on") for (var ev in attrs.on) e.addEventListener(ev, attrs.on[ev]);
      else if (k === "style") e.style.cssText = attrs[k];
      else e.setAttribute(k, attrs[k]);
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c == null || c === false) continue;
      e.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    }
    return e;
  }
  function dur(ms) {
    if (ms < 1) return (ms * 1000).toFixed(0) + " µs";
    if (ms < 1000) return ms.toFixed(ms < 10 ? 2 : 1) + " ms";
    return (ms / 1000).toFixed(2) + " s";
  }
  function when(ms) { return new Date(ms).toLocaleString(); }
  function cost(c) { return c == null ? "" : "$" + (c < 0.01 ? c.toPrecision(2) : c.toFixed(4)); }
  function parse(v) {
    if (typeof v !== "string") return v;
    try { return JSON.parse(v); } catch (e) { return undefined; }
  }
  function pretty(v) {
    var p = typeof v === "string" ? parse(v) : v;
    if (p !== undefined && p !== null && typeof p === "object") return JSON.stringify(p, null, 2);
    return typeof v === "string" ? v : JSON.stringify(v);
  }

  // ---- data access: server API or embedded data ----
  function getList() {
    if (DATA) return Promise.resolve(localList());
    var p = new URLSearchParams();
    for (var k in filters) if (filters[k]) p.set(k, filters[k]);
    return fetch("api/traces?" + p).then(function (r) { return r.json(); });
  }
  function localList() {
    var q = filters.q.toLowerCase();
    var rows = DATA.list.traces.filter(function (t) {
      if (filters.service && t.service !== filters.service) return false;
      if (filters.status === "error" && !t.error_count) return false;
      if (filters.status === "ok" && t.error_count) return false;
      if (!q) return true;
      if ((t.trace_id + " " + t.name + " " + t.service).toLowerCase().indexOf(q) >= 0) return true;
      return (DATA.traces[t.trace_id].spans || []).some(function (s) { return s.name.toLowerCase().indexOf(q) >= 0; });
    });
    return { traces: rows, services: DATA.list.services, span_total: DATA.list.span_total };
  }
  function getTrace(id) {
    if (DATA) return Promise.resolve(DATA.traces[id] || null);
    return fetch("api/traces/" + encodeURIComponent(id)).then(function (r) { return r.ok ? r.json() : null; });
  }

  // ---- traces list ----
  function showList() {
    var service = el("select", { id: "f-service", on: { change: function () { filters.service = this.value; refresh(); } } },
      el("option", { value: "", text: "all services" }));
    var status = el("select", { id: "f-status", on: { change: function () { filters.status = this.value; refresh(); } } },
      el("option", { value: "", text: "any status" }), el("option", { value: "error", text: "with errors" }),
      el("option", { value: "ok", text: "no errors" }));
    status.value = filters.status;
    var text = el("input", { id: "f-q", type: "search", placeholder: "search names, ids", value: filters.q,
      on: { input: function () { filters.q = this.value; refresh(); } } });
    var count = el("span", { id: "count" });
    var body = el("tbody", { id: "traces" });
    var table = el("table", { class: "list" },
      el("thead", null, el("tr", null, el("th", { text: "trace" }), el("th", { text: "service" }),
        el("th", { text: "start" }), el("th", { text: "duration", class: "num" }), el("th", { text: "spans", class: "num" }),
        el("th", { text: "errors", class: "num" }), el("th", { text: "tokens", class: "num" }), el("th", { text: "cost", class: "num" }))),
      body);
    app.replaceChildren(el("div", { class: "filters" }, service, status, text, count), table);
    function refresh() {
      return getList().then(function (list) {
        var known = Array.prototype.map.call(service.options, function (o) { return o.value; });
        list.services.forEach(function (s) { if (known.indexOf(s) < 0) service.appendChild(el("option", { value: s, text: s })); });
        service.value = filters.service;
        count.textContent = list.traces.length + " traces" + (list.span_total != null ? ", " + list.span_total + " spans stored" : "");
        body.replaceChildren.apply(body, list.traces.map(function (t) {
          return el("tr", { class: "trace-row" + (t.error_count ? " has-error" : ""), "data-trace-id": t.trace_id,
            on: { click: function () { location.hash = "#/trace/" + t.trace_id; } } },
            el("td", null, el("a", { href: "#/trace/" + t.trace_id, text: t.name || "(unnamed)" }),
              t.root_missing ? el("span", { class: "note", text: " (root not received)" }) : null),
            el("td", { text: t.service }), el("td", { text: when(t.start_ms) }),
            el("td", { class: "num", text: dur(t.duration_ms) }), el("td", { class: "num", text: t.span_count }),
            el("td", { class: "num" + (t.error_count ? " err-text" : ""), text: t.error_count || "" }),
            el("td", { class: "num", text: t.tokens == null ? "" : t.tokens }), el("td", { class: "num", text: cost(t.cost) }));
        }));
        if (!list.traces.length) body.appendChild(el("tr", null, el("td", { colspan: 8, class: "empty",
          text: DATA ? "No traces match." : "No traces yet: point an OpenTelemetry SDK at OTEL_EXPORTER_OTLP_ENDPOINT=" + location.origin })));
      }).catch(function (e) { count.textContent = "cannot reach the viewer: " + e; });
    }
    refresh();
    // New traces appear without a reload.
    if (!DATA) poll = setInterval(refresh, 2000);
  }

  // ---- one trace: tree beside waterfall, and the selected span ----
  function showTrace(id, spanId) {
    var mine = view;
    getTrace(id).then(function (t) {
      if (mine !== view) return;
      if (!t) { app.replaceChildren(el("p", { class: "empty", text: "No trace " + id + " (retention may have dropped it)." })); return; }
      var byId = {}, children = {}, roots = [];
      t.spans.forEach(function (s) { byId[s.span_id] = s; });
      t.spans.forEach(function (s) {
        if (s.parent_id && byId[s.parent_id]) (children[s.parent_id] = children[s.parent_id] || []).push(s);
        else roots.push(s);
      });
      var total = Math.max(t.duration_ms, 1e-6);
      var selected = spanId && byId[spanId] ? byId[spanId] : roots[0];
      // Colour by what the span is to an LLM application (OpenInference's kind, else the GenAI
      // operation), which says more than the OpenTelemetry kind; the latter is the fallback.
      function role(s) {
        var a = s.attributes || {};
        var k = String(a["openinference.span.kind"] || a["rizk.span.kind"] || "").toLowerCase();
        var op = String(a["gen_ai.operation.name"] || "");
        var model = a["gen_ai.request.model"] || a["llm.model_name"] || a["gen_ai.input.messages"];
        if (k === "llm" || k === "embedding" || op === "chat" || op === "text_completion" || op === "embeddings" || model) return "llm";
        if (k === "workflow" || k === "task") return "chain";
        if (k === "tool" || op === "execute_tool") return "tool";
        if (k === "agent" || op === "invoke_agent") return "agent";
        if (k === "chain" || op === "invoke_workflow") return "chain";
        return s.kind;
      }
      var rows = el("div", { class: "waterfall", id: "waterfall" });
      var detail = el("section", { class: "detail", id: "span-detail" });
      function draw() {
        rows.replaceChildren(el("div", { class: "wf-head" }, el("span", { text: "span" }),
          el("span", { class: "axis" }, el("span", { text: "0" }), el("span", { text: dur(total / 2) }), el("span", { text: dur(total) }))));
        (function walk(list, depth) {
          list.forEach(function (s) {
            var kids = children[s.span_id] || [];
            var err = s.status === "error";
            var toggle = kids.length ? el("button", { class: "toggle", title: "collapse", text: collapsed[s.span_id] ? "▸" : "▾",
              on: { click: function (e) { e.stopPropagation(); collapsed[s.span_id] = !collapsed[s.span_id]; draw(); } } }) : el("span", { class: "toggle" });
            var left = s.offset_ms / total * 100, width = Math.max(s.duration_ms / total * 100, 0.4);
            rows.appendChild(el("div", { class: "wf-row" + (err ? " error" : "") + (s === selected ? " selected" : ""), "data-span-id": s.span_id,
              on: { click: function () { location.hash = "#/trace/" + t.trace_id + "/span/" + s.span_id; } } },
              el("span", { class: "wf-name", style: "padding-left:" + depth * 14 + "px" }, toggle,
                el("span", { class: "kind-dot kind-" + role(s), title: role(s) }), s.name,
                err ? el("span", { class: "err-mark", title: s.status_message || "error", text: " ⚠" }) : null),
              el("span", { class: "wf-track" }, el("span", { class: "bar kind-" + role(s) + (err ? " bar-error" : ""),
                style: "left:" + left + "%;width:" + width + "%", title: s.name + " " + dur(s.duration_ms) }),
                barLabel(left, width, dur(s.duration_ms)))));
            if (!collapsed[s.span_id]) walk(kids.sort(function (a, b) { return a.offset_ms - b.offset_ms; }), depth + 1);
          });
        })(roots, 0);
      }
      draw();
      if (selected) spanDetail(detail, selected, t);
      var legend = el("div", { class: "legend" });
      ["chain", "agent", "tool", "llm", "server", "client", "internal"].forEach(function (k) {
        legend.appendChild(el("span", null, el("span", { class: "kind-dot kind-" + k }), k));
      });
      app.replaceChildren(
        el("div", { class: "trace-head" }, el("h1", { text: t.name }),
          el("div", { class: "facts" }, el("span", { text: t.service }), el("span", { text: when(t.start_ms) }),
            el("span", { text: dur(t.duration_ms) }), el("span", { id: "span-count", text: t.span_count + " spans" }),
            t.error_count ? el("span", { class: "err-text", text: t.error_count + (t.error_count === 1 ? " error" : " errors") }) : null,
            t.tokens != null ? el("span", { text: t.tokens + " tokens" }) : null,
            t.cost != null ? el("span", { text: cost(t.cost) }) : null,
            el("code", { text: t.trace_id })), legend),
        el("div", { class: "trace-body" }, rows, detail));
      // Spans that arrive later (a trace still running) redraw the page when they land.
      clearInterval(poll);
      if (!DATA) poll = setInterval(function () {
        getTrace(id).then(function (n) { if (mine === view && n && n.span_count !== t.span_count) showTrace(id, spanId); });
      }, 2000);
    });
  }

  // The duration beside its bar; inside a wide bar, or before a short one, at the right end.
  function barLabel(left, width, text) {
    if (left + width <= 85) return el("span", { class: "bar-label", style: "left:" + (left + width) + "%", text: text });
    if (width > 15) return el("span", { class: "bar-label inside", style: "right:" + Math.max(100 - left - width, 0) + "%", text: text });
    return el("span", { class: "bar-label before", style: "right:" + (100 - left) + "%", text: text });
  }

  // ---- chat messages: gen_ai.*.messages (parts) or llm.*_messages.N.message.* (flattened) ----
  function genaiMessages(v) {
    var arr = parse(v);
    if (!Array.isArray(arr)) return [];
    return arr.map(function (m) {
      return { role: m.role || "?", parts: Array.isArray(m.parts) ? m.parts : [{ type: "text", content: m.content }], finish: m.finish_reason };
    });
  }
  function flatMessages(attrs, prefix) {
    var msgs = [], re = new RegExp("^" + prefix.replace(/\./g, "\\.") + "\\.(\\d+)\\.message\\.(.*)$");
    Object.keys(attrs).forEach(function (k) {
      var m = re.exec(k); if (!m) return;
      var v = attrs[k], o = msgs[+m[1]] || (msgs[+m[1]] = { role: "?", parts: [], calls: {} }), rest = m[2], c;
      if (rest === "role") o.role = v;
      else if (rest === "content") o.parts.unshift({ type: "text", content: v });
      else if (rest === "tool_call_id") o.toolCallId = v;
      else if ((c = /^tool_calls\.(\d+)\.tool_call\.(.*)$/.exec(rest))) {
        var call = o.calls[c[1]] || (o.calls[c[1]] = { type: "tool_call" });
        if (c[2] === "function.name") call.name = v;
        else if (c[2] === "function.arguments") call.arguments = v;
        else if (c[2] === "id") call.id = v;
      } else if ((c = /^contents\.(\d+)\.message_content\.text$/.exec(rest))) o.parts.push({ type: "text", content: v });
    });
    return msgs.filter(Boolean).map(function (o) {
      Object.keys(o.calls).forEach(function (k) { o.parts.push(o.calls[k]); });
      if (o.toolCallId) o.parts = o.parts.map(function (p) { return p.type === "text" ? { type: "tool_call_response", id: o.toolCallId, response: p.content } : p; });
      return o;
    });
  }
  function conversation(a) {
    var out = [];
    var sys = parse(a["gen_ai.system_instructions"]);
    if (Array.isArray(sys)) out.push({ role: "system", parts: sys });
    var input = genaiMessages(a["gen_ai.input.messages"]), output = genaiMessages(a["gen_ai.output.messages"]);
    if (!input.length) input = flatMessages(a, "llm.input_messages");
    if (!output.length) output = flatMessages(a, "llm.output_messages");
    input.forEach(function (m) { out.push(m); });
    output.forEach(function (m) { m.output = true; out.push(m); });
    return out;
  }
  function part(p) {
    if (p.type === "text" || (p.content != null && !p.type)) return el("div", { class: "part text", text: typeof p.content === "string" ? p.content : pretty(p.content) });
    if (p.type === "tool_call") return el("div", { class: "part tool-call" }, el("b", { text: "tool call " + (p.name || "") }),
      p.id ? el("span", { class: "note", text: " " + p.id }) : null, el("pre", { text: pretty(p.arguments == null ? "" : p.arguments) }));
    if (p.type === "tool_call_response") return el("div", { class: "part tool-result" }, el("b", { text: "tool result" }),
      p.id ? el("span", { class: "note", text: " " + p.id }) : null, el("pre", { text: pretty(p.response == null ? p.result : p.response) }));
    return el("pre", { class: "part", text: pretty(p) });
  }

  function section(title) {
    var s = el("div", { class: "section" }, el("h3", { text: title }));
    for (var i = 1; i < arguments.length; i++) if (arguments[i]) s.appendChild(arguments[i]);
    return s;
  }
  function spanDetail(box, s, t) {
    var a = s.attributes || {};
    box.replaceChildren(el("h2", { text: s.name }),
      el("div", { class: "facts" }, el("span", { class: "kind-dot kind-" + s.kind }), el("span", { text: s.kind }),
        el("span", { text: s.service }), el("span", { text: dur(s.duration_ms) }),
        el("span", { text: "at +" + dur(s.offset_ms) }),
        el("span", { class: s.status === "error" ? "err-text" : "", text: s.status + (s.status_message ? ": " + s.status_message : "") })));
    var usage = [];
    [["input tokens", ["gen_ai.usage.input_tokens", "llm.token_count.prompt"]], ["output tokens", ["gen_ai.usage.output_tokens", "llm.token_count.completion"]],
      ["total tokens", ["llm.token_count.total"]], ["cost", ["llm.cost.total", "rizk.cost.usd"]],
      ["model", ["gen_ai.request.model", "llm.model_name", "gen_ai.response.model"]],
      ["subtree input tokens", ["rizk.usage.input_tokens"]], ["subtree output tokens", ["rizk.usage.output_tokens"]]].forEach(function (row) {
      for (var i = 0; i < row[1].length; i++) if (a[row[1][i]] != null) {
        var v = a[row[1][i]];
        usage.push(el("div", { class: "usage-item" }, el("span", { class: "note", text: row[0] }), el("b", { text: row[0] === "cost" ? cost(Number(v)) : String(v) })));
        return;
      }
    });
    if (usage.length) box.appendChild(section.apply(null, ["Tokens and cost", el.apply(null, ["div", { class: "usage" }].concat(usage))]));
    var conv = conversation(a);
    if (conv.length) {
      var c = el("div", { class: "conversation" });
      conv.forEach(function (m) {
        c.appendChild(el("div", { class: "message role-" + m.role + (m.output ? " output" : "") },
          el("div", { class: "role", text: m.role + (m.finish ? " (" + m.finish + ")" : "") }),
          el.apply(null, ["div", null].concat((m.parts || []).map(part)))));
      });
      box.appendChild(section("Messages", c));
    }
    ["input", "output"].forEach(function (k) {
      var v = a[k + ".value"] != null ? a[k + ".value"] : a["traceloop.entity." + k];
      if (v != null) box.appendChild(section(k === "input" ? "Input" : "Output", el("pre", { class: "io", text: pretty(v) })));
    });
    var ex = (s.events || []).filter(function (e) { return e.name === "exception"; });
    ex.forEach(function (e) {
      var ea = e.attributes || {};
      box.appendChild(section("Exception", el("div", { class: "exception" }, el("b", { text: (ea["exception.type"] || "error") + ": " }),
        ea["exception.message"] || "", ea["exception.stacktrace"] ? el("pre", { text: ea["exception.stacktrace"] }) : null)));
    });
    var others = (s.events || []).filter(function (e) { return e.name !== "exception"; });
    if (others.length) {
      var list = el("ul", { class: "events" });
      others.forEach(function (e) {
        list.appendChild(el("li", null, el("b", { text: e.name }), Object.keys(e.attributes || {}).length ? el("pre", { text: JSON.stringify(e.attributes, null, 2) }) : null));
      });
      box.appendChild(section("Events", list));
    }
    var table = el("table", { class: "attrs" });
    Object.keys(a).sort().forEach(function (k) {
      table.appendChild(el("tr", null, el("td", { class: "key", text: k }), el("td", null, el("pre", { text: pretty(a[k]) }))));
    });
    box.appendChild(section("Attributes", table));
    box.appendChild(el("p", { class: "note" }, "span ", el("code", { text: s.span_id }), s.parent_id ? " parent " : "", s.parent_id ? el("code", { text: s.parent_id }) : null));
  }

  function route() {
    view++;
    clearInterval(poll);
    var parts = location.hash.replace(/^#\/?/, "").split("/");
    if (parts[0] === "trace" && parts[1]) showTrace(parts[1], parts[2] === "span" ? parts[3] : null);
    else showList();
  }
  document.getElementById("mode").textContent = DATA ? " (static page)" : "";
  window.addEventListener("hashchange", route);
  route();
})();
