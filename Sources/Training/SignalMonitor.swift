import Dispatch
import Foundation
import Synchronization

/// Catches SIGINT (Ctrl-C) and SIGTERM while it lives, so a long job can stop cleanly between
/// steps: the signals no longer end the process; ``received`` reports the first one that
/// arrived. When the monitor is released the default handling comes back.
public final class SignalMonitor: Sendable {
    private let flag: SignalFlag
    // The sources are only created in `init` and cancelled in `deinit`.
    private nonisolated(unsafe) var sources: [DispatchSourceSignal] = []
    private let signals: [Int32]

    /// Starts catching `signals` (by default SIGINT and SIGTERM).
    public init(signals: [Int32] = [SIGINT, SIGTERM]) {
        let flag = SignalFlag()
        self.flag = flag
        self.signals = signals
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { flag.record(number) }
            source.resume()
            sources.append(source)
        }
    }

    deinit {
        for source in sources { source.cancel() }
        for number in signals { signal(number, SIG_DFL) }
    }

    /// The first signal caught, or nil while none has arrived.
    public var received: Int32? {
        flag.value
    }

    /// The exit status a process stopped by `signal` conventionally ends with (128 + signal:
    /// 130 for SIGINT, 143 for SIGTERM).
    public static func exitStatus(for signal: Int32) -> Int32 {
        128 + signal
    }
}

/// The first signal number recorded (0 while none).
private final class SignalFlag: Sendable {
    private let number = Atomic<Int32>(0)

    func record(_ signal: Int32) {
        _ = number.compareExchange(expected: 0, desired: signal, ordering: .relaxed)
    }

    var value: Int32? {
        let current = number.load(ordering: .relaxed)
        return current == 0 ? nil : current
    }
}
