import CBLAS
import Dispatch
import Foundation
import Synchronization

/// Work splitting over the cores. OpenBLAS is pinned to one thread: Orbit splits the work itself
/// (letting OpenBLAS thread inside our split measured about 45% slower here, DESIGN.md).
public enum Parallel {
    /// Worker count: ORBIT_THREADS, else the active processor count.
    public nonisolated(unsafe) static var threads: Int = {
        openblas_set_num_threads(1)
        if let s = ProcessInfo.processInfo.environment["ORBIT_THREADS"], let n = Int(s), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()
}

/// Calls `body(begin, end)` on disjoint chunks covering [0, count), spread over the cores with an
/// atomic chunk counter. `grain` is the smallest chunk worth a dispatch; `chunk` fixes the chunk size
/// (small chunks balance very uneven items, such as tiles of a rendered image).
public func parallelFor(_ count: Int, grain: Int = 1, chunk fixedChunk: Int? = nil, _ body: (Int, Int) -> Void) {
    let threads = Parallel.threads
    if count <= 0 { return }
    if threads == 1 || count <= grain {
        body(0, count)
        return
    }
    // About 4 chunks per thread balances uneven work without much counter traffic.
    let chunk = fixedChunk.map { Swift.max(1, $0) } ?? max(grain, (count + threads * 4 - 1) / (threads * 4))
    let chunks = (count + chunk - 1) / chunk
    let next = Atomic<Int>(0)
    withoutActuallyEscaping(body) { body in
        DispatchQueue.concurrentPerform(iterations: min(threads, chunks)) { _ in
            while true {
                let c = next.add(1, ordering: .relaxed).oldValue
                if c >= chunks { break }
                body(c * chunk, min(count, (c + 1) * chunk))
            }
        }
    }
}

/// Like `parallelFor` but with exactly `chunks` fixed chunks, so per-chunk partial results can be
/// reduced in a fixed order (results do not depend on scheduling). Trailing chunks may be empty
/// (begin == end) when `count` does not fill them.
public func parallelChunks(_ count: Int, chunks: Int, _ body: (_ chunk: Int, _ begin: Int, _ end: Int) -> Void) {
    let chunks = max(1, min(chunks, count))
    let size = (count + chunks - 1) / chunks
    parallelFor(chunks) { lo, hi in
        for c in lo..<hi { body(c, min(count, c * size), min(count, (c + 1) * size)) }
    }
}
