import { describe, expect, it, vi } from 'vitest'
import { createApiClient } from '../../utils/api-client'
import { ApiError } from '../../utils/api-error'

function fakeFetch(status: number, body: string) {
  return vi.fn(async (_input: RequestInfo | URL, _init?: RequestInit) => new Response(body, { status }))
}

describe('api client', () => {
  it('builds query strings without empty values and fills encoded path parameters', async () => {
    const fetch = fakeFetch(200, '{"bars":[]}')
    const api = createApiClient({ base: 'http://rc:8182', fetch })
    await api.get('/api/bars', { symbol: 'TCS.NS', timeframe: '5m', limit: 10, from: '' })
    expect(fetch.mock.calls[0]![0]).toBe('http://rc:8182/api/bars?symbol=TCS.NS&timeframe=5m&limit=10')
    await api.get('/api/experiments/{id}', undefined, { id: 'a b/c' })
    expect(fetch.mock.calls[1]![0]).toBe('http://rc:8182/api/experiments/a%20b%2Fc')
    expect(() => api.get('/api/experiments/{id}')).toThrow(/missing path parameter id/)
  })

  it('sends JSON bodies and the API token on mutating requests only', async () => {
    const fetch = fakeFetch(200, '{}')
    const api = createApiClient({ base: '', fetch, token: () => 'secret' })
    await api.post('/api/prediction/trigger', { symbol: 'TCS.NS', timeframe: '5m' })
    const [url, init] = fetch.mock.calls[0]!
    expect(url).toBe('/api/prediction/trigger')
    expect(init!.method).toBe('POST')
    expect(JSON.parse(String(init!.body))).toEqual({ symbol: 'TCS.NS', timeframe: '5m' })
    expect((init!.headers as Record<string, string>).Authorization).toBe('Bearer secret')
    await api.get('/api/models')
    expect((fetch.mock.calls[1]![1]!.headers as Record<string, string>).Authorization).toBeUndefined()
  })

  it('turns error envelopes and non-JSON answers into ApiErrors', async () => {
    const failing = createApiClient({
      base: '',
      fetch: fakeFetch(422, '{"error":{"code":"invalid_argument","message":"is required","field":"who"}}'),
    })
    await expect(failing.delete('/api/experiments/curated/{id}', { who: '' }, { id: 'x' })).rejects.toMatchObject({
      status: 422,
      field: 'who',
      message: 'Invalid value in “who”: is required',
    })
    const garbled = createApiClient({ base: '', fetch: fakeFetch(200, '<html>') })
    await expect(garbled.get('/api/models')).rejects.toBeInstanceOf(ApiError)
  })
})
