// chart.js - the dashboard's charts as inline SVG, built with the DOM.
//
// The CSP allows no style attributes, so geometry goes in SVG attributes
// (setAttribute) and colours come from supervisor.css through classes. The
// charts are pictures of figures that are also given as text: the line
// chart has a title and description and a visually hidden table next to
// it; each bar sits in a table row with its label and numbers, and is
// aria-hidden.

const SVG = 'http://www.w3.org/2000/svg';

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children) if (c) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const M = { left: 64, right: 16, top: 16, bottom: 44 };

// The referral rate per 15 minutes: a line through the quarter hours that
// had resolved or referred contacts (a gap where none had), a dot on each.
// series: {start, step, points: [{resolved, referred, rate}]}; fmt: {pct,
// time}. ids: {title, desc} for aria-labelledby/aria-describedby. width:
// the room it gets, in CSS pixels: the drawing is made that wide, so that
// its text stays readable on a phone instead of being scaled down.
// Under the line, a bar per quarter hour for its volume (resolved +
// referred), scaled to the busiest one (a third of the height), so that a
// rate of 100 % from one contact is not read as a trend.
export function rateChart(series, { title, desc, ids, fmt, width = 960, volumeLabel = '' }) {
  const W = Math.max(300, Math.min(1600, Math.round(width)));
  const H = W < 600 ? 240 : 300;
  const everyHours = W < 600 ? 6 : 3;
  const n = series.points.length;
  const iw = W - M.left - M.right;
  const ih = H - M.top - M.bottom;
  const x = (i) => M.left + (n > 1 ? (i * iw) / (n - 1) : iw / 2);
  const y = (rate) => M.top + (1 - rate) * ih;
  const svg = s('svg', {
    viewBox: `0 0 ${W} ${H}`, class: 'rate-chart', role: 'img', focusable: 'false',
    'aria-labelledby': ids.title, 'aria-describedby': ids.desc,
  }, s('title', { id: ids.title }, title), s('desc', { id: ids.desc }, desc));

  const grid = s('g', { class: 'grid' });
  for (const r of [0, 0.25, 0.5, 0.75, 1]) {
    grid.append(s('line', { x1: M.left, x2: W - M.right, y1: y(r), y2: y(r) }));
    grid.append(s('text', { x: M.left - 8, y: y(r), 'text-anchor': 'end', 'dominant-baseline': 'middle' }, fmt.pct(r, 0)));
  }
  // An hour label every three (on a phone six) hours.
  for (let i = 0; i < n; i++) {
    const t = new Date(series.start + i * series.step);
    if (t.getMinutes() !== 0 || t.getHours() % everyHours) continue;
    grid.append(s('line', { class: 'tick', x1: x(i), x2: x(i), y1: M.top + ih, y2: M.top + ih + 6 }));
    grid.append(s('text', { x: x(i), y: H - 14, 'text-anchor': 'middle' }, fmt.time(t)));
  }
  svg.append(grid);

  const volumes = series.points.map((p) => (p.resolved || 0) + (p.referred || 0));
  const most = Math.max(0, ...volumes);
  if (most > 0) {
    const band = ih / 3;
    const bw = Math.max(1, (n > 1 ? iw / (n - 1) : iw) * 0.7);
    const vols = s('g', { class: 'volumes' });
    volumes.forEach((v, i) => {
      if (!v) return;
      const hgt = Math.max(1, (v / most) * band);
      vols.append(s('rect', { x: (x(i) - bw / 2).toFixed(1), y: (M.top + ih - hgt).toFixed(1), width: bw.toFixed(1), height: hgt.toFixed(1) }));
    });
    vols.append(s('text', { class: 'vol-label', x: W - M.right, y: M.top + ih - band - 4, 'text-anchor': 'end' },
      `${fmt.int ? fmt.int(most) : most} ${volumeLabel}`.trim()));
    svg.append(vols);
  }

  let d = '';
  let pen = false;
  const dots = s('g', { class: 'dots' });
  series.points.forEach((p, i) => {
    if (p.rate === null || p.rate === undefined) {
      pen = false;
      return;
    }
    d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)} ${y(p.rate).toFixed(1)} `;
    pen = true;
    dots.append(s('circle', { cx: x(i).toFixed(1), cy: y(p.rate).toFixed(1), r: 4 }));
  });
  if (d) svg.append(s('path', { class: 'line', d: d.trim() }));
  svg.append(dots);
  return svg;
}

// One horizontal bar for a share 0..1, to sit in a table cell.
export function bar(share) {
  const w = Math.max(0, Math.min(1, share || 0)) * 100;
  return s('svg', { class: 'bar', viewBox: '0 0 100 10', preserveAspectRatio: 'none', 'aria-hidden': 'true', focusable: 'false' },
    s('rect', { class: 'bar-track', x: 0, y: 0, width: 100, height: 10 }),
    s('rect', { class: 'bar-fill', x: 0, y: 0, width: w.toFixed(2), height: 10 }));
}
