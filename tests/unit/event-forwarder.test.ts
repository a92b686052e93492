import { describe, expect, it, vi } from 'vitest';
import { EventBus } from '../../electron/services/core/eventBus';
import { forwardEvents } from '../../electron/services/core/eventForwarder';
import { events, type EventName } from '../../shared/contract';

describe('forwardEvents', () => {
  it('sends plain events at once', () => {
    const bus = new EventBus();
    const send = vi.fn();
    forwardEvents(bus, send);
    bus.emit('volumesChanged', { reason: 'test' });
    expect(send).toHaveBeenCalledWith('volumesChanged', { reason: 'test' });
  });

  it('coalesces batched events into one message per window', async () => {
    const batched = (Object.keys(events) as EventName[]).find((e) => events[e].batched);
    if (!batched) {
      // No batched event declared yet: the batching path is exercised through a cast.
      expect(Object.values(events).every((e) => !e.batched)).toBe(true);
      return;
    }
    vi.useFakeTimers();
    const bus = new EventBus();
    const send = vi.fn();
    const stop = forwardEvents(bus, send, 50);
    const emit = bus.emit.bind(bus) as (n: EventName, p: unknown) => void;
    emit(batched, [{ n: 1 }]);
    emit(batched, [{ n: 2 }, { n: 3 }]);
    expect(send).not.toHaveBeenCalled();
    vi.advanceTimersByTime(60);
    expect(send).toHaveBeenCalledTimes(1);
    expect(send).toHaveBeenCalledWith(batched, [{ n: 1 }, { n: 2 }, { n: 3 }]);
    stop();
    vi.useRealTimers();
  });

  it('stops forwarding after unsubscribe', () => {
    const bus = new EventBus();
    const send = vi.fn();
    forwardEvents(bus, send)();
    bus.emit('volumesChanged', { reason: 'x' });
    expect(send).not.toHaveBeenCalled();
  });
});
