import Foundation
import FractalModel
import ModelStore
import Testing
import TestSupport

/// Opening a trained model for inference: the bundled one, its styles, and one-line errors.
@Suite("Trained model")
struct TrainedModelTests {
    static let bundledFolder = SharedData.repositoryRoot.appendingPathComponent(TrainedModel.bundledPath)

    @Test("the bundled model loads with its styles, default style and dynamics table")
    func bundled() throws {
        let model = try TrainedModel.load(from: Self.bundledFolder)
        #expect(model.styles == ["bach", "pop"])
        #expect(model.defaultStyle == "pop" && model.defaultStyleClass == 1)
        #expect(model.dynamics?.styles.isEmpty == false)
        #expect(model.directory?.standardizedFileURL == Self.bundledFolder.standardizedFileURL)
    }

    @Test("styles are named or numbered; nil is the default; others are one-line errors")
    func styleClasses() throws {
        let model = try TrainedModel.load(from: Self.bundledFolder)
        #expect(try model.styleClass(nil) == 1)
        #expect(try model.styleClass("bach") == 0)
        #expect(try model.styleClass("1") == 1)
        #expect(model.styleName(ofClass: 0) == "bach" && model.styleName(ofClass: 5) == nil)
        #expect(throws: StyleError(message: "--style jazz is not a style of this model; use one of its styles (0 bach, 1 pop)")) {
            _ = try model.styleClass("jazz")
        }
        #expect(throws: StyleError(message: "--style 2 is not a class of this model, which has 2 (0 ..< 2) (0 bach, 1 pop); use one of those")) {
            _ = try model.styleClass("2")
        }
    }

    @Test("a missing folder and a folder without a checkpoint are one-line errors naming the path")
    func missing() throws {
        let nowhere = URL(fileURLWithPath: "/nonexistent/run")
        #expect(throws: ModelLoadingError.noSuchFolder("/nonexistent/run")) { _ = try TrainedModel.load(from: nowhere) }
        #expect(ModelLoadingError.noSuchFolder("/x").description
            == "/x: no such folder; pass a training run folder or one of its checkpoint folders")
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        #expect(throws: ModelLoadingError.checkpoint(.missing(path: folder.url.path))) { _ = try TrainedModel.load(from: folder.url) }
    }
}
