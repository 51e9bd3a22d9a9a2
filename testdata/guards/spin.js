self.addEventListener('push', (e) => {
  const kind = e.data.text();
  if (kind === 'spin') { while (true) {} }
  if (kind === 'recurse') { const f = (n) => f(n + 1) + 1; f(0); }
  // The lookahead makes the engine use its backtracking matcher.
  if (kind === 'regexp') { /^(a+)+$(?!x)/.test('a'.repeat(40) + 'b'); }
  if (kind === 'alloc') { const a = []; while (true) a.push(new Array(1e5).fill(a.length)); }
  if (kind === 'never') { e.waitUntil(new Promise(() => {})); }
  console.log('push ok: ' + kind);
});
