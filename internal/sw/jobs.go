package sw

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/swhost/swhost/internal/js"
)

type jobType int

const (
	jobRegister jobType = iota
	jobUpdate
	jobUnregister
)

// job is a Service Workers job.
type job struct {
	typ            jobType
	scope          string
	scriptURL      string
	workerType     string
	updateViaCache string
	origin         string // the client's origin (referrer)
	env            *Env   // the client, may be nil (host-initiated)
	done           chan jobResult
	equivalents    []*job
	// settle, when set, receives the result synchronously on the job's
	// goroutine: a client's promise is then queued before any task the
	// rest of the job queues (Resolve Job Promise's ordering).
	settle       func(jobResult)
	resolved     bool
	resumeWorker *Worker // set when resuming an interrupted install
}

type jobResult struct {
	info *RegistrationInfo
	ok   bool
	err  error
}

// jobQueue is a scope's job queue: jobs run one at a time, in order.
type jobQueue struct {
	jobs    []*job
	running bool
}

func (j *job) equivalent(o *job) bool {
	if j.typ != o.typ || j.scope != o.scope || j.resumeWorker != nil || o.resumeWorker != nil {
		return false
	}
	switch j.typ {
	case jobRegister, jobUpdate:
		return j.scriptURL == o.scriptURL && j.workerType == o.workerType && j.updateViaCache == o.updateViaCache
	}
	return true
}

// schedule runs Schedule Job and waits for the job's promise.
func (c *Core) schedule(ctx context.Context, j *job) jobResult {
	j.done = make(chan jobResult, 1)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return jobResult{err: errors.New("host is closing")}
	}
	q := c.queues[j.scope]
	if q == nil {
		q = &jobQueue{}
		c.queues[j.scope] = q
	}
	// Schedule Job step 3: an equivalent job at the end of the queue
	// (that is not running) takes this job's promise along.
	if n := len(q.jobs); n > 0 && q.jobs[n-1].equivalent(j) && !(q.running && n == 1) {
		last := q.jobs[n-1]
		last.equivalents = append(last.equivalents, j)
	} else {
		q.jobs = append(q.jobs, j)
	}
	if !q.running {
		q.running = true
		c.goBackground(func() { c.runQueue(j.scope) })
	}
	c.mu.Unlock()
	select {
	case r := <-j.done:
		return r
	case <-ctx.Done():
		return jobResult{err: ctx.Err()}
	}
}

func (c *Core) runQueue(scope string) {
	for {
		c.mu.Lock()
		q := c.queues[scope]
		if len(q.jobs) == 0 {
			q.running = false
			delete(c.queues, scope)
			c.mu.Unlock()
			return
		}
		j := q.jobs[0]
		c.mu.Unlock()

		release := c.holdPages(j.origin)
		c.runJob(j)
		release()

		c.mu.Lock()
		q.jobs = q.jobs[1:]
		c.mu.Unlock()
	}
}

// holdPages keeps the live windows of an origin from counting as idle while
// a job for that origin runs, so that headless pages see its events.
func (c *Core) holdPages(origin string) func() {
	c.mu.Lock()
	var held []*Env
	for e := range c.envs {
		if e.kind == envWindow && e.Origin == origin {
			e.Realm.Ref()
			held = append(held, e)
		}
	}
	c.mu.Unlock()
	return func() {
		for _, e := range held {
			e.Realm.Unref()
		}
	}
}

// resolveJob is Resolve Job Promise (for the job and its equivalents).
func (j *job) resolve(r jobResult) {
	j.resolveOne(r)
	for _, e := range j.equivalents {
		e.resolveOne(r)
	}
}

func (j *job) resolveOne(r jobResult) {
	if j.resolved {
		return
	}
	j.resolved = true
	if j.settle != nil {
		j.settle(r)
	}
	j.done <- r
}

func (c *Core) runJob(j *job) {
	defer func() {
		// A job that ends without settling its promise settles it now.
		j.resolve(jobResult{err: errors.New("job ended without a result")})
	}()
	switch j.typ {
	case jobRegister:
		c.runRegister(j)
	case jobUpdate:
		if j.resumeWorker != nil {
			c.resumeInstall(j)
			return
		}
		c.runUpdate(j)
	case jobUnregister:
		c.runUnregister(j)
	}
}

