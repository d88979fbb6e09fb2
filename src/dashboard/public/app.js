// Live operations dashboard: polls the flow's admin endpoints, turns counter readings into per-second
// rates, and draws them with uPlot. The admin token, when the server needs one, lives in sessionStorage only.

const TOKEN_KEY = 'promotion.adminToken'
const POLL_MS = 2000
const DLQ_POLL_MS = 4000
const HISTORY = 90

const $ = (selector) => document.querySelector(selector)
const state = { config: null, previous: null, history: [], charts: null, dlqTimer: null, timer: null }

const fmt = new Intl.NumberFormat('ko-KR', { maximumFractionDigits: 1 })
const dateFmt = new Intl.DateTimeFormat('ko-KR', { dateStyle: 'short', timeStyle: 'short' })

function setStatus(text, isError = false) {
  const status = $('#status')
  status.textContent = text
  status.classList.toggle('error', isError)
}

async function api(path, options = {}) {
  const headers = { ...(options.body ? { 'content-type': 'application/json' } : {}) }
  const token = sessionStorage.getItem(TOKEN_KEY)
  if (token) headers.authorization = `Bearer ${token}`
  const response = await fetch(`${state.config.apiPrefix}${path}`, { ...options, headers })
  const body = await response.json().catch(() => ({}))
  if (response.status === 401) {
    showLogin(body.message || '관리자 인증이 필요합니다.')
    throw new Error(body.message || 'unauthorized')
  }
  if (!response.ok) throw new Error(body.message || `HTTP ${response.status}`)
  return body
}

function showLogin(message = '') {
  stop()
  sessionStorage.removeItem(TOKEN_KEY)
  $('#board').hidden = true
  $('#logout').hidden = true
  $('#login').hidden = false
  $('#login-error').textContent = message
  setStatus('로그인이 필요합니다.')
}

function cell(text, className) {
  const td = document.createElement('td')
  td.textContent = text
  if (className) td.className = className
  return td
}

function bar(total, taken, pending) {
  const td = document.createElement('td')
  const outer = document.createElement('span')
  outer.className = 'bar'
  const pct = (n) => `${total > 0 ? Math.min(100, (n / total) * 100) : 0}%`
  const takenPart = document.createElement('span')
  takenPart.className = 'taken'
  takenPart.style.width = pct(taken)
  const pendingPart = document.createElement('span')
  pendingPart.className = 'pending'
  pendingPart.style.left = pct(taken)
  pendingPart.style.width = pct(Math.min(pending, Math.max(0, total - taken)))
  outer.append(takenPart, pendingPart)
  td.append(outer, ` ${fmt.format(total > 0 ? (taken / total) * 100 : 0)}%`)
  return td
}

function renderPromotions(promotions) {
  const rows = promotions.map((p) => {
    const tr = document.createElement('tr')
    tr.dataset.id = p.id
    const queue = p.queue ? `${p.queue.tickets} / ${p.queue.settled} / ${p.queue.waiting}` : '—'
    const fields = [
      cell(p.id),
      cell(p.name, 'text'),
      cell(String(p.total)),
      cell(String(p.taken)),
      cell(String(p.pending)),
      cell(String(p.remaining)),
    ]
    for (const [index, field] of ['total', 'taken', 'pending', 'remaining'].entries())
      fields[index + 2].dataset.field = field
    const window = cell(
      `${dateFmt.format(new Date(p.startAt))} ~ ${dateFmt.format(new Date(p.endAt))}`,
      'text',
    )
    tr.append(...fields, bar(p.total, p.taken, p.pending), cell(queue), window)
    return tr
  })
  $('#promotions tbody').replaceChildren(...rows)
}

function rate(now, before, seconds) {
  return before === undefined || seconds <= 0 ? 0 : Math.max(0, now - before) / seconds
}

function renderRates(overview) {
  const previous = state.previous
  const seconds = previous ? (Date.parse(overview.at) - Date.parse(previous.at)) / 1000 : 0
  const point = { t: Date.parse(overview.at) / 1000, strategies: {}, errors4: 0, errors5: 0 }
  const rows = Object.entries(overview.requests).map(([strategy, counts]) => {
    const before = previous?.requests[strategy] ?? {}
    const r = {
      ok: rate(counts['2xx'], before['2xx'], seconds),
      c4: rate(counts['4xx'], before['4xx'], seconds),
      c5: rate(counts['5xx'], before['5xx'], seconds),
    }
    point.strategies[strategy] = r.ok
    point.errors4 += r.c4
    point.errors5 += r.c5
    const tr = document.createElement('tr')
    tr.dataset.strategy = strategy
    tr.append(
      cell(strategy.toUpperCase()),
      cell(fmt.format(r.ok)),
      cell(fmt.format(r.c4)),
      cell(fmt.format(r.c5)),
    )
    return tr
  })
  $('#rates tbody').replaceChildren(...rows)
  point.settled = overview.lag ? rate(overview.lag.committed, previous?.lag?.committed, seconds) : 0
  point.shed = overview.shed === null ? null : rate(overview.shed, previous?.shed ?? undefined, seconds)
  $('#settled-rate').textContent = fmt.format(point.settled)
  $('#shed-rate').textContent = point.shed === null ? '—' : fmt.format(point.shed)
  if (previous) {
    state.history.push(point)
    if (state.history.length > HISTORY) state.history.shift()
    drawCharts()
  }
  state.previous = overview
}

