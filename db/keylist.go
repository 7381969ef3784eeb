package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

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
	q.WriteString("SELECT " + keyColumns + ", (SELECT COUNT(*) FROM api_keys c WHERE " + fmt.Sprintf(visible, "c") + ")")
	args = append(args, visibleArgs...)
	if fields.Owner {
		q.WriteString(", " + ownerColumns)
	}
	if fields.Usage {
		q.WriteString(", " + db.usageAggregate())
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

	rows, err := db.gorm.WithContext(ctx).Raw(q.String(), args...).Rows()
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
		"k.previous_secret_hash, k.previous_secret_expires_at, k.previous_secret_last_used_at, k.created_at"
	ownerColumns = "u.role, u.name, u.email, u.email_normalized, u.signed_up_at, u.api_access, u.created_at"
)

// usageAggregate is a key's usage rows as one JSON array of
// [integration, firstUsedAt, lastUsedAt, requestCount], most recently used
// first. PostgreSQL writes the times as microseconds since the epoch;
// SQLite as it stores them, as text.
func (db *DB) usageAggregate() string {
	if db.postgres {
		return "(SELECT COALESCE(json_agg(json_build_array(iu.integration, " +
			"(EXTRACT(EPOCH FROM iu.first_used_at) * 1000000)::bigint, (EXTRACT(EPOCH FROM iu.last_used_at) * 1000000)::bigint, iu.request_count) " +
			"ORDER BY iu.last_used_at DESC, iu.integration), '[]') FROM integration_usages iu WHERE iu.api_key_id = k.id)"
	}
	return "(SELECT json_group_array(json_array(iu.integration, iu.first_used_at, iu.last_used_at, iu.request_count) " +
		"ORDER BY iu.last_used_at DESC, iu.integration) FROM integration_usages iu WHERE iu.api_key_id = k.id)"
}

func (db *DB) scanListedKey(rows *sql.Rows, fields model.KeyPageFields, total *int) (*model.APIKey, error) {
	k := &model.APIKey{}
	var count int64
	dest := []any{&k.ID, &k.AccountID, &k.UserID, &k.Name, &k.SecretHash, &k.Last4, &k.IsDefault, &k.Note, &k.Access, &k.ExpiresAt,
		&k.PreviousSecretHash, &k.PreviousSecretExpiresAt, &k.PreviousSecretLastUsedAt, &k.CreatedAt, &count}
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

// decodeUsage reads usageAggregate's array.
func decodeUsage(keyID string, raw []byte) ([]*model.IntegrationUsage, error) {
	var tuples [][4]any
	if err := json.Unmarshal(raw, &tuples); err != nil {
		return nil, fmt.Errorf("key %s: usage rows: %w", keyID, err)
	}
	out := make([]*model.IntegrationUsage, len(tuples))
	rows := make([]model.IntegrationUsage, len(tuples)) // one allocation for the page's rows of this key
	for i, t := range tuples {
		name, _ := t[0].(string)
		first, err1 := aggregatedTime(t[1])
		last, err2 := aggregatedTime(t[2])
		n, ok := t[3].(float64)
		if name == "" || err1 != nil || err2 != nil || !ok {
			return nil, fmt.Errorf("key %s: unexpected usage row %v", keyID, t)
		}
		rows[i] = model.IntegrationUsage{APIKeyID: keyID, Integration: name, FirstUsedAt: first, LastUsedAt: last, RequestCount: int(n)}
		out[i] = &rows[i]
	}
	return out, nil
}

// sqliteTimeLayouts are the ways the SQLite driver writes a time.
var sqliteTimeLayouts = []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999 -0700 MST"}

// aggregatedTime reads a time from usageAggregate: microseconds since the
// epoch (PostgreSQL, exact in a float64 until the year 2255) or text (SQLite).
func aggregatedTime(v any) (time.Time, error) {
	switch v := v.(type) {
	case float64:
		return time.UnixMicro(int64(v)).UTC(), nil
	case string:
		for _, layout := range sqliteTimeLayouts {
			if t, err := time.Parse(layout, v); err == nil {
				return t.UTC(), nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("not a time: %v", v)
}
