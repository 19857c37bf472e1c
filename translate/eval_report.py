"""Present an evaluation: the terminal table, the JSON object and the HTML report with its plot.

:mod:`translate.evaluate` measures; this module only shows what it measured,
so that the figures have one source whatever the output.  The HTML report is
self-contained (no script, nothing fetched): its plots are drawn by
matplotlib on the Agg canvas, without pyplot's global state, and embedded as
base64 PNG.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from translate.evaluate import Comparison, Evaluation, MinScore, SystemResult


def _system_dict(result: SystemResult) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": result.name,
        "el2en_signature": result.signature,
        "sentences": result.sentences,
        "changed": result.changed,
        "bleu": result.bleu,
        "chrf": result.chrf,
        "ter": result.ter,
        "signatures": dict(result.signatures),
        "flags": {
            f.flag: {
                "flagged": f.flagged,
                "changed": f.changed,
                "precision": f.precision,
                "recall": f.recall,
                "warning": f.warning,
            }
            for f in result.flags
        },
        "min_score": {
            "target_recall": result.min_score.target_recall,
            "suggested": result.min_score.suggested,
            "scored": result.min_score.scored,
            "changed": result.min_score.changed,
            "flagged": result.min_score.flagged,
            "caught": result.min_score.caught,
            "recall": result.min_score.recall,
            "precision": result.min_score.precision,
            "reason": result.min_score.reason or None,
        },
    }
    if result.terms is not None:
        data["terms"] = dict(result.terms)
    return data


def to_json(evaluation: Evaluation) -> dict[str, Any]:
    """Return the evaluation as one JSON-ready object.

    The top-level figures are those of the first HYP (the baseline); every
    HYP's are in ``systems``, and ``comparisons`` holds the paired bootstrap
    of each later HYP against the first.
    """
    systems = [_system_dict(r) for r in evaluation.systems]
    return {
        **systems[0],
        "reference": evaluation.reference,
        "reference_kind": evaluation.reference_kind,
        "left_out": dict(evaluation.left_out),
        "systems": systems,
        "comparisons": [
            {
                "baseline": c.baseline,
                "system": c.system,
                "samples": c.samples,
                "signatures": dict(c.signatures),
                "metrics": {
                    m.metric: {
                        "baseline": m.baseline,
                        "system": m.system,
                        "delta": m.delta,
                        "p_value": m.p_value,
                        "mean": m.mean,
                        "ci": m.ci,
                        "verdict": m.verdict,
                    }
                    for m in c.metrics
                },
            }
            for c in evaluation.comparisons
        ],
    }


_METRIC_NAMES = {"bleu": "BLEU", "chrf": "chrF", "ter": "TER"}


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _left_out_text(left_out: Mapping[str, int]) -> str:
    return "; ".join(f"{count} {reason}" for reason, count in left_out.items())


def min_score_text(m: MinScore) -> str:
    """Return the one-line min-score suggestion, or why there is none."""
    if m.suggested is None:
        return f"--min-score for recall {m.target_recall:.2f}: no suggestion ({m.reason})"
    return (
        f"--min-score for recall {m.target_recall:.2f}: {m.suggested:.2f} "
        f"(flags {m.flagged} of {m.scored} scored sentences, catches {m.caught} of "
        f"{m.changed} changed: recall {_rate(m.recall)}, precision {_rate(m.precision)})"
    )


def format_table(evaluation: Evaluation) -> str:
    """Return the evaluation as the readable table ``el2en eval`` prints."""
    out: list[str] = [f"reference: {evaluation.reference} ({evaluation.reference_kind})"]
    if evaluation.left_out:
        out.append(f"left out: {_left_out_text(evaluation.left_out)}")
    for result in evaluation.systems:
        share = 100 * result.changed / result.sentences
        out += [
            "",
            f"HYP {result.name}",
        ]
        if result.signature:
            out.append(f"  made by: {result.signature}")
        out.append(
            f"  {result.sentences} sentences scored, {result.changed} changed by the "
            f"reference ({share:.1f}%)"
        )
        for key, label in _METRIC_NAMES.items():
            value = getattr(result, key)
            out.append(f"  {label:<5} {value:6.2f}  {result.signatures[key]}")
        out += ["", f"  {'flag':<16}{'flagged':>8}{'changed':>9}{'precision':>11}{'recall':>8}"]
        for f in result.flags:
            out.append(
                f"  {f.flag:<16}{f.flagged:>8}{f.changed:>9}"
                f"{_rate(f.precision):>11}{_rate(f.recall):>8}"
            )
        out += ["", f"  {min_score_text(result.min_score)}"]
        if result.terms is not None:
            out.append(f"  terms: {_terms_text(result.terms)}")
    for c in evaluation.comparisons:
        out += ["", f"paired bootstrap ({c.samples} resamples): {c.system} vs {c.baseline}"]
        out.append(f"  {'metric':<7}{'baseline':>9}{'system':>9}{'delta':>8}{'p':>8}  verdict")
        for m in c.metrics:
            p = "-" if m.p_value is None else f"{m.p_value:.4f}"
            out.append(
                f"  {_METRIC_NAMES[m.metric]:<7}{m.baseline:9.2f}{m.system:9.2f}"
                f"{m.delta:+8.2f}{p:>8}  {m.verdict}"
            )
        for metric, signature in c.signatures.items():
            out.append(f"  {_METRIC_NAMES[metric]:<7}{signature}")
    return "\n".join(out) + "\n"


def _terms_text(terms: Mapping[str, Any]) -> str:
    return ", ".join(f"{key} {value}" for key, value in terms.items())


def score_plot(result: SystemResult, width: float = 7.0, height: float = 3.2) -> bytes | None:
    """Return a PNG of model score against whether the reviewer changed the sentence.

    One row of points per outcome (changed, unchanged) along the score axis,
    each with a histogram below, and the suggested ``--min-score`` as a line:
    where the two clouds overlap is where no threshold can separate them.
    None when HYP carries no scores.  Drawn with matplotlib's Agg canvas, no
    pyplot state.
    """
    if not result.points:
        return None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    changed = [score for score, c in result.points if c]
    unchanged = [score for score, c in result.points if not c]
    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    strip, histogram = figure.subplots(2, 1, sharex=True, height_ratios=[1, 2])
    for row, (label, scores, colour) in enumerate(
        (("unchanged", unchanged, "#4a7ebb"), ("changed", changed, "#c0392b"))
    ):
        # Spread points a little vertically, the same way every time.
        jitter = [row + 0.25 * math.sin(index * 2.399) for index in range(len(scores))]
        strip.scatter(scores, jitter, s=12, alpha=0.6, color=colour, label=label)
    strip.set_yticks([0, 1], ["unchanged", "changed"])
    strip.set_ylim(-0.6, 1.6)
    bins = min(30, max(5, len(result.points) // 4))
    low = min(score for score, _ in result.points)
    high = max(score for score, _ in result.points)
    edges = [low + (high - low + 1e-9) * i / bins for i in range(bins + 1)]
    if unchanged:
        histogram.hist(unchanged, bins=edges, alpha=0.55, color="#4a7ebb", label="unchanged")
    if changed:
        histogram.hist(changed, bins=edges, alpha=0.55, color="#c0392b", label="changed")
    suggested = result.min_score.suggested
    if suggested is not None:
        strip.axvline(suggested, color="black", linestyle="--", linewidth=1)
        histogram.axvline(
            suggested,
            color="black",
            linestyle="--",
            linewidth=1,
            label=f"suggested --min-score {suggested:.2f}",
        )
    histogram.set_xlabel("model score (mean log-probability per token)")
    histogram.set_ylabel("sentences")
    histogram.legend(fontsize=8, loc="upper left")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 60em; padding: 0 1em;
  color: #1d1d1d; }
table { border-collapse: collapse; margin: .6em 0 1.2em; display: block; max-width: 100%;
  overflow-x: auto; }
h1, h2, p { overflow-wrap: anywhere; }
.scores th:last-child, .scores td:last-child, .comparison td:last-child { text-align: left; }
th, td { padding: .2em .7em; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
code { font-size: 12px; color: #555; word-break: break-all; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
.better { color: #17692e; font-weight: 600; } .worse { color: #a12b1d; font-weight: 600; }
"""


