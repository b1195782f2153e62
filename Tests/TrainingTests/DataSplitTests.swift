import Foundation
import TestSupport
import Testing
import Training

@Suite struct DataSplitTests {
    private func items(_ count: Int) -> [DataItem] {
        (0..<count).map { DataItem(file: URL(fileURLWithPath: "/corpus/set/\($0 % 7)/song\($0).mid")) }
    }

    @Test func sameSeedSameSplitWhateverTheOrder() throws {
        let all = items(200)
        let first = try DataSplit(items: all, validShare: 0.1, seed: 42)
        let reversed = try DataSplit(items: all.reversed(), validShare: 0.1, seed: 42)
        var random = DataRandom(seed: 3)
        let shuffled = try DataSplit(items: random.permutation(of: all.count).map { all[$0] }, validShare: 0.1, seed: 42)
        #expect(first == reversed)
        #expect(first == shuffled)
        #expect(first.valid.count == 20)
        #expect(first.train.count == 180)
        #expect(Set(first.train).isDisjoint(with: first.valid))
        #expect(Set(first.train).union(first.valid) == Set(all))
        let other = try DataSplit(items: all, validShare: 0.1, seed: 43)
        #expect(other.valid != first.valid)
    }

    @Test func addingAFileMovesAtMostOneOtherFile() throws {
        let all = items(100)
        let root = URL(fileURLWithPath: "/corpus", isDirectory: true)
        let before = try DataSplit(items: all, validShare: 0.05, seed: 7, root: root)
        for name in ["set/new.mid", "other/new.mid"] {
            let after = try DataSplit(items: all + [DataItem(file: root.appendingPathComponent(name))],
                                      validShare: 0.05, seed: 7, root: root)
            #expect(Set(before.valid).subtracting(after.valid).count <= 1)
            #expect(Set(before.train).subtracting(after.train).count <= 1)
        }
    }

    @Test func writtenListsReadBackAsTheSplit() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let song = try scaleRoll()
        var all: [DataItem] = []
        for index in 0..<12 {
            let file = try writeSong(song, named: "songs/\(index).mid", in: folder.url)
            all.append(DataItem(file: file, style: index % 2 == 0 ? "even" : nil))
        }
        let split = try DataSplit(items: all, validShare: 0.25, seed: 42)
        let lists = try split.write(to: folder.url.appendingPathComponent("lists"))
        let train = try MusicDataset(path: lists.train.path)
        let valid = try MusicDataset(path: lists.valid.path)
        #expect(train.items == split.train)
        #expect(valid.items == split.valid)
        #expect(valid.items.count == 3)
        let text = try String(contentsOf: lists.valid, encoding: .utf8)
        #expect(text.hasPrefix("# fractalmidi data split: validation files, 3 of 12, seed 42\n../songs/"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: lists.train.deletingLastPathComponent().path)
        #expect(leftovers.sorted() == ["train.txt", "valid.txt"])
    }

    @Test func sharesAreParsedOrRejected() throws {
        #expect(try DataSplit.parseShare("5%") == 0.05)
        #expect(try DataSplit.parseShare("0.2") == 0.2)
        for bad in ["0", "100%", "1.5", "five", "-3%"] {
            let error = #expect(throws: DataError.self) { try DataSplit.parseShare(bad) }
            #expect(error?.description == "validation share '\(bad)' is not valid; write a percentage like 5% or a fraction like 0.05 (above 0, below 1)")
        }
    }

    @Test func splitNeedsTwoFilesAndKeepsOneForTraining() throws {
        let error = #expect(throws: DataError.self) { try DataSplit(items: items(1), validShare: 0.5, seed: 1, origin: "one.txt") }
        #expect(error?.description == "one.txt: 1 file(s) cannot be split into training and validation; add files so each side gets at least one")
        let split = try DataSplit(items: items(2), validShare: 0.9, seed: 1)
        #expect(split.train.count == 1 && split.valid.count == 1)
    }
}
