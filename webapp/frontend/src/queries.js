// Every GraphQL document the app sends, in one place. They use the public
// schema only (graph/*.graphqls); a Go test validates each against it.

const VIEWER = `id name email role apiAccess account { id name apiKeyRestriction }`;

export const LOG_IN = `mutation AppLogIn($in: LogInInput!) {
  logIn(input: $in) { token user { ${VIEWER} } }
}`;

export const SIGN_UP = `mutation AppSignUp($in: SignUpInput!) {
  signUp(input: $in) { token user { ${VIEWER} } }
}`;

export const LOG_OUT = `mutation AppLogOut { logOut }`;

export const VIEWER_QUERY = `query AppViewer { viewer { ${VIEWER} } }`;

// A page of 50 keys, each with 30 days of usage: about 3,000 of the
// 5,000 the complexity limit allows. Dates are not asked for: the days
// are the last 30, oldest first, so the page computes them.
export const KEYS = `query AppKeys($after: String) {
  apiKeys(first: 50, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id name note last4 createdAt lastUsedAt isDefault access expiresAt status
      previousSecretExpiresAt previousSecretLastUsedAt activeMobileSessions
      leak { reportedAt source url }
      owner { id name email }
      usageByIntegration { integration firstUsedAt lastUsedAt requestCount }
      dailyUsage(days: 30) { requestCount }
    }
  }
}`;

export const CREATE_KEY = `mutation AppCreateKey($in: CreateApiKeyInput!) {
  createApiKey(input: $in) { secret apiKey { id name last4 } }
}`;

export const UPDATE_KEY = `mutation AppUpdateKey($in: UpdateApiKeyInput!) {
  updateApiKey(input: $in) { apiKey { id name note access } }
}`;

export const ROLL_KEY = `mutation AppRollKey($in: RollApiKeyInput!) {
  rollApiKey(input: $in) { secret apiKey { id last4 status previousSecretExpiresAt } }
}`;

export const DELETE_KEY = `mutation AppDeleteKey($in: DeleteApiKeyInput!) {
  deleteApiKey(input: $in) { deletedApiKeyId loggedOutMobileSessions }
}`;

export const USERS = `query AppUsers {
  account { id apiKeyRestriction users { id name email role apiAccess apiKeyCount } }
}`;

export const SET_ACCESS = `mutation AppSetAccess($in: SetUserApiAccessInput!) {
  setUserApiAccess(input: $in) { user { id apiAccess apiKeyCount } deletedApiKeys loggedOutMobileSessions }
}`;

export const AUDIT = `query AppAudit($after: String) {
  auditEvents(first: 20, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id action occurredAt actorEmail ip userAgent apiKeyName apiKeyLast4 detail
      targetUser { email }
    }
  }
}`;

// What an agent may read about access: the rule and their own standing.
export const ACCESS_SELF = `query AppAccess { account { id apiKeyRestriction } viewer { id apiAccess } }`;
