/**
 * Minimal hand-written SVG charts (no browser, no dependency): grouped bars and lines, linear or log
 * scale. Good enough to see a 100× gap between strategies at a glance, which is all a report needs.
 */

const WIDTH = 860
const HEIGHT = 420
const M = { top: 48, right: 24, bottom: 92, left: 76 }
const COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#9c755f']
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"'

export function escapeXml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  )
}

/** Compact number for axis labels: 1500 → 1.5k, 0.25 → 0.25. */
export function shortNumber(n: number): string {
  if (n >= 1e6) return `${+(n / 1e6).toPrecision(3)}M`
  if (n >= 1e3) return `${+(n / 1e3).toPrecision(3)}k`
  return `${+n.toPrecision(3)}`
}

/** Axis ticks: 1-2-5 steps per decade on a log scale, about six "nice" steps on a linear one. */
export function ticks(min: number, max: number, log: boolean): number[] {
  if (log) {
    const out: number[] = []
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
      for (const m of [1, 2, 5]) {
        const v = m * 10 ** e
        if (v >= min * 0.999 && v <= max * 1.001) out.push(v)
      }
    }
    return out
  }
  const raw = (max - min) / 6 || 1
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = ([1, 2, 5, 10].find((s) => s * mag >= raw) ?? 10) * mag
  const out: number[] = []
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(+v.toPrecision(12))
  return out
}

interface Scale {
  readonly y: (v: number) => number
  readonly min: number
  readonly max: number
}

function scale(values: number[], log: boolean): Scale {
  const positive = values.filter((v) => v > 0)
  const hi = Math.max(...positive, 1)
  const plotH = HEIGHT - M.top - M.bottom
  if (log) {
    const lo = 10 ** Math.floor(Math.log10(Math.min(...positive, hi)))
    const max = 10 ** Math.ceil(Math.log10(hi))
    const y = (v: number) =>
      M.top +
      plotH * (1 - (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(max) - Math.log10(lo) || 1))
    return { y, min: lo, max }
  }
  const max = ticks(0, hi * 1.1, false).at(-1) ?? hi
  return { y: (v: number) => M.top + plotH * (1 - v / max), min: 0, max }
}

function frame(title: string, yLabel: string, s: Scale, log: boolean): string[] {
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" ${FONT} font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="15" font-weight="600">${escapeXml(title)}</text>`,
    `<text transform="translate(18 ${(M.top + HEIGHT - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
  ]
  for (const t of ticks(s.min || (log ? 1 : 0), s.max, log)) {
    const y = s.y(t).toFixed(1)
    out.push(`<line x1="${M.left}" x2="${WIDTH - M.right}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`)
    out.push(
      `<text x="${M.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="#555">${shortNumber(t)}</text>`,
    )
  }
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${HEIGHT - M.bottom}" stroke="#999"/>`)
  out.push(
    `<line x1="${M.left}" x2="${WIDTH - M.right}" y1="${HEIGHT - M.bottom}" y2="${HEIGHT - M.bottom}" stroke="#999"/>`,
  )
  return out
}

function legend(names: readonly string[]): string[] {
  return names.map((name, i) => {
    const x = M.left + i * 120
    const y = HEIGHT - 18
    return `<rect x="${x}" y="${y - 9}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/><text x="${x + 17}" y="${y + 1}">${escapeXml(name)}</text>`
  })
}

export interface BarChart {
  readonly title: string
  readonly yLabel: string
  readonly categories: readonly string[]
  readonly series: ReadonlyArray<{ readonly name: string; readonly values: readonly number[] }>
  readonly log?: boolean
}

