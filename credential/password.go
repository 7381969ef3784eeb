package credential

import (
	"github.com/alexedwards/argon2id"
)

// Passwords hashes and checks passwords with argon2id.
type Passwords struct {
	params *argon2id.Params
	// dummy is compared against when an email is unknown, so that a wrong
	// email costs as much time as a wrong password.
	dummy string
}

// DefaultPasswordParams are OWASP's argon2id recommendation (19 MiB, 2 passes).
var DefaultPasswordParams = argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// NewPasswords returns a hasher using params.
func NewPasswords(params argon2id.Params) (*Passwords, error) {
	p := &Passwords{params: &params}
	dummy, err := argon2id.CreateHash("keyfob-dummy-password", p.params)
	if err != nil {
		return nil, err
	}
	p.dummy = dummy
	return p, nil
}

// Hash returns the encoded argon2id hash of password.
func (p *Passwords) Hash(password string) (string, error) {
	return argon2id.CreateHash(password, p.params)
}

// Check reports whether password matches hash. With an empty hash (unknown
// user) it still spends the time of a real comparison and returns false.
func (p *Passwords) Check(password, hash string) bool {
	if hash == "" {
		_, _ = argon2id.ComparePasswordAndHash(password, p.dummy)
		return false
	}
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	return err == nil && ok
}
