// swift-tools-version:6.0
import PackageDescription

/// Release builds are compiled for this machine's processor so that the engine's SIMD code
/// and the compiler's auto-vectoriser use its vector units (AVX2/FMA on the CI machines).
let nativeSwift: [SwiftSetting] = [
    .unsafeFlags(["-target-cpu", "native"], .when(configuration: .release)),
]
let nativeC: [CSetting] = [
    .unsafeFlags(["-O3", "-march=native"], .when(configuration: .release)),
]

let package = Package(
    name: "FractalMIDI",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "fractalmidi", targets: ["fractalmidi"]),
        .library(name: "FractalMIDIKit", targets: [
            "FileWriting", "MIDIFile", "PianoRoll", "Imaging", "Engine", "NN", "FractalModel", "ModelStore", "Generation",
            "Training", "Evaluation", "AudioRendering", "StudioCore", "Studio",
        ]),
        .library(name: "FuzzTargets", targets: ["FuzzTargets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
    ],
    targets: [
        // System libraries.
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),

        // Crash-safe file writing, used by every module that writes files.
        .target(name: "FileWriting", swiftSettings: nativeSwift),

        // Music.
        .target(name: "MIDIFile", dependencies: ["FileWriting"], swiftSettings: nativeSwift),
        .target(name: "Imaging", dependencies: ["CZlib", "FileWriting"], swiftSettings: nativeSwift),
        .target(name: "PianoRoll", dependencies: ["MIDIFile", "Imaging"], swiftSettings: nativeSwift),

        // Numerics.
        .target(name: "Engine", dependencies: ["COpenBLAS"], swiftSettings: nativeSwift),
        .target(name: "NN", dependencies: ["Engine", "FileWriting"], swiftSettings: nativeSwift),
        .target(name: "FractalModel", dependencies: ["NN", "PianoRoll", "Yams"], swiftSettings: nativeSwift),
        .target(name: "ModelStore", dependencies: ["FractalModel", "NN", "Engine", "PianoRoll", "FileWriting"], swiftSettings: nativeSwift),
        .target(name: "Generation", dependencies: ["ModelStore", "FractalModel", "Engine", "PianoRoll", "MIDIFile"],
                swiftSettings: nativeSwift),
        .target(name: "Training", dependencies: ["Generation", "ModelStore", "FractalModel", "NN", "Engine", "PianoRoll", "MIDIFile", "FileWriting"],
                swiftSettings: nativeSwift),
        .target(name: "Evaluation", dependencies: ["PianoRoll", "MIDIFile", "Imaging"], swiftSettings: nativeSwift),

        // Audio through FluidSynth, for the command line's --wav and the studio.
        .target(name: "AudioRendering", swiftSettings: nativeSwift),

        // The browser studio: the HTTP server of its JSON API, and its page (Web/).
        // The studio's requests, sessions and generation queue, without the HTTP server (so
        // that the fuzzers reach them without building it).
        .target(name: "StudioCore", dependencies: ["Generation", "ModelStore", "FractalModel", "PianoRoll", "FileWriting"],
                swiftSettings: nativeSwift),
        .target(name: "Studio",
                dependencies: ["StudioCore", "Generation", "ModelStore", "FractalModel", "PianoRoll", "MIDIFile", "Imaging",
                               "AudioRendering", .product(name: "Hummingbird", package: "hummingbird"),
                               .product(name: "NIOCore", package: "swift-nio"), .product(name: "Logging", package: "swift-log")],
                resources: [.copy("Web")], swiftSettings: nativeSwift),

        // The fuzzers' entry points (driven by Fuzz/ under libFuzzer, replayed by the tests).
        .target(name: "FuzzTargets", dependencies: ["MIDIFile", "PianoRoll", "NN", "FractalModel", "ModelStore", "Generation", "StudioCore"], swiftSettings: nativeSwift),

        // The command-line tool.
        .executableTarget(
            name: "fractalmidi",
            dependencies: [
                "MIDIFile", "PianoRoll", "Imaging", "Engine", "NN", "FractalModel", "ModelStore", "Generation", "Training",
                "Evaluation", "FileWriting", "AudioRendering", "StudioCore", "Studio",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: nativeSwift
        ),

        // Tests.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .systemLibrary(name: "CPNGDecoder", path: "Tests/CPNGDecoder"),
        .systemLibrary(name: "CGIFDecoder", path: "Tests/CGIFDecoder"),
        .target(name: "ImageDecoders", dependencies: ["CPNGDecoder", "CGIFDecoder", "Imaging"], path: "Tests/ImageDecoders"),
        .testTarget(name: "FileWritingTests", dependencies: ["FileWriting", "TestSupport"]),
        .testTarget(name: "MIDIFileTests", dependencies: ["MIDIFile", "TestSupport"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "TestSupport", "ImageDecoders"]),
        .testTarget(name: "PianoRollTests", dependencies: ["PianoRoll", "MIDIFile", "Imaging", "TestSupport", "ImageDecoders"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "COpenBLAS", "TestSupport"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "Engine", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "FractalModelTests", dependencies: ["FractalModel", "NN", "Engine", "PianoRoll", "TestSupport"]),
        .testTarget(name: "ModelStoreTests", dependencies: ["ModelStore", "FractalModel", "NN", "TestSupport"]),
        .testTarget(name: "GenerationTests", dependencies: ["Generation", "ModelStore", "FractalModel", "PianoRoll", "MIDIFile", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Generation", "ModelStore", "FractalModel", "PianoRoll", "TestSupport"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "PianoRoll", "MIDIFile", "Imaging", "TestSupport", "ImageDecoders"], exclude: ["Fixtures"]),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets", "TestSupport"]),
        .testTarget(name: "StudioTests", dependencies: ["Studio", "StudioCore", "Generation", "ModelStore", "PianoRoll", "MIDIFile", "TestSupport"],
                    exclude: ["Browser"]),
        .testTarget(name: "fractalmidiTests", dependencies: [
            "fractalmidi", "TestSupport", "FileWriting",
            "FractalModel", "ModelStore", "Generation", "Training", "NN", "PianoRoll", "MIDIFile", "ImageDecoders",
        ]),
    ]
)