// startRegister runs the ServiceWorkerContainer.register() steps and Start
// Register: URL parsing and the scope checks, then schedules the job.
func (c *Core) startRegister(ctx context.Context, env *Env, scriptURL string, scope *string, typ, uvc string, settle func(jobResult)) (*RegistrationInfo, error) {
	base := env.URL
	// Start Register step 3: parse scriptURL against the API base URL.
	su, err := ResolveURL(base, scriptURL)
	if err != nil {
		return nil, js.TypeError("Failed to register a ServiceWorker: Invalid script URL %q.", scriptURL)
	}
	// Start Register step 5: script URL scheme must be http(s).
	if su.Scheme != "http" && su.Scheme != "https" {
		return nil, js.TypeError("Failed to register a ServiceWorker: The URL protocol of the script ('%s') is not supported.", stripFragment(su))
	}
	// Step 6: a path containing %2f or %5c is a TypeError.
	if p := strings.ToLower(su.EscapedPath()); strings.Contains(p, "%2f") || strings.Contains(p, "%5c") {
		return nil, js.TypeError("Failed to register a ServiceWorker: The script URL ('%s') contains a disallowed escaped character.", stripFragment(su))
	}
	// Steps 7-8: the default scope is "./" resolved against the script URL.
	var scopeURL string
	if scope == nil {
		scopeURL = dirOf(su)
	} else {
		u, err := ResolveURL(base, *scope)
		if err != nil {
			return nil, js.TypeError("Failed to register a ServiceWorker: Invalid scope URL %q.", *scope)
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			return nil, js.TypeError("Failed to register a ServiceWorker: The URL protocol of the scope ('%s') is not supported.", stripFragment(u))
		}
		if p := strings.ToLower(u.EscapedPath()); strings.Contains(p, "%2f") || strings.Contains(p, "%5c") {
			return nil, js.TypeError("Failed to register a ServiceWorker: The scope URL ('%s') contains a disallowed escaped character.", stripFragment(u))
		}
		scopeURL = stripFragment(u)
	}
	r := c.schedule(ctx, &job{typ: jobRegister, scope: scopeURL, scriptURL: stripFragment(su), workerType: typ,
		updateViaCache: uvc, origin: env.Origin, env: env, settle: settle})
	return r.info, r.err
}

// Register runs register() on behalf of a client of origin (from Go, for
// the CLI and tests), with default options.
func (c *Core) Register(ctx context.Context, clientURL, scriptURL, scope string) (*RegistrationInfo, error) {
	env := &Env{core: c, Origin: OriginOf(clientURL), URL: clientURL}
	var sp *string
	if scope != "" {
		sp = &scope
	}
	return c.startRegister(ctx, env, scriptURL, sp, "classic", "imports", nil)
}

// runRegister is the Register algorithm.
func (c *Core) runRegister(j *job) {
	// 1. If the script URL's origin is not potentially trustworthy, reject
	// with SecurityError.
	scriptOrigin := OriginOf(j.scriptURL)
	if !PotentiallyTrustworthy(scriptOrigin) {
		j.resolve(jobResult{err: js.Errorf("SecurityError", "Failed to register a ServiceWorker for scope ('%s') with script ('%s'): The origin of the script ('%s') is not secure (https, localhost or loopback only).", j.scope, j.scriptURL, scriptOrigin)})
		return
	}
	// 2. If the script URL's origin is not the referrer's origin: SecurityError.
	if scriptOrigin != j.origin {
		j.resolve(jobResult{err: js.Errorf("SecurityError", "Failed to register a ServiceWorker: The origin of the provided scriptURL ('%s') does not match the current origin ('%s').", scriptOrigin, j.origin)})
		return
	}
	// 3. Likewise for the scope URL.
	if OriginOf(j.scope) != j.origin {
		j.resolve(jobResult{err: js.Errorf("SecurityError", "Failed to register a ServiceWorker: The origin of the provided scope ('%s') does not match the current origin ('%s').", OriginOf(j.scope), j.origin)})
		return
	}
	c.mu.Lock()
	reg := c.regs[j.scope]
	if reg != nil {
		// 5. An existing registration with the same newest worker resolves.
		newest := reg.newestLocked()
		if newest != nil && newest.ScriptURL == j.scriptURL && reg.UpdateViaCache == j.updateViaCache && newest.Type == j.workerType && !reg.uninstalling {
			info := reg.infoLocked()
			c.mu.Unlock()
			j.resolve(jobResult{info: &info})
			return
		}
		reg.uninstalling = false
		reg.UpdateViaCache = j.updateViaCache
	} else {
		// 6. Set Registration.
		c.nextReg++
		reg = &Registration{core: c, ID: c.nextReg, Scope: j.scope, Origin: j.origin, UpdateViaCache: j.updateViaCache}
		c.regs[j.scope] = reg
		c.byID[reg.ID] = reg
	}
	c.mu.Unlock()
	// 7. Invoke Update.
	c.update(j, reg)
}

