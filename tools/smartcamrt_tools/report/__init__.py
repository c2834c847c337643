"""``smartcamrt report``: the benchmark results of this machine in one HTML page and one Markdown file
(docs/report.md). One module per section under ``sections/``; ``discover`` finds results by content.
Nothing is imported here, so that registering the command stays cheap: ``build.make_report`` is the entry."""
