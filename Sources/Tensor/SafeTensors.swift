import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Element types of the safetensors format that Orbit reads (all converted to Float32 tensors).
public enum SafeTensorsDType: String, Sendable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16", i32 = "I32", i64 = "I64"
    public var size: Int {
        switch self {
        case .f32, .i32: 4
        case .f16, .bf16: 2
        case .i64: 8
        }
    }
}

public struct SafeTensorsError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String
    public var description: String { "\(path): \(problem)" }

    public init(path: String, problem: String) { (self.path, self.problem) = (path, problem) }
}

/// A read-only memory mapping of a whole file, unmapped when released.
final class MappedFile {
    let base: UnsafeRawPointer
    let size: Int

    init(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw SafeTensorsError(path: path, problem: "cannot open (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SafeTensorsError(path: path, problem: "cannot stat") }
        guard st.st_mode & S_IFMT != S_IFDIR else { throw SafeTensorsError(path: path, problem: "is a folder, not a safetensors file") }
        size = Int(st.st_size)
        guard size > 0 else { throw SafeTensorsError(path: path, problem: "file is empty") }
        // Private and writable: tensors served from the mapping may be updated in place (a trainer's
        // parameters, an optimiser's restored moments); writes go to copied pages, never to the file.
        guard let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw SafeTensorsError(path: path, problem: "cannot map file")
        }
        base = UnsafeRawPointer(p)
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), size) }
}

/// A safetensors file (8-byte little-endian header length, JSON header, raw little-endian data),
/// memory-mapped. F32 tensors aligned in the file are served without copying.
public final class SafeTensorsFile {
    public struct Entry: Sendable {
        public let dtype: SafeTensorsDType
        public let shape: [Int]
        let begin: Int, end: Int
    }

    public let path: String
    public let metadata: [String: String]
    public let entries: [String: Entry]
    private let file: MappedFile
    private let dataStart: Int

