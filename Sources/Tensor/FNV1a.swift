/// 64-bit FNV-1a: a small, stable hash of bytes (seeds from parameter names, job fingerprints,
/// digests that Python computes the same way).
public struct FNV1a: Sendable {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func add<S: Sequence>(bytes: S) where S.Element == UInt8 {
        for b in bytes { value = (value ^ UInt64(b)) &* 0x100_0000_01b3 }
    }

    /// The bytes of a plain value (an integer, a float) as they lie in memory.
    public mutating func add<T>(raw: T) { withUnsafeBytes(of: raw) { add(bytes: $0) } }

    public static func hash(_ text: String) -> UInt64 {
        var h = FNV1a()
        h.add(bytes: text.utf8)
        return h.value
    }
}
