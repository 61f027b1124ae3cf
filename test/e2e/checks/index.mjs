// The index page links every demo page, each with a thumbnail that loads.
import { PAGES } from '../../../demo/pages.js';

export default {
  canvases: false,
  async check(result, page) {
    const links = await page.$$eval('a.card', (as) => as.map((a) => ({ href: a.getAttribute('href'), img: a.querySelector('img')?.naturalWidth ?? 0 })));
    for (const p of PAGES) {
      const l = links.find((x) => x.href === `./${p.path}/index.html`);
      if (!l) throw new Error(`no card links ${p.path}/index.html`);
    }
    const broken = links.filter((l) => !(l.img > 0));
    if (broken.length) throw new Error(`thumbnails missing for ${broken.map((l) => l.href).join(', ')} (run node test/e2e/run.mjs --thumbs)`);
    return `${links.length} cards`;
  },
};
