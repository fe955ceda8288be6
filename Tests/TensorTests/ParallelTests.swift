import Tensor
import XCTest

final class ParallelTests: XCTestCase {
    func testParallelForCoversEveryIndexOnce() {
        var hits = [Int](repeating: 0, count: 10_007)
        hits.withUnsafeMutableBufferPointer { h in
            parallelFor(h.count, grain: 3) { lo, hi in for i in lo..<hi { h[i] += 1 } }
        }
        XCTAssertEqual(Set(hits), [1])
    }

    func testParallelChunksAreFixed() {
        var seen = [(Int, Int, Int)]()
        let lock = NSLock()
        parallelChunks(10, chunks: 3) { c, lo, hi in lock.lock(); seen.append((c, lo, hi)); lock.unlock() }
        XCTAssertEqual(seen.sorted { $0.0 < $1.0 }.map { [$0.0, $0.1, $0.2] }, [[0, 0, 4], [1, 4, 8], [2, 8, 10]])
    }
}
