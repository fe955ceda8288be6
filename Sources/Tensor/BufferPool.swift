import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Large tensor buffers, mapped straight from the kernel and reused by size class. Every operation
/// creates and frees big outputs; fresh mappings would pay page faults and kernel zeroing each time,
/// while leaving them to malloc's heap fragments it (a 96-frame UNet call with 0.94 GB of live tensors
/// grew the heap to 5.2 GB). Here a freed buffer waits in its class (four classes per octave, so at
/// most 25% slack) for the next request of that class, up to `cacheLimit` bytes in all; past that it
/// is returned to the kernel.
final class BufferPool: Sendable {
    static let shared = BufferPool(cacheLimit: {
        if let mb = ProcessInfo.processInfo.environment["ORBIT_POOL_MB"].flatMap(Int.init), mb >= 0 { return mb << 20 }
        return 1 << 30
    }())

    /// Requests below this many bytes go to malloc.
    static let minimumBytes = 1 << 20

    let cacheLimit: Int
    private struct State {
        var free: [Int: [UInt]] = [:]  // size class -> addresses
        var cachedBytes = 0
    }
    private let state = Mutex(State())

    init(cacheLimit: Int) { self.cacheLimit = cacheLimit }

    /// Rounds up to whole pages and then to a quarter of the size's octave.
    static func sizeClass(_ bytes: Int) -> Int {
        let page = 4096
        let pages = (bytes + page - 1) / page * page
        let octave = Int.bitWidth - 1 - pages.leadingZeroBitCount
        let step = max(page, 1 << max(octave - 2, 0))
        return (pages + step - 1) / step * step
    }

    /// A buffer of `sizeClass(bytes)` bytes; `zeroed` says whether it is known to hold zeros (fresh).
    func allocate(_ bytes: Int) -> (pointer: UnsafeMutableRawPointer, zeroed: Bool) {
        let size = Self.sizeClass(bytes)
        let reused: UInt? = state.withLock { s in
            guard let address = s.free[size]?.popLast() else { return nil }
            s.cachedBytes -= size
            return address
        }
        if let reused, let pointer = UnsafeMutableRawPointer(bitPattern: reused) { return (pointer, false) }
        guard let mapped = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), mapped != MAP_FAILED else {
            fatalError("out of memory: cannot map \(size) bytes for a tensor (\(Storage.liveBytes >> 20) MB of tensors live)")
        }
        return (mapped, true)
    }

    /// Takes back a buffer from `allocate(bytes)`.
    func release(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
        let size = Self.sizeClass(bytes)
        let kept = state.withLock { s -> Bool in
            guard s.cachedBytes + size <= cacheLimit else { return false }
            s.free[size, default: []].append(UInt(bitPattern: pointer))
            s.cachedBytes += size
            return true
        }
        if !kept { munmap(pointer, size) }
    }

    /// Bytes held for reuse.
    var cachedBytes: Int { state.withLock { $0.cachedBytes } }
}
