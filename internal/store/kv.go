package store

import (
	"context"
	"fmt"
	"time"
)

// KVPair is one key/value of a namespace.
type KVPair struct {
	Key       string
	Value     []byte
	UpdatedAt time.Time
}

// QueueItem is one element of a durable queue.
type QueueItem struct {
	ID        int64 // increasing in enqueue order
	Value     []byte
	CreatedAt time.Time
}

func checkNS(ns string) error {
	if ns == "" {
		return fmt.Errorf("store: %w: empty namespace", ErrInvalid)
	}
	return nil
}

// KVPut sets key in namespace ns.
func (s *Store) KVPut(ctx context.Context, ns, key string, value []byte) error {
	return s.update(ctx, func(tx *Tx) error { return tx.KVPut(ns, key, value) })
}

// KVPut: see Store.KVPut.
func (tx *Tx) KVPut(ns, key string, value []byte) error {
	if err := checkNS(ns); err != nil {
		return err
	}
	if value == nil {
		value = []byte{}
	}
	_, err := tx.exec(`INSERT INTO kv(namespace, key, value, updated_at) VALUES (?,?,?,?)
		ON CONFLICT(namespace, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		ns, key, value, time.Now().UnixNano())
	return mapErr(err, "store: kv put")
}

// KVGet returns key's value in ns; ErrNotFound if unset.
func (s *Store) KVGet(ctx context.Context, ns, key string) ([]byte, error) {
	q, err := s.read(ctx)
	if err != nil {
		return nil, err
	}
	var v []byte
	err = q.queryRow(`SELECT value FROM kv WHERE namespace = ? AND key = ?`, ns, key).Scan(&v)
	if err == nil && v == nil {
		v = []byte{}
	}
	return v, mapErr(err, "store: kv get "+key)
}

// KVGet: see Store.KVGet (inside the transaction, for read-modify-write).
func (tx *Tx) KVGet(ns, key string) ([]byte, error) {
	var v []byte
	err := tx.queryRow(`SELECT value FROM kv WHERE namespace = ? AND key = ?`, ns, key).Scan(&v)
	if err == nil && v == nil {
		v = []byte{}
	}
	return v, mapErr(err, "store: kv get "+key)
}

// KVDelete removes key from ns and reports whether it was set.
func (s *Store) KVDelete(ctx context.Context, ns, key string) (existed bool, err error) {
	err = s.update(ctx, func(tx *Tx) error {
		existed, err = tx.KVDelete(ns, key)
		return err
	})
	return existed, err
}

// KVDelete: see Store.KVDelete.
func (tx *Tx) KVDelete(ns, key string) (bool, error) {
	res, err := tx.exec(`DELETE FROM kv WHERE namespace = ? AND key = ?`, ns, key)
	if err != nil {
		return false, mapErr(err, "store: kv delete")
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// KVList lists ns's keys starting with prefix, in byte order.
func (s *Store) KVList(ctx context.Context, ns, prefix string) ([]KVPair, error) {
	q, err := s.read(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := q.query(`SELECT key, value, updated_at FROM kv WHERE namespace = ? AND key >= ?
		AND (?3 = '' OR key < ?3) ORDER BY key`, ns, prefix, prefixEnd(prefix))
	if err != nil {
		return nil, mapErr(err, "store: kv list")
	}
	defer rows.Close()
	var out []KVPair
	for rows.Next() {
		var p KVPair
		var u int64
		if err := rows.Scan(&p.Key, &p.Value, &u); err != nil {
			return nil, mapErr(err, "store: kv list")
		}
		if p.Value == nil {
			p.Value = []byte{}
		}
		p.UpdatedAt = fromNanos(u)
		out = append(out, p)
	}
	return out, mapErr(rows.Err(), "store: kv list")
}

// prefixEnd is the smallest string greater than every string with prefix p
// ("" when there is none).
func prefixEnd(p string) string {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return ""
}

// Enqueue appends value to queue ns and returns its id.
func (s *Store) Enqueue(ctx context.Context, ns string, value []byte) (id int64, err error) {
	err = s.update(ctx, func(tx *Tx) error {
		id, err = tx.Enqueue(ns, value)
		return err
	})
	return id, err
}

// Enqueue: see Store.Enqueue.
func (tx *Tx) Enqueue(ns string, value []byte) (int64, error) {
	if err := checkNS(ns); err != nil {
		return 0, err
	}
	if value == nil {
		value = []byte{}
	}
	res, err := tx.exec(`INSERT INTO queue(namespace, value, created_at) VALUES (?,?,?)`, ns, value, time.Now().UnixNano())
	if err != nil {
		return 0, mapErr(err, "store: enqueue")
	}
	id, err := res.LastInsertId()
	return id, mapErr(err, "store: enqueue")
}

func queueItems(q querier, ns string, max int) ([]QueueItem, error) {
	if max <= 0 {
		max = -1
	}
	rows, err := q.query(`SELECT id, value, created_at FROM queue WHERE namespace = ? ORDER BY id LIMIT ?`, ns, max)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []QueueItem
	for rows.Next() {
		var it QueueItem
		var c int64
		if err := rows.Scan(&it.ID, &it.Value, &c); err != nil {
			return nil, err
		}
		it.CreatedAt = fromNanos(c)
		out = append(out, it)
	}
	return out, rows.Err()
}

// PeekQueue returns up to max (≤0: all) items at the head of queue ns
// without removing them; remove them with AckQueue once handled
// (at-least-once delivery across crashes).
func (s *Store) PeekQueue(ctx context.Context, ns string, max int) ([]QueueItem, error) {
	q, err := s.read(ctx)
	if err != nil {
		return nil, err
	}
	items, err := queueItems(q, ns, max)
	return items, mapErr(err, "store: peek queue")
}

// AckQueue removes items by id from queue ns and returns how many existed.
func (s *Store) AckQueue(ctx context.Context, ns string, ids ...int64) (n int, err error) {
	err = s.update(ctx, func(tx *Tx) error {
		for _, id := range ids {
			res, err := tx.exec(`DELETE FROM queue WHERE namespace = ? AND id = ?`, ns, id)
			if err != nil {
				return mapErr(err, "store: ack queue")
			}
			m, _ := res.RowsAffected()
			n += int(m)
		}
		return nil
	})
	return n, err
}

// Dequeue removes and returns up to max (≤0: all) items at the head of
// queue ns, atomically (at-most-once delivery across crashes).
func (s *Store) Dequeue(ctx context.Context, ns string, max int) (items []QueueItem, err error) {
	err = s.update(ctx, func(tx *Tx) error {
		items, err = queueItems(tx, ns, max)
		if err != nil {
			return mapErr(err, "store: dequeue")
		}
		for _, it := range items {
			if _, err := tx.exec(`DELETE FROM queue WHERE id = ?`, it.ID); err != nil {
				return mapErr(err, "store: dequeue")
			}
		}
		return nil
	})
	return items, err
}

// QueueLen returns how many items queue ns holds.
func (s *Store) QueueLen(ctx context.Context, ns string) (int, error) {
	q, err := s.read(ctx)
	if err != nil {
		return 0, err
	}
	var n int
	err = q.queryRow(`SELECT COUNT(*) FROM queue WHERE namespace = ?`, ns).Scan(&n)
	return n, mapErr(err, "store: queue length")
}
