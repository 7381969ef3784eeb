package graph

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/keyfob/keyfob/model"
)

// ApiKey.dailyUsage takes `days` from 1 to model.MaxDailyUsageDays,
// defaulting to model.DefaultDailyUsageDays, and says how many days are kept.
func TestSchemaStatesTheDailyUsageDays(t *testing.T) {
	field := NewExecutableSchema(Config{}).Schema().Types["ApiKey"].Fields.ForName("dailyUsage")
	if field == nil {
		t.Fatal("ApiKey.dailyUsage is not in the schema")
	}
	days := field.Arguments.ForName("days")
	if days == nil {
		t.Fatal("ApiKey.dailyUsage takes no `days`")
	}
	if days.DefaultValue == nil || days.DefaultValue.String() != strconv.Itoa(model.DefaultDailyUsageDays) {
		t.Errorf("days defaults to %v, want %d", days.DefaultValue, model.DefaultDailyUsageDays)
	}
	if want := fmt.Sprintf(": 1 to %d.", model.MaxDailyUsageDays); !strings.HasSuffix(days.Description, want) {
		t.Errorf("days is described as %q, want it to end %q", days.Description, want)
	}
	if want := fmt.Sprintf("the %d days kept", model.MaxDailyUsageDays); !strings.Contains(field.Description, want) {
		t.Errorf("dailyUsage is described as %q, want it to say %q", field.Description, want)
	}
}
