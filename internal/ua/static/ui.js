// swhost's user interface: small enhancements over plain HTML forms.
// Without this script every action still works (forms post and redirect).
// With it: actions run without leaving the page, the shelf follows the
// content index live (server-sent events), and permission requests appear
// as they come.
(() => {
  'use strict';

  const token = (document.querySelector('meta[name="swhost-token"]') || {}).content || '';
  const status = document.getElementById('status');

  // say announces a change to screen readers (a polite live region).
  function say(msg) {
    if (!status) return;
    status.textContent = '';
    setTimeout(() => { status.textContent = msg; }, 30);
  }

  function fromHTML(html) {
    const t = document.createElement('template');
    t.innerHTML = html.trim();
    return t.content.firstElementChild;
  }

  // keepFocus moves the focus away from an element about to go: to the same
  // kind of control in a neighbour, else to the main heading.
  function keepFocus(el, selector) {
    if (!el.contains(document.activeElement)) return;
    const next = el.nextElementSibling || el.previousElementSibling;
    const target = (next && next.querySelector(selector)) || document.querySelector('main h1');
    if (target) {
      if (!target.hasAttribute('tabindex') && target.tagName === 'H1') target.setAttribute('tabindex', '-1');
      target.focus();
    }
  }

  // ---- forms that call the JSON API ---------------------------------------
  document.addEventListener('submit', async (e) => {
    const form = e.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains('js-api')) return;
    e.preventDefault();
    // Busy, not disabled: disabling the focused button would drop the
    // focus to the page's body.
    if (form.getAttribute('aria-busy') === 'true') return;
    const submitter = e.submitter;
    const action = submitter && submitter.hasAttribute('formaction') ? submitter.formAction : form.action;
    const body = new URLSearchParams(new FormData(form));
    form.setAttribute('aria-busy', 'true');
    const old = form.querySelector('.error');
    if (old) old.remove();
    try {
      const resp = await fetch(action, {
        method: 'POST', body, credentials: 'same-origin',
        headers: { Accept: 'application/json', 'X-Swhost-Token': token },
      });
      const data = await resp.json().catch(() => ({}));
      if (!resp.ok) throw new Error(data.error || 'HTTP ' + resp.status);
      finish(form, submitter);
    } catch (err) {
      const p = document.createElement('p');
      p.className = 'error';
      p.setAttribute('role', 'alert');
      p.textContent = err.message;
      form.append(p);
    } finally {
      form.removeAttribute('aria-busy');
    }
  });

  function finish(form, submitter) {
    switch (form.dataset.done) {
      case 'remove-entry': {
        const card = form.closest('.entry');
        if (card && card.isConnected) {
          removeCard(card);
          say('Deleted ' + cardTitle(card) + '.');
        }
        break;
      }
      case 'remove-prompt': {
        const li = form.closest('.prompt');
        if (li && li.isConnected) {
          keepFocus(li, 'button');
          li.remove();
        }
        say((submitter && submitter.classList.contains('allow') ? 'Allowed.' : 'Denied.'));
        promptsChanged();
        break;
      }
      default:
        location.reload();
    }
  }

  // ---- the shelf, live ----------------------------------------------------
  const shelf = document.getElementById('shelf');

  function cardTitle(card) {
    const h = card.querySelector('h2');
    return h ? '“' + h.textContent + '”' : 'the entry';
  }

  function findCard(key) {
    for (const c of shelf.children) if (c.dataset.key === key) return c;
    return null;
  }

  function removeCard(card) {
    keepFocus(card, 'button.open');
    card.remove();
    shelfChanged(-1);
  }

  function shelfChanged(delta) {
    const count = document.getElementById('shelf-count');
    const empty = document.getElementById('shelf-empty');
    if (empty) empty.hidden = shelf.children.length > 0;
    if (count && delta) {
      const n = Math.max(0, Number(shelf.dataset.count || shelf.children.length) + delta);
      shelf.dataset.count = String(n);
      count.textContent = n + (n === 1 ? ' entry' : ' entries') + (shelf.dataset.filtered ? ' match.' : '.');
    }
  }

  if (shelf && shelf.dataset.stream && 'EventSource' in window) {
    const firstPage = shelf.dataset.page === '1';
    const size = Number(shelf.dataset.pageSize) || 50;
    const es = new EventSource(shelf.dataset.stream);
    es.addEventListener('display', (e) => {
      const d = JSON.parse(e.data);
      const card = fromHTML(d.html);
      const old = findCard(d.key);
      if (old) {
        const focused = old.contains(document.activeElement) && document.activeElement.className;
        old.replaceWith(card);
        if (focused) { const b = card.querySelector('button.' + focused); if (b) b.focus(); }
        return;
      }
      if (!firstPage) return;
      shelf.prepend(card);
      while (shelf.children.length > size) shelf.lastElementChild.remove();
      shelfChanged(+1);
      say('New on the shelf from ' + d.entry.origin + ': ' + cardTitle(card) + '.');
    });
    es.addEventListener('undisplay', (e) => {
      const d = JSON.parse(e.data);
      const card = findCard(d.key);
      if (!card) return;
      removeCard(card);
      say('Removed from the shelf: ' + cardTitle(card) + '.');
    });
    es.addEventListener('reload', () => { es.close(); location.reload(); });
    shelf.dataset.ready = 'true';
  }

  // ---- permission requests, live -------------------------------------------
  const promptsURL = document.body.dataset.prompts;
  const promptList = document.getElementById('prompt-list');
  const pending = new Set();

  function promptsChanged() {
    if (promptList) {
      pending.clear();
      for (const li of promptList.children) pending.add(li.dataset.id);
      const empty = document.getElementById('prompts-empty');
      if (empty) empty.hidden = promptList.children.length > 0;
    }
    const n = pending.size;
    const badge = document.getElementById('prompt-count');
    if (badge) {
      badge.hidden = n === 0;
      badge.querySelector('.n').textContent = String(n);
    }
    const banner = document.getElementById('prompt-banner');
    if (banner) {
      banner.hidden = n === 0;
      banner.querySelector('.n').textContent = String(n);
      banner.querySelector('.what').textContent = n === 1 ? 'site asks' : 'sites ask';
    }
  }

  function findPrompt(id) {
    if (!promptList) return null;
    for (const li of promptList.children) if (li.dataset.id === id) return li;
    return null;
  }

  if (promptsURL && 'EventSource' in window) {
    const es = new EventSource(promptsURL);
    es.addEventListener('reset', (e) => {
      const d = JSON.parse(e.data);
      const ids = new Set(d.prompts.map((p) => p.id));
      pending.clear();
      ids.forEach((id) => pending.add(id));
      if (promptList) {
        for (const li of Array.from(promptList.children)) if (!ids.has(li.dataset.id)) li.remove();
        for (const p of d.prompts) if (!findPrompt(p.id)) promptList.append(fromHTML(p.html));
      }
      promptsChanged();
      document.body.dataset.promptsReady = 'true';
    });
    es.addEventListener('prompt', (e) => {
      const p = JSON.parse(e.data);
      pending.add(p.id);
      if (promptList && !findPrompt(p.id)) promptList.append(fromHTML(p.html));
      promptsChanged();
      say(p.requestingOrigin + ' asks to use the service worker ' + p.scriptURL + '.');
    });
    es.addEventListener('settled', (e) => {
      const d = JSON.parse(e.data);
      pending.delete(d.id);
      const li = findPrompt(d.id);
      if (li) { keepFocus(li, 'button'); li.remove(); }
      promptsChanged();
    });
  }
})();
