#include "page.hpp"

namespace smartcamrt {
namespace {

constexpr const char* kHead = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SmartCamRT live</title>
<style>
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; background: #15171a; color: #e3e3e3; }
header { display: flex; flex-wrap: wrap; gap: 20px; align-items: baseline; padding: 10px 16px; background: #23262b; }
header b { color: #fff; }
.label { color: #9aa0a6; }
main { display: flex; flex-wrap: wrap; gap: 16px; padding: 16px; align-items: flex-start; }
section { background: #1d2024; border-radius: 6px; padding: 10px; }
section h2 { font-size: 15px; margin: 0 0 8px; }
.src { color: #9aa0a6; font-weight: normal; font-size: 12px; word-break: break-all; }
.stream img { display: block; width: 640px; max-width: 100%; min-height: 120px; background: #000; }
table { border-collapse: collapse; margin-top: 8px; }
td { padding: 2px 10px 2px 0; }
td:first-child { color: #9aa0a6; }
.ok { color: #5fd068; } .bad { color: #ff6b6b; } .warn { color: #f5c04a; }
#decisions { margin: 0; padding-left: 18px; max-width: 520px; }
#decisions li { margin: 3px 0; }
</style>
</head>
<body>
<header>
<b>SmartCamRT live</b>
<span><span class="label">run</span> <span id="run">–</span></span>
<span><span class="label">FPS</span> <b id="fps">–</b></span>
<span><span class="label">e2e p50 / p95</span> <b id="lat">–</b></span>
<span><span class="label">SLO</span> <b id="slo">–</b></span>
<span><span class="label">CPU</span> <b id="cpu">–</b></span>
<span><span class="label">RSS</span> <b id="rss">–</b></span>
<span><span class="label">drops</span> <b id="drops">–</b></span>
<span id="state" class="warn">connecting…</span>
</header>
<main>
)HTML";

constexpr const char* kTail = R"HTML(<section>
<h2>Optimizer decisions</h2>
<ol id="decisions"><li>none yet</li></ol>
</section>
</main>
<script>
'use strict';
const $ = (id) => document.getElementById(id);
const num = (v, digits, unit) => (v === null || v === undefined) ? '–' : v.toFixed(digits) + (unit || '');
const put = (el, text, cls) => { el.textContent = text; el.className = cls || ''; };
// Green within the SLO, red past it; no colour without an SLO or a figure.
const sloClass = (ms, slo) => (!slo || ms === null || ms === undefined) ? '' : (ms > slo ? 'bad' : 'ok');
let updates = 0;

function render(s) {
  put($('run'), s.run_id);
  put($('fps'), num(s.fps, 1));
  put($('lat'), num(s.e2e_p50_ms, 1) + ' / ' + num(s.e2e_p95_ms, 1, ' ms'), sloClass(s.e2e_p95_ms, s.slo_ms));
  put($('slo'), s.slo_ms ? num(s.slo_ms, 0, ' ms') : 'none');
  put($('cpu'), num(s.cpu_proc_pct, 0, ' %'));
  put($('rss'), num(s.rss_mb, 0, ' MiB'));
  put($('drops'), String(s.dropped), s.dropped > 0 ? 'warn' : '');
  for (const st of s.streams) {
    const card = document.querySelector('[data-stream="' + st.stream + '"]');
    if (!card) continue;
    // Cells are found by data-f, never by class: put() rewrites the class to colour a figure.
    const cell = (name) => card.querySelector('[data-f="' + name + '"]');
    put(cell('src'), st.source, 'src');
    put(cell('fps'), num(st.fps, 1));
    put(cell('lat'), num(st.e2e_p50_ms, 1) + ' / ' + num(st.e2e_p95_ms, 1, ' ms'), sloClass(st.e2e_p95_ms, s.slo_ms));
    put(cell('within'), st.within_slo === null ? '–' : num(100 * st.within_slo, 1, ' %'));
    put(cell('model'), st.model || '–');
    put(cell('rt'), (st.runtime || '–') + ' / ' + (st.precision || '–'));
    put(cell('count'), st.processed + ' / ' + st.dropped, st.dropped > 0 ? 'warn' : '');
    put(cell('frame'), st.last_frame < 0 ? '–' : String(st.last_frame));
  }
  const items = s.decisions.slice().reverse().map((d) => {
    const li = document.createElement('li');
    li.textContent = num(d.t_s, 1, ' s') + '  ' + d.action + '  ' + d.from + ' → ' + d.to + ': ' + d.reason;
    return li;
  });
  if (items.length === 0) {
    const li = document.createElement('li');
    li.textContent = s.adapt ? 'none yet' : 'adaptation off (--adapt)';
    items.push(li);
  }
  $('decisions').replaceChildren(...items);
  updates += 1;
  document.body.dataset.updates = String(updates);
  put($('state'), 'live · ' + new Date().toLocaleTimeString(), 'ok');
}

async function poll() {
  let stats = null;
  try {
    const response = await fetch('/stats.json', {cache: 'no-store'});
    stats = await response.json();
  } catch (e) {
    put($('state'), 'disconnected (the run may have ended)', 'bad');
  }
  try {
    if (stats) render(stats);
  } catch (e) {  // say so, and keep polling: the next figures may render
    put($('state'), 'page error: ' + e.message, 'bad');
  }
  setTimeout(poll, 500);
}
poll();
</script>
</body>
</html>
)HTML";

std::string stream_section(size_t stream, size_t streams) {
  const std::string id = std::to_string(stream);
  const std::string src = streams == 1 ? "/stream.mjpg" : "/stream/" + id + ".mjpg";
  return "<section class=\"stream\" data-stream=\"" + id + "\">\n<h2>stream " + id +
         " <span class=\"src\" data-f=\"src\"></span></h2>\n<img src=\"" + src + "\" alt=\"stream " + id +
         ", annotated\">\n<table>\n"
         "<tr><td>FPS</td><td data-f=\"fps\">–</td></tr>\n"
         "<tr><td>e2e p50 / p95</td><td data-f=\"lat\">–</td></tr>\n"
         "<tr><td>within SLO</td><td data-f=\"within\">–</td></tr>\n"
         "<tr><td>model</td><td data-f=\"model\">–</td></tr>\n"
         "<tr><td>runtime / precision</td><td data-f=\"rt\">–</td></tr>\n"
         "<tr><td>processed / dropped</td><td data-f=\"count\">–</td></tr>\n"
         "<tr><td>frame</td><td data-f=\"frame\">–</td></tr>\n"
         "</table>\n</section>\n";
}

}  // namespace

std::string live_page_html(size_t streams) {
  std::string page = kHead;
  for (size_t i = 0; i < streams; ++i) page += stream_section(i, streams);
  page += kTail;
  return page;
}

const char* live_page_csp() {
  return "default-src 'none'; img-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; "
         "script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
}

}  // namespace smartcamrt
