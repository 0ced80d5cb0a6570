/**
 * Opens a large trace in the main-area Trace Viewer of a running JupyterLab (in Debian's
 * chromium) and times opening it and stepping through it; a small trace opened and
 * stepped the same way in the same run is the baseline. Prints figures, never fails on
 * them. Usage: node bench.js URL LARGE.json SMALL.json
 */
const fs = require('fs');
const path = require('path');

const REPO = path.resolve(__dirname, '..', '..');
const { chromium } = require(
  path.join(REPO, 'ui-tests', 'node_modules', 'playwright')
);

const [url, largePath, smallPath] = process.argv.slice(2);

function summary(times) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = q => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return {
    n: sorted.length,
    median: +at(0.5).toFixed(2),
    p95: +at(0.95).toFixed(2),
    max: +sorted[sorted.length - 1].toFixed(2)
  };
}

/** In the page: open the document, then time each kind of step (handler + style + layout). */
async function measure(page, text, label) {
  await page.evaluate(t => {
    window.__gtDocText = t;
  }, text);
  const result = await page.evaluate(async () => {
    const frame = () => new Promise(r => requestAnimationFrame(() => r()));
    const app = window.jupyterapp;
    // close what the previous run opened
    for (const w of Array.from(app.shell.widgets('main'))) {
      if (w.hasClass('gt-TraceViewerWidget')) {
        w.dispose();
      }
    }
    await frame();
    const t0 = performance.now();
    const doc = JSON.parse(window.__gtDocText);
    const t1 = performance.now();
    await app.commands.execute('groundtrace:open-viewer', { document: doc });
    const view = document.querySelector(
      '.jp-MainAreaWidget .gt-TraceViewer .gt-TraceView'
    );
    void document.body.offsetHeight;
    const t2 = performance.now();
    await frame();
    const t3 = performance.now();
    const open = {
      events: doc.events.length,
      parse_ms: +(t1 - t0).toFixed(1),
      open_to_layout_ms: +(t2 - t1).toFixed(1),
      open_to_first_frame_ms: +(t3 - t1).toFixed(1),
      dom_nodes_in_viewer: view.closest('.gt-TraceViewer').querySelectorAll('*').length
    };
    const times = {};
    async function keys(name, key, options, n) {
      const list = [];
      for (let i = 0; i < n; i++) {
        const s = performance.now();
        view.dispatchEvent(
          new KeyboardEvent('keydown', { key, bubbles: true, ...options })
        );
        void document.body.offsetHeight; // the style and layout of the change
        list.push(performance.now() - s);
        await frame();
      }
      times[name] = list;
    }
    await keys('next (→)', 'ArrowRight', {}, 300);
    await keys('previous (←)', 'ArrowLeft', {}, 100);
    await keys('step over (Shift+→)', 'ArrowRight', { shiftKey: true }, 100);
    await keys('next call (n)', 'n', {}, 100);
    await keys('previous call (p)', 'p', {}, 50);
    const slider = view.querySelector('.gt-slider');
    const jumps = [];
    const max = Number(slider.max);
    for (let i = 0; i < 100; i++) {
      const s = performance.now();
      slider.value = String(Math.floor(((i * 7919) % 100) / 100 * max));
      slider.dispatchEvent(new Event('input', { bubbles: true }));
      void document.body.offsetHeight;
      jumps.push(performance.now() - s);
      await frame();
    }
    times['slider jump (random step)'] = jumps;
    await keys('End', 'End', {}, 5);
    await keys('Home', 'Home', {}, 5);
    // a click on a snoop line far down: scroll there, click, time the jump
    const snoop = view.querySelector('.gt-snoopText');
    snoop.scrollTop = snoop.scrollHeight / 2;
    await frame();
    await frame();
    const line = snoop.querySelector('.gt-snoopLine:nth-child(5)');
    const s = performance.now();
    line.click();
    void document.body.offsetHeight;
    times['snoop line click'] = [performance.now() - s];
    return { open, times };
  });
  const steps = {};
  for (const [name, list] of Object.entries(result.times)) {
    steps[name] = summary(list);
  }
  return { label, open: result.open, steps };
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run']
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${url.replace(/\/$/, '')}/lab?reset`);
  await page.waitForFunction(
    () =>
      window.jupyterapp &&
      window.jupyterapp.commands.hasCommand('groundtrace:open-viewer'),
    null,
    { timeout: 180_000 }
  );
  await page.waitForTimeout(1000);
  const small = fs.readFileSync(smallPath, 'utf8');
  const large = fs.readFileSync(largePath, 'utf8');
  const runs = [];
  // warm-up (JIT, styles), then baseline and large, then large again
  await measure(page, small, 'warm-up');
  runs.push(await measure(page, small, 'baseline'));
  runs.push(await measure(page, large, 'large'));
  runs.push(await measure(page, large, 'large, again'));
  console.log(JSON.stringify(runs, null, 1));
  await browser.close();
})().catch(error => {
  console.error(error);
  process.exit(1);
});
