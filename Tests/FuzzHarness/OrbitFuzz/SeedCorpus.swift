import Foundation
import Splat
import Tensor

/// What the seed corpora are made of: the repository's fixtures, files written by Orbit's own writers
/// and hand-made bad files (`Tools/fuzz.sh --seeds TARGET` writes them to Tests/Fuzz/TARGET/).
enum SeedCorpus {
    struct MissingFixture: Error, CustomStringConvertible {
        let description: String
    }

    /// Writes each seed as `folder/name`.
    static func write(_ seeds: [String: Data], to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, data) in seeds { try data.write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent(name))) }
    }

    /// A file of the checkout (the seeds are written from its root, as Tools/fuzz.sh runs).
    static func file(_ relative: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: relative) else {
            throw MissingFixture(description: "\(relative): not found (write seeds from the checkout's root)")
        }
        return data
    }

    /// `count` small, valid Gaussians of SH degree `degree`, the same every time.
    static func gaussians(count: Int, degree: Int, seed: UInt64 = 1) -> Gaussians {
        let k = (degree + 1) * (degree + 1)
        return Gaussians(means: Tensor.uniform([3 * count], low: -1, high: 1, seed: seed).toArray(),
                         logScales: Tensor.uniform([3 * count], low: -4, high: -1, seed: seed + 1).toArray(),
                         quaternions: Tensor.normal([4 * count], seed: seed + 2).toArray(),
                         opacityLogits: Tensor.uniform([count], low: -2, high: 3, seed: seed + 3).toArray(), shDegree: degree,
                         sh: Tensor.uniform([3 * k * count], low: -1, high: 1, seed: seed + 4).toArray())
    }

    /// `data` with `replacement` written over it at `offset`.
    static func patched(_ data: Data, at offset: Int, with replacement: [UInt8]) -> Data {
        var out = data
        out.replaceSubrange(offset..<(offset + replacement.count), with: replacement)
        return out
    }

    /// `text`'s first occurrence of `target` replaced (a header line, a JSON value).
    static func replacing(_ target: String, with replacement: String, in data: Data) -> Data {
        let text = String(decoding: data, as: UTF8.self)
        guard let range = text.range(of: target) else { return data }
        return Data(text.replacingCharacters(in: range, with: replacement).utf8)
    }

    /// The little-endian bytes of `value`.
    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

    /// A PNG chunk: big-endian length, type, data, CRC-32 of type and data.
    static func pngChunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + body
        return bigEndian(UInt32(body.count)) + typed + bigEndian(crc32(typed))
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }

    /// CRC-32 (IEEE 802.3, as PNG and gzip use it).
    static func crc32<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return ~crc
    }

    private static let crcTable: [UInt32] = (0..<256).map { n in
        (0..<8).reduce(UInt32(n)) { c, _ in c & 1 != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
    }
}
