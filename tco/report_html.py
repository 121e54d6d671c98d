"""A quote answer as one printable HTML page a buyer can attach (issue #18): the question, the
ranked options, capacity and monthly bill, the break-even against an API price, a chart, every
assumption and the provenance of every number.

Pure: a QuoteRequest and its QuoteResponse in, a ``str`` out (no I/O; tco.api.report serves
it). Every text from the data is escaped; the page has no script and one ``<style>`` block
(STYLE, allowed by hash in REPORT_CSP), and loads nothing: the chart is inline SVG.

Numbers are shown rounded to SIGNIFICANT_DIGITS for people, each in a ``<data value=...>``
element that carries the exact value the JSON answer has (a reader, or a test, can check one
against the other).
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Iterable, Sequence

import msgspec

from tco.domain.quote import Assumptions, QuoteOption, QuoteRequest, QuoteResponse
from tco.tabular import SIGNIFICANT_DIGITS, format_sig

STYLE = """
:root { font: 10pt/1.35 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111; }
body { margin: 0 auto; max-width: 190mm; padding: 8mm; }
h1 { font-size: 15pt; margin: 0 0 2mm; } h2 { font-size: 12pt; margin: 5mm 0 2mm; }
h3 { font-size: 10.5pt; margin: 4mm 0 1mm; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 2mm; }
th, td { border-bottom: 1px solid #ccc; padding: 1mm 1.5mm; text-align: left; vertical-align: top;
  overflow-wrap: break-word; }