func (c *Core) startUpdate(ctx context.Context, env *Env, reg *Registration, settle func(jobResult)) (*RegistrationInfo, error) {
	if reg == nil || reg.Removed() {
		return nil, js.Errorf("InvalidStateError", "Failed to update a ServiceWorker: The registration is not found.")
	}
	c.mu.Lock()
	newest := reg.newestLocked()
	uninstalling := reg.uninstalling
	c.mu.Unlock()
	// ServiceWorkerRegistration.update() steps: no newest worker, or an
	// uninstalling registration → InvalidStateError.
	if newest == nil {
		return nil, js.Errorf("InvalidStateError", "Failed to update a ServiceWorker for scope ('%s'): The registration has no worker.", reg.Scope)
	}
	if uninstalling {
		return nil, js.Errorf("InvalidStateError", "Failed to update a ServiceWorker for scope ('%s'): The registration is being unregistered.", reg.Scope)
	}
	origin := reg.Origin
	if env != nil {
		origin = env.Origin
	}
	r := c.schedule(ctx, &job{typ: jobUpdate, scope: reg.Scope, scriptURL: newest.ScriptURL, workerType: newest.Type,
		updateViaCache: reg.UpdateViaCache, origin: origin, env: env, settle: settle})
	return r.info, r.err
}

// Update runs registration.update() from Go (soft update from the CLI).
func (c *Core) Update(ctx context.Context, reg *Registration) (*RegistrationInfo, error) {
	return c.startUpdate(ctx, nil, reg, nil)
}

func (c *Core) runUpdate(j *job) {
	c.mu.Lock()
	reg := c.regs[j.scope]
	if reg == nil || reg.uninstalling {
		c.mu.Unlock()
		// Update step 2: no registration → TypeError.
		j.resolve(jobResult{err: js.TypeError("Failed to update a ServiceWorker: The registration was removed.")})
		return
	}
	newest := reg.newestLocked()
	c.mu.Unlock()
	// Update step 4: an update job's script URL must be the newest's.
	if newest != nil && newest.ScriptURL != j.scriptURL {
		j.resolve(jobResult{err: js.TypeError("Failed to update a ServiceWorker: The script URL changed.")})
		return
	}
	c.update(j, reg)
}

// fetchScript fetches a service worker script (main or imported) from the
// network, bypassing any service worker, with the Service-Worker: script
// header on the main script.
func (c *Core) fetchScript(ctx context.Context, url string, main bool) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, nil, err
	}
	if main {
		req.Header.Set("Service-Worker", "script")
	}
	req.Header.Set("Cache-Control", "no-cache")
	resp, err := c.opts.Transport.RoundTrip(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, int64(maxScriptSize)+1))
	if err != nil {
		return nil, nil, err
	}
	if len(body) > maxScriptSize {
		// Not cut short: a part of a script could run.
		return nil, nil, fmt.Errorf("the script is larger than %d MiB", maxScriptSize>>20)
	}
	return resp, body, nil
}

// maxScriptSize bounds a service worker script, main or imported (a
// variable for tests).
var maxScriptSize = 64 << 20

