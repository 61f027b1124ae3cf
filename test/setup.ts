// Every test file runs on one initialised device per worker (Dawn in node, the browser's in chromium).
import { init } from '../src/index.ts';
await init();
