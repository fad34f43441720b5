/** Inline stylesheet: light theme, readable in print, no external fonts. */
export const STYLES = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f8fafc; color: #0f172a;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 40px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 28px 0 10px; }
.meta { display: flex; flex-wrap: wrap; gap: 10px; margin: 14px 0 0; padding: 0; list-style: none; }
.meta li { background: #fff; border: 1px solid #e2e8f0; border-radius: 8px; padding: 8px 12px; min-width: 130px; }
.meta .k { display: block; font-size: 11px; text-transform: uppercase; letter-spacing: .04em; color: #64748b; }
.meta .v { font-size: 16px; font-weight: 600; }
.meta .v.bad { color: #b91c1c; }
table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid #e2e8f0; border-radius: 8px; }
th, td { padding: 7px 10px; border-bottom: 1px solid #e2e8f0; text-align: left; vertical-align: top; }
th { font-size: 12px; color: #334155; background: #f1f5f9; }
th small, td small { color: #64748b; font-weight: 400; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.artifact { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; overflow-wrap: anywhere; width: 200px; }
td.quality { white-space: nowrap; }
td.cause { min-width: 260px; overflow-wrap: anywhere; white-space: normal; font-size: 13px; }
.cause-text { color: #334155; }
.worse { color: #b91c1c; }
.badge { display: inline-block; padding: 2px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.kind { display: inline-block; padding: 0 6px; border: 1px solid; border-radius: 4px; font-size: 12px; font-weight: 600; background: #fff; }
figure { margin: 0; background: #fff; border: 1px solid #e2e8f0; border-radius: 8px; padding: 10px 8px 4px; }
svg.timeline { display: block; width: 100%; height: auto; font-family: system-ui, "DejaVu Sans", sans-serif; }
svg .panel { fill: #fbfdff; stroke: #cbd5e1; }
svg .grid { stroke: #e2e8f0; stroke-width: 1; }
svg .grid-over { stroke: #ffffff; stroke-opacity: .45; stroke-width: 1; }
svg .axis { stroke: #94a3b8; }
svg .tick { font-size: 11px; fill: #475569; }
svg .axis-title { font-size: 11px; fill: #334155; font-weight: 600; }
svg .legend-label { fill: #1e293b; }
svg .line { fill: none; stroke-width: 1.8; stroke-linejoin: round; }
svg .halo { paint-order: stroke; stroke: #ffffff; stroke-width: 3px; stroke-linejoin: round; }
svg .hover { fill: #0f172a; fill-opacity: 0; }
svg .hover:hover { fill-opacity: .08; }
svg .empty-note { font-size: 16px; fill: #64748b; }
figcaption { font-size: 12px; color: #475569; padding: 6px 8px; }
.marker-key { margin: 4px 8px 6px; font-size: 12px; color: #334155; display: flex; flex-wrap: wrap; gap: 4px 14px; align-items: center; }
.key-item { display: inline-flex; align-items: center; gap: 4px; }
.note { color: #64748b; font-style: italic; }
footer { margin-top: 28px; font-size: 12px; color: #94a3b8; }
@media print { body { background: #fff; } main { padding: 0; } figure, table { break-inside: avoid; } }
`;
