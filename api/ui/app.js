// The live cluster page: reads /ui/state.json (one page of nodes) and
// follows /events. Read-only: it only sends GETs.
(function () {
  "use strict";
  var PER_PAGE = 25, MAX_EVENTS = 50, WINDOW = 3, PAUSE = 2000;
  var page = 1, query = "", refreshes = 0, pending = null, seen = {};
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function bytes(n) {
    var u = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i ? n.toFixed(1) : n) + " " + u[i];
  }
  function bar(name, used, total, fmt) {
    var b = el("div", "bar"), f = el("div", "fill"), pct = total > 0 ? Math.min(100, 100 * used / total) : 0;
    f.style.width = pct + "%";
    if (pct >= 80) f.className += " high";
    b.appendChild(f);
    b.appendChild(el("span", "", name + " " + fmt(used) + " / " + fmt(total) + " reserved"));
    b.title = name + " reserved: " + pct.toFixed(0) + "%";
    return b;
  }
  function cpus(n) { return (Math.round(n * 100) / 100).toString(); }

  function renderNode(n) {
    var d = el("article", "node " + n.health.toLowerCase());
    d.dataset.node = n.name;
    var h = el("h3", "", n.name);
    h.appendChild(el("span", "health", n.health + (n.availability ? " · " + n.availability : "")));
    d.appendChild(h);
    d.appendChild(el("div", "sub", n.addr + " · engine " + (n.version || "?") + (n.id ? " · " + n.id.slice(0, 12) : "")));
    if (n.error) d.appendChild(el("div", "sub error", n.error));
    var labels = el("div", "labels");
    (n.labels || []).forEach(function (l) { labels.appendChild(el("span", "label", l)); });
    d.appendChild(labels);
    d.appendChild(bar("CPUs", n.reservedCPUs, n.totalCPUs, cpus));
    d.appendChild(bar("Memory", n.reservedMemory, n.totalMemory, bytes));
    var ul = el("ul", "containers");
    n.containers.forEach(function (c) {
      var li = el("li", "container");
      li.dataset.container = c.name;
      li.appendChild(el("span", "name", c.name));
      li.appendChild(el("span", "state-" + c.state, c.status || c.state));
      li.title = c.image + " · " + c.id.slice(0, 12);
      ul.appendChild(li);
    });
    d.appendChild(el("div", "sub", n.containers.length + " container" + (n.containers.length === 1 ? "" : "s")));
    d.appendChild(ul);
    return d;
  }

  function render(st) {
    $("summary").textContent = st.nodes + " nodes (" + st.healthy + " healthy) · " + st.containers +
      " containers · strategy " + st.strategy + (query ? " · " + st.matched + " match" : "");
    page = st.page;
    $("pager").textContent = "page " + st.page + " / " + st.pages;
    $("prev").disabled = st.page <= 1;
    $("next").disabled = st.page >= st.pages;
    var box = $("nodes"), frag = document.createDocumentFragment();
    st.shown.forEach(function (n) { frag.appendChild(renderNode(n)); });
    box.replaceChildren(frag);
    $("refreshes").textContent = String(++refreshes);
  }

  function refresh() {
    var url = "state.json?page=" + page + "&per_page=" + PER_PAGE + (query ? "&q=" + encodeURIComponent(query) : "");
    return fetch(url, { cache: "no-store" }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body.message || r.statusText);
        $("error").hidden = true;
        render(body);
      });
    }).catch(function (err) {
      $("error").hidden = false;
      $("error").textContent = "Cannot read the cluster state: " + err.message;
    });
  }
  function refreshSoon() {
    if (pending) return;
    pending = setTimeout(function () { pending = null; refresh(); }, 300);
  }

  function addEvent(ev) {
    var key = ev.timeNano + "|" + ev.Type + "|" + ev.Action + "|" + (ev.Actor && ev.Actor.ID);
    if (seen[key]) return;
    seen[key] = true;
    var attrs = (ev.Actor && ev.Actor.Attributes) || {};
    var node = (ev.node && ev.node.Name) || attrs["node.name"] || "";
    var what = attrs.name || (ev.Actor && ev.Actor.ID ? ev.Actor.ID.slice(0, 12) : "");
    var li = el("li", "event");
    li.appendChild(el("span", "when", new Date(ev.time * 1000).toLocaleTimeString()));
    if (node) li.appendChild(el("span", "node-name", node + " "));
    li.appendChild(el("span", "", ev.Type + " " + ev.Action + " " + what));
    var list = $("events");
    list.insertBefore(li, list.firstChild);
    while (list.children.length > MAX_EVENTS) list.removeChild(list.lastChild);
    if (ev.Type === "container" || ev.Type === "swarm" || ev.Type === "engine") refreshSoon();
  }

  // follow reads /events in windows of WINDOW seconds (the stream ends at
  // `until`), then pauses and reads the next window from where it stopped:
  // events arrive as they happen, and no request stays open for ever.
  function follow(since) {
    var until = Math.floor(Date.now() / 1000) + WINDOW;
    $("live").textContent = "live";
    fetch("/events?since=" + since + "&until=" + until, { cache: "no-store" }).then(function (r) {
      if (!r.ok || !r.body) throw new Error(r.statusText || "no stream");
      var reader = r.body.getReader(), dec = new TextDecoder(), buf = "";
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) return;
          buf += dec.decode(chunk.value, { stream: true });
          var lines = buf.split("\n");
          buf = lines.pop();
          lines.forEach(function (line) {
            if (!line.trim()) return;
            try { addEvent(JSON.parse(line)); } catch (e) { /* a partial line: skip */ }
          });
          return pump();
        });
      }
      return pump();
    }).then(function () {
      refresh();
      setTimeout(function () { follow(until); }, PAUSE);
    }, function (err) {
      $("live").textContent = "events unavailable (" + err.message + "), retrying";
      setTimeout(function () { follow(until); }, PAUSE * 2);
    });
  }

  var loads = Number(sessionStorage.getItem("swarm-ui-loads") || 0) + 1;
  sessionStorage.setItem("swarm-ui-loads", String(loads));
  $("loads").textContent = String(loads);
  $("loaded-at").textContent = new Date().toISOString();
  $("filter").addEventListener("input", function () { query = this.value.trim(); page = 1; refreshSoon(); });
  $("prev").addEventListener("click", function () { page = Math.max(1, page - 1); refresh(); });
  $("next").addEventListener("click", function () { page++; refresh(); });
  refresh().then(function () { follow(Math.floor(Date.now() / 1000) - 600); });
})();
