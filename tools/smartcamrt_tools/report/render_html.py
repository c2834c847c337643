"""report.html: one self-contained file. Every string from a result file goes through Jinja2's
autoescaping (nothing is interpolated raw); charts are embedded as data: URIs and the page's Content
Security Policy forbids any fetch, so the file shows the same offline, mailed, or archived."""

from __future__ import annotations

import base64
from pathlib import Path

import jinja2
from markupsafe import Markup

from .model import Provenance, Section

TEMPLATE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SmartCamRT report</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1400px; padding: 1em 2em;
       color: #222; }
h1 { margin-bottom: 0.2em; }
h2 { border-bottom: 2px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
nav ol { columns: 2; }
table { border-collapse: collapse; margin: 0.6em 0 0.2em; font-size: 12px; }
caption { text-align: left; font-weight: 600; padding: 0.3em 0; }
th, td { border: 1px solid #ccc; padding: 2px 5px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
tbody tr:nth-child(even) { background: #fafafa; }
.table-wrap { overflow-x: auto; }
figure { margin: 1em 0; }
figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption, .source { color: #555; font-size: 12px; }
code { background: #f4f4f4; padding: 0 3px; border-radius: 3px; }
.missing-note { background: #fff4e0; border-left: 4px solid #e69500; padding: 0.6em 1em; }
.meta { color: #555; }
</style>
</head>
<body>
<h1>SmartCamRT report</h1>
<p class="meta">Made {{ generated }} by <code>smartcamrt report</code>. Results looked for in:
{% for root in roots %}<code>{{ root }}</code>{{ ", " if not loop.last }}{% else %}nowhere (no RESULT_DIR and
--no-defaults){% endfor %}.</p>
<nav><ol>
{% for s in sections %}<li><a href="#{{ s.key }}">{{ s.title }}</a>{{ " (missing)" if s.is_missing }}</li>
{% endfor %}</ol></nav>
{% for s in sections %}
<section id="{{ s.key }}" data-missing="{{ 'yes' if s.is_missing else 'no' }}">
<h2>{{ s.title }}</h2>
{% if s.is_missing %}<p class="missing-note">Missing: {{ s.missing }}. The command that fills it:
<code>{{ s.fill_command }}</code>{% if s.runnable %} (or <code>smartcamrt report --run</code>,
which runs it with cheap settings){% else %} (<code>smartcamrt report --run</code> has no step for it here:
its inputs are missing, or it is not a cheap step){% endif %}.</p>
{% endif %}
{% for note in s.notes %}<p>{{ note }}</p>
{% endfor %}
{% for f in s.figures %}<figure id="{{ f.key }}">
<img src="{{ images[f.key] }}" alt="{{ f.caption }}">
<figcaption>{{ f.caption }}. {{ source(f.source) }}</figcaption>
</figure>
{% endfor %}
{% for t in s.tables %}<div class="table-wrap"><table id="{{ t.key }}">
<caption>{{ t.caption }}</caption>
<thead><tr>{% for h in t.headers %}<th>{{ h }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in t.rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>
{% endfor %}</tbody>
</table></div>
<p class="source">{{ source(t.source) }}</p>
{% endfor %}
</section>
{% endfor %}
</body>
</html>
"""


def _source(provenance: Provenance | None) -> Markup:
    if provenance is None:
        return Markup("")
    when = provenance.when.strftime("%Y-%m-%d %H:%M UTC") if provenance.when else "unknown time"
    text = Markup("{} <code>{}</code>, {} ({})").format(
        provenance.verb, provenance.command, when, provenance.when_from
    )
    if provenance.path:
        text += Markup("; file <code>{}</code>").format(str(provenance.path))
    return text + Markup(".")


def data_uri(png: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii")


def render_html(sections: list[Section], *, generated: str, roots: list[str]) -> str:
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = environment.from_string(TEMPLATE)
    images = {f.key: data_uri(f.png) for s in sections for f in s.figures}
    return template.render(sections=sections, generated=generated, roots=roots, images=images, source=_source)
