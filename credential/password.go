package credential

import (
	"context"
	"runtime"

	"github.com/alexedwards/argon2id"
	"golang.org/x/sync/semaphore"
)

// Passwords hashes and checks passwords with argon2id.
type Passwords struct {
	params *argon2id.Params
	// dummy is compared against when an email is unknown, so that a wrong
	// email costs as much time as a wrong password.
	dummy string
	// slots bounds the hashes running at once. Each holds params.Memory
	// for its duration, so without a bound a burst of sign-ups, log-ins or
	// createUser calls (from any tenant, from many addresses) could take
	// the whole instance's memory. More hashes than cores would not finish
	// any sooner; the rest wait, and give up with their request.
	slots *semaphore.Weighted
}

// DefaultPasswordParams are OWASP's argon2id recommendation (19 MiB, 2 passes).
var DefaultPasswordParams = argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// NewPasswords returns a hasher using params.
func NewPasswords(params argon2id.Params) (*Passwords, error) {
	p := &Passwords{params: &params, slots: semaphore.NewWeighted(int64(runtime.GOMAXPROCS(0)))}
	dummy, err := argon2id.CreateHash("keyfob-dummy-password", p.params)
	if err != nil {
		return nil, err
	}
	p.dummy = dummy
	return p, nil
}

// Hash returns the encoded argon2id hash of password. It fails only when ctx
// ends while waiting for a slot, or the system's randomness fails.
func (p *Passwords) Hash(ctx context.Context, password string) (string, error) {
	if err := p.slots.Acquire(ctx, 1); err != nil {
		return "", err
	}
	defer p.slots.Release(1)
	return argon2id.CreateHash(password, p.params)
}

// Check reports whether password matches hash. With an empty hash (unknown
// user) it still spends the time of a real comparison and returns false.
// It fails only when ctx ends while waiting for a slot.
func (p *Passwords) Check(ctx context.Context, password, hash string) (bool, error) {
	if err := p.slots.Acquire(ctx, 1); err != nil {
		return false, err
	}
	defer p.slots.Release(1)
	if hash == "" {
		_, _ = argon2id.ComparePasswordAndHash(password, p.dummy)
		return false, nil
	}
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	return err == nil && ok, nil
}
