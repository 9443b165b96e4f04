import { describe, expect, it } from 'vitest'
import { VisibilityGate } from '../../utils/visibility-gate'

function setup() {
  let hidden = false
  const applied: number[] = []
  let resets = 0
  const gate = new VisibilityGate<number>(() => hidden, (m) => applied.push(m), () => resets++)
  return { gate, applied, resets: () => resets, hide: (value: boolean) => (hidden = value) }
}

describe('VisibilityGate (a hidden tab keeps the socket but renders nothing)', () => {
  it('applies at once while visible', () => {
    const { gate, applied } = setup()
    gate.push(1)
    gate.push(2)
    expect(applied).toEqual([1, 2])
  })

  it('queues while hidden and applies in order when visible again', () => {
    const { gate, applied, hide } = setup()
    hide(true)
    gate.push(1)
    gate.push(2)
    gate.flush()
    expect(applied).toEqual([])
    expect(gate.pending).toBe(2)
    hide(false)
    gate.flush()
    expect(applied).toEqual([1, 2])
    expect(gate.pending).toBe(0)
  })

  it('a reset while hidden drops the queue and re-fetches once on return', () => {
    const { gate, applied, resets, hide } = setup()
    hide(true)
    gate.push(1)
    gate.requestReset()
    gate.push(2)
    gate.requestReset()
    expect(resets()).toBe(0)
    hide(false)
    gate.flush()
    expect(resets()).toBe(1)
    expect(applied).toEqual([])
    gate.push(3)
    expect(applied).toEqual([3])
  })

  it('clear() forgets what a previous channel left behind', () => {
    const { gate, applied, resets, hide } = setup()
    hide(true)
    gate.push(1)
    gate.requestReset()
    gate.clear()
    hide(false)
    gate.flush()
    expect(applied).toEqual([])
    expect(resets()).toBe(0)
  })
})