def render_html(evaluation: Evaluation) -> str:
    """Return a self-contained HTML report: figures, flags, plots (PNG, base64), comparisons."""
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>el2en eval</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>Translation quality</h1>",
        f'<p>Reference: <code id="reference">{e(evaluation.reference)}</code> '
        f"({e(evaluation.reference_kind)})</p>",
    ]
    if evaluation.left_out:
        parts.append(f"<p>Left out: {e(_left_out_text(evaluation.left_out))}</p>")
    for index, result in enumerate(evaluation.systems):
        parts += _system_html(result, index)
    for c in evaluation.comparisons:
        parts += _comparison_html(c)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_html(evaluation: Evaluation, path: str | Path) -> None:
    """Write :func:`render_html`'s report to ``path``, whole or not at all."""
    from translate.output import atomic_output

    page = render_html(evaluation)
    with atomic_output(str(path)) as stream:
        stream.write(page)


def _system_html(result: SystemResult, index: int) -> list[str]:
    e = html.escape
    parts = [
        f'<section class="system" id="system-{index}">',
        f"<h2>{e(result.name)}</h2>",
    ]
    if result.signature:
        parts.append(f"<p>Made by <code>{e(result.signature)}</code></p>")
    parts.append(
        f'<p><span class="sentences">{result.sentences}</span> sentences scored, '
        f'<span class="changed">{result.changed}</span> changed by the reference.</p>'
    )
    parts.append(
        '<table class="scores"><tr><th>metric</th><th>score</th><th>sacreBLEU signature</th></tr>'
    )
    for key, label in _METRIC_NAMES.items():
        parts.append(
            f'<tr data-metric="{key}"><td>{label}</td><td class="value">'
            f"{getattr(result, key):.2f}</td><td><code>{e(result.signatures[key])}</code></td></tr>"
        )
    parts.append("</table>")
    parts.append(
        '<table class="flags"><tr><th>flag</th><th>flagged</th><th>changed</th>'
        "<th>precision</th><th>recall</th></tr>"
    )
    for f in result.flags:
        parts.append(
            f'<tr data-flag="{e(f.flag)}"><td>{e(f.flag)}</td><td>{f.flagged}</td>'
            f"<td>{f.changed}</td><td>{_rate(f.precision)}</td><td>{_rate(f.recall)}</td></tr>"
        )
    parts.append("</table>")
    parts.append(f'<p class="min-score">{e(min_score_text(result.min_score))}</p>')
    if result.terms is not None:
        parts.append(f'<p class="terms">Terms: {e(_terms_text(result.terms))}</p>')
    png = score_plot(result)
    if png is None:
        parts.append('<p class="no-plot">No plot: this HYP carries no model scores.</p>')
    else:
        data = base64.b64encode(png).decode("ascii")
        alt = f"Model score of {len(result.points)} sentences, changed by the reviewer or not"
        parts.append(
            f'<figure><img class="plot" alt="{e(alt)}" src="data:image/png;base64,{data}">'
            "<figcaption>Model score against whether the reviewer changed the sentence; "
            "the dashed line is the suggested --min-score.</figcaption></figure>"
        )
    parts.append("</section>")
    return parts


def _comparison_html(c: Comparison) -> list[str]:
    e = html.escape
    parts = [
        '<section class="comparison">',
        f"<h2>{e(c.system)} against {e(c.baseline)}</h2>",
        f"<p>sacreBLEU paired bootstrap resampling, {c.samples} resamples.</p>",
        "<table><tr><th>metric</th><th>baseline</th><th>system</th><th>delta</th>"
        "<th>p</th><th>verdict</th><th>signature</th></tr>",
    ]
    for m in c.metrics:
        p = "-" if m.p_value is None else f"{m.p_value:.4f}"
        css = m.verdict if m.verdict in ("better", "worse") else ""
        parts.append(
            f'<tr data-metric="{m.metric}"><td>{_METRIC_NAMES[m.metric]}</td>'
            f"<td>{m.baseline:.2f}</td><td>{m.system:.2f}</td><td>{m.delta:+.2f}</td>"
            f'<td>{p}</td><td class="{css}">{e(m.verdict)}</td>'
            f"<td><code>{e(c.signatures.get(m.metric, ''))}</code></td></tr>"
        )
    parts += ["</table>", "</section>"]
    return parts
