import Engine
import Testing

/// Shape mistakes are programming errors: they stop the process with a message that names
/// the shapes involved.
@Suite struct ShapeErrorTests {
    @Test func mismatchedMatmulNamesBothShapes() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).matmul(Tensor.zeros([4, 5]))
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("matmul inner dimensions differ: [2, 3] · [4, 5]"))
    }

    @Test func incompatibleBroadcastNamesBothShapes() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]) + Tensor.zeros([4])
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("shapes [2, 3] and [4] do not broadcast"))
    }
}
