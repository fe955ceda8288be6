import Foundation

/// Points of a PLY point cloud (ASCII or binary little-endian; `x y z` of any numeric type and,
/// when present, `red green blue` as 0-255 integers or 0-1 floats): what `splat fit --init FILE.ply`
/// starts from.
public enum PointCloudPLY {
    static let sizes: [String: Int] = ["char": 1, "int8": 1, "uchar": 1, "uint8": 1, "short": 2, "int16": 2, "ushort": 2,
                                       "uint16": 2, "int": 4, "int32": 4, "uint": 4, "uint32": 4, "float": 4, "float32": 4,
                                       "double": 8, "float64": 8]

    public static func read(_ path: String) throws -> [(position: SIMD3<Float>, colour: SIMD3<Float>)] {
        guard let data = FileManager.default.contents(atPath: path) else { throw SplatInputError(path, "no such file") }
        let header = try PLYHeader(data, path: path)
        if let other = header.properties.first(where: { sizes[$0.type] == nil }) {
            throw SplatInputError(path, "vertex property '\(other.declaration)' is not a scalar number")
        }
        let (count, properties) = (header.vertexCount, header.properties)
        let format = header.format.split(separator: " ").first.map(String.init) ?? ""
        let body = data[header.bodyOffset...]
        let names = properties.map(\.name)
        guard let ix = names.firstIndex(of: "x"), let iy = names.firstIndex(of: "y"), let iz = names.firstIndex(of: "z") else {
            throw SplatInputError(path, "vertices have no x, y, z")
        }
        let colourIndex = ["red", "green", "blue"].compactMap { names.firstIndex(of: $0) }
        var rows: [[Double]] = []
        switch format {
        case "ascii":
            // At least a digit and a separator per value: refuse a count the body cannot hold before splitting it.
            guard let least = Int.checkedProduct([count, 2 * properties.count]), least <= body.count + 1 else {
                throw SplatInputError(path, "truncated: \(count) vertices of \(properties.count) values cannot fit \(body.count) bytes")
            }
            let lines = String(decoding: body, as: UTF8.self).split(separator: "\n")
            guard lines.count >= count else { throw SplatInputError(path, "truncated: \(count) vertices, \(lines.count) lines") }
            rows.reserveCapacity(count)
            for line in lines.prefix(count) {
                let values = line.split(separator: " ").compactMap { Double($0) }
                guard values.count >= properties.count else { throw SplatInputError(path, "bad vertex line '\(line)'") }
                rows.append(values)
            }
        case "binary_little_endian":
            let stride = properties.reduce(0) { $0 + sizes[$1.type]! }
            guard let bytes = Int.checkedProduct([count, stride]), body.count >= bytes else {
                throw SplatInputError(path, "truncated: \(count) vertices of \(stride) bytes cannot fit \(body.count) bytes")
            }
            rows.reserveCapacity(count)
            body.withUnsafeBytes { raw in
                var offset = 0
                for _ in 0..<count {
                    rows.append(properties.map { p -> Double in
                        defer { offset += sizes[p.type]! }
                        switch p.type {
                        case "char", "int8": return Double(raw.loadUnaligned(fromByteOffset: offset, as: Int8.self))
                        case "uchar", "uint8": return Double(raw.loadUnaligned(fromByteOffset: offset, as: UInt8.self))
                        case "short", "int16": return Double(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int16.self)))
                        case "ushort", "uint16": return Double(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
                        case "int", "int32": return Double(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
                        case "uint", "uint32": return Double(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                        case "float", "float32":
                            return Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))))
                        default: return Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
                        }
                    })
                }
            }
        default:
            throw SplatInputError(path, "unsupported PLY format \(format) (ascii or binary_little_endian)")
        }
        let integerColour = colourIndex.first.map { !properties[$0].type.hasPrefix("float") && properties[$0].type != "double" } ?? false
        return try rows.map { r in
            let position = SIMD3(Float(r[ix]), Float(r[iy]), Float(r[iz]))
            guard position.x.isFinite && position.y.isFinite && position.z.isFinite else { throw SplatInputError(path, "non-finite vertex") }
            let colour = colourIndex.count == 3
                ? SIMD3(Float(r[colourIndex[0]]), Float(r[colourIndex[1]]), Float(r[colourIndex[2]])) / (integerColour ? 255 : 1)
                : SIMD3<Float>(repeating: 0.5)
            return (position, colour)
        }
    }
}
