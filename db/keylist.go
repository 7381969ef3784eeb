package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/valyala/fastjson"

	"github.com/keyfob/keyfob/model"
)

// APIKeys lists the keys the actor may see, newest first, after the cursor,
// with what fields asks for, in one statement: the page, its totalCount,
// each key's owner and its usage rows aggregated in the database, as
// PostGraphile reads a list. (A page past the last key needs a second
// statement for its totalCount.) The rows are scanned by hand: this is the
// list the API page loads every time it opens, and GORM's reflection over
// thousands of usage rows was most of its cost.
//
// The filter is model.CanSeeKey in SQL, so that the database pages and
// counts only visible keys; a test holds the two together.
func (db *DB) APIKeys(ctx context.Context, actor *model.Actor, first *int, after *string, fields model.KeyPageFields) (*model.KeyPage, error) {
	limit, err := model.PageSize(first)
	if err != nil {
		return nil, err
	}
	visible, visibleArgs := "%[1]s.account_id = ?", []any{actor.User.AccountID}
	if !actor.User.Role.IsManager() {
		visible, visibleArgs = visible+" AND %[1]s.user_id = ?", append(visibleArgs, actor.User.ID)
	}
	var q strings.Builder
	var args []any
	q.WriteString("SELECT " + keyColumns + ", (SELECT COUNT(*) FROM api_keys c WHERE " + fmt.Sprintf(visible, "c") + ") AS total")
	args = append(args, visibleArgs...)
	if fields.Owner {
		q.WriteString(", " + ownerColumns)
	}
	q.WriteString(" FROM api_keys k")
	if fields.Owner {
		q.WriteString(" JOIN users u ON u.id = k.user_id")
	}
	q.WriteString(" WHERE " + fmt.Sprintf(visible, "k"))
	args = append(args, visibleArgs...)
	if after != nil {
		at, id, ok := DecodeCursor(*after, "key")
		if !ok {
			return nil, model.InvalidInput("after", "after is not a cursor this API returned")
		}
		q.WriteString(" AND (k.created_at < ? OR (k.created_at = ? AND k.id < ?))")
		args = append(args, at, at, id)
	}
	q.WriteString(" ORDER BY k.created_at DESC, k.id DESC LIMIT ?")
	args = append(args, limit+1)
	query := q.String()
	if fields.Usage {
		// The page's usage rows are aggregated in one pass, grouped by
		// key, and joined to the page: a subquery per key cost PostgreSQL
		// more than twice as much (an index scan, a sort and an aggregate
		// for each key).
		query = "WITH page AS (" + query + ") SELECT page.*, COALESCE(usage.rows, '[]') FROM page LEFT JOIN (SELECT iu.api_key_id, " +
			db.usageAggregate() + " AS rows FROM integration_usages iu WHERE iu.api_key_id IN (SELECT id FROM page) GROUP BY iu.api_key_id) usage" +
			" ON usage.api_key_id = page.id ORDER BY page.created_at DESC, page.id DESC"
	}

	rows, err := db.gorm.WithContext(ctx).Raw(query, args...).Rows()
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	page := &model.KeyPage{TotalCount: -1}
	for rows.Next() {
		key, err := db.scanListedKey(rows, fields, &page.TotalCount)
		if err != nil {
			return nil, err
		}
		page.Keys = append(page.Keys, key)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	if len(page.Keys) > limit {
		page.Keys, page.HasNextPage = page.Keys[:limit], true
	}
	if page.TotalCount < 0 { // no row carried it
		var total int64
		err := db.gorm.WithContext(ctx).Raw("SELECT COUNT(*) FROM api_keys c WHERE "+fmt.Sprintf(visible, "c"), visibleArgs...).Row().Scan(&total)
		if err != nil {
			return nil, translate(err)
		}
		page.TotalCount = int(total)
	}
	return page, nil
}

const (
	keyColumns = "k.id, k.account_id, k.user_id, k.name, k.secret_hash, k.last4, k.is_default, k.note, k.access, k.expires_at, " +
		"k.previous_secret_hash, k.previous_secret_expires_at, k.previous_secret_last_used_at, k.leak_reported_at, k.leak_source, k.leak_url, k.created_at"
	ownerColumns = "u.role AS owner_role, u.name AS owner_name, u.email AS owner_email, u.email_normalized AS owner_email_normalized, " +
		"u.signed_up_at AS owner_signed_up_at, u.api_access AS owner_api_access, u.created_at AS owner_created_at"
)

// usageAggregate aggregates a group of usage rows, one key's, into one
// JSON array of [integration, firstUsedAt, lastUsedAt, requestCount], most
// recently used first. PostgreSQL writes the times as microseconds since
// the epoch; SQLite as it stores them, as text.
func (db *DB) usageAggregate() string {
	if db.postgres {
		return "json_agg(json_build_array(iu.integration, " +
			"(EXTRACT(EPOCH FROM iu.first_used_at) * 1000000)::bigint, (EXTRACT(EPOCH FROM iu.last_used_at) * 1000000)::bigint, iu.request_count) " +
			"ORDER BY iu.last_used_at DESC, iu.integration)"
	}
	return "json_group_array(json_array(iu.integration, iu.first_used_at, iu.last_used_at, iu.request_count) " +
		"ORDER BY iu.last_used_at DESC, iu.integration)"
}

func (db *DB) scanListedKey(rows *sql.Rows, fields model.KeyPageFields, total *int) (*model.APIKey, error) {
	k := &model.APIKey{}
	var count int64
	dest := []any{&k.ID, &k.AccountID, &k.UserID, &k.Name, &k.SecretHash, &k.Last4, &k.IsDefault, &k.Note, &k.Access, &k.ExpiresAt,
		&k.PreviousSecretHash, &k.PreviousSecretExpiresAt, &k.PreviousSecretLastUsedAt, &k.LeakReportedAt, &k.LeakSource, &k.LeakURL, &k.CreatedAt, &count}
	var owner *model.User
	if fields.Owner {
		owner = &model.User{ID: k.UserID}
		dest = append(dest, &owner.Role, &owner.Name, &owner.Email, &owner.EmailNormalized, &owner.SignedUpAt, &owner.StoredAPIAccess, &owner.CreatedAt)
	}
	var usage []byte
	if fields.Usage {
		dest = append(dest, &usage)
	}
	if err := rows.Scan(dest...); err != nil {
		return nil, translate(err)
	}
	*total = int(count)
	if !fields.Owner && !fields.Usage {
		return k, nil
	}
	k.Related = &model.KeyRelated{}
	if owner != nil {
		owner.ID, owner.AccountID = k.UserID, k.AccountID
		k.Related.Owner = owner
	}
	if fields.Usage {
		var err error
		if k.Related.Usage, err = decodeUsage(k.ID, usage); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// decodeUsage reads usageAggregate's array: [[integration, first, last,
// count], ...]. fastjson reads it without reflection: encoding/json into
// interfaces cost more than the statement.
func decodeUsage(keyID string, raw []byte) ([]*model.IntegrationUsage, error) {
	p := usageParsers.Get()
	defer usageParsers.Put(p)
	v, err := p.ParseBytes(raw)
	if err != nil {
		return nil, fmt.Errorf("key %s: usage rows are not JSON: %w", keyID, err)
	}
	list, err := v.Array()
	if err != nil {
		return nil, fmt.Errorf("key %s: usage rows are not an array: %.40q", keyID, raw)
	}
	rows := make([]model.IntegrationUsage, len(list))
	out := make([]*model.IntegrationUsage, len(list))
	for i, item := range list {
		fields, err := item.Array()
		if err != nil || len(fields) != 4 {
			return nil, fmt.Errorf("key %s: usage row %d is not [integration, first, last, count]: %s", keyID, i, item)
		}
		integration, err := fields[0].StringBytes()
		if err != nil {
			return nil, fmt.Errorf("key %s: usage row %d: integration: %w", keyID, i, err)
		}
		first, err := usageTime(fields[1])
		if err != nil {
			return nil, fmt.Errorf("key %s: usage row %d: first used: %w", keyID, i, err)
		}
		last, err := usageTime(fields[2])
		if err != nil {
			return nil, fmt.Errorf("key %s: usage row %d: last used: %w", keyID, i, err)
		}
		count, err := fields[3].Int64()
		if err != nil {
			return nil, fmt.Errorf("key %s: usage row %d: request count: %w", keyID, i, err)
		}
		rows[i] = model.IntegrationUsage{APIKeyID: keyID, Integration: string(integration), FirstUsedAt: first, LastUsedAt: last, RequestCount: int(count)}
		out[i] = &rows[i]
	}
	return out, nil
}

var usageParsers fastjson.ParserPool

// usageTime reads microseconds since the epoch (PostgreSQL) or a string in
// one of the SQLite driver's layouts.
func usageTime(v *fastjson.Value) (time.Time, error) {
	if v.Type() == fastjson.TypeNumber {
		micros, err := v.Int64()
		return time.UnixMicro(micros).UTC(), err
	}
	s, err := v.StringBytes()
	if err != nil {
		return time.Time{}, err
	}
	for _, layout := range sqliteTimeLayouts {
		if t, err := time.Parse(layout, string(s)); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time", s)
}

// sqliteTimeLayouts are the ways the SQLite driver writes a time.
var sqliteTimeLayouts = []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999 -0700 MST"}
