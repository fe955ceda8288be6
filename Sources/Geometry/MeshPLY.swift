import Foundation
import Tensor

/// A mesh as a binary little-endian PLY with per-vertex normals and 8-bit colours (what MeshLab,
/// Blender, trimesh and plyfile read): `vertex` x, y, z, nx, ny, nz (float), red, green, blue
/// (uchar); `face` vertex_indices (uchar count, int indices).
public enum MeshPLY {
    /// positions and normals [N, 3], colours [N, 3] in [0, 1] (sRGB), triangles [M, 3].
    public static func encode(positions: [Float], normals: [Float], colours: [Float], triangles: [Int32]) -> Data {
        let n = positions.count / 3, m = triangles.count / 3
        precondition(normals.count == positions.count && colours.count == positions.count, "normals and colours are [N, 3]")
        var data = Data("""
            ply
            format binary_little_endian 1.0
            comment written by Orbit
            element vertex \(n)
            property float x
            property float y
            property float z
            property float nx
            property float ny
            property float nz
            property uchar red
            property uchar green
            property uchar blue
            element face \(m)
            property list uchar int vertex_indices
            end_header

            """.utf8)
        data.reserveCapacity(data.count + n * 27 + m * 13)
        func append<T>(_ value: T) { withUnsafeBytes(of: value) { data.append(contentsOf: $0) } }
        for i in 0..<n {
            for k in 0..<3 { append(positions[3 * i + k].bitPattern.littleEndian) }
            for k in 0..<3 { append(normals[3 * i + k].bitPattern.littleEndian) }
            for k in 0..<3 { append(UInt8((min(1, max(0, colours[3 * i + k])) * 255).rounded())) }
        }
        for t in 0..<m {
            append(UInt8(3))
            for k in 0..<3 { append(triangles[3 * t + k].littleEndian) }
        }
        return data
    }

    public struct Decoded {
        /// [N, 3] each; colours in [0, 1]; triangles [M, 3].
        public var positions: [Float], normals: [Float], colours: [Float], triangles: [Int32]
    }

    public struct FormatError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads the layout `encode` writes (and nothing else), with errors naming the file; every vertex
    /// position and normal must be finite.
    public static func decode(_ data: Data, file: String) throws -> Decoded {
        func fail(_ why: String) -> FormatError { FormatError(description: "\(file): \(why)") }
        guard let end = data.range(of: Data("end_header\n".utf8)) else { throw fail("not a PLY file (no end_header)") }
        guard let header = String(data: data[data.startIndex..<end.lowerBound], encoding: .ascii) else { throw fail("unreadable PLY header") }
        let lines = header.split(separator: "\n").map(String.init)
        guard lines.first == "ply", lines.contains("format binary_little_endian 1.0") else { throw fail("not a binary little-endian PLY") }
        let properties = lines.filter { $0.hasPrefix("property ") }
        let expected = ["float x", "float y", "float z", "float nx", "float ny", "float nz", "uchar red", "uchar green", "uchar blue"].map { "property " + $0 }
        guard Array(properties.prefix(9)) == expected, properties.count == 10, properties[9] == "property list uchar int vertex_indices" else {
            throw fail("vertex layout is not x y z nx ny nz red green blue with uchar/int faces")
        }
        func count(_ element: String) throws -> Int {
            guard let line = lines.first(where: { $0.hasPrefix("element \(element) ") }) else { throw fail("no element \(element) count") }
            let words = line.split(separator: " ")
            guard words.count == 3, let n = Int(words[2]), n >= 0 else { throw fail("'\(line)': the count is not a whole number >= 0") }
            return n
        }
        let (n, m) = (try count("vertex"), try count("face"))
        let body = data[end.upperBound...]
        let needed = Int.checkedProduct([n, 27]).flatMap { v in Int.checkedProduct([m, 13]).map { v.addingReportingOverflow($0) } }
        guard let needed, !needed.overflow, body.count == needed.partialValue else {
            throw fail("\(body.count) bytes of data for \(n) vertices and \(m) triangles")
        }
        var decoded = Decoded(positions: [Float](repeating: 0, count: 3 * n), normals: [Float](repeating: 0, count: 3 * n),
                              colours: [Float](repeating: 0, count: 3 * n), triangles: [Int32](repeating: 0, count: 3 * m))
        try body.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            for i in 0..<n {
                let base = i * 27
                for k in 0..<3 {
                    decoded.positions[3 * i + k] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: base + 4 * k, as: UInt32.self)))
                    decoded.normals[3 * i + k] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: base + 12 + 4 * k, as: UInt32.self)))
                    decoded.colours[3 * i + k] = Float(raw[base + 24 + k]) / 255
                }
                guard (3 * i..<3 * i + 3).allSatisfy({ decoded.positions[$0].isFinite && decoded.normals[$0].isFinite }) else {
                    throw fail("vertex \(i) of \(n) has a non-finite position \(decoded.positions[(3 * i)..<(3 * i + 3)].map { $0 }) "
                               + "or normal \(decoded.normals[(3 * i)..<(3 * i + 3)].map { $0 })")
                }
            }
            for t in 0..<m {
                let base = n * 27 + t * 13
                guard raw[base] == 3 else { throw fail("face \(t) is not a triangle") }
                for k in 0..<3 {
                    let v = Int32(littleEndian: raw.loadUnaligned(fromByteOffset: base + 1 + 4 * k, as: Int32.self))
                    guard v >= 0 && Int(v) < n else { throw fail("face \(t) names vertex \(v) of \(n)") }
                    decoded.triangles[3 * t + k] = v
                }
            }
        }
        return decoded
    }
}