table.options, table.procurement { font-size: 8.5pt; }
th { background: #f2f2f2; font-weight: 600; }
td.n, th.n { text-align: right; } td.n { white-space: nowrap; }
td.n .why { white-space: normal; display: block; text-align: left; }
.why { overflow-wrap: anywhere; }
.muted { color: #555; } .caveat { color: #8a4b00; } .small { font-size: 8.5pt; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.5mm 4mm; margin: 0; }
dt { font-weight: 600; } dd { margin: 0; overflow-wrap: anywhere; }
svg { display: block; max-width: 100%; } svg text { font: 8pt system-ui, sans-serif; }
.src { overflow-wrap: anywhere; }
@page { size: A4; margin: 10mm; }
@media print { body { padding: 0; max-width: none; } h2 { break-after: avoid; }
  tr, .chart { break-inside: avoid; } }
"""
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
# No script, no network: the one style block by hash, nothing else may load.
REPORT_CSP = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; img-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

_BAR_WIDTH_PX = 420
_LABEL_WIDTH_PX = 250


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def num(value: float | int | None, unit: str = "") -> str:
    """A number for people, with its exact value machine-readable; '-' when it is unknown."""
    if value is None:
        return '<span class="muted">-</span>'
    shown = str(value) if isinstance(value, int) else format_sig(value)
    return f'<data value="{_e(repr(value))}">{_e(shown)}</data>{_e(unit)}'


def _json(value: object) -> str:
    return msgspec.json.encode(value).decode()


def _options(answer: QuoteResponse) -> list[tuple[float, list[QuoteOption]]]:
    """Per target its ranked options: the one place the report reads the answer's targets."""
    return [(t.target_interactivity, list(t.options)) for t in answer.targets]


def _counts(answer: QuoteResponse) -> list[tuple[int, int]]:
    """Per target: recipes that cannot reach it, recipes excluded by the request's filters."""
    return [(t.unreachable_total, t.excluded_total) for t in answer.targets]


def render_report(request: QuoteRequest, answer: QuoteResponse, *, json_url: str) -> str:
    """The whole page. ``json_url``: where the same answer is as JSON (named on the page)."""
    a = answer.assumptions
    per_target = _options(answer)
    title = f"Inference cost quote: {a.model}, {a.isl} in / {a.osl} out tokens"
    parts = [
        '<!doctype html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="muted small">Benchmarks as of {_e(a.benchmark_as_of)} (dataset {_e(a.dataset_version)}); '
        f"prices from table {_e(a.pricing_table)} v{_e(a.pricing_version)}; "
        f"{_e(_judged(a))}. Numbers are rounded to {SIGNIFICANT_DIGITS} significant digits; "
        f'the exact values are in the JSON answer: <span class="src">{_e(json_url)}</span></p>',
        _question(request, a),
        _summary(a, per_target),
    ]
    for (target, options), (unreachable, excluded) in zip(per_target, _counts(answer), strict=True):
        parts.append(_target_section(a, target, options, unreachable, excluded))
    parts += [_assumptions(a), _provenance(a, per_target), "</body></html>"]
    return "\n".join(parts)


def _judged(a: Assumptions) -> str:
    f = a.freshness
    if f is None:
        return "evidence ages not judged"
    synced = f.synced_at.isoformat(timespec="seconds") if f.synced_at else "never"
    return f"ages judged at {f.judged_at}, last sync {synced}"


def _question(request: QuoteRequest, a: Assumptions) -> str:
    """What was asked: every request field that differs from its default, in words."""
    targets = ", ".join(format_sig(t) for t in request.targets)
    rows = [
        ("Model", a.model + (f" (variants not included: {', '.join(a.model_variants)})" if a.model_variants else "")),
        ("Workload", f"{a.isl} input tokens, {a.osl} output tokens per request"),
        ("Interactivity targets", f"{targets} tok/s per user"),
        ("Demand", _demand_text(a)),
        ("Compared with API", f"{a.api_price.provider} ({a.api_price.id})" if a.api_price else "no API price asked"),
    ]  # fmt: skip
    defaults = QuoteRequest(
        model=request.model, isl=request.isl, osl=request.osl, targets=request.targets
    )
    skip = {"model", "isl", "osl", "targets", "demand", "api_price", "view"}
    for field in msgspec.structs.fields(QuoteRequest):
        value = getattr(request, field.name)
        if field.name not in skip and value != getattr(defaults, field.name):
            rows.append((field.name, value if isinstance(value, str) else _json(value)))
    body = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows)
    return f'<h2>The question</h2><dl id="question">{body}</dl>'


def _demand_text(a: Assumptions) -> str:
    if a.demand is None:
        return "none given (no capacity or monthly bill)"
    kind = str(msgspec.to_builtins(a.demand)["kind"])  # the struct's tag
    return f"{format_sig(a.demand.value)} {kind.replace('_', ' ')}"


def _summary(a: Assumptions, per_target: Sequence[tuple[float, list[QuoteOption]]]) -> str:
    lines = []
    for target, options in per_target:
        if not options:
            lines.append(
                f"<li>{num(target)} tok/s/user: no option reaches it with a priced offer</li>"
            )
            continue
        o = options[0]
        bill = (f", {num(o.capacity.usd_per_month)} USD/month for {num(o.capacity.gpus)} GPUs"
                if o.capacity is not None else "")  # fmt: skip
        lines.append(
            f"<li>{num(target)} tok/s/user: cheapest {_e(o.hardware)} {_e(o.recipe.label)} at "
            f"{num(o.usd_per_million_tokens)} USD per million {_e(a.token_basis)} tokens "
            f"({_e(o.offer.provider)} {_e(o.offer.kind)}){bill}</li>"
        )
    return f'<h2>Answer</h2><ul id="summary">{"".join(lines)}</ul>'


def _target_section(
    a: Assumptions, target: float, options: list[QuoteOption], unreachable: int, excluded: int
) -> str:
    head = f"<h2>Target {num(target)} tok/s per user</h2>"
    counts = (f'<p class="muted small">{unreachable} recipe(s) cannot reach this target; '
              f"{excluded} excluded by the request's filters.</p>")  # fmt: skip
    if not options:
        return head + "<p>No option reaches this target with a priced offer.</p>" + counts
    cols = [("#", True), ("Hardware and recipe", False), ("Offer", False), ("USD/GPU-h", True),
            (f"USD/M {a.token_basis} tokens", True), ("USD/1k requests", True), ("x cheapest", True),
            ("Operating point", False)]  # fmt: skip
    table = _table("options", target, cols, [_option_row(o) for o in options])
    if a.demand is not None or a.api_price is not None:
        cols = [("#", True), ("Hardware", False)]
        if a.demand is not None:
            cols += [("Capacity for the demand", False), ("USD/month", True)]
        if a.api_price is not None:
            cols += [("API USD/1k requests", True), ("Break-even utilization", True),
                     ("Saving USD/month", True)]  # fmt: skip
        rows = [_procurement_row(a, o) for o in options]
        table += "<h3>Capacity, monthly bill and break-even against the API</h3>"
        table += _table("procurement", target, cols, rows)
    return head + _chart(a, target, options) + table + counts


def _table(kind: str, target: float, cols: list[tuple[str, bool]], rows: list[str]) -> str:
    """``cols``: (header, numeric); ``rows``: rendered ``<tr>``s."""
    header = "".join(f'<th class="n">{_e(c)}</th>' if n else f"<th>{_e(c)}</th>" for c, n in cols)
    return (f'<table class="{kind}" data-target="{_e(repr(target))}"><thead><tr>{header}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")  # fmt: skip


def _option_row(o: QuoteOption) -> str:
    op, offer = o.operating_point, o.offer
    status = (
        ""
        if offer.status in (None, "published")
        else f' <span class="caveat">[{_e(offer.status)}]</span>'
    )
    cells = [
        f'<td class="n">{o.rank}</td>',
        f"<td>{_e(o.hardware)} {_e(o.recipe.label)}</td>",
        f"<td>{_e(offer.provider)} {_e(offer.kind)}{_e(' ' + offer.region if offer.region else '')}{status}</td>",
        f'<td class="n usd-gpu-h">{num(offer.usd_per_gpu_hour)}</td>',
        f'<td class="n usd-m">{num(o.usd_per_million_tokens)}</td>',
        f'<td class="n">{num(o.usd_per_1k_requests)}</td>',
        f'<td class="n">{num(o.ratio_to_cheapest)}</td>',
        f"<td>{num(op.interactivity)} tok/s/user, {num(op.tput_per_gpu)} tok/s/GPU ({_e(op.method)})</td>",
    ]  # fmt: skip
    return f'<tr data-rank="{o.rank}">{"".join(cells)}</tr>'


def _procurement_row(a: Assumptions, o: QuoteOption) -> str:
    """Capacity and monthly bill (with a demand), the API comparison (with an API price)."""
    cells = [f'<td class="n">{o.rank}</td>', f"<td>{_e(o.hardware)}</td>"]
    if a.demand is not None:
        c = o.capacity
        if c is None:
            cells += [f'<td class="caveat why">not computed: {_e(o.capacity_unavailable)}</td>',
                      '<td class="n">-</td>']  # fmt: skip
        else:
            nodes = f", {num(c.nodes)} nodes" if c.nodes is not None else ""
            cells += [f"<td>{num(c.replicas)} x {num(c.gpus_per_replica)} = {num(c.gpus)} GPUs{nodes}, "
                      f"{num(c.load_factor * 100)}% loaded</td>",
                      f'<td class="n usd-month">{num(c.usd_per_month)}</td>']  # fmt: skip
    if a.api_price is not None:
        api = o.api_comparison
        if api is None:
            cells += ['<td class="n">-</td>'] * 3
        else:
            be = api.break_even_utilization
            why = (f'<span class="why caveat">{_e(api.unavailable_reason)}</span>'
                   if api.unavailable_reason else "")  # fmt: skip
            cells += [f'<td class="n">{num(api.api_usd_per_1k_requests)}</td>',
                      f'<td class="n">{num(None if be is None else be * 100, "%")}{why}</td>',
                      f'<td class="n">{num(api.saving_usd_per_month)}</td>']  # fmt: skip
    return f'<tr data-rank="{o.rank}">{"".join(cells)}</tr>'


def _chart(a: Assumptions, target: float, options: list[QuoteOption]) -> str:
    """Horizontal bars of USD per million tokens, one per ranked option (inline SVG)."""
    top = max(o.usd_per_million_tokens for o in options) or 1.0
    bar_h, gap = 16, 6
    height = len(options) * (bar_h + gap) + 22
    width = _LABEL_WIDTH_PX + _BAR_WIDTH_PX + 70
    items = []
    for i, o in enumerate(options):
        y = 4 + i * (bar_h + gap)
        w = max(1.0, _BAR_WIDTH_PX * o.usd_per_million_tokens / top)
        label = f"#{o.rank} {o.hardware} {o.recipe.label}"
        label = label if len(label) <= 42 else label[:41] + "\u2026"
        items.append(
            f'<text x="{_LABEL_WIDTH_PX - 6}" y="{y + 12}" text-anchor="end">{_e(label)}</text>'
            f'<rect x="{_LABEL_WIDTH_PX}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="#3b6ea8">'
            f"<title>{_e(label)}: {_e(format_sig(o.usd_per_million_tokens))} USD/M tokens</title></rect>"
            f'<text x="{_LABEL_WIDTH_PX + w + 4:.1f}" y="{y + 12}">{_e(format_sig(o.usd_per_million_tokens))}</text>'
        )  # fmt: skip
    axis_y = height - 6
    caption = f"USD per million {a.token_basis} tokens at {format_sig(target)} tok/s per user"
    return (
        f'<figure class="chart"><svg xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" aria-label="{_e(caption)}">'
        f'{"".join(items)}<text x="{_LABEL_WIDTH_PX}" y="{axis_y}" fill="#555">{_e(caption)}</text></svg></figure>'
    )  # fmt: skip


def _assumptions(a: Assumptions) -> str:
    """Every field of the answer's assumptions, by its JSON name (nested ones as JSON)."""
    rows = []
    for field in msgspec.structs.fields(Assumptions):
        value = getattr(a, field.name)
        text = value if isinstance(value, str) else _json(value)
        rows.append(f"<dt>{_e(field.encode_name)}</dt><dd>{_e(text)}</dd>")
    return f'<h2>Every assumption</h2><dl id="assumptions" class="small">{"".join(rows)}</dl>'


def _provenance(a: Assumptions, per_target: Iterable[tuple[float, list[QuoteOption]]]) -> str:
    """Where each number comes from: per option its runs, its price and its caveats."""
    seen: set[tuple[str, str, str, str | None]] = set()
    blocks = []
    for _, options in per_target:
        for o in options:
            key = (o.recipe.recipe_id, o.offer.provider, o.offer.kind, o.offer.region)
            if key in seen:
                continue
            seen.add(key)
            blocks.append(_option_provenance(o))
    api = ""
    if a.api_price is not None:
        p = a.api_price
        api = (f"<h3>API price {_e(p.id)}</h3><p class=\"small\">{_e(p.model_name)}: input {num(p.input_usd_per_m)}, "
               f"output {num(p.output_usd_per_m)}, cached input {num(p.cached_input_usd_per_m)} USD per million tokens. "
               f'Source <span class="src">{_e(p.source)}</span>, dated {_e(p.source_date or "undated")}'
               f"{_e('; ' + p.notes if p.notes else '')}</p>")  # fmt: skip
    excluded = ", ".join(f"{k}: {n}" for k, n in a.excluded_offers.items()) or "none"
    return (f'<h2>Provenance</h2><section id="provenance" class="small">'
            f"<p>Offers left out by the offer filters, by reason: {_e(excluded)}.</p>"
            f'{api}{"".join(blocks)}</section>')  # fmt: skip


def _option_provenance(o: QuoteOption) -> str:
    offer, op = o.offer, o.operating_point
    runs = "".join(
        f"<li>{_e(k.date)}{' (stand-in date: the real one is unknown)' if k.date_stand_in else ''}: "
        f"{num(k.interactivity)} tok/s/user, {num(k.tput_per_gpu)} tok/s/GPU at concurrency {num(k.conc)}; "
        f'<span class="src">{_e(k.source)}</span>'
        f"{_e(' ' + k.framework_version if k.framework_version else '')}{_e(' image ' + k.image if k.image else '')}"
        + (f' <span class="caveat">inconsistent row: {_e(k.inconsistent)}</span>' if k.inconsistent else "")
        + "</li>"
        for k in op.knots
    )  # fmt: skip
    price = (f"{_e(offer.provider)} {_e(offer.kind)}{_e(' ' + offer.region if offer.region else '')}: "
             f"{num(offer.usd_per_gpu_hour)} USD/GPU-h, status {_e(offer.status or 'unstated')}; "
             f'source <span class="src">{_e(offer.source)}</span>, dated {_e(offer.source_date or "undated")}'
             f"{_e('; ' + offer.notes if offer.notes else '')}")  # fmt: skip
    t = offer.owned_tco
    if t is not None:
        price += (f"; owned TCO = capital {num(t.capital_usd_per_gpu_hour)} + power {num(t.power_usd_per_gpu_hour)} "
                  f"+ colocation {num(t.colocation_usd_per_gpu_hour)} + opex {num(t.opex_usd_per_gpu_hour)} USD/GPU-h")  # fmt: skip
    notes = [f'<li class="caveat">caveat: {_e(c)}</li>' for c in o.caveats]
    if o.evidence is not None:
        notes += [
            f'<li class="caveat">stale ({_e(w.kind)}): {_e(w.message)}</li>'
            for w in o.evidence.warnings
        ]
    if o.capacity is not None:
        c = o.capacity
        notes += [f"<li>capacity: {_e(n)}</li>" for n in c.notes]
        if c.all_in_kw is not None:
            notes.append(
                f"<li>power {num(c.all_in_kw)} kW IT load; source {_e(c.all_in_kw_source)}</li>"
            )
    return (f"<h3>{_e(o.hardware)} {_e(o.recipe.label)} <span class=\"muted\">({_e(o.recipe.recipe_id)})</span></h3>"
            f"<p>Operating point: {_e(op.method)} ({_e(op.interpolation)}) from these runs:</p><ul>{runs}</ul>"
            f"<p>Price: {price}</p>" + (f"<ul>{''.join(notes)}</ul>" if notes else ""))  # fmt: skip