// update is the Update algorithm (from step 5 on): fetch, compare, run,
// and install.
func (c *Core) update(j *job, reg *Registration) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c.mu.Lock()
	newest := reg.newestLocked()
	reg.lastUpdateCheck = time.Now()
	c.mu.Unlock()

	fail := func(err error) {
		// If newest worker is null, remove the registration, and Reject Job
		// Promise (removed first, so the rejected page never sees it).
		c.mu.Lock()
		empty := reg.newestLocked() == nil
		c.mu.Unlock()
		if empty {
			c.clearRegistration(reg)
		}
		j.resolve(jobResult{err: err})
	}

	// Fetch the main script ("perform the fetch" steps of Update).
	resp, body, err := c.fetchScript(ctx, j.scriptURL, true)
	if err != nil {
		fail(js.TypeError("Failed to register a ServiceWorker for scope ('%s') with script ('%s'): An unknown error occurred when fetching the script (%v).", j.scope, j.scriptURL, err))
		return
	}
	// Response status must be ok.
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		fail(js.TypeError("Failed to register a ServiceWorker for scope ('%s') with script ('%s'): A bad HTTP response code (%d) was received when fetching the script.", j.scope, j.scriptURL, resp.StatusCode))
		return
	}
	// The MIME type must be a JavaScript MIME type: SecurityError.
	if ct := resp.Header.Get("Content-Type"); !IsJavaScriptMIME(ct) {
		if ct == "" {
			ct = "(none)"
		}
		fail(js.Errorf("SecurityError", "Failed to register a ServiceWorker for scope ('%s') with script ('%s'): The script has an unsupported MIME type ('%s').", j.scope, j.scriptURL, ct))
		return
	}
	// Max scope: the script's directory, or Service-Worker-Allowed
	// resolved against the script URL.
	su, _ := ResolveURL(j.scriptURL, "")
	maxScope := dirOf(su)
	if allowed := resp.Header.Get("Service-Worker-Allowed"); allowed != "" {
		au, err := ResolveURL(j.scriptURL, allowed)
		if err != nil {
			fail(js.Errorf("SecurityError", "Failed to register a ServiceWorker: The Service-Worker-Allowed header value ('%s') is not a valid URL.", allowed))
			return
		}
		// A max scope of another origin is a SecurityError.
		if OriginOf(au.String()) != OriginOf(j.scriptURL) {
			fail(js.Errorf("SecurityError", "Failed to register a ServiceWorker: The Service-Worker-Allowed header ('%s') names another origin.", allowed))
			return
		}
		c2 := *au
		c2.RawQuery, c2.Fragment = "", ""
		maxScope = c2.String()
	}
	scopePath := pathOf(j.scope)
	if !strings.HasPrefix(scopePath, pathOf(maxScope)) {
		fail(js.Errorf("SecurityError", "Failed to register a ServiceWorker for scope ('%s') with script ('%s'): The path of the provided scope ('%s') is not under the max scope allowed ('%s'). Adjust the scope, move the Service Worker script, or use the Service-Worker-Allowed HTTP header to allow the scope.", j.scope, j.scriptURL, scopePath, pathOf(maxScope)))
		return
	}

	// Byte-for-byte check of the main script and, if it is equal, of every
	// imported script of the newest worker.
	if newest != nil && newest.ScriptURL == j.scriptURL {
		if rec, _ := newest.script(j.scriptURL); rec != nil && bytes.Equal(rec.Body, body) && !c.importsChanged(ctx, newest) {
			c.mu.Lock()
			info := reg.infoLocked()
			c.mu.Unlock()
			j.resolve(jobResult{info: &info})
			return
		}
	}

	// A new worker: Run Service Worker (initial evaluation).
	w := c.newWorker(reg, j.scriptURL, j.workerType)
	w.setScript(&ScriptRecord{URL: j.scriptURL, ContentType: resp.Header.Get("Content-Type"), Body: body})
	_, s := w.script(j.scriptURL)
	if _, err := s.Compile(); err != nil {
		c.dropWorker(w)
		fail(js.TypeError("Failed to register a ServiceWorker for scope ('%s') with script ('%s'): ServiceWorker script evaluation failed: %s", j.scope, j.scriptURL, err.Error()))
		return
	}
	if _, err := w.start(ctx); err != nil {
		c.dropWorker(w)
		fail(js.TypeError("Failed to register a ServiceWorker for scope ('%s') with script ('%s'): ServiceWorker script evaluation failed: %s", j.scope, j.scriptURL, err.Error()))
		return
	}
	c.install(j, reg, w)
}

func pathOf(u string) string {
	pu, err := ResolveURL(u, "")
	if err != nil {
		return u
	}
	return pu.EscapedPath()
}

