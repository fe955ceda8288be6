import Foundation
import ShadersCPU
import Synchronization

/// Float32 memory behind one or more tensors. Owns a 64-byte aligned buffer, or borrows memory
/// that `owner` keeps alive (a memory-mapped safetensors file).
public final class Storage: @unchecked Sendable {
    /// Bytes of tensor memory currently owned, and the most ever owned at once since the last
    /// `resetPeak()`: what a memory budget is measured in (process RSS also counts the heap's
    /// free blocks and mapped weights).
    public static var liveBytes: Int { live.load(ordering: .relaxed) }
    public static var peakBytes: Int { peak.load(ordering: .relaxed) }
    public static func resetPeak() { peak.store(live.load(ordering: .relaxed), ordering: .relaxed) }
    private static let live = Atomic<Int>(0), peak = Atomic<Int>(0)

    private static func track(_ bytes: Int) {
        let now = live.wrappingAdd(bytes, ordering: .relaxed).newValue
        var seen = peak.load(ordering: .relaxed)
        while now > seen {
            let (exchanged, original) = peak.compareExchange(expected: seen, desired: now, ordering: .relaxed)
            if exchanged { break }
            seen = original
        }
    }

    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int
    private let owner: AnyObject?
    private let ownsMemory: Bool

    /// Zero-filled storage of `count` floats.
    public init(count: Int) {
        let (raw, zeroed) = Self.allocate(count)
        if !zeroed { raw.initializeMemory(as: UInt8.self, repeating: 0, count: max(count, 1) * MemoryLayout<Float>.stride) }
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        self.count = count
        owner = nil
        ownsMemory = true
    }

    /// Storage of `count` floats whose contents the caller overwrites entirely (no zero fill).
    public init(uninitializedCount count: Int) {
        pointer = Self.allocate(count).pointer.bindMemory(to: Float.self, capacity: max(count, 1))
        self.count = count
        owner = nil
        ownsMemory = true
    }

    /// 64-byte aligned memory for `count` floats: pooled mappings when large, malloc otherwise.
    private static func allocate(_ count: Int) -> (pointer: UnsafeMutableRawPointer, zeroed: Bool) {
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        track(bytes)
        if bytes >= BufferPool.minimumBytes { return BufferPool.shared.allocate(bytes) }
        return (UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64), false)
    }

    /// Borrowed memory kept alive by `owner`.
    public init(borrowing pointer: UnsafeMutablePointer<Float>, count: Int, owner: AnyObject) {
        self.pointer = pointer
        self.count = count
        self.owner = owner
        ownsMemory = false
    }

    deinit {
        guard ownsMemory else { return }
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        if bytes >= BufferPool.minimumBytes {
            BufferPool.shared.release(UnsafeMutableRawPointer(pointer), bytes: bytes)
        } else {
            UnsafeMutableRawPointer(pointer).deallocate()
        }
        Self.track(-bytes)
    }
}
