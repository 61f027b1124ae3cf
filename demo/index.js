import './lib/style.css';
import { PAGES } from './pages.js';

const cards = document.getElementById('cards');
for (const p of PAGES) {
  const a = document.createElement('a');
  a.className = 'card';
  a.href = `./${p.path}/index.html`;
  a.innerHTML = `<img alt="" loading="lazy"><div><b></b><span></span></div>`;
  a.querySelector('img').src = `./thumbs/${p.path}.png`;
  a.querySelector('img').alt = `${p.title}: screenshot`;
  a.querySelector('b').textContent = p.title;
  a.querySelector('span').textContent = p.text;
  cards.append(a);
}
document.getElementById('gpu').textContent =
  'gpu' in navigator ? 'This browser has WebGPU: the demos will run here.' : 'This browser has no WebGPU (navigator.gpu is missing); the pages will say how to enable it.';
window.__demo = { status: 'done', webgpu: 'gpu' in navigator, result: { links: PAGES.map((p) => p.path) } };