// importsChanged refetches the imported scripts of w and reports whether
// any differs (Update's "hasUpdatedResources").
func (c *Core) importsChanged(ctx context.Context, w *Worker) bool {
	w.mu.Lock()
	var imports []*ScriptRecord
	for _, u := range w.scriptOrder {
		if u != w.ScriptURL {
			imports = append(imports, w.scripts[u])
		}
	}
	w.mu.Unlock()
	for _, rec := range imports {
		resp, body, err := c.fetchScript(ctx, rec.URL, false)
		if err != nil || resp.StatusCode/100 != 2 || !bytes.Equal(body, rec.Body) {
			return true
		}
	}
	return false
}

func (c *Core) dropWorker(w *Worker) {
	w.stop("discarded")
	w.mu.Lock()
	w.state = Redundant
	w.mu.Unlock()
	c.mu.Lock()
	delete(c.workers, w.ID)
	c.mu.Unlock()
}

// importScript fetches (before installation) or reads (after) one script
// for importScripts().
func (c *Core) importScript(env *Env, raw string) (*ScriptRecord, error) {
	w := env.Worker
	u, err := ResolveURL(env.URL, raw)
	if err != nil {
		return nil, js.Errorf("SyntaxError", "Failed to execute 'importScripts' on 'WorkerGlobalScope': The URL '%s' is invalid.", raw)
	}
	url := stripFragment(u)
	if rec, _ := w.script(url); rec != nil {
		return rec, nil
	}
	// After installation only scripts in the map may be imported.
	if st := w.State(); st != Parsed && st != Installing {
		return nil, js.Errorf("NetworkError", "Failed to execute 'importScripts' on 'WorkerGlobalScope': The script at '%s' was not imported before installation finished.", url)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	resp, body, err := c.fetchScript(ctx, url, false)
	if err != nil {
		return nil, js.Errorf("NetworkError", "Failed to execute 'importScripts' on 'WorkerGlobalScope': The script at '%s' failed to load: %v", url, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, js.Errorf("NetworkError", "Failed to execute 'importScripts' on 'WorkerGlobalScope': The script at '%s' failed to load (HTTP %d).", url, resp.StatusCode)
	}
	if !IsJavaScriptMIME(resp.Header.Get("Content-Type")) {
		return nil, js.Errorf("NetworkError", "Failed to execute 'importScripts' on 'WorkerGlobalScope': The script at '%s' has an unsupported MIME type ('%s').", url, resp.Header.Get("Content-Type"))
	}
	rec := &ScriptRecord{URL: url, ContentType: resp.Header.Get("Content-Type"), Body: body}
	w.setScript(rec)
	return rec, nil
}

// install is the Install algorithm.
func (c *Core) install(j *job, reg *Registration, w *Worker) {
	// 1-3. Update Registration State (installing) and Update Worker State
	// (installing).
	c.mu.Lock()
	reg.installing = w
	c.syncRegistrationLocked(reg)
	c.setStateLocked(w, Installing)
	info := reg.infoLocked()
	c.mu.Unlock()
	// Persist before resolving, so a registration whose promise resolved
	// survives a crash (it resumes installing on restart).
	if err := c.persist(reg); err != nil {
		c.log.Error("persisting registration", "scope", reg.Scope, "error", err)
	}
	// 4. Resolve the job promise with the registration.
	j.resolve(jobResult{info: &info})
	c.installContinue(reg, w)
}

// installContinue runs Install from step 5: updatefound, the install
// event, then the installed state and Try Activate.
func (c *Core) installContinue(reg *Registration, w *Worker) {
	// 5. Fire updatefound at every ServiceWorkerRegistration object.
	c.mu.Lock()
	c.broadcastLocked(reg.Origin, reg.ID, func(e *Env) { _, _ = e.callInternal("swUpdateFound", reg.ID) })
	c.mu.Unlock()
	for _, ext := range c.opts.Extensions {
		ext.RegistrationChanged(reg, ChangeUpdated)
	}
	// 8-11. Fire install; a rejected waitUntil or a failed dispatch means
	// installFailed.
	res, err := c.Dispatch(context.Background(), w, Event{Type: "install"})
	installFailed := err != nil || res.Rejected
	if installFailed {
		reason := ""
		if err != nil {
			reason = err.Error()
		} else if len(res.Reasons) > 0 {
			reason = strings.Join(res.Reasons, "; ")
		}
		c.log.Warn("service worker install failed", "script", w.ScriptURL, "reason", reason)
		// 12. Update Worker State redundant; clear installing; if no newest
		// worker remains, Clear Registration.
		c.mu.Lock()
		c.setStateLocked(w, Redundant)
		if reg.installing == w {
			reg.installing = nil
		}
		c.syncRegistrationLocked(reg)
		empty := reg.newestLocked() == nil
		if empty {
			// 12.3: remove the registration from the map at once.
			c.unmapLocked(reg)
		}
		c.mu.Unlock()
		w.stop("install failed")
		if empty {
			c.clearRegistration(reg)
		} else {
			_ = c.persist(reg)
		}
		return
	}
	// 15-16. A waiting worker is replaced.
	c.mu.Lock()
	if old := reg.waiting; old != nil && old != w {
		reg.waiting = nil
		c.setStateLocked(old, Redundant)
		c.goBackground(func() { old.stop("replaced") })
	}
	// 17-18. installing → waiting, state installed.
	reg.waiting = w
	if reg.installing == w {
		reg.installing = nil
	}
	c.syncRegistrationLocked(reg)
	c.setStateLocked(w, Installed)
	c.mu.Unlock()
	if err := c.persist(reg); err != nil {
		c.log.Error("persisting registration", "scope", reg.Scope, "error", err)
	}
	// 20-21. Try Activate.
	c.tryActivate(reg)
}

// tryActivate is Try Activate.
func (c *Core) tryActivate(reg *Registration) {
	c.mu.Lock()
	w := reg.waiting
	if w == nil || (reg.active != nil && reg.active.State() == Activating) {
		c.mu.Unlock()
		return
	}
	w.mu.Lock()
	skip := w.skipWaiting
	w.mu.Unlock()
	// Activate if there is no active worker, or no client uses the
	// registration, or the waiting worker's skip waiting flag is set.
	ok := reg.active == nil || skip || !c.inUseLocked(reg)
	c.mu.Unlock()
	if ok {
		c.activate(reg)
	}
}

// inUseLocked reports whether any client uses the registration's active
// worker as its controller.
func (c *Core) inUseLocked(reg *Registration) bool {
	if reg.active == nil {
		return false
	}
	for _, cl := range c.clients {
		if cl.Controller() == reg.active {
			return true
		}
	}
	return false
}

// activate is the Activate algorithm.
func (c *Core) activate(reg *Registration) {
	// Pages of the origin stay alive to see the activation's events.
	release := c.holdPages(reg.Origin)
	defer release()
	c.mu.Lock()
	w := reg.waiting
	// 1. If waiting worker is null, abort.
	if w == nil {
		c.mu.Unlock()
		return
	}
	// 2. The active worker is terminated and becomes redundant.
	if old := reg.active; old != nil {
		c.setStateLocked(old, Redundant)
		c.goBackground(func() { old.stop("replaced by a new version") })
	}
	// 3-4. Update Registration State: active = waiting, waiting = null;
	// Update Worker State activating.
	reg.active = w
	reg.waiting = nil
	c.syncRegistrationLocked(reg)
	c.setStateLocked(w, Activating)
	// 6. Clients whose active worker was the registration's old active
	// worker now use the new one: controllerchange.
	for _, cl := range c.clients {
		if cl.controllerReg() == reg {
			cl.setController(w, true)
		}
	}
	c.mu.Unlock()
	// (Not persisted here: a host that stops before "activated" finds the
	// worker waiting and activates it again, firing activate again.)
	// 11-12. Fire activate and wait for it; a failure does not stop
	// activation.
	if _, err := c.Dispatch(context.Background(), w, Event{Type: "activate"}); err != nil {
		c.log.Info("activate event failed", "script", w.ScriptURL, "error", err)
	}
	// 13. Update Worker State activated.
	c.mu.Lock()
	if reg.active == w {
		c.setStateLocked(w, Activated)
	}
	c.mu.Unlock()
	_ = c.persist(reg)
	for _, ext := range c.opts.Extensions {
		ext.RegistrationChanged(reg, ChangeActivated)
	}
	c.notifyReady(reg)
}

// setStateLocked is Update Worker State: set the state and queue
// statechange in every realm.
func (c *Core) setStateLocked(w *Worker, s State) {
	w.mu.Lock()
	w.state = s
	if s != Activating && w.activated != nil {
		close(w.activated) // fetches that waited go on
		w.activated = nil
	}
	w.mu.Unlock()
	c.notifyChangedLocked()
	c.broadcastLocked(w.Reg.Origin, w.Reg.ID, func(e *Env) { _, _ = e.callInternal("swSetWorkerState", w.ID, string(s)) })
}

// syncRegistrationLocked is Update Registration State in every realm.
func (c *Core) syncRegistrationLocked(reg *Registration) {
	info := reg.infoLocked()
	c.broadcastLocked(reg.Origin, reg.ID, func(e *Env) {
		_, _ = e.callInternal("swSetRegistration", regDesc(e.Realm.Runtime(), &info))
	})
}

// skipWaiting is ServiceWorkerGlobalScope.skipWaiting().
func (c *Core) skipWaiting(w *Worker) {
	w.mu.Lock()
	w.skipWaiting = true
	w.mu.Unlock()
	c.tryActivate(w.Reg)
}

// startUnregister is unregister() (Unregister job).
func (c *Core) startUnregister(ctx context.Context, env *Env, reg *Registration, settle func(jobResult)) (bool, error) {
	if reg == nil {
		return false, nil
	}
	origin := reg.Origin
	if env != nil {
		origin = env.Origin
	}
	r := c.schedule(ctx, &job{typ: jobUnregister, scope: reg.Scope, origin: origin, env: env, settle: settle})
	return r.ok, r.err
}

// Unregister unregisters from Go.
func (c *Core) Unregister(ctx context.Context, reg *Registration) (bool, error) {
	return c.startUnregister(ctx, nil, reg, nil)
}

func (c *Core) runUnregister(j *job) {
	// 1. The scope's origin must be the client's: SecurityError.
	if OriginOf(j.scope) != j.origin {
		j.resolve(jobResult{err: js.Errorf("SecurityError", "Failed to unregister a ServiceWorkerRegistration: The origin of the registration does not match the current origin.")})
		return
	}
	c.mu.Lock()
	reg := c.regs[j.scope]
	if reg == nil {
		c.mu.Unlock()
		j.resolve(jobResult{ok: false})
		return
	}
	// 4. Set uninstalling; 5. resolve true.
	reg.uninstalling = true
	inUse := c.inUseLocked(reg)
	c.mu.Unlock()
	j.resolve(jobResult{ok: true})
	// 6. Try Clear Registration: only when no client uses it.
	if !inUse {
		c.clearRegistration(reg)
	}
}

// clearRegistration is Clear Registration followed by Remove Registration.
func (c *Core) clearRegistration(reg *Registration) {
	c.mu.Lock()
	if reg.removed {
		c.mu.Unlock()
		return
	}
	reg.removed = true
	var stop []*Worker
	for _, w := range []*Worker{reg.installing, reg.waiting, reg.active} {
		if w != nil {
			c.setStateLocked(w, Redundant)
			stop = append(stop, w)
		}
	}
	reg.installing, reg.waiting, reg.active = nil, nil, nil
	c.syncRegistrationLocked(reg)
	c.unmapLocked(reg)
	c.notifyChangedLocked()
	for _, w := range stop {
		delete(c.workers, w.ID)
	}
	c.mu.Unlock()
	for _, w := range stop {
		w.stop("registration removed")
	}
	if err := c.opts.Store.DeleteRegistration(context.Background(), reg.ID); err != nil {
		c.log.Error("deleting registration", "scope", reg.Scope, "error", err)
	}
	for _, ext := range c.opts.Extensions {
		ext.RegistrationChanged(reg, ChangeUnregistered)
	}
}

// unmapLocked removes a registration from the registration map.
func (c *Core) unmapLocked(reg *Registration) {
	if c.regs[reg.Scope] == reg {
		delete(c.regs, reg.Scope)
	}
	delete(c.byID, reg.ID)
}

// persist writes the registration and its live versions.
func (c *Core) persist(reg *Registration) error {
	c.mu.Lock()
	if reg.removed {
		c.mu.Unlock()
		return nil
	}
	rec := RegistrationRecord{ID: reg.ID, Scope: reg.Scope, Origin: reg.Origin, UpdateViaCache: reg.UpdateViaCache}
	ws := []*Worker{reg.installing, reg.waiting, reg.active}
	c.mu.Unlock()
	var saved []*Worker
	for _, w := range ws {
		if w != nil {
			rec.Versions = append(rec.Versions, w.record())
			saved = append(saved, w)
		}
	}
	if err := c.opts.Store.SaveRegistration(context.Background(), rec); err != nil {
		return fmt.Errorf("saving registration %s: %w", reg.Scope, err)
	}
	for i, w := range saved {
		w.markScriptsSaved(rec.Versions[i])
	}
	return nil
}

// load restores registrations from the store, resuming interrupted
// lifecycles: an installing worker installs again, an activating one
// activates again, a waiting one tries to activate.
func (c *Core) load(ctx context.Context) error {
	recs, err := c.opts.Store.LoadRegistrations(ctx)
	if err != nil {
		return fmt.Errorf("loading registrations: %w", err)
	}
	type resume struct {
		reg *Registration
		w   *Worker
		st  State
	}
	var todo []resume
	for _, rec := range recs {
		reg := &Registration{core: c, ID: rec.ID, Scope: rec.Scope, Origin: rec.Origin, UpdateViaCache: rec.UpdateViaCache}
		c.regs[reg.Scope] = reg
		c.byID[reg.ID] = reg
		c.nextReg = max(c.nextReg, reg.ID)
		for _, v := range rec.Versions {
			w := &Worker{core: c, ID: v.ID, Reg: reg, ScriptURL: v.ScriptURL, Type: v.Type, state: v.State,
				scripts: map[string]*ScriptRecord{}, compiled: map[string]*js.Script{}, eventTypes: map[string]bool{}}
			for _, t := range v.EventTypes {
				w.eventTypes[t] = true
			}
			for i := range v.Scripts {
				s := v.Scripts[i]
				w.scripts[s.URL] = &s
				w.scriptOrder = append(w.scriptOrder, s.URL)
			}
			c.workers[w.ID] = w
			c.nextVer = max(c.nextVer, w.ID)
			switch v.State {
			case Installing, Parsed:
				reg.installing = w
				w.state = Installing
				todo = append(todo, resume{reg, w, Installing})
			case Installed:
				reg.waiting = w
				todo = append(todo, resume{reg, w, Installed})
			case Activating, Activated:
				reg.active = w
				w.evaluated = true
				if v.State == Activating {
					todo = append(todo, resume{reg, w, Activating})
				}
			}
		}
		if reg.newestLocked() == nil {
			delete(c.regs, reg.Scope)
			delete(c.byID, reg.ID)
			_ = c.opts.Store.DeleteRegistration(ctx, reg.ID)
		}
	}
	for _, r := range todo {
		r := r
		c.goBackground(func() {
			c.resume(r.reg, r.w, r.st)
		})
	}
	return nil
}

func (c *Core) resume(reg *Registration, w *Worker, st State) {
	switch st {
	case Installing:
		// Install again, through the scope's job queue like any job.
		c.schedule(context.Background(), &job{typ: jobUpdate, scope: reg.Scope, scriptURL: w.ScriptURL, workerType: w.Type,
			updateViaCache: reg.UpdateViaCache, origin: reg.Origin, resumeWorker: w})
	case Installed:
		c.tryActivate(reg)
	case Activating:
		c.mu.Lock()
		reg.waiting = w
		reg.active = nil
		c.mu.Unlock()
		c.activate(reg)
	}
}

// resumeInstall installs a worker that was installing when the host
// stopped: evaluate it again, then continue Install from the install event.
func (c *Core) resumeInstall(j *job) {
	w := j.resumeWorker
	c.mu.Lock()
	reg := w.Reg
	info := reg.infoLocked()
	c.mu.Unlock()
	j.resolve(jobResult{info: &info})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := w.start(ctx); err != nil {
		c.log.Error("resuming install", "script", w.ScriptURL, "error", err)
		c.mu.Lock()
		c.setStateLocked(w, Redundant)
		reg.installing = nil
		empty := reg.newestLocked() == nil
		c.mu.Unlock()
		if empty {
			c.clearRegistration(reg)
		}
		return
	}
	c.installContinue(reg, w)
}
