import Foundation

/// Keeps OpenBLAS's idle worker threads from busy-waiting over the engine's own kernels.
///
/// After each multi-threaded product, OpenBLAS's workers spin (calling `sched_yield`) for
/// 2^28 cycles by default before they sleep. The engine runs its element-wise and attention
/// kernels on the same cores between products, so on two cores the spinning took about 16 %
/// of a training step's CPU time. OpenBLAS reads `OPENBLAS_THREAD_TIMEOUT` (log₂ of the spin
/// cycles, at least 4) only while the library loads, before `main` runs: so when the
/// variable is unset, the command sets it to 4 and executes itself again, once. A value the
/// user sets is kept.
enum BLASThreadTimeout {
    /// OpenBLAS's environment variable.
    static let variable = "OPENBLAS_THREAD_TIMEOUT"
    /// The shortest spin OpenBLAS allows: 2⁴ cycles.
    static let shortest = "4"

    /// Sets the variable and re-executes the process when it is unset (Linux); returns
    /// otherwise, or when the re-execution fails (the command then runs with OpenBLAS's
    /// default).
    static func applyBeforeOpenBLASStarts() {
        #if os(Linux)
        guard getenv(variable) == nil else { return }
        setenv(variable, shortest, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        #endif
    }

    /// The value in effect, for benchmark headers.
    static var current: String {
        getenv(variable).map { String(cString: $0) } ?? "unset"
    }
}
