// Package redisstale keeps the stale-if-error values of @fallback(stale:)
// fields in Redis, so that every replica of the gateway can serve a value
// any replica fetched. The executor keeps its own in-process cache first
// and asks this store only when a call failed and the local cache has
// nothing; it saves every good value here as well as locally.
//
// # Keys
//
// A value's Redis key is the prefix (weft:stale: by default) and the hex
// SHA-256 of the executor's key. The executor's keys name the field, the
// call and the parent, and so hold request bodies, NULs and kilobytes; the
// hash gives every key the same size (75 bytes with the default prefix),
// keeps binary out of the keyspace, and keeps what a request sent out of
// what an operator reads with redis-cli. The prefix lets one Redis hold other data beside the values,
// and `redis-cli --scan --pattern 'weft:stale:*'` find them.
//
// # Values
//
// Each value is stored with the time it was fetched, because the reader
// decides by age whether it is still young enough to serve:
//
//	byte 0        format version, 1
//	bytes 1..8    fetch time, Unix nanoseconds, big-endian
//	bytes 9..n-4  the value (JSON bytes, as saved)
//	bytes n-4..n  CRC-32C of all that precedes, big-endian
//
// The version byte lets a later format be told apart, so that replicas of
// two releases can share a server during a rolling upgrade. An entry that
// does not decode (another version, a bad checksum, too short) is a miss
// and is counted in Stats.Undecodable, never an error and never served.
// Every value is written with SET ... PX ttl, so Redis forgets it when the
// field's stale window has passed. Ages are computed across replicas from
// wall clocks, so replicas' clocks should be kept in step (NTP).
//
// # Failure behaviour
//
// Redis is an optimisation here, never a dependency: a request must not
// wait for it, and an outage must cost misses, not latency.
//
//   - Save never blocks. It puts the value on a bounded queue (by count and
//     by bytes) and returns; a full queue drops the value and counts it. It
//     does not copy the value either: Save runs on the request path under
//     the executor's lock.
//   - One writer goroutine takes what is queued and writes it in batches,
//     each one pipelined round trip bounded by Timeout. Failed writes are
//     counted and logged at most once every ten seconds, with their number,
//     so a Redis outage writes a line, not a line per value.
//   - Load is one MGET bounded by Timeout (100ms by default) and by the
//     request's context. When Redis is down, slow or unreachable it returns
//     an error within about Timeout, and the executor treats it as a miss.
//   - The client dials once per command and lets its pool probe a down
//     server in the background, so an outage fails fast, and the store
//     works again by itself within about a second of Redis coming back.
//   - New does not connect: a gateway starts with Redis down, and the store
//     misses until it is up. Close flushes what is queued for at most
//     FlushTimeout, then stops the writer and closes the connections; with
//     the write in flight it returns within Timeout + FlushTimeout.
//
// The server is one Redis (or a proxy in front of several): Load asks for
// all its keys in one MGET, which Redis Cluster refuses across hash slots.
//
// # Client
//
// The client is go-redis (github.com/redis/go-redis/v9), Redis's own
// maintained Go client: it reads the redis://, rediss:// and unix:// URLs
// operators already write, pools and health-checks connections, and
// pipelines. Its other features (client-side caching, cluster, maintenance
// notifications) are left off. go-redis logs dial failures through its own
// process-wide logger, which the program's main may replace with
// redis.SetLogger; this package does not, because that is global state.
package redisstale
