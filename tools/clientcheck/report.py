"""A session's verdicts as text, JUnit XML and HTML."""

import html
import xml.etree.ElementTree as ET


def text(session, verdicts):
    lines = ["%s (%s)" % (session.name, session.source or "live")]
    for v in verdicts:
        lines.append("  %-14s %-26s %s  [%s]" % (v.outcome, v.rule.id, v.rule.title, v.rule.source))
        for x, why in v.failures:
            lines.append("      %s: %s" % (x.where(), why))
        for x, why in v.probes:
            lines.append("      on purpose (a server probe), %s: %s" % (x.where(), why))
    counts = {o: sum(1 for v in verdicts if v.outcome == o) for o in ("pass", "fail", "not exercised")}
    lines.append("  %(pass)d pass, %(fail)d fail, %(not exercised)d not exercised" % counts)
    return "\n".join(lines)


def junit(sessions):
    """[(session, verdicts)] as one JUnit document: a testsuite per session,
    a testcase per rule (skipped when not exercised)."""
    suites = ET.Element("testsuites")
    for session, verdicts in sessions:
        suite = ET.SubElement(suites, "testsuite", name=session.name, tests=str(len(verdicts)),
                              failures=str(sum(1 for v in verdicts if v.failures)),
                              skipped=str(sum(1 for v in verdicts if v.outcome == "not exercised")))
        for v in verdicts:
            case = ET.SubElement(suite, "testcase", classname=v.rule.area, name=v.rule.id)
            if v.failures:
                failure = ET.SubElement(case, "failure", message="%s (%s)" % (v.rule.title, v.rule.source))
                failure.text = "\n".join("%s: %s" % (x.where(), why) for x, why in v.failures)
            elif v.outcome == "not exercised":
                ET.SubElement(case, "skipped", message="not exercised")
    return ET.tostring(suites, encoding="unicode")


def page(sessions):
    """An HTML report: per session the rules by area, each failure linking
    to its exchange and quoting the rule's source."""
    out = ["<!doctype html><meta charset=utf-8><title>EAS client check</title>",
           "<style>body{font-family:sans-serif}td,th{padding:2px 8px;text-align:left}"
           ".fail{color:#b00;font-weight:bold}.pass{color:#070}.ne{color:#777}</style>",
           "<h1>EAS client check</h1>"]
    for n, (session, verdicts) in enumerate(sessions):
        out.append("<h2 id=s%d>%s</h2><p>%s</p>" % (n, html.escape(session.name), html.escape(session.source or "")))
        for area in sorted({v.rule.area for v in verdicts}):
            out.append("<h3>%s</h3><table><tr><th>rule</th><th>outcome</th><th>what</th><th>source</th></tr>"
                       % html.escape(area))
            for v in (v for v in verdicts if v.rule.area == area):
                cls = {"fail": "fail", "pass": "pass"}.get(v.outcome, "ne")
                out.append("<tr><td>%s</td><td class=%s>%s</td><td>%s</td><td>%s</td></tr>" % (
                    html.escape(v.rule.id), cls, v.outcome, html.escape(v.rule.title), html.escape(v.rule.source)))
                for x, why in v.failures:
                    out.append("<tr><td></td><td colspan=3><a href='#s%d-x%d'>%s</a>: %s</td></tr>" % (
                        n, x.number, html.escape(x.where()), html.escape(why)))
            out.append("</table>")
        failing = sorted({x.number for v in verdicts for x, _ in v.failures})
        for x in session.exchanges:
            if x.number in failing:
                body = "" if x.body is None else ET.tostring(x.body, encoding="unicode")
                out.append("<h4 id=s%d-x%d>%s</h4><pre>%s</pre>" % (
                    n, x.number, html.escape(x.where()), html.escape(body or (x.mime or ""))))
    return "\n".join(out)