    public init(path: String) throws {
        func fail(_ problem: String) -> SafeTensorsError { SafeTensorsError(path: path, problem: problem) }
        file = try MappedFile(path: path)
        self.path = path
        guard file.size >= 8 else { throw fail("truncated: \(file.size) bytes, no header length") }
        let claimedLength = file.base.loadUnaligned(as: UInt64.self).littleEndian
        guard claimedLength > 0, claimedLength <= UInt64(file.size - 8), claimedLength < 100_000_000 else {
            throw fail("header length \(claimedLength) does not fit a file of \(file.size) bytes (or the 100 MB header limit)")
        }
        let headerLength = Int(claimedLength)
        let headerData = Data(bytes: file.base + 8, count: headerLength)
        guard let json = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw fail("header is not a JSON object")
        }
        dataStart = 8 + headerLength
        let dataSize = file.size - dataStart
        var meta: [String: String] = [:]
        var found: [String: Entry] = [:]
        for (name, value) in json {
            if name == "__metadata__" {
                for (k, v) in value as? [String: Any] ?? [:] { meta[k] = v as? String ?? "\(v)" }
                continue
            }
            guard let info = value as? [String: Any], let dt = info["dtype"] as? String,
                  let shapeAny = info["shape"] as? [Any], let offsets = info["data_offsets"] as? [Any], offsets.count == 2
            else { throw fail("tensor '\(name)' has a malformed header entry") }
            guard let dtype = SafeTensorsDType(rawValue: dt) else {
                throw fail("tensor '\(name)' has unsupported dtype \(dt) (F32, F16, BF16, I32, I64 are read)")
            }
            let shape = shapeAny.compactMap(Self.wholeNumber), offsetValues = offsets.compactMap(Self.wholeNumber)
            guard shape.count == shapeAny.count, shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("tensor '\(name)' has a bad shape \(shapeAny) (whole numbers >= 0 expected)")
            }
            let bytes = Int.checkedProduct(shape + [dtype.size])
            try InputLimit.tensorBytes.check(bytes, claimed: "tensor '\(name)' of shape \(shape) (\(bytes.map { "\($0) bytes" } ?? "over 2^63 bytes"))",
                                             path: path)
            guard offsetValues.count == 2, offsetValues[0] >= 0, offsetValues[1] >= offsetValues[0], offsetValues[1] <= dataSize else {
                throw fail("tensor '\(name)' data \(offsets) lies outside the \(dataSize)-byte data section (truncated file?)")
            }
            let (begin, end) = (offsetValues[0], offsetValues[1])
            guard end - begin == bytes else {
                throw fail("tensor '\(name)' holds \(end - begin) bytes, shape \(shape) of \(dt) needs \(bytes!)")
            }
            found[name] = Entry(dtype: dtype, shape: shape, begin: begin, end: end)
        }
        // Tensors may not share bytes: a crafted header could otherwise alias one tensor's data as another's.
        let byStart = found.filter { $0.value.end > $0.value.begin }.sorted { ($0.value.begin, $0.key) < ($1.value.begin, $1.key) }
        for (a, b) in zip(byStart, byStart.dropFirst()) where b.value.begin < a.value.end {
            throw fail("tensors '\(a.key)' [\(a.value.begin), \(a.value.end)) and '\(b.key)' [\(b.value.begin), \(b.value.end)) overlap")
        }
        metadata = meta
        entries = found
    }

    public var names: [String] { entries.keys.sorted() }

    /// A JSON number that is a whole number within Int's range (not 1.5, not 2^63).
    static func wholeNumber(_ value: Any) -> Int? {
        (value as? NSNumber).flatMap { Int(exactly: $0.doubleValue) }
    }

    /// The named tensor as Float32 (F16, BF16 and integers converted).
    public func tensor(_ name: String) throws -> Tensor {
        guard let e = entries[name] else { throw SafeTensorsError(path: path, problem: "no tensor named '\(name)'") }
        let src = file.base + dataStart + e.begin
        let n = e.shape.reduce(1, *)
        if e.dtype == .f32, Int(bitPattern: src) % MemoryLayout<Float>.alignment == 0 {
            let p = UnsafeMutablePointer(mutating: src.assumingMemoryBound(to: Float.self))
            return Tensor(storage: Storage(borrowing: p, count: n, owner: file), shape: e.shape)
        }
        let out = Tensor.uninitialized(e.shape)
        let o = out.data
        switch e.dtype {
        case .f32: for i in 0..<n { o[i] = src.loadUnaligned(fromByteOffset: 4 * i, as: Float.self) }
        case .f16: for i in 0..<n { o[i] = halfToFloat(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
        case .bf16: for i in 0..<n { o[i] = bfloat16ToFloat(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
        case .i32: for i in 0..<n { o[i] = Float(src.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)) }
        case .i64: for i in 0..<n { o[i] = Float(src.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)) }
        }
        return out
    }

    /// Integer tensors exactly (I32 / I64), for indices that Float32 cannot hold.
    public func integers(_ name: String) throws -> [Int] {
        guard let e = entries[name] else { throw SafeTensorsError(path: path, problem: "no tensor named '\(name)'") }
        let src = file.base + dataStart + e.begin
        let n = e.shape.reduce(1, *)
        switch e.dtype {
        case .i32: return (0..<n).map { Int(src.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) }
        case .i64: return (0..<n).map { Int(src.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)) }
        default: throw SafeTensorsError(path: path, problem: "tensor '\(name)' is \(e.dtype.rawValue), not an integer type")
        }
    }
}

public enum SafeTensors {
    /// Writes tensors (as F32, F16 or BF16) with string metadata: to a temporary file, then renamed,
    /// so a failed write leaves no partial file.
    public static func write(_ tensors: [(String, Tensor)], metadata: [String: String] = [:],
                             dtype: SafeTensorsDType = .f32, to path: String) throws {
        precondition([.f32, .f16, .bf16].contains(dtype), "write supports F32, F16, BF16")
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let sorted = tensors.sorted { $0.0 < $1.0 }
        for (name, t) in sorted {
            let bytes = t.count * dtype.size
            header[name] = ["dtype": dtype.rawValue, "shape": t.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
            offset += bytes
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var out = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        for (_, t) in sorted {
            let values = t.toArray()
            switch dtype {
            case .f32: values.withUnsafeBytes { out.append(contentsOf: $0) }
            case .f16: values.map { floatToHalf($0) }.withUnsafeBytes { out.append(contentsOf: $0) }
            case .bf16: values.map { floatToBFloat16($0) }.withUnsafeBytes { out.append(contentsOf: $0) }
            default: break
            }
        }
        try AtomicFile.write(out, to: path)
    }
}

// IEEE half and bfloat16 conversions (round to nearest even on the way down).
public func halfToFloat(_ h: UInt16) -> Float { Float(Float16(bitPattern: h)) }
public func floatToHalf(_ f: Float) -> UInt16 { Float16(f).bitPattern }
public func bfloat16ToFloat(_ b: UInt16) -> Float { Float(bitPattern: UInt32(b) << 16) }
public func floatToBFloat16(_ f: Float) -> UInt16 {
    let bits = f.bitPattern
    if f.isNaN { return UInt16(bits >> 16) | 0x40 }
    let rounding = ((bits >> 16) & 1) + 0x7FFF
    return UInt16((bits &+ rounding) >> 16)
}
