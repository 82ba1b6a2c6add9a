import { readFileSync } from 'node:fs';
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status','utf8'))[1])/1024;
for (const s of process.argv.slice(2)) await import(s);
await new Promise(r=>setTimeout(r,100)); gc(); gc();
const m = process.memoryUsage();
console.log(process.argv.slice(2).join(' ').padEnd(70), 'rss', rss().toFixed(1), 'heapUsed', (m.heapUsed/1048576).toFixed(1));
