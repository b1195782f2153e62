import Foundation
import FuzzTargets

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    FuzzTarget.studio.run(Data(bytes: start, count: count))
    return 0
}
