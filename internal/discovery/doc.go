// Package discovery is the Go logic of Cross-Origin Service Workers (seed
// 000): publish()/unpublish() on the worker global, discover() on
// navigator.serviceWorker, grants and their prompts, the live foreign
// instances, and the cost limits. It has no JS; the binding (binding.go,
// js/) sits on top of Service and the core's registration map.
//
// # publish() and unpublish()
//
// Publishing belongs to the registration (keyed by its id), is persisted
// through Store, and survives worker updates. The booleans answer "is the
// registration in the state asked for now?", and false is kept for the
// host's refusal:
//
//	publish()                 true  — published now, or already published (idempotent, no write)
//	publish({origins})        true  — published to those origins only; replaces the previous restriction
//	publish() refused         false — PublishPolicy (Disabled, Origins, Allow) says no; nothing changes
//	unpublish()               true  — not published now, whether or not it was before; the host
//	                                  never refuses; every live foreign instance is inert on return
//	store failure             the promise rejects (error), nothing changes
//
// # discover()
//
// See Service.Discover for the decision table. Unknown, unpublished and
// published-to-other-origins all give the same NotFoundError text; the
// grant check comes only after a registration published to the caller was
// found, so NotAllowedError tells nothing a NotFoundError would hide.
//
// # Grants
//
// A grant is keyed by (requesting origin, script URL), both canonical
// (see SerializeOrigin, CanonicalScriptURL) and compared exactly: a grant
// to https://news.example covers neither https://evil.news.example nor
// http://news.example nor https://news.example:8443. The effective
// decision is the recorded one (stored, or for this run only), else the
// configured allow list, else the Mode: deny, or prompt the person.
//
// # Inertness
//
// Unpublish, a narrowing re-publish, Revoke and Deny make the affected live
// instances inert at once (OnInert callbacks run before they return).
// After a restart there are no live instances; Service.Valid answers from
// the loaded state, so a handle that outlived the process (or state changed
// by another process) is refused.
package discovery
