// swift-tools-version:6.0
import PackageDescription

/// The coverage-guided fuzzers: one libFuzzer executable per entry point of `FuzzTarget`.
/// Built by `scripts/fuzz.sh` with `--sanitize=fuzzer --sanitize=address`; each executable's
/// `main` is libFuzzer's, which calls `LLVMFuzzerTestOneInput` once per input.
let targets = ["midi", "safetensors", "config", "checkpoint", "regions", "studio"]

let package = Package(
    name: "FractalMIDIFuzz",
    dependencies: [.package(name: "FractalMIDI", path: "..")],
    targets: targets.map { name in
        .executableTarget(
            name: "fuzz-\(name)",
            dependencies: [.product(name: "FuzzTargets", package: "FractalMIDI")],
            path: "Sources/fuzz-\(name)",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    }
)
