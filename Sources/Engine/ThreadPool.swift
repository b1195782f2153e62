#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A persistent pool of worker threads that runs the engine's data-parallel kernels.
///
/// `parallelFor(_:_:)` calls a body once for each index in `0..<count`, spreading the
/// indices over the workers and the calling thread, and returns when all are done. Which
/// thread runs which index is not fixed, so kernels make each index write its own outputs
/// (never accumulate floats across indices) — that keeps results deterministic.
/// When the pool is already busy (a nested call, or another thread using it) the body runs
/// serially on the caller, so the pool never deadlocks or oversubscribes.
public final class ThreadPool: Sendable {
    /// The number of threads that run work, counting the calling thread.
    public let threadCount: Int
    private let core: PoolCore
    private let busy = Mutex(false)

    /// The number of cores this process may run on.
    public static var availableCores: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Starts `threadCount - 1` worker threads (the caller is the last one).
    public init(threadCount: Int) {
        self.threadCount = max(1, threadCount)
        core = PoolCore(workers: self.threadCount - 1)
    }

    deinit { core.shutDown() }

    /// Calls `body(i)` once for every `i` in `0..<count`, in parallel, and waits for all.
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        if count <= 0 { return }
        let acquired = threadCount > 1 && count > 1 && busy.withLock { isBusy in
            if isBusy { return false }
            isBusy = true
            return true
        }
        guard acquired else {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { core.run($0, count: count) }
        busy.withLock { $0 = false }
    }
}

/// The shared state of a pool's threads.
private final class PoolCore: @unchecked Sendable {
    // @unchecked Sendable: `job`, `jobCount`, `generation`, `active` and `shuttingDown` are
    // only touched with `mutex` held; the index counters are atomics. `run` does not return
    // before every worker that picked up the job has left it (active == 0), so the
    // non-escaping body is never called after `run` returns.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t> = .allocate(capacity: 1)
    private let wake: UnsafeMutablePointer<pthread_cond_t> = .allocate(capacity: 1)
    private let done: UnsafeMutablePointer<pthread_cond_t> = .allocate(capacity: 1)
    private let nextIndex = Atomic<Int>(0)
    private let remaining = Atomic<Int>(0)
    private var generation = 0
    private var active = 0
    private var shuttingDown = false
    private var jobCount = 0
    private var job: ((Int) -> Void)?
    private var threads: [pthread_t] = []

    init(workers: Int) {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
        pthread_cond_init(done, nil)
        for _ in 0..<workers {
            var thread = pthread_t()
            let context = Unmanaged.passRetained(self).toOpaque()
            pthread_create(&thread, nil, { raw in
                let core = Unmanaged<PoolCore>.fromOpaque(raw!).takeRetainedValue()
                core.workerLoop()
                return nil
            }, context)
            threads.append(thread)
        }
    }

    func shutDown() {
        pthread_mutex_lock(mutex)
        shuttingDown = true
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(mutex)
        for thread in threads { pthread_join(thread, nil) }
    }

    deinit {
        pthread_cond_destroy(wake)
        pthread_cond_destroy(done)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        wake.deallocate()
        done.deallocate()
    }

    func run(_ body: @escaping (Int) -> Void, count: Int) {
        pthread_mutex_lock(mutex)
        job = body
        jobCount = count
        nextIndex.store(0, ordering: .relaxed)
        remaining.store(count, ordering: .relaxed)
        generation &+= 1
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(mutex)
        runIndices(body, count: count)
        pthread_mutex_lock(mutex)
        job = nil
        while remaining.load(ordering: .acquiring) > 0 || active > 0 { pthread_cond_wait(done, mutex) }
        pthread_mutex_unlock(mutex)
    }

    private func runIndices(_ body: (Int) -> Void, count: Int) {
        while true {
            let i = nextIndex.wrappingAdd(1, ordering: .relaxed).oldValue
            if i >= count { return }
            body(i)
            remaining.wrappingSubtract(1, ordering: .releasing)
        }
    }

    private func workerLoop() {
        var seen = 0
        pthread_mutex_lock(mutex)
        while true {
            while (generation == seen || job == nil) && !shuttingDown {
                seen = generation
                pthread_cond_wait(wake, mutex)
            }
            if shuttingDown { break }
            seen = generation
            guard let body = job else { continue }
            let count = jobCount
            active += 1
            pthread_mutex_unlock(mutex)
            runIndices(body, count: count)
            pthread_mutex_lock(mutex)
            active -= 1
            pthread_cond_signal(done)
        }
        pthread_mutex_unlock(mutex)
    }
}
