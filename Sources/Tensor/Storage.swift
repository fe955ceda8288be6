import Foundation
import ShadersCPU

/// Large tensors come and go every operation. glibc serves big blocks with fresh mmaps by
/// default, so every output would pay page faults and kernel zeroing again (measured: group norm
/// on 8 MB swung 0.7-3.4 ms). Keeping them in the heap makes freed blocks reusable.
private let heapConfigured: Bool = {
    nn_configure_heap()
    return true
}()

/// Float32 memory behind one or more tensors. Owns a 64-byte aligned buffer, or borrows memory
/// that `owner` keeps alive (a memory-mapped safetensors file).
public final class Storage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int
    private let owner: AnyObject?
    private let ownsMemory: Bool

    /// Zero-filled storage of `count` floats.
    public init(count: Int) {
        _ = heapConfigured
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        self.count = count
        owner = nil
        ownsMemory = true
    }

    /// Storage of `count` floats whose contents the caller overwrites entirely (no zero fill).
    public init(uninitializedCount count: Int) {
        _ = heapConfigured
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        self.count = count
        owner = nil
        ownsMemory = true
    }

    /// Borrowed memory kept alive by `owner`.
    public init(borrowing pointer: UnsafeMutablePointer<Float>, count: Int, owner: AnyObject) {
        self.pointer = pointer
        self.count = count
        self.owner = owner
        ownsMemory = false
    }

    deinit {
        if ownsMemory { UnsafeMutableRawPointer(pointer).deallocate() }
    }
}
