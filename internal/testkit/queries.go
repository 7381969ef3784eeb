package testkit

// Query documents that tests in several packages send, each written once.

// SetAccessMutation turns a user's API access on or off.
const SetAccessMutation = `mutation($in: SetUserApiAccessInput!) {
  setUserApiAccess(input: $in) { user { id role apiAccess } deletedApiKeys loggedOutMobileSessions }
}`

// UpdateKeyMutation changes a key as $in says, answering what it now holds.
const UpdateKeyMutation = `mutation($in: UpdateApiKeyInput!) { updateApiKey(input: $in) { apiKey { id name note access last4 } } }`

// The demo data's credentials, as README publishes them: seed-demo must
// create exactly these.
const (
	SeedOwnerEmail    = "owner@demo.keyfob.test"
	SeedOwnerPassword = "keyfob-demo-owner"
	SeedAgentEmail    = "agent@demo.keyfob.test"
	SeedAgentPassword = "keyfob-demo-agent"
)

// SignUpMutation signs up with $in, answering the token and the user's id.
const SignUpMutation = `mutation($in: SignUpInput!) { signUp(input: $in) { token user { id } } }`

// LogInMutation logs in with $in, answering the token and the user's id.
const LogInMutation = `mutation($in: LogInInput!) { logIn(input: $in) { token user { id } } }`

// CreateUserMutation adds a colleague with $in.
const CreateUserMutation = `mutation($in: CreateUserInput!) { createUser(input: $in) { user { id email role apiAccess } } }`

// DeleteKeyMutation deletes the key $id.
const DeleteKeyMutation = `mutation($id: ID!) { deleteApiKey(input: {id: $id}) { deletedApiKeyId loggedOutMobileSessions } }`

// DailyUsageQuery reads key $id's last $days days of usage and its
// integrations' counts, which the days must add up to.
const DailyUsageQuery = `query($id: ID!, $days: Int) { apiKey(id: $id) {
  dailyUsage(days: $days) { date requestCount } usageByIntegration { requestCount } } }`

// RollKeyMutation rolls a key as $in says, answering the new secret and the
// key as it now is.
const RollKeyMutation = `mutation($in: RollApiKeyInput!) { rollApiKey(input: $in) { secret apiKey { id name note access last4 expiresAt previousSecretExpiresAt } } }`