function chart(target, series) {
  const width = Math.min(620, window.innerWidth - 60)
  return new uPlot(
    {
      width,
      height: 220,
      series: [{}, ...series],
      axes: [{}, { label: '건/초' }],
      scales: { x: { time: true } },
    },
    [[], ...series.map(() => [])],
    target,
  )
}

function drawCharts() {
  if (!state.charts) {
    state.charts = {
      requests: chart($('#chart-requests'), [
        { label: 'V1 완료', stroke: '#8854d0' },
        { label: 'V2 완료', stroke: '#20bf6b' },
        { label: 'V3 접수', stroke: '#3867d6', width: 2 },
        { label: '정산', stroke: '#f7b731', width: 2 },
      ]),
      errors: chart($('#chart-errors'), [
        { label: '4xx', stroke: '#fa8231' },
        { label: '5xx', stroke: '#eb3b5a' },
        { label: '차단', stroke: '#4b6584' },
      ]),
    }
  }
  const h = state.history
  const t = h.map((p) => p.t)
  state.charts.requests.setData([
    t,
    h.map((p) => p.strategies.v1 ?? 0),
    h.map((p) => p.strategies.v2 ?? 0),
    h.map((p) => p.strategies.v3 ?? 0),
    h.map((p) => p.settled),
  ])
  state.charts.errors.setData([t, h.map((p) => p.errors4), h.map((p) => p.errors5), h.map((p) => p.shed)])
}

function renderLag(lag) {
  $('#lag-total').textContent = lag ? String(lag.total) : '—'
  const seconds = lag?.estimatedSeconds
  $('#lag-seconds').textContent = !lag
    ? 'Kafka 응답 없음'
    : seconds === null
      ? '진행 없음 (정체)'
      : `${fmt.format(seconds)}초`
  const rows = (lag?.partitions ?? []).map((p) => {
    const tr = document.createElement('tr')
    tr.dataset.partition = String(p.partition)
    tr.append(cell(String(p.partition)), cell(String(p.lag)), cell(p.member ?? '없음', 'text'))
    return tr
  })
  $('#partitions tbody').replaceChildren(...rows)
}

async function replay(requestId, button) {
  button.disabled = true
  button.textContent = '재처리 중…'
  try {
    const result = await api('/admin/dlq/replay', {
      method: 'POST',
      body: JSON.stringify({ requestIds: [requestId] }),
    })
    button.textContent = result.replayed > 0 ? '재처리됨' : '이미 재처리됨'
    await refreshDlq()
  } catch (error) {
    button.disabled = false
    button.textContent = '재처리'
    setStatus(`재처리 실패: ${error.message}`, true)
  }
}

function renderDlq(list) {
  $('#dlq-count').textContent = String(list.count)
  const rows = list.messages.map((letter) => {
    const tr = document.createElement('tr')
    tr.dataset.requestId = letter.requestId ?? ''
    tr.dataset.offset = `${letter.partition}:${letter.offset}`
    const action = document.createElement('td')
    if (letter.replayed) {
      action.textContent = '재처리됨'
    } else if (letter.requestId) {
      const button = document.createElement('button')
      button.type = 'button'
      button.className = 'replay'
      button.textContent = '재처리'
      button.addEventListener('click', () => replay(letter.requestId, button))
      action.append(button)
    }
    tr.append(
      cell(letter.requestId ?? '—', 'text'),
      cell(letter.errorCode ?? '—', 'text'),
      cell(letter.error ?? '', 'text'),
      cell(letter.attempts === null ? '—' : String(letter.attempts)),
      cell(letter.failedAt ? dateFmt.format(new Date(letter.failedAt)) : '—', 'text'),
      action,
    )
    return tr
  })
  $('#dlq tbody').replaceChildren(...rows)
}

async function refreshDlq() {
  renderDlq(await api('/admin/dlq'))
}

async function refresh() {
  const overview = await api('/admin/overview')
  renderPromotions(overview.promotions)
  renderRates(overview)
  renderLag(overview.lag)
  setStatus(`마지막 갱신: ${new Date(overview.at).toLocaleTimeString('ko-KR')}`)
}

function loop(task, ms) {
  let timer
  const tick = async () => {
    try {
      await task()
    } catch (error) {
      setStatus(`갱신 실패: ${error.message}`, true)
    }
    timer = setTimeout(tick, ms)
  }
  tick()
  return () => clearTimeout(timer)
}

function stop() {
  state.timer?.()
  state.dlqTimer?.()
  state.timer = state.dlqTimer = null
}

function start() {
  stop()
  $('#login').hidden = true
  $('#board').hidden = false
  $('#logout').hidden = !state.config.tokenRequired
  state.timer = loop(refresh, POLL_MS)
  state.dlqTimer = loop(refreshDlq, DLQ_POLL_MS)
}

async function main() {
  state.config = await (await fetch('config.json')).json()
  $('#flow-name').textContent = state.config.flow === 'coupon' ? '· 선착순 쿠폰' : '· 타임세일'
  $('#login').addEventListener('submit', (event) => {
    event.preventDefault()
    sessionStorage.setItem(TOKEN_KEY, $('#token').value)
    $('#token').value = ''
    start()
  })
  $('#logout').addEventListener('click', () => showLogin())
  if (state.config.tokenRequired && !sessionStorage.getItem(TOKEN_KEY)) showLogin()
  else start()
}

main().catch((error) => setStatus(`대시보드를 불러오지 못했습니다: ${error.message}`, true))
