package store

import (
	"context"
	"io"
	"time"
)

// The interfaces below are what each part of swhost needs from the store.
// *Store (SQLite) implements all of them; a PostgreSQL implementation would
// implement the same ones. Feature packages should accept the narrowest one.

// RegistrationStore is what internal/sw needs.
type RegistrationStore interface {
	PutRegistration(ctx context.Context, r Registration) (int64, error)
	UpdateRegistration(ctx context.Context, id int64, fn func(r *Registration) error) (Registration, error)
	SetRegistrationVersions(ctx context.Context, id, active, waiting int64) error
	SetLastUpdateCheck(ctx context.Context, id int64, t time.Time) error
	DeleteRegistration(ctx context.Context, id int64) (bool, error)
	GetRegistration(ctx context.Context, storageKey, scope string) (Registration, error)
	GetRegistrationByID(ctx context.Context, id int64) (Registration, error)
	ListRegistrations(ctx context.Context, storageKey string) ([]Registration, error)

	PutVersion(ctx context.Context, v Version) (int64, error)
	PutVersionScripts(ctx context.Context, versionID int64, scripts map[string]Script) error
	SetVersionState(ctx context.Context, id int64, state string) error
	DeleteVersion(ctx context.Context, id int64) (bool, error)
	GetVersion(ctx context.Context, id int64) (Version, error)
	ListVersions(ctx context.Context, regID int64) ([]Version, error)
	LoadVersionScripts(ctx context.Context, versionID int64) (map[string]Script, error)
}

// CacheStore is what internal/cachestorage needs.
type CacheStore interface {
	OpenCache(ctx context.Context, storageKey, name string) (id int64, created bool, err error)
	HasCache(ctx context.Context, storageKey, name string) (CacheInfo, bool, error)
	ListCaches(ctx context.Context, storageKey string) ([]CacheInfo, error)
	DeleteCache(ctx context.Context, storageKey, name string) (bool, error)
	PurgeCache(ctx context.Context, cacheID int64) (bool, error)
	DeleteAllCaches(ctx context.Context, storageKey string) (int, error)

	BatchCache(ctx context.Context, cacheID int64, ops []CacheOp) ([]CacheOpResult, error)
	PutCacheEntries(ctx context.Context, cacheID int64, entries []CacheEntry) ([]int64, error)
	DeleteCacheEntries(ctx context.Context, cacheID int64, ids []int64) (int, error)
	CacheEntries(ctx context.Context, cacheID int64, q CacheQuery) ([]CacheEntry, error)
	ReadCacheBody(ctx context.Context, e *CacheEntry) ([]byte, error)
	OpenCacheBody(ctx context.Context, e *CacheEntry) (io.ReadCloser, error)
}

// ContentIndexStore is what internal/contentindex (and the UA shelf) needs.
type ContentIndexStore interface {
	PutContentEntry(ctx context.Context, e ContentEntry) error
	DeleteContentEntry(ctx context.Context, regID int64, id string) (bool, error)
	GetContentEntry(ctx context.Context, regID int64, id string) (ContentEntry, error)
	ListContentEntries(ctx context.Context, regID int64) ([]ContentEntry, error)
	ListAllContentEntries(ctx context.Context) ([]ContentEntry, error)
	CountContentEntries(ctx context.Context, regID int64) (int, error)
	RecordContentOpen(ctx context.Context, regID int64, id string, at time.Time) error
	ContentIcon(ctx context.Context, sha256 []byte) ([]byte, error)
	LoadContentIcon(ctx context.Context, regID int64, id string, idx int) (Icon, error)
}

// DiscoveryStore is what internal/discovery needs: grants, and the
// published flag on registrations.
type DiscoveryStore interface {
	PutGrant(ctx context.Context, g Grant) error
	DeleteGrant(ctx context.Context, origin, scriptURL string) (bool, error)
	GetGrant(ctx context.Context, origin, scriptURL string) (Grant, error)
	ListGrants(ctx context.Context, f GrantFilter) ([]Grant, error)
	SetPublished(ctx context.Context, regID int64, published bool, origins []string) error
	ListPublished(ctx context.Context, scriptURL string) ([]Registration, error)
}

// KVStore is the generic key/value and queue table.
type KVStore interface {
	KVPut(ctx context.Context, ns, key string, value []byte) error
	KVGet(ctx context.Context, ns, key string) ([]byte, error)
	KVDelete(ctx context.Context, ns, key string) (bool, error)
	KVList(ctx context.Context, ns, prefix string) ([]KVPair, error)
	Enqueue(ctx context.Context, ns string, value []byte) (int64, error)
	PeekQueue(ctx context.Context, ns string, max int) ([]QueueItem, error)
	AckQueue(ctx context.Context, ns string, ids ...int64) (int, error)
	Dequeue(ctx context.Context, ns string, max int) ([]QueueItem, error)
	QueueLen(ctx context.Context, ns string) (int, error)
}

var (
	_ RegistrationStore = (*Store)(nil)
	_ CacheStore        = (*Store)(nil)
	_ ContentIndexStore = (*Store)(nil)
	_ DiscoveryStore    = (*Store)(nil)
	_ KVStore           = (*Store)(nil)
)
