// Typed access to the Regimecast REST API. Paths, query parameters and
// request bodies come from types/api.d.ts, generated from the server's
// /openapi.json (npm run api-types), so a renamed route or field fails the
// type check instead of a user's page.
import type { components, paths } from '../types/api'
import { ApiError, apiErrorFromBody } from './api-error'

type Method = 'get' | 'post' | 'delete'
type Operation<P extends keyof paths, M extends Method> = M extends keyof paths[P] ? NonNullable<paths[P][M]> : never
type QueryOf<Op> = Op extends { parameters: { query?: infer Q } } ? Q : never
type BodyOf<Op> = Op extends { requestBody: { content: { 'application/json': infer B } } } ? B : never
type ResponseOf<Op> = Op extends { responses: { 200: { content: { 'application/json': infer R } } } } ? R : unknown
// The JSON body a route answers (2xx), as /openapi.json describes it.
export type ApiResponse<P extends keyof paths, M extends Method> = ResponseOf<Operation<P, M>>
// A schema /openapi.json names under components/schemas ('Job', 'MetricSet', ...).
export type ApiSchema<N extends keyof components['schemas']> = components['schemas'][N]

export type PathsWith<M extends Method> = { [P in keyof paths]: M extends keyof paths[P] ? (paths[P][M] extends undefined ? never : P) : never }[keyof paths]

export interface ApiClientOptions {
  base: string          // '' = the page's origin
  token?: () => string  // API_TOKEN for mutating routes, when the server has one
  fetch?: typeof fetch
}

function fillPath(template: string, params: Record<string, string> | undefined): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params?.[name]
    if (value === undefined) throw new Error(`missing path parameter ${name}`)
    return encodeURIComponent(value)
  })
}

function queryString(query: Record<string, unknown> | undefined): string {
  if (!query) return ''
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value))
  }
  const text = search.toString()
  return text ? `?${text}` : ''
}

export function createApiClient(options: ApiClientOptions) {
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init))

  async function request<R>(method: string, path: string, body?: unknown): Promise<R> {
    const headers: Record<string, string> = { Accept: 'application/json' }
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    const token = options.token?.()
    if (token && method !== 'GET') headers.Authorization = `Bearer ${token}`
    const response = await doFetch(`${options.base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await response.text()
    if (!response.ok) throw apiErrorFromBody(response.status, text)
    try {
      return (text ? JSON.parse(text) : {}) as R
    } catch {
      throw new ApiError(response.status, 'malformed_response', 'the server answered something that is not JSON')
    }
  }

  return {
    get<P extends PathsWith<'get'>>(path: P, query?: QueryOf<Operation<P, 'get'>>, params?: Record<string, string>) {
      return request<ResponseOf<Operation<P, 'get'>>>('GET', fillPath(path, params) + queryString(query as Record<string, unknown>))
    },
    post<P extends PathsWith<'post'>>(path: P, body: BodyOf<Operation<P, 'post'>>, params?: Record<string, string>) {
      return request<ResponseOf<Operation<P, 'post'>>>('POST', fillPath(path, params), body)
    },
    delete<P extends PathsWith<'delete'>>(path: P, body: BodyOf<Operation<P, 'delete'>>, params?: Record<string, string>) {
      return request<ResponseOf<Operation<P, 'delete'>>>('DELETE', fillPath(path, params), body)
    },
  }
}

export type ApiClient = ReturnType<typeof createApiClient>
