// Turning API failures into sentences a person can act on. The service
// answers errors as {"error":{"code","message","field"?}} (README "API").

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly field?: string,
  ) {
    super(describeApiError(status, code, detail, field))
    this.name = 'ApiError'
  }
}

const CODE_HINTS: Record<string, string> = {
  not_found: 'Not found',
  invalid_argument: 'Invalid value',
  malformed_request: 'Malformed request',
  unauthorized: 'API token needed (enter it on the Models page)',
  forbidden: 'The API token was refused (check it on the Models page)',
  conflict: 'Conflict',
  rate_limited: 'Too many requests',
  unavailable: 'Service unavailable',
  internal: 'Server error',
}

export function describeApiError(status: number, code: string, detail: string, field?: string): string {
  const title = CODE_HINTS[code] ?? (status === 0 ? 'Network error' : `Request failed (HTTP ${status})`)
  const where = field ? ` in “${field}”` : ''
  return detail ? `${title}${where}: ${detail}` : `${title}${where}`
}

// The ApiError for a non-2xx response body (any text: the envelope, HTML from
// a proxy, nothing at all).
export function apiErrorFromBody(status: number, bodyText: string): ApiError {
  try {
    const parsed: unknown = JSON.parse(bodyText)
    if (parsed && typeof parsed === 'object' && 'error' in parsed) {
      const error = (parsed as { error: unknown }).error
      if (error && typeof error === 'object') {
        const e = error as Record<string, unknown>
        return new ApiError(
          status,
          typeof e.code === 'string' ? e.code : 'error',
          typeof e.message === 'string' ? e.message : '',
          typeof e.field === 'string' && e.field !== '' ? e.field : undefined,
        )
      }
    }
  } catch {
    // not JSON: fall through
  }
  const snippet = bodyText.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 160)
  return new ApiError(status, status >= 500 ? 'internal' : 'error', snippet)
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message
  if (error instanceof TypeError) return describeApiError(0, 'network', 'the Regimecast server did not answer (is it running?)')
  if (error instanceof Error) return error.message
  return String(error)
}