/** Grouped bars: one group per category, one bar per series, value printed above each bar. */
export function barChart(chart: BarChart): string {
  const log = chart.log ?? false
  const s = scale(
    chart.series.flatMap((x) => [...x.values]),
    log,
  )
  const out = frame(chart.title, chart.yLabel, s, log)
  const plotW = WIDTH - M.left - M.right
  const groupW = plotW / Math.max(1, chart.categories.length)
  const barW = Math.min(40, (groupW * 0.8) / Math.max(1, chart.series.length))
  const base = HEIGHT - M.bottom
  chart.categories.forEach((category, c) => {
    const x0 = M.left + c * groupW + (groupW - barW * chart.series.length) / 2
    chart.series.forEach((series, i) => {
      const v = series.values[c] ?? 0
      if (!(v > 0)) return
      const y = s.y(v)
      const x = x0 + i * barW
      out.push(
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(base - y).toFixed(1)}" fill="${COLORS[i % COLORS.length]}"><title>${escapeXml(`${category} ${series.name}: ${v}`)}</title></rect>`,
      )
      out.push(
        `<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(y - 3).toFixed(1)}" text-anchor="middle" font-size="9" fill="#333">${shortNumber(v)}</text>`,
      )
    })
    out.push(
      `<text x="${(M.left + (c + 0.5) * groupW).toFixed(1)}" y="${base + 16}" text-anchor="middle">${escapeXml(category)}</text>`,
    )
  })
  if (chart.series.length > 1) out.push(...legend(chart.series.map((x) => x.name)))
  out.push('</svg>')
  return `${out.join('\n')}\n`
}

export interface LineChart {
  readonly title: string
  readonly xLabel: string
  readonly yLabel: string
  readonly series: ReadonlyArray<{
    readonly name: string
    readonly points: ReadonlyArray<readonly [number, number]>
  }>
  readonly logX?: boolean
  readonly logY?: boolean
  /** A dashed horizontal reference line, e.g. the p99 bound. */
  readonly threshold?: { readonly value: number; readonly label: string }
}

/** Lines with markers over a shared x axis (e.g. offered rate → p99). */
export function lineChart(chart: LineChart): string {
  const logY = chart.logY ?? false
  const logX = chart.logX ?? false
  const ys = chart.series.flatMap((x) => x.points.map((p) => p[1]))
  if (chart.threshold) ys.push(chart.threshold.value)
  const s = scale(ys, logY)
  const out = frame(chart.title, chart.yLabel, s, logY)
  const xs = chart.series.flatMap((x) => x.points.map((p) => p[0])).filter((x) => x > 0)
  const xMin = logX ? 10 ** Math.floor(Math.log10(Math.min(...xs, 1))) : 0
  const xMax = logX
    ? 10 ** Math.ceil(Math.log10(Math.max(...xs, 10)))
    : (ticks(0, Math.max(...xs, 1) * 1.05, false).at(-1) ?? 1)
  const plotW = WIDTH - M.left - M.right
  const x = (v: number) =>
    M.left +
    plotW *
      (logX
        ? (Math.log10(Math.max(v, xMin)) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin) || 1)
        : v / xMax)
  for (const t of ticks(logX ? xMin : 0, xMax, logX)) {
    out.push(
      `<text x="${x(t).toFixed(1)}" y="${HEIGHT - M.bottom + 16}" text-anchor="middle" fill="#555">${shortNumber(t)}</text>`,
    )
  }
  out.push(
    `<text x="${(M.left + WIDTH - M.right) / 2}" y="${HEIGHT - M.bottom + 36}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`,
  )
  if (chart.threshold) {
    const y = s.y(chart.threshold.value).toFixed(1)
    out.push(
      `<line x1="${M.left}" x2="${WIDTH - M.right}" y1="${y}" y2="${y}" stroke="#c00" stroke-dasharray="6 4"/>`,
    )
    out.push(
      `<text x="${WIDTH - M.right - 4}" y="${Number(y) - 5}" text-anchor="end" fill="#c00">${escapeXml(chart.threshold.label)}</text>`,
    )
  }
  chart.series.forEach((series, i) => {
    const color = COLORS[i % COLORS.length]
    const pts = [...series.points].sort((a, b) => a[0] - b[0])
    if (pts.length > 1) {
      const d = pts
        .map((p, j) => `${j === 0 ? 'M' : 'L'}${x(p[0]).toFixed(1)},${s.y(p[1]).toFixed(1)}`)
        .join(' ')
      out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`)
    }
    for (const p of pts) {
      out.push(
        `<circle cx="${x(p[0]).toFixed(1)}" cy="${s.y(p[1]).toFixed(1)}" r="3.5" fill="${color}"><title>${escapeXml(`${series.name}: ${p[0]} → ${p[1]}`)}</title></circle>`,
      )
    }
  })
  out.push(...legend(chart.series.map((x) => x.name)))
  out.push('</svg>')
  return `${out.join('\n')}\n`
}
