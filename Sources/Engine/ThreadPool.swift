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
///
/// Handing a job to a sleeping thread costs a futex wake-up and a reschedule, tens of
/// microseconds on a virtual machine: more than many of a sampler's products take. So the
/// threads spin for a while (``spinLimit`` checks of an atomic) before they sleep: a worker
/// waits for the next job, and the caller for its workers to finish. Jobs that come in quick
/// succession are then handed over in well under a microsecond, and a pool that is idle
/// still sleeps.
private final class PoolCore: @unchecked Sendable {
    // @unchecked Sendable: `job`, `jobCount`, `generation`, `sleepers`, `callerWaiting` and
    // `shuttingDown` are only touched with `mutex` held; the counters are atomics. A worker
    // takes a job (and counts itself `active`) only with `mutex` held, and `run` clears the
    // job under `mutex` once no index is left and no worker is active, so the non-escaping
    // body is never called after `run` returns.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t> = .allocate(capacity: 1)
    private let wake: UnsafeMutablePointer<pthread_cond_t> = .allocate(capacity: 1)
    private let done: UnsafeMutablePointer<pthread_cond_t> = .allocate(capacity: 1)
    private let nextIndex = Atomic<Int>(0)
    private let remaining = Atomic<Int>(0)
    private let active = Atomic<Int>(0)
    /// `generation`, readable without the mutex by spinning workers.
    private let published = Atomic<Int>(0)
    private var generation = 0
    private var sleepers = 0
    private var callerWaiting = false
    private var shuttingDown = false
    private var jobCount = 0
    private var job: ((Int) -> Void)?
    private var threads: [pthread_t] = []

    /// Checks of an atomic before a thread goes to sleep: some tens of microseconds.
    static let spinLimit = 50_000

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
        published.store(generation, ordering: .releasing)
        if sleepers > 0 { pthread_cond_broadcast(wake) }
        pthread_mutex_unlock(mutex)
        runIndices(body, count: count)
        var spins = 0
        while !isFinished && spins < Self.spinLimit { spins += 1 }
        pthread_mutex_lock(mutex)
        while !isFinished {
            callerWaiting = true
            pthread_cond_wait(done, mutex)
        }
        callerWaiting = false
        job = nil
        pthread_mutex_unlock(mutex)
    }

    /// Whether every index has run and no worker is still inside the job.
    private var isFinished: Bool {
        remaining.load(ordering: .acquiring) == 0 && active.load(ordering: .acquiring) == 0
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
        while true {
            var spins = 0
            while published.load(ordering: .acquiring) == seen && spins < Self.spinLimit { spins += 1 }
            pthread_mutex_lock(mutex)
            if shuttingDown { break }
            if generation == seen {
                sleepers += 1
                pthread_cond_wait(wake, mutex)
                sleepers -= 1
                pthread_mutex_unlock(mutex)
                continue
            }
            seen = generation
            guard job != nil else {
                pthread_mutex_unlock(mutex)
                continue
            }
            active.wrappingAdd(1, ordering: .relaxed)
            runTakenJob()
            active.wrappingSubtract(1, ordering: .releasing)
            pthread_mutex_lock(mutex)
            if callerWaiting { pthread_cond_signal(done) }
            pthread_mutex_unlock(mutex)
        }
        pthread_mutex_unlock(mutex)
    }

    /// Runs indices of the current job, entered with `mutex` held (which it releases). The
    /// worker's reference to the body ends with this call, before the worker stops counting
    /// as active: `run` may return (and its body must be unreferenced) once none is active.
    @inline(never)
    private func runTakenJob() {
        let body = job!, count = jobCount
        pthread_mutex_unlock(mutex)
        runIndices(body, count: count)
    }
}
