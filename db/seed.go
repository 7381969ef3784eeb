package db

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/model"
)

// The demo account's fixed facts. Its passwords are published in README.md.
const (
	DemoAccountName   = "Demo Realty"
	demoOwnerEmail    = "owner@demo.keyfob.test"
	demoOwnerPassword = "keyfob-demo-owner"
	demoAgentEmail    = "agent@demo.keyfob.test"
	demoAgentPassword = "keyfob-demo-agent"
)

// DemoResult is what SeedDemo made; secrets are only set on the first run.
type DemoResult struct {
	Created   bool
	AccountID string
	Users     []DemoUser
	Keys      []DemoKey
}

// DemoUser is a seeded user and their public password.
type DemoUser struct{ Email, Password, Role string }

// DemoKey is a seeded key and its secret.
type DemoKey struct{ Name, Owner, Secret string }

// SeedDemo creates the Demo Realty account once: an owner who signed up on
// 2021-03-15 (so has a Default API Key), an agent from 2024, keys with usage
// from a few integrations and a mobile session. A second run changes
// nothing, and a database holding anything else is refused.
//
// It is one transaction: a run that fails part-way leaves nothing, where a
// half-made demo account would pass for a finished one on the next run.
func (db *DB) SeedDemo(ctx context.Context) (*DemoResult, error) {
	var res *DemoResult
	err := db.transaction(ctx, func(tx *gorm.DB) error {
		// The operations below open their own transactions, which become
		// savepoints of this one.
		var err error
		res, err = newDB(tx, db.postgres, Options{Passwords: db.passwords, SessionTTL: db.SessionTTL, KeyCaps: db.keyCaps, Clock: db.clock}).seedDemo(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func (db *DB) seedDemo(ctx context.Context) (*DemoResult, error) {
	var accounts []model.Account
	if err := db.gorm.WithContext(ctx).Find(&accounts).Error; err != nil {
		return nil, translate(err)
	}
	if len(accounts) > 0 {
		if len(accounts) == 1 && accounts[0].Name == DemoAccountName {
			var owner model.User
			err := db.gorm.WithContext(ctx).Take(&owner, "account_id = ? AND email_normalized = ?", accounts[0].ID, demoOwnerEmail).Error
			if err == nil {
				return &DemoResult{AccountID: accounts[0].ID}, nil
			}
		}
		return nil, model.Errorf(model.CodeForbidden, "seed-demo refuses a database that holds data other than the demo's: its passwords are public")
	}

	signedUp, err := db.SignUp(ctx, SignUp{
		AccountName: DemoAccountName, Name: "Olivia Owner", Email: demoOwnerEmail, Password: demoOwnerPassword,
		SignedUpAt: time.Date(2021, 3, 15, 14, 0, 0, 0, time.UTC),
	})
	if err != nil {
		return nil, err
	}
	res := &DemoResult{Created: true, AccountID: signedUp.Account.ID,
		Users: []DemoUser{{demoOwnerEmail, demoOwnerPassword, "OWNER"}, {demoAgentEmail, demoAgentPassword, "AGENT"}},
		Keys:  []DemoKey{{model.DefaultAPIKeyName, demoOwnerEmail, signedUp.DefaultKeySecret}},
	}
	// The seed acts as the users it makes. It signs nobody in to do so: a
	// session would be a log-in in the audit log that never happened.
	owner := signedUp.User
	agent, err := db.createUser(ctx, owner, "Aaron Agent", demoAgentEmail, demoAgentPassword, model.RoleAgent)
	if err != nil {
		return nil, err
	}
	if err := db.gorm.WithContext(ctx).Model(agent).Update("signed_up_at", time.Date(2024, 5, 2, 9, 30, 0, 0, time.UTC)).Error; err != nil {
		return nil, translate(err)
	}

	type usage struct {
		integration string
		requests    int
		daysAgo     int
	}
	plans := []struct {
		owner *model.User
		name  string
		usage []usage
	}{
		{owner, "Zapier", []usage{{"Zapier", 1240, 0}, {"unknown", 3, 12}}},
		{owner, "Website lead form", []usage{{"Website", 87, 1}, {"Zapier", 5, 20}}},
		{agent, "Mailchimp sync", []usage{{"Mailchimp", 412, 2}}},
		{agent, "Spare key", nil},
	}
	base := db.now()
	// Each integration was first used 30 days before its last use, once;
	// its other requests are spread over the two weeks up to its last use,
	// a batch a day (a batch holds each pair once), so that the keys'
	// 30-day charts show them.
	const spreadDays = 14
	var batches [spreadDays + 1][]UsageIncrement // [0] the first uses, then oldest day first
	day := func(at time.Time, keyID, integration string, requests int) UsageIncrement {
		return UsageIncrement{APIKeyID: keyID, Integration: integration, Requests: requests, FirstUsedAt: at, LastUsedAt: at}
	}
	for _, p := range plans {
		key, secret, err := db.createAPIKey(ctx, p.owner, NewAPIKey{Name: p.name, Access: model.KeyAccessFull})
		if err != nil {
			return nil, err
		}
		res.Keys = append(res.Keys, DemoKey{p.name, p.owner.Email, secret})
		for _, u := range p.usage {
			last := base.Add(-time.Duration(u.daysAgo) * 24 * time.Hour)
			batches[0] = append(batches[0], day(last.Add(-30*24*time.Hour), key.ID, u.integration, 1))
			share, rest := (u.requests-1)/spreadDays, (u.requests-1)%spreadDays
			for d := spreadDays - 1; d >= 0; d-- {
				n := share
				if d == 0 {
					n += rest
				}
				if n > 0 {
					batches[spreadDays-d] = append(batches[spreadDays-d], day(last.Add(-time.Duration(d)*24*time.Hour), key.ID, u.integration, n))
				}
			}
		}
	}
	for _, batch := range batches {
		if err := db.RecordUsage(ctx, credential.NewID("flush"), batch); err != nil {
			return nil, err
		}
	}
	// The owner's default key has served the mobile app since sign-up.
	var defaultKey model.APIKey
	if err := db.gorm.WithContext(ctx).Take(&defaultKey, "user_id = ? AND is_default", signedUp.User.ID).Error; err != nil {
		return nil, translate(err)
	}
	mobile := []UsageIncrement{{APIKeyID: defaultKey.ID, Integration: "Follow Up Boss Mobile", Requests: 9120,
		FirstUsedAt: time.Date(2021, 3, 15, 14, 5, 0, 0, time.UTC), LastUsedAt: base.Add(-3 * time.Hour)}}
	if err := db.RecordUsage(ctx, credential.NewID("flush"), mobile); err != nil {
		return nil, err
	}
	if _, _, err := db.LogIn(ctx, demoOwnerEmail, demoOwnerPassword, model.ClientMobile); err != nil {
		return nil, err
	}
	return res, nil
}
