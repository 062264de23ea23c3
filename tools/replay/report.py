"""A static HTML report of a replay: device families by scenario, each cell
green (passed), red (failed, linking to its difference) or grey (skipped)."""

import html
import json


def write(path, results):
    """results: list of dicts with family, scenario, name, outcome
    ("passed" / "failed" / "skipped") and message."""
    families = sorted({r["family"] for r in results})
    scenarios = sorted({r["scenario"] for r in results})
    cells = {}
    for r in results:
        cells.setdefault((r["family"], r["scenario"]), []).append(r)
    colour = {"passed": "#c8f0c8", "failed": "#f4b4b4", "skipped": "#dddddd"}
    out = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>EAS capture replay</title>",
           "<style>body{font-family:sans-serif}td,th{border:1px solid #999;padding:4px;vertical-align:top}"
           "table{border-collapse:collapse}pre{background:#f6f6f6;padding:8px;overflow:auto}</style>",
           "</head><body><h1>EAS capture replay</h1>"]
    counts = {k: sum(1 for r in results if r["outcome"] == k) for k in colour}
    out.append("<p>%d passed, %d failed, %d skipped</p>" % (counts["passed"], counts["failed"], counts["skipped"]))
    out.append("<table><tr><th>family</th>%s</tr>" % "".join("<th>%s</th>" % html.escape(s) for s in scenarios))
    for f in families:
        row = ["<tr><th>%s</th>" % html.escape(f)]
        for s in scenarios:
            entries = cells.get((f, s), [])
            parts = []
            for i, r in enumerate(entries):
                label = html.escape(r["name"])
                anchor = "d-%s-%s-%d" % (f, s, i)
                r["anchor"] = anchor
                link = "<a href='#%s'>%s</a>" % (anchor, label) if r["outcome"] == "failed" else label
                parts.append("<div style='background:%s'>%s</div>" % (colour[r["outcome"]], link))
            row.append("<td>%s</td>" % "".join(parts))
        row.append("</tr>")
        out.append("".join(row))
    out.append("</table>")
    # Requirement by requirement: the captures that check it and how they did.
    rules = {}
    for r in results:
        for key in r.get("rules", []):
            rules.setdefault(key, []).append(r)
    if rules:
        out.append("<h2>By requirement</h2><table><tr><th>requirement</th><th>passed</th><th>failed</th>"
                   "<th>skipped</th><th>failing captures</th></tr>")
        for key in sorted(rules):
            rs = rules[key]
            n = {k: sum(1 for r in rs if r["outcome"] == k) for k in colour}
            failing = ", ".join("<a href='#%s'>%s</a>" % (html.escape(r.get("anchor", "")), html.escape(r["name"]))
                                for r in rs if r["outcome"] == "failed")
            out.append("<tr style='background:%s'><td>%s</td><td>%d</td><td>%d</td><td>%d</td><td>%s</td></tr>" % (
                colour["failed"] if n["failed"] else colour["passed"] if n["passed"] else colour["skipped"],
                html.escape(key), n["passed"], n["failed"], n["skipped"], failing))
        out.append("</table>")
    for r in results:
        if r["outcome"] in ("failed", "skipped"):
            out.append("<h3 id='%s'>%s: %s</h3><p>Verifies: %s</p><pre>%s</pre>" % (
                html.escape(r.get("anchor", "")), html.escape(r["name"]), r["outcome"],
                html.escape(", ".join(r.get("rules", [])) or "-"), html.escape(r["message"])))
    out.append("</body></html>")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out))


def write_json(path, results):
    """The same results for tools: differences as {number, note, method,
    errors}; `rules` are the capture's requirement keys."""
    out = []
    for r in results:
        entry = {k: v for k, v in r.items() if k not in ("differences", "anchor")}
        entry["differences"] = [{"number": d.number, "note": d.note, "method": d.method, "errors": d.errors}
                                for d in r.get("differences", [])]
        out.append(entry)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
