import Foundation
import ModelStore

/// Serves training batches assembled ahead of time on a background thread, so the model
/// does not wait for data.
///
/// A producer thread runs an ``ExampleSampler`` and keeps up to `prefetch` batches ready in a
/// bounded queue; ``next()`` takes the oldest. The batches are exactly those that calling
/// ``ExampleSampler/nextBatch(size:)`` repeatedly on the same sampler gives, and ``state`` is
/// the sampler state after the last batch handed out — what a checkpoint stores to resume
/// with ``init(sampler:batchSize:prefetch:)`` after ``ExampleSampler/restore(_:)``.
public final class DataLoader: @unchecked Sendable {
    // Safe: `queue` holds the only mutable state, and guards it with its condition lock.
    private let queue: BatchQueue
    private var lastState: SamplerState
    private let stateLock = NSLock()

    /// A loader of batches of `batchSize` from `sampler` (from its current state), keeping up
    /// to `prefetch` batches ready.
    public init(sampler: ExampleSampler, batchSize: Int, prefetch: Int = 4) throws(DataError) {
        guard batchSize > 0 else {
            throw DataError.invalidSetting(name: "batch size", value: "\(batchSize)", rule: "it must be at least 1")
        }
        guard prefetch > 0 else {
            throw DataError.invalidSetting(name: "prefetch", value: "\(prefetch)", rule: "keep at least 1 batch ready")
        }
        let queue = BatchQueue(capacity: prefetch)
        self.queue = queue
        lastState = sampler.state
        let thread = Thread { [sampler] in
            var sampler = sampler
            while queue.waitForRoom() {
                let batch = sampler.nextBatch(size: batchSize)
                queue.put(batch, state: sampler.state)
            }
        }
        thread.name = "fractalmidi data loader"
        thread.start()
    }

    deinit {
        queue.close()
    }

    /// The next batch, waiting for the producer only when none is ready.
    public func next() -> Batch {
        let (batch, state) = queue.take()
        stateLock.lock()
        lastState = state
        stateLock.unlock()
        return batch
    }

    /// The sampler state after the last batch ``next()`` returned (the starting state before
    /// the first).
    public var state: SamplerState {
        stateLock.lock()
        defer { stateLock.unlock() }
        return lastState
    }

    /// How many times ``next()`` found no batch ready and had to wait.
    public var waits: Int { queue.waits }
}

/// The bounded queue between the producer thread and the consumer.
private final class BatchQueue: @unchecked Sendable {
    // Safe: every field is read and written only while `condition` is locked.
    private let condition = NSCondition()
    private let capacity: Int
    private var ready: [(Batch, SamplerState)] = []
    private var closed = false
    private var waitCount = 0

    init(capacity: Int) { self.capacity = capacity }

    /// Blocks until there is room for one more batch; false once the queue is closed.
    func waitForRoom() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while ready.count >= capacity && !closed { condition.wait() }
        return !closed
    }

    func put(_ batch: Batch, state: SamplerState) {
        condition.lock()
        ready.append((batch, state))
        condition.broadcast()
        condition.unlock()
    }

    func take() -> (Batch, SamplerState) {
        condition.lock()
        defer { condition.unlock() }
        if ready.isEmpty { waitCount += 1 }
        while ready.isEmpty { condition.wait() }
        let first = ready.removeFirst()
        condition.broadcast()
        return first
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    var waits: Int {
        condition.lock()
        defer { condition.unlock() }
        return waitCount
    }
}
